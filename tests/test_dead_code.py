"""MLS401 (dead-branch) and MLS403 (commented-out-code) beyond their documented examples:
constant tests, unreachable statements, experiment flags across a repository, and which
comments read as code."""

from __future__ import annotations

import json
import textwrap

from conftest import lines, lint, lint_percent_notebook, run_json

from mlsmells.engine.linter import lint_source
from mlsmells.registry import find_rule
from mlsmells.rules.architecture.dead_code import (
    CODE,
    NEUTRAL,
    PROSE,
    classify_comments,
)

# MLS401: constant tests ----------------------------------------------------------------------


def test_constant_false_tests_and_the_else_of_constant_true_tests():
    findings = lint(
        """
        import torch

        def build(depth):
            if 0:
                return torchvision.models.resnet152()
            elif False:
                return torchvision.models.vit_b_16()
            while False:
                depth += 1
            if True:
                model = make_resnet(depth)
            else:
                model = make_vit(depth)
            while True:
                if model.ready():
                    break
            else:
                model.reset()
            return model
        """,
        "MLS401",
    )
    findings.sort(key=lambda finding: finding.span.line)
    assert lines(findings) == [4, 6, 8, 10, 14]
    assert "`if 0:` never runs its body (1 statement)" in findings[0].message
    assert "`if True:` is always true, so its `else` branch never runs" in findings[3].message


def test_constant_tests_that_leave_no_code_dead():
    findings = lint(
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from torch import Tensor

        if False:  # the spelling of TYPE_CHECKING before Python 3.5.2
            from typing import Dict

        def batches(loader):
            if False:
                yield  # makes this function a generator

        while True:
            batch = next(stream)
            if batch is None:
                break
        if 1:
            warmup(model)
        """,
        "MLS401",
    )
    assert findings == []


# MLS401: statements after return, raise, continue, break ------------------------------------


def test_statements_after_a_block_ends():
    findings = lint(
        """
        def forward(self, hidden_states):
            hidden_states = self.dense(hidden_states)
            return(hidden_states)
            hidden_states = self.dropout(hidden_states)
            return hidden_states

        def train(loader):
            for batch in loader:
                if batch is None:
                    continue
                    log("empty batch")
                step(batch)
                break; print("stopped after one batch")

        def load(path):
            raise NotImplementedError("use load_safetensors")
            return torch.load(path)
        """,
        "MLS401",
    )
    findings.sort(key=lambda finding: finding.span.line)
    assert lines(findings) == [4, 11, 13, 17]
    assert findings[0].message.startswith("this statement and the 1 after it can never run: `return` above")
    assert "`break` above" in findings[2].message


def test_conditional_exits_and_empty_generators_are_not_dead_code():
    findings = lint(
        """
        def predict(model, batch):
            if batch is None:
                return None
            return model(batch)

        def no_batches():
            return
            yield

        def check(x):
            try:
                return validate(x)
            except ValueError:
                raise
            finally:
                cleanup()
        """,
        "MLS401",
    )
    assert findings == []


def test_notebooks_report_switched_off_cells_but_not_later_cells_after_a_stop():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import pandas as pd
        df = pd.read_csv("train.csv")
        # %% [2]
        if 0:
            df = df.sample(frac=0.1)
        # %% [3]
        raise SystemExit("stop here: the cells below are run by hand")
        # %% [4]
        df.to_parquet("train.parquet")
        """
        ).lstrip(),
        "MLS401",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1)]


# MLS401: experiment flags, through the repository pass -------------------------------------


def test_flag_bound_once_to_false_is_reported_with_where_it_is_bound(write, tmp_path):
    write(
        "train.py",
        """
        import torch

        USE_AMP = False
        CHECKPOINT = None

        def train_step(model, batch, optimizer, scaler):
            if USE_AMP:
                with torch.autocast("cuda"):
                    loss = model(batch)
                scaler.scale(loss).backward()
            if CHECKPOINT:
                model.load_state_dict(torch.load(CHECKPOINT))
        """,
    )
    code, findings = run_json("--select", "MLS401", cwd=tmp_path)
    assert code == 1
    assert [(f["path"], f["line"]) for f in findings] == [("train.py", 8), ("train.py", 12)]
    assert "`if USE_AMP:` never runs its body (2 statements): `USE_AMP` is bound once, to `False`, on line 4" in (
        findings[0]["message"]
    )
    assert "bound once, to `None`, on line 5" in findings[1]["message"]


