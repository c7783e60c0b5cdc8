"""Notebooks as input: reading, IPython syntax, positions, and the MLS6xx rules."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from conftest import run_json, run_mlsmells
from mlsmells.notebooks import read_notebook, rewrite_cell, rewrite_line


#: MLS101 is advice (off by default); the tests of reading and positions use its findings.
UNSEEDED_RANDOM = ("--extend-select", "MLS101")


def save(path, cells, **metadata):
    notebook = new_notebook(cells=cells, metadata=metadata)
    nbformat.write(notebook, str(path))
    return path


def code(source, count=None, outputs=()):
    return new_code_cell(source, execution_count=count, outputs=list(outputs))


def findings(tmp_path, *args):
    return [(f["code"], f["cell"], f["line"], f["column"]) for f in run_json(*args, cwd=tmp_path)[1]]


@pytest.mark.parametrize(
    ("line", "rewritten", "magic"),
    [
        ("%matplotlib inline", "pass", ("line-magic", "matplotlib inline")),
        ("%load_ext autoreload", "pass", ("line-magic", "load_ext autoreload")),
        ("%time x = f()", "x = f()", ("line-magic", "time x = f()")),
        ("    %timeit g(1)", "    g(1)", ("line-magic", "timeit g(1)")),
        ("!pip install torch", "pass", ("shell", "pip install torch")),
        ("files = !ls data/", "files = ...", ("shell", "ls data/")),
        ("names = %who_ls", "names = ...", ("line-magic", "who_ls")),
        ("x?", "pass", ("help", "x?")),
        ("??np.random", "pass", ("help", "??np.random")),
        ("% matplotlib inline", "pass", ("line-magic", "matplotlib inline")),
        ("a != b", "a != b", None),
    ],
)
def test_ipython_lines_are_rewritten_in_place(line, rewritten, magic):
    assert rewrite_line(line, first=False)[0] == rewritten
    assert rewrite_line(line, first=False)[2] == magic


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # magics are only recognised where a logical line starts
        (["total = (a", "         % b)"], ["total = (a", "         % b)"]),
        (["x = 5 \\", "  % 3"], ["x = 5 \\", "  % 3"]),
        (["s = '''", "%s is fine", "!important'''"], ["s = '''", "%s is fine", "!important'''"]),
        # a magic ending in a backslash continues on the next line
        (["!saved_model_cli show --dir m \\", "    --tag_set serve", "x = 1"], ["pass", "", "x = 1"]),
        # IPython drops the indentation of a cell whose first line is indented
        (["  df.head()", "  x = 1"], ["df.head()", "x = 1"]),
        # a cell magic after blank lines
        (["", "%%time", "x = 1"], ["", "# %%time", "x = 1"]),
    ],
)
def test_cells_are_rewritten_by_logical_lines(cell, expected):
    assert [text for text, _, _ in rewrite_cell(cell)] == expected


def test_automagic_lines_only_when_the_cell_needs_it(tmp_path):
    save(tmp_path / "a.ipynb", [code("ls ../input\nimport random\nrandom.shuffle(deck)", 1)])
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 1, 3, 1)]


def test_a_cell_left_open_does_not_swallow_the_next(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("import random\nfor i in range(3):", 1),
        code("    random.shuffle(deck)", 2),
    ])
    assert [(c, cell) for c, cell, _, _ in findings(tmp_path, *UNSEEDED_RANDOM)] == [("MLS001", 1)]


def test_cells_form_one_module_in_order(tmp_path):
    path = save(tmp_path / "a.ipynb", [
        new_markdown_cell("# Exploration"),
        code("import numpy as np\n%matplotlib inline", 1),
        new_raw_cell("raw text"),
        code("%%bash\necho $HOME", 2),
        code("%%time\nnoise = np.random.rand(3)", 3),
    ])
    notebook = read_notebook(path.read_text())
    assert notebook.module_text == "import numpy as np\npass\npass\n# %%time\nnoise = np.random.rand(3)\npass\n"
    assert [(m.cell, m.kind, m.command) for m in notebook.magics] == [
        (2, "line-magic", "matplotlib inline"), (5, "cell-magic", "time"),
    ]
    # cell numbers count markdown and raw cells; the bash cell is left out but numbered
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 5, 2, 9)]


def test_finding_in_cell_nine_points_at_cell_line_and_column(tmp_path):
    cells = [new_markdown_cell(f"step {n}") for n in range(4)]
    cells += [code("import numpy as np", 1), code("x = 1", 2), code("y = 2", 3), code("z = 3", 4)]
    cells.append(code("# sample\nfor _ in range(3):\n    %time draw = np.random.normal(0, 1)", 5))
    save(tmp_path / "a.ipynb", cells)
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 9, 3, 18)]
    completed = run_mlsmells("check", *UNSEEDED_RANDOM, "--output-format", "concise", cwd=tmp_path)
    assert completed.stdout.startswith("a.ipynb:cell 9:3:18: MLS101 ")


def test_noqa_inside_a_cell_and_per_file_ignores(tmp_path, write):
    save(tmp_path / "a.ipynb", [code("import random\nrandom.shuffle(deck)  # noqa: MLS101", 1)])
    assert findings(tmp_path, *UNSEEDED_RANDOM) == []
    save(tmp_path / "a.ipynb", [code("import random\nrandom.shuffle(deck)", 1)])
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 1, 2, 1)]
    write("pyproject.toml", '[tool.mlsmells.per-file-ignores]\n"*.ipynb" = ["MLS101"]\n')
    assert findings(tmp_path, *UNSEEDED_RANDOM) == []


def test_a_cell_that_does_not_parse_is_reported_and_the_rest_analysed(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("import numpy as np", 1),
        code("def broken(:\n    pass", 2),
        code("x = np.random.rand(2)", 3),
    ])
    result = findings(tmp_path, *UNSEEDED_RANDOM)
    assert result == [("MLS001", 2, 1, 12), ("MLS101", 3, 1, 5)]


def test_empty_notebooks_and_notebooks_without_code(tmp_path):
    save(tmp_path / "empty.ipynb", [])
    save(tmp_path / "prose.ipynb", [new_markdown_cell("# Notes"), new_raw_cell("x")])
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 0
    assert "checked 2 files, 0 findings" in completed.stderr


def test_version_3_notebook_is_converted(tmp_path):
    v3 = {
        "nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"},
        "worksheets": [{"cells": [
            {"cell_type": "code", "input": "import random\nrandom.shuffle(items)", "language": "python",
             "outputs": [], "prompt_number": 1, "metadata": {}},
        ], "metadata": {}}],
    }
    (tmp_path / "old.ipynb").write_text(json.dumps(v3))
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 1, 2, 1)]


def test_non_python_kernel_is_skipped_with_a_note(tmp_path):
    save(tmp_path / "r.ipynb", [code("x <- runif(10)", 1)],
         kernelspec={"name": "ir", "language": "R", "display_name": "R"})
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 0
    assert "skipped r.ipynb: its kernel language is r, not Python" in completed.stderr
    assert "checked 0 files" in completed.stderr


def test_windows_line_endings_and_string_sources(tmp_path):
    notebook = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": 1,
                   "source": "import random\r\n\r\nrandom.shuffle(deck)\r\n"}],
    }
    (tmp_path / "crlf.ipynb").write_text(json.dumps(notebook))
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 1, 3, 1)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not a valid notebook: Notebook does not appear to be JSON"),
        ('{"nbformat": 4, "nbformat_minor": 2, "metadata": {}}', "missing an expected key: cells"),
        ('{"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}', "Unsupported nbformat version 5"),
    ],
)
def test_invalid_notebooks_are_mls001_and_the_run_goes_on(tmp_path, write, content, reason):
    write("bad.ipynb", content)
    write("good.py", "import random\nrandom.shuffle(deck)\n")
    code_, result = run_json(*UNSEEDED_RANDOM, cwd=tmp_path)
    assert code_ == 1
    assert [(f["path"], f["code"]) for f in result] == [("bad.ipynb", "MLS001"), ("good.py", "MLS101")]
    assert reason in result[0]["message"]


def test_execution_order_rules(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("import pandas as pd", 1),
        code("frame = pd.read_csv('x.csv')", 7),
        code("frame = frame.dropna()", None),
        code("summary = frame.describe()", 3),
        code("# only a note", None),
        code("summary", 9, outputs=[new_output("error", ename="KeyError", evalue="'age'", traceback=[])]),
        code("late = 1", None),
    ])
    assert findings(tmp_path, "--select", "MLS6") == [
        ("MLS601", 2, 1, 1),
        ("MLS604", 3, 1, 1),
        ("MLS603", 6, 1, 1),
    ]


def test_execution_counts_with_gaps_repeats_and_nulls_are_fine(tmp_path):
    save(tmp_path / "a.ipynb", [code("a = 1", 2), code("b = 2", 2), code("c = 3", 10), code("d = 4", None)])
    assert findings(tmp_path, "--select", "MLS601,MLS604") == []


def test_use_before_definition(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("import pandas as pd\nfiles = !ls data", 1),
        code("def summarize(frame):\n    return frame.describe(include=columns)", 2),
        code("report = summarize(table)\nprint(len(files), report)", 4),
        code("table = pd.read_csv('t.csv')\ncolumns = list(table)", 3),
        code("squares = [n * n for n in range(3)]\nfn = lambda: later\nlater = 1", 5),
    ])
    assert findings(tmp_path, "--select", "MLS602") == [("MLS602", 3, 1, 20)]


def test_use_before_definition_is_quiet_after_star_imports_and_run(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("from helpers import *", 1),
        code("model = build(config)", 2),
        code("config = {}", 3),
    ])
    assert findings(tmp_path, "--select", "MLS602") == []
    save(tmp_path / "a.ipynb", [
        code("%run setup.py", 1),
        code("model = build(config)", 2),
        code("config = {}", 3),
    ])
    assert findings(tmp_path, "--select", "MLS602") == []


def test_late_imports_is_advice(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("import pandas as pd\n%matplotlib inline\nSEED = 1", 1),
        code("frame = pd.read_csv('t.csv')", 2),
        code("import seaborn as sns\nsns.histplot(frame)", 3),
    ])
    assert findings(tmp_path) == []
    assert findings(tmp_path, "--extend-select", "late-imports") == [("MLS605", 3, 1, 1)]


@pytest.mark.parametrize("minor", range(6))
def test_every_nbformat_4_minor_version(tmp_path, minor):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
            "source": ["import random\n", "random.shuffle(deck)"]}
    if minor >= 5:
        cell["id"] = "c1"
    notebook = {"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": [cell]}
    (tmp_path / "a.ipynb").write_text(json.dumps(notebook))
    assert findings(tmp_path, *UNSEEDED_RANDOM) == [("MLS101", 1, 2, 1)]


def test_rules_of_other_families_see_magic_and_shell_lines(tmp_path):
    from mlsmells.engine.linter import lint_notebook
    from mlsmells.findings import Family
    from mlsmells.rule import Rule

    class UnpinnedShellInstall(Rule):
        """Throwaway rule: reports `!pip install` lines, as a configuration rule would."""

        code = "MLS299"
        name = "unpinned-shell-install"
        family = Family.CONFIGURATION

        def end_file(self):
            for magic in self.file.notebook.magics if self.file.notebook else ():
                if magic.kind == "shell" and magic.command.startswith("pip install"):
                    self.file.report_cell(self, magic.cell, f"shell: {magic.command}", line=magic.cell_line)

    path = save(tmp_path / "a.ipynb", [code("import os", 1), code("x = 1\n!pip install torch", 2)])
    result = lint_notebook("a.ipynb", read_notebook(path.read_text()), [UnpinnedShellInstall], {UnpinnedShellInstall: {}})
    assert [(f.cell, f.span.line, f.message, f.source_line) for f in result.findings] == [
        (2, 2, "shell: pip install torch", "!pip install torch")
    ]


def test_use_before_definition_knows_ipython_and_python_binding_rules(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("%%capture out\nprint('hi')", 1),
        code("out.show()\nclass Config:\n    lr = 0.1\nsquares = [i * i for i in range(3)]", 2),
        code("match command:\n    case [first, *rest]:\n        print(first, rest)", 3),
        code("print(lr, i)", 4),
        code("lr = 0.2\ni = 0\nout = None", 5),
    ])
    # `lr` is a class attribute and `i` a comprehension variable in cells 2: both are undefined
    # at module level when cell 4 runs; `out` was bound by %%capture in cell 1.
    assert findings(tmp_path, "--select", "MLS602") == [("MLS602", 4, 1, 7), ("MLS602", 4, 1, 11)]


def test_use_before_definition_is_quiet_after_exec_and_pylab(tmp_path):
    for first in ("exec('lr = 0.1')", "%pylab inline"):
        save(tmp_path / "a.ipynb", [code(first, 1), code("print(lr)", 2), code("lr = 0.2", 3)])
        assert findings(tmp_path, "--select", "MLS602") == [], first


def test_late_imports_ignores_constant_setup_cells(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("IMG_SIZE = (256, 256)\nCLASSES = ['cat', 'dog']\nCONFIG = {'lr': 1e-3, 'epochs': -1}", 1),
        code("import pandas as pd", 2),
        code("frame = pd.read_csv('t.csv')", 3),
    ])
    assert findings(tmp_path, "--select", "MLS605") == []


def test_skipped_cells_reports_only_what_the_saved_file_proves(tmp_path):
    log = new_output("stream", name="stdout", text="epoch 1: loss 0.42\n")
    save(tmp_path / "ran.ipynb", [
        code("import torch", 1),
        code("model = torch.nn.Linear(4, 1)", 2),
        code("history = train(model, epochs=5)", None, outputs=[log]),  # its count was lost, not its log
        code("torch.save(model.state_dict(), 'model.pt')", 4),
        code("scores = evaluate(model)", None),  # [4] then [6]: a free count for it
        code("print(scores)", 6),
    ])
    assert findings(tmp_path, "--select", "MLS604") == []
    save(tmp_path / "ran.ipynb", [
        code("import pandas as pd", 1),
        code("frame = pd.read_csv('rides.csv')", 2),
        code("frame.head()", 3),
        code("frame = frame.dropna()", None),
        code("frame = frame[frame.km > 0]", None),
        code("frame['fare_per_km'] = frame.fare / frame.km", None),
        code("frame.describe()", 4),
        code("frame.to_parquet('rides.parquet')", 5),
    ])
    [(code_, cell, _, _)] = findings(tmp_path, "--select", "MLS604")
    assert (code_, cell) == ("MLS604", 4)
    message = run_json("--select", "MLS604", cwd=tmp_path)[1][0]["message"]
    assert message.startswith("cells 4, 5 and 6 were never run, but cells after them were")


def test_an_error_the_prose_around_it_talks_about_was_shown_on_purpose(tmp_path):
    shape_error = new_output("error", ename="RuntimeError", evalue="mat1 and mat2 shapes cannot be multiplied",
                             traceback=[])
    save(tmp_path / "lesson.ipynb", [
        code("import torch\nlayer = torch.nn.Linear(3, 2)", 1),
        new_markdown_cell("The most common bug in deep learning: shapes that do not line up. Watch:"),
        code("layer(torch.ones(4, 5))", 2, outputs=[shape_error]),
        new_markdown_cell("We get an error: `Linear(3, 2)` expects 3 features. Fix the input:"),
        code("layer(torch.ones(4, 3))", 3),
    ])
    assert findings(tmp_path, "--select", "MLS603") == []
    key_error = new_output("error", ename="KeyError", evalue="'fare'", traceback=[])
    save(tmp_path / "lesson.ipynb", [
        code("import pandas as pd\nrides = pd.read_csv('rides.csv')", 1),
        new_markdown_cell("Compute the mean squared error of the baseline and its error rate."),
        code("baseline = rides['fare'].mean()", 2, outputs=[key_error]),
    ])
    assert findings(tmp_path, "--select", "MLS603") == [("MLS603", 3, 1, 1)]


def test_skipped_cells_ignores_cells_disabled_by_quoting(tmp_path):
    save(tmp_path / "a.ipynb", [code("x = 1", 1), code("'''\nx = expensive()\n'''", None), code("y = x", 2)])
    assert findings(tmp_path, "--select", "MLS604") == []


def test_use_before_definition_is_quiet_after_a_cell_that_does_not_parse(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("print 'python 2'\nscores = load()", 1),
        code("print(scores)", 2),
        code("scores = []", 3),
    ])
    assert [code_ for code_, *_ in findings(tmp_path)] == ["MLS001"]


def test_statement_cells_from_cpython_lines_match_generated_code():
    from mlsmells.engine.context import _statement_cells
    from mlsmells.engine.parsing import parse
    from mlsmells.notebooks import notebook_from_percent

    notebook, _ = notebook_from_percent(
        "# %% [1]\n# setup\nimport os; import sys\n\n# %% [2]\n@decorate\n# note\ndef f():\n"
        "    return 1\n\n# trailing\n# %% [3]\n%matplotlib inline\nx = f()\n"
    )
    parsed = parse(notebook.module_text)
    module, lines = parsed.module, parsed.statement_lines
    assert lines is not None
    from_cpython = _statement_cells(module, notebook, lines)
    from_codegen = _statement_cells(module, notebook, None)
    assert from_cpython == from_codegen
    assert [from_cpython[statement] for statement in module.body] == [1, 1, 2, 2, 3, 3, 3]


def test_a_count_seen_before_starts_another_session_not_an_order(tmp_path):
    restarted = [code(f"step_{n} = {n}", n) for n in range(1, 10)] + [code("probe = 1", 1)]
    restarted += [code(f"late_{n} = {n}", n) for n in range(11, 14)]
    save(tmp_path / "a.ipynb", restarted)
    assert findings(tmp_path, "--select", "MLS601") == []
    # Without a second first execution the lower counts below still prove cells ran out of order.
    save(tmp_path / "a.ipynb", [code("a = 1", 3), code("b = 2", 4), code("c = 3", 1), code("d = 4", 2)])
    assert findings(tmp_path, "--select", "MLS601") == [("MLS601", 2, 1, 1)]
    save(tmp_path / "a.ipynb", [code("a = 1", 1), code("b = 2", 6), code("c = 3", 7), code("d = 4", 7)])
    assert findings(tmp_path, "--select", "MLS601") == []  # equal counts: copied cells
    save(tmp_path / "a.ipynb", [code("a = 1", 1), code("b = 2", 6), code("c = 3", 18), code("d = 4", 7)])
    assert findings(tmp_path, "--select", "MLS601") == [("MLS601", 3, 1, 1)]


def test_skipped_notes_restarts_and_placeholders_prove_nothing(tmp_path):
    save(tmp_path / "a.ipynb", [
        code("!pip install -q transformers", 1),
        code("import IPython\nIPython.Application.instance().kernel.do_shutdown(True)", None),
        code("from transformers import pipeline", 2),
        code("'uncomment the next cell to download the data'", None),
        code("classifier = pipeline('sentiment-analysis')", 3),
    ])
    assert findings(tmp_path, "--select", "MLS604") == []
    save(tmp_path / "a.ipynb", [
        code("import pandas as pd\nframe = pd.read_csv('rides.csv')", 1),
        code("frame = frame.dropna()", None),
        code("# TO DO: plot the fares", 2),
        code("# TO DO: fit a baseline", 3),
    ])
    assert findings(tmp_path, "--select", "MLS604") == []


def test_an_error_whose_message_the_prose_uses_or_a_restart_was_shown_on_purpose(tmp_path):
    singular = new_output("error", ename="LinAlgError", evalue="Singular matrix", traceback=[])
    restart = new_output("error", ename="DeadKernelError", evalue="Kernel died", traceback=[])
    missing = new_output("error", ename="FileNotFoundError",
                         evalue="[Errno 2] No such file or directory: 'training/train.csv'", traceback=[])
    save(tmp_path / "lesson.ipynb", [
        code("import numpy as np\nB = np.array([[1, 2], [2, 4]])", 1),
        new_markdown_cell("B is not invertible (it is *singular*), so inverting it fails:"),
        code("np.linalg.inv(B)", 2, outputs=[singular]),
        code("import IPython\nIPython.Application.instance().kernel.do_shutdown(True)", 3, outputs=[restart]),
        new_markdown_cell("Now we load the training data and train the model."),
        code("import pandas as pd\nframe = pd.read_csv('training/train.csv')", 4, outputs=[missing]),
    ])
    assert findings(tmp_path, "--select", "MLS603") == [("MLS603", 6, 1, 1)]


def test_a_short_cell_the_prose_or_its_comment_says_cannot_work_is_a_demonstration(tmp_path):
    frozen = new_output("error", ename="TypeError", evalue="'tuple' object does not support item assignment",
                        traceback=[])
    on_gpu = new_output("error", ename="TypeError", evalue="can't convert cuda:0 device type tensor to numpy.",
                        traceback=[])
    wrong_device = new_output("error", ename="RuntimeError", evalue="Expected all tensors to be on the same device",
                              traceback=[])
    save(tmp_path / "lesson.ipynb", [
        code("import torch\nimport numpy as np", 1),
        new_markdown_cell("Image sizes are stored as tuples, and tuples cannot be changed once created:"),
        code("size = (224, 224)\nsize[0] = 256", 2, outputs=[frozen]),
        code("size = (256, 224)", 3),
        code("# A tensor on the GPU can't go to NumPy directly\nimport torch\ntorch.ones(3, device='cuda').numpy()", 4,
             outputs=[on_gpu]),
        code("# this will fail: the batch is still on the CPU\nmodel = torch.nn.Linear(3, 1).cuda()\n"
             "model(torch.ones(2, 3))", 5, outputs=[wrong_device]),
        code("model(torch.ones(2, 3).cuda())", 6, outputs=[new_output("execute_result", data={"text/plain": "tensor"})]),
    ])
    assert findings(tmp_path, "--select", "MLS603") == []


def test_prose_or_comments_do_not_excuse_a_long_cell_or_one_that_stopped_the_run(tmp_path):
    missing = new_output("error", ename="FileNotFoundError",
                         evalue="[Errno 2] No such file or directory: 'data/reviews.parquet'", traceback=[])
    shape = new_output("error", ename="ValueError", evalue="Found input variables with inconsistent numbers of samples",
                       traceback=[])
    training = ("frame = pd.read_parquet('data/reviews.parquet')\nfeatures = vectorizer.fit_transform(frame.text)\n"
                "labels = frame.stars > 3\nmodel = LogisticRegression(max_iter=500)\nmodel.fit(features, labels)")
    save(tmp_path / "train.ipynb", [
        code("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression", 1),
        new_markdown_cell("The raw reviews cannot fit in memory as strings, so we vectorize them first."),
        code(training, 2, outputs=[missing]),
        code("print(model.coef_.shape)", 3),
    ])
    assert findings(tmp_path, "--select", "MLS603") == [("MLS603", 3, 1, 1)]
    save(tmp_path / "train.ipynb", [
        code("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression", 1),
        code("# can't use the test split here: it is not labelled\nmodel = LogisticRegression().fit(X_train, y)", 2,
             outputs=[shape]),
        code("accuracy = model.score(X_valid, y_valid)", None),
    ])
    assert findings(tmp_path, "--select", "MLS603") == [("MLS603", 2, 1, 1)]
    undefined = new_output("error", ename="NameError", evalue="name 'folds' is not defined", traceback=[])
    save(tmp_path / "train.ipynb", [
        code("import numpy as np", 1),
        code("# the error on each validation fold\nscores = [fold_error(model, fold) for fold in folds]", 2,
             outputs=[undefined]),
    ])
    assert findings(tmp_path, "--select", "MLS603") == [("MLS603", 2, 1, 1)]


def test_a_cell_stopped_by_hand_is_reported_as_interrupted_not_failing(tmp_path):
    interrupted = new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[])
    save(tmp_path / "train.ipynb", [
        code("import torch\nmodel = torch.nn.Linear(8, 1)", 1),
        code("for epoch in range(100):\n    train_one_epoch(model)", 2, outputs=[interrupted]),
        code("torch.save(model.state_dict(), 'model.pt')", 3),
    ])
    result = run_json("--select", "MLS603", cwd=tmp_path)[1]
    assert [(f["code"], f["cell"]) for f in result] == [("MLS603", 2)]
    assert result[0]["message"] == (
        "cell 2 was interrupted by hand while running (KeyboardInterrupt): its saved outputs are partial"
    )


def test_a_skipped_cell_counts_only_if_a_later_run_cell_reads_what_it_changes(tmp_path):
    inspect_only = code("import rich\nrich.inspect(client)", None)
    overwritten = code("CLUSTER_IP = get_load_balancer_ip()", None)
    fitted = code("model.fit(X, y)", None)
    downloaded = code("!wget -q https://example.org/data.zip", None)
    def notebook(skipped):
        return [
            code("import pandas as pd\nclient = make_client()\nmodel = make_model()", 1),
            skipped,
            code("CLUSTER_IP = 'localhost:8080'\nprint(client.predict(CLUSTER_IP))", 2),
            code("print(model.score(X, y))", 3),
        ]
    for quiet in (inspect_only, overwritten):
        save(tmp_path / "a.ipynb", notebook(quiet))
        assert findings(tmp_path, "--select", "MLS604") == [], quiet.source
    for reported in (fitted, downloaded):
        save(tmp_path / "a.ipynb", notebook(reported))
        assert findings(tmp_path, "--select", "MLS604") == [("MLS604", 2, 1, 1)], reported.source


def test_skipped_module_calls_prose_and_optional_cells_change_nothing(tmp_path):
    for skipped in (
        code("np.mean(np.abs(preds - targets))", None),
        code("A function to provide a correlation circle for PCA.", None),
        code("!pip install --upgrade tfx==1.4.0  # (Optional) only if your versions differ", None),
    ):
        save(tmp_path / "a.ipynb", [
            code("import numpy as np\npreds, targets = np.zeros(3), np.ones(3)", 1),
            skipped,
            code("print(np.mean(preds), targets)", 2),
        ])
        assert findings(tmp_path, "--select", "MLS604") == [], skipped.source


def test_a_cell_a_later_clean_run_reads_from_ran_and_lost_its_count(tmp_path):
    shown = new_output("execute_result", data={"text/plain": "1000"}, execution_count=5)
    failed = new_output("error", ename="NameError", evalue="name 'train_dir' is not defined", traceback=[])
    def notebook(reader_count, reader_outputs):
        return [
            code("import os\nbase_dir = 'data/cats_and_dogs'", 1),
            code("os.makedirs(base_dir, exist_ok=True)", 2),
            code("train_dir = os.path.join(base_dir, 'train')", None),  # only cell binding train_dir
            code("val_dir = os.path.join(base_dir, 'val')\nos.makedirs(val_dir)", None),
            code("print(base_dir)", 4),
            code("len(os.listdir(train_dir))", reader_count, outputs=reader_outputs),
            code("os.listdir(val_dir)", 6),
        ]
    # [2], two cells without counts, [4]: the one a clean later run reads from had count 3.
    save(tmp_path / "a.ipynb", notebook(5, [shown]))
    assert findings(tmp_path, "--select", "MLS604") == [("MLS604", 4, 1, 1)]
    # A read that failed, or saved nothing, proves nothing: both cells are reported.
    for outputs in ([failed], []):
        save(tmp_path / "a.ipynb", notebook(5, outputs))
        assert findings(tmp_path, "--select", "MLS604") == [("MLS604", 3, 1, 1)]
    # No count free for it: the clean read only shows the notebook was edited after it ran.
    save(tmp_path / "a.ipynb", [
        code("import os\nbase_dir = 'data/cats_and_dogs'", 1),
        code("train_dir = os.path.join(base_dir, 'train')", None),
        code("print(base_dir)", 2),
        code("len(os.listdir(train_dir))", 3, outputs=[shown]),
    ])
    assert findings(tmp_path, "--select", "MLS604") == [("MLS604", 2, 1, 1)]


def test_cells_that_ran_count_and_empty_cells_take_no_count(tmp_path):
    log = new_output("stream", name="stdout", text="Epoch 1/100 - loss: 1.93\n")
    failed = new_output("error", ename="NameError", evalue="name 'X_test' is not defined", traceback=[])
    for ran in (code("history = model.fit(X, y, epochs=100)", None, outputs=[log]),
                code("score = model.score(X_test, y_test)", None, outputs=[failed])):
        save(tmp_path / "a.ipynb", [
            code("from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression()", 1),
            code("X, y = load_rides()", 2),
            ran,
            code("", None),
            code("model.fit(X, y)", None),  # [2] ... [5]: counts 3 and 4 were free for both
            code("print(model.coef_)", 5),
        ])
        assert findings(tmp_path, "--select", "MLS604") == [], ran.source
    # The cell with outputs took the only free count: the other one never ran.
    save(tmp_path / "a.ipynb", [
        code("from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression()", 1),
        code("X, y = load_rides()", 2),
        code("history = model.fit(X, y)", None, outputs=[log]),
        code("model.set_params(C=0.1)", None),
        code("print(model.coef_)", 4),
    ])
    assert findings(tmp_path, "--select", "MLS604") == [("MLS604", 4, 1, 1)]


def test_outputs_cleared_in_bulk_say_nothing_about_single_cells(tmp_path):
    plot = new_output("display_data", data={"text/plain": "<Figure>"})
    cleared = [code(f"step_{n} = transform(step_{n - 1})", None) for n in range(1, 9)]
    save(tmp_path / "a.ipynb", [
        code("import matplotlib.pyplot as plt\nstep_0 = load()", 1),
        *cleared,
        code("plt.plot(step_8)", 12, outputs=[plot]),
        code("plt.plot(step_0)", 13, outputs=[plot]),
    ])
    assert findings(tmp_path, "--select", "MLS604") == []


def test_skipped_shell_cells_that_only_show_something_change_nothing(tmp_path):
    def notebook(shell):
        return [
            code("import pandas as pd", 1),
            shell,
            code("frame = pd.read_csv('data/train.csv')\nframe.head()", 2),
        ]
    for shown in ("!head -n 5 data/train.csv", "!ls -la data | wc -l", "!nvidia-smi\n!pip list | grep torch"):
        save(tmp_path / "a.ipynb", notebook(code(shown, None)))
        assert findings(tmp_path, "--select", "MLS604") == [], shown
    for changes in ("!head -n 500 data/full.csv > data/train.csv", "!ls data && rm data/train.csv",
                    "!gsutil cp gs://bucket/train.csv data/"):
        save(tmp_path / "a.ipynb", notebook(code(changes, None)))
        assert findings(tmp_path, "--select", "MLS604") == [("MLS604", 2, 1, 1)], changes


def test_use_before_definition_ignores_cells_outside_the_saved_run(tmp_path):
    schematic = code("z = encoder(input_img)\nreconstruction = decoder(z)", None)
    cells = [
        code("import numpy as np", 1),
        schematic,  # never run: shows the idea, uses names defined below
        code("input_img = np.zeros((28, 28))", 2),
        code("def decoder(z):\n    return z", 3),
    ]
    save(tmp_path / "a.ipynb", cells)
    assert findings(tmp_path, "--select", "MLS602") == []
    # A cell that ran (a count, or saved outputs) is part of the run and still reported.
    failed = new_output("error", ename="NameError", evalue="name 'encoder' is not defined", traceback=[])
    for ran in (code(schematic.source, 4), code(schematic.source, None, outputs=[failed])):
        save(tmp_path / "a.ipynb", [cells[0], ran, *cells[2:]])
        assert findings(tmp_path, "--select", "MLS602") == [("MLS602", 2, 1, 13), ("MLS602", 2, 2, 18)], ran
    # A notebook saved without any counts, or with most counts cleared, is checked in full.
    cleared = [code(cell.source, None) for cell in cells]
    for saved in (cleared, [*cleared[:-1], code(cells[-1].source, 7)]):
        save(tmp_path / "a.ipynb", saved)
        assert [code_ for code_, *_ in findings(tmp_path, "--select", "MLS602")] == ["MLS602", "MLS602"]