def test_a_flag_bound_in_a_notebook_cell_says_which_cell(write, tmp_path):
    cells = [
        "import pandas as pd\nDEBUG_SAMPLE = False",
        "train = pd.read_csv('train.csv')\nif DEBUG_SAMPLE:\n    train = train.sample(1000)",
    ]
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    write("explore.ipynb", json.dumps(notebook))
    code, findings = run_json("--select", "MLS401", cwd=tmp_path)
    assert code == 1
    assert [(f["path"], f["cell"]) for f in findings] == [("explore.ipynb", 2)]
    assert "`DEBUG_SAMPLE` is bound once, to `False`, in cell 1, line 2" in findings[0]["message"]


def test_flags_something_may_change_are_not_reported(write, tmp_path):
    write(
        "global_flag.py",
        """
        DEBUG = False

        def enable_debug():
            global DEBUG
            DEBUG = True

        def step(batch):
            if DEBUG:
                print(batch.shape)
        """,
    )
    write(
        "configurator.py",
        """
        wandb_log = False
        exec(open("config/override.py").read())
        if wandb_log:
            import wandb
        """,
    )
    write(
        "shadowed.py",
        """
        VERBOSE = 0

        def fit(model, data, VERBOSE=1):
            if VERBOSE:
                print("fitting")

        class Trainer:
            VERBOSE = True

            def log(self, message):
                VERBOSE = self.VERBOSE
                if VERBOSE:
                    print(message)
        """,
    )
    write(
        "rebound.py",
        """
        import sys

        USE_EMA = False
        if "--ema" in sys.argv:
            USE_EMA = True
        if USE_EMA:
            model = ExponentialMovingAverage(model)
        """,
    )
    write("features.py", "USE_LOG_TARGET = False\nif USE_LOG_TARGET:\n    y = np.log1p(y)\n")
    write("sweep.py", "from features import USE_LOG_TARGET\nprint(USE_LOG_TARGET)\n")
    write("augment.py", "USE_CUTMIX = False\ndef augment(x):\n    if USE_CUTMIX:\n        x = cutmix(x)\n    return x\n")
    write("tests/test_augment.py", "import augment\n\ndef test_cutmix(monkeypatch):\n    monkeypatch.setattr(augment, 'USE_CUTMIX', True)\n")
    # A switch with its other position written beside it is flipped by hand.
    write("debug.py", "# debug_mode = True\ndebug_mode = False\nif debug_mode:\n    frame = frame.head(100)\n")
    # A Colab form's checkbox is the reader's to tick.
    write("colab.py", "use_tf_eager = False  #@param {type:\"boolean\"}\nif use_tf_eager:\n    tf.enable_eager_execution()\n")
    # The same switch is on in the project's other copy of the script (run on Kaggle).
    write("local/train.py", "kernel_mode = False\nif kernel_mode:\n    DATA = '../input/lish-moa'\n")
    write("kaggle/train.py", "kernel_mode = True\nif kernel_mode:\n    DATA = '../input/lish-moa'\n")
    code, findings = run_json("--select", "MLS401", cwd=tmp_path)
    assert (code, findings) == (0, [])


# MLS403: which comments are code --------------------------------------------------------


def test_comment_lines_are_classified_as_code_prose_or_neither():
    texts = [
        " model = Net().to(device)",  # an assignment
        " Note: this is slow",  # parses as an annotation: neither
        " train",  # a lone name: neither
        " load the data",  # prose
        " pylint: disable=unused-import",  # a pragma that parses
        " for batch in loader:",  # a loop header
        "     optimizer.step()",  # a call
        " (batch, seq_len, hidden)",  # a shape
        " pre-processing",  # arithmetic of names
        " model.fit(x_train,",  # a statement over two lines
        "           y_train)",
        "",
        " # log to wandb",  # a comment inside commented code
    ]
    assert classify_comments(texts) == [
        CODE, NEUTRAL, NEUTRAL, PROSE, PROSE, CODE, CODE, NEUTRAL, NEUTRAL, CODE, CODE, NEUTRAL, NEUTRAL,
    ]


def test_commented_out_training_code_is_reported_on_its_first_line():
    findings = lint(
        """
        import torch

        def train(model, loader, optimizer):
            for batch in loader:
                loss = model(**batch).loss
                loss.backward()
                # Old schedule: kept while comparing runs.
                # torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                # # warm up for 100 steps
                # scheduler = get_linear_schedule_with_warmup(
                #     optimizer, num_warmup_steps=100, num_training_steps=len(loader)
                # )
                optimizer.step()
        """,
        "MLS403",
    )
    assert [(f.span.line, f.span.column) for f in findings] == [(8, 9)]
    assert findings[0].message.startswith("4 lines of commented-out code (threshold 3)")


def test_a_note_after_commented_out_code_does_not_split_the_block():
    findings = lint(
        """
        import pandas as pd

        def load(path):
            frame = pd.read_csv(path)
            # frame = frame.sample(frac=0.1, random_state=0)  # a tenth of the rows for debugging
            # frame = frame[frame["fare"] > 0]
            # frame["log_fare"] = frame["fare"].map(float)  # compare with the log scale later
            return frame
        """,
        "MLS403",
    )
    assert [f.span.line for f in findings] == [5]
    assert findings[0].message.startswith("3 lines of commented-out code")


def test_commented_out_code_introduced_by_a_nested_comment_is_an_example():
    findings = lint(
        """
        import pandas as pd

        report = pd.read_csv("report.csv")
        # # Uncomment for the full output (slow in the browser):
        # pd.set_option("display.max_rows", None)
        # pd.set_option("display.max_columns", None)
        # print(report.to_string())
        print(report.head())
        """,
        "MLS403",
    )
    assert findings == []


def test_pseudo_code_inside_an_introduced_example_does_not_end_it():
    findings = lint(
        """
        class Evaluator:
            # How to use it:
            #  truth=..., guesses=...          # load both
            #  e = Evaluator(truth, guesses)   # build it
            #  e.evaluate()                    # score every image
            #  e.summarize()                   # print the table
            def evaluate(self):
                pass
        """,
        "MLS403",
    )
    assert findings == []


def test_prose_pragmas_short_runs_and_docstrings_are_not_reported():
    findings = lint(
        '''
        # Copyright 2024 The Churn Team.
        # Licensed under the Apache License, Version 2.0 (the "License");
        # http://www.apache.org/licenses/LICENSE-2.0
        import torch

        def attention(q, k, v):
            """Scaled dot-product attention.

            # scores = q @ k.transpose(-2, -1)
            # weights = scores.softmax(-1)
            # out = weights @ v
            """
            # Shapes:
            # q: (batch, heads, seq, dim)
            # k: (batch, heads, seq, dim)
            # Note: no masking here
            scores = q @ k.transpose(-2, -1)  # type: ignore
            # scores = scores / math.sqrt(q.size(-1))
            # scores = scores.masked_fill(mask, -1e9)

            # pylint: disable=invalid-name
            # fmt: off
            # noqa: E501
            return scores.softmax(-1) @ v
        ''',
        "MLS403",
    )
    assert findings == []


def test_a_prose_line_ends_a_run():
    findings = lint(
        """
        # x_train = scaler.fit_transform(x_train)
        # x_test = scaler.transform(x_test)
        # The scaler is now fitted inside the pipeline instead.
        # pipeline.fit(x_train, y_train)
        pipeline.fit(x_train, y_train)
        """,
        "MLS403",
    )
    assert findings == []


def test_the_threshold_is_an_option():
    rule = find_rule("MLS403")
    code = textwrap.dedent(
        """
        # model.cuda()
        # model = torch.compile(model)
        model.eval()
        """
    )
    assert lint_source("train.py", code, [rule], {rule: rule.default_options()}).findings == []
    findings = lint_source("train.py", code, [rule], {rule: {"min_lines": 2}}).findings
    assert [f.span.line for f in findings] == [2]
    assert findings[0].message.startswith("2 lines of commented-out code (threshold 2);")


def test_notebook_runs_stay_within_one_cell():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import pandas as pd
        df = pd.read_csv("train.csv")
        # df = df.dropna()
        # df = df[df.price > 0]
        # %% [2]
        # df.describe()
        # df.info()
        df.head()
        # %% [3]
        df["log_price"] = np.log1p(df.price)
        # df.hist(figsize=(12, 8))
        # plt.tight_layout()
        # plt.show()
        """
        ).lstrip(),
        "MLS403",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(3, 2)]


def test_comments_too_deeply_nested_to_parse_are_prose_not_a_crash():
    nested = "(" * 3000 + ")" * 3000
    code = f"import torch\n# x = f{nested}\n# y = g{nested}\n# z = h{nested}\nx = 1\n"
    assert lint(code, "MLS403") == []


def test_commented_out_code_under_a_todo_is_tracked_work():
    findings = lint(
        """
        def test_inference_graph(client, graph):
            response = client.post(graph.url, json={"instances": [[1, 2]]})
            assert response.status_code == 200
            # TODO: enable once the ingress supports ALB routing
            # response = client.post(graph.alb_url, json={"instances": [[1, 2]]})
            # assert response.status_code == 200
            # assert response.json()["predictions"] == [1]

        def train(model, loader):
            # model.train()
            # for batch in loader:
            #     model.step(batch)
            return model
        """,
        "MLS403",
    )
    assert [f.span.line for f in findings] == [10]


def test_code_introduced_across_blank_lines_or_by_a_lead_in_without_a_colon_is_documented():
    findings = lint(
        """
        import torch

        model = build_model()
        # Uncomment to train from scratch instead of fine-tuning:

        # model.apply(reset_weights)
        # optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        # train(model, optimizer, epochs=90)

        # Alternative: run the evaluation on the GPU
        # model = model.cuda()
        # batch = batch.cuda()
        # scores = model(batch)

        # For debugging, uncomment the following
        # print(batch.shape)
        # print(scores.mean())
        # print(scores.std())
        """,
        "MLS403",
    )
    assert findings == []


def test_prose_that_introduces_nothing_or_code_between_does_not_excuse_a_block():
    findings = lint(
        """
        import torch

        # Fine-tune the classifier head only.

        # model.apply(reset_weights)
        # optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        # train(model, optimizer, epochs=90)

        # Uncomment to compile the model:
        model = build_model()

        # model = torch.compile(model)
        # model.eval()
        # scores = model(batch)
        """,
        "MLS403",
    )
    assert lines(findings) == [5, 12]


def test_cell_markers_of_an_exported_notebook_introduce_nothing():
    findings = lint(
        """
        #!/usr/bin/env python
        # coding: utf-8

        # In[12]:


        import torch


        # In[13]:


        # model = ResNetClassifier(num_classes=206)
        # model.load_state_dict(torch.load("fold0.pth"))
        # print(model)


        # %%

        # features = encoder(images)
        # print(features.shape)
        # print(features.mean())
        """,
        "MLS403",
    )
    assert lines(findings) == [13, 20]


def test_shape_annotations_written_like_calls_are_prose():
    findings = lint(
        """
        import torch

        class Encoder(torch.nn.Module):
            def forward(self, x, hidden):
                # x (batch_size, seq_length, input_size)
                # hidden (n_layers, batch_size, hidden_dim)
                # out (batch_size, seq_length, hidden_dim)
                out, hidden = self.rnn(x, hidden)
                # out = self.dropout(out)
                # out = self.norm(out)
                # print(out.shape)
                return out, hidden
        """,
        "MLS403",
    )
    # Calls written against their name are still code.
    assert lines(findings) == [9]


def test_usage_shown_after_prose_that_announces_it_is_documentation():
    findings = lint(
        """
        # To load the weights from another folder, extend sys.path like shown here.
        #
        # import os
        # import sys
        # sys.path.insert(0, os.path.abspath("../weights"))

        class Scaler:
            # The scaler must be fitted before use, as follows
            # scaler = Scaler(clip=3.0)
            # scaler.fit(train_frame)
            # test_frame = scaler.transform(test_frame)
            def fit(self, frame):
                return self
        """,
        "MLS403",
    )
    assert findings == []


def test_a_numbered_menu_of_alternatives_after_an_introduction_is_documentation():
    menu = """
        def log_confusion(logger, preds, labels):
            # There are several ways to log the confusion matrix
            # 1. As an image
            # matrix = confusion(preds, labels)
            # figure = plot_confusion(matrix)
            # logger.log_image("confusion", figure)
            # 2. As a seaborn heatmap
            # matrix = confusion(preds, labels)
            # axes = sns.heatmap(matrix)
            # logger.log_figure(axes.figure)
            logger.log_metric("accuracy", (preds == labels).mean())
        """
    assert lint(menu, "MLS403") == []
    # Without the introduction, numbered steps are what disabled code was called.
    steps = "\n".join(line for line in menu.splitlines() if "several ways" not in line)
    assert lines(lint(steps, "MLS403")) == [3, 7]


def test_a_menu_of_values_for_one_setting_is_not_a_disabled_block():
    findings = lint(
        """
        import requests

        # url = "http://localhost:9696/predict"
        # url = "http://127.0.0.1:8080/predict"
        # url = f"http://{host}:9696/predict"
        url = "http://scoring.internal:9696/predict"

        # image = load(path)
        # image = resize(image, 224)
        # image = normalize(image)
        image = load_tensor(path)

        # url = "http://localhost:9696/predict"
        # timeout = 30
        # response = requests.post(url, json=payload, timeout=timeout)
        print(requests.post(url, json={"image": image}).json())
        """,
        "MLS403",
    )
    # A pipeline rebinding a name from itself, and mixed statements, are code switched off.
    assert lines(findings) == [8, 13]


def test_the_script_that_generated_a_file_is_documentation():
    findings = lint(
        """
        # Generated with
        # with open("label_map.json") as f:
        #     labels = json.load(f)
        # for label in labels:
        #     print(label["id"], label["name"])
        LABELS = {0: "cat", 1: "dog"}
        """,
        "MLS403",
    )
    assert findings == []
