"""Any input: no crash, no hang, a clear MLS001 for what cannot be analysed, nothing
executed and nothing written. docs/robustness.md lists what is covered."""

from __future__ import annotations

import hashlib
import json
import os
import sys

import pytest

from conftest import run_json, run_mlsmells

#: One finding of a default rule: MLS321 at 2:1.
NAN_EQUALITY = "import numpy as np\nnp.zeros(3) == np.nan\n"

VALID_SOURCES = {
    "empty.py": b"",
    "comments.py": b"# only a comment\n# and another\n",
    "bom.py": b"\xef\xbb\xbf" + NAN_EQUALITY.encode(),
    "latin1.py": "# -*- coding: latin-1 -*-\nname = 'Ren\xe9'\n".encode("latin-1") + NAN_EQUALITY.encode(),
    "crlf.py": NAN_EQUALITY.replace("\n", "\r\n").encode(),
    "lone_cr.py": NAN_EQUALITY.replace("\n", "\r").encode(),
    "formfeed.py": b"import numpy as np\n\x0c\nnp.zeros(3) == np.nan\n",
    "long_line.py": b"x = '" + b"a" * 1_000_000 + b"'\n" + NAN_EQUALITY.encode(),
    "match.py": b"match command:\n    case [x, y]:\n        pass\n    case _:\n        pass\n",
    "type_params.py": b"def first[T](xs: list[T]) -> T:\n    return xs[0]\n\ntype Pair = tuple[int, int]\n",
    "fstring_312.py": b"names = ['a']\nx = f\"{'\\n'.join(names)}\"\ny = f\"{f\"{f\"{1}\"}\"}\"\n",
    "except_star.py": b"try:\n    pass\nexcept* ValueError:\n    pass\n",
    "walrus.py": b"if (n := len('abc')) > 2:\n    pass\n",
}

BROKEN_SOURCES = {
    "unclosed.py": (b"x = (1,\ny = 2\n", "was never closed"),
    "bad_indent.py": (b"def f():\nreturn 1\n", "expected an indented block"),
    "python2.py": (b"print 'hello'\n", "Missing parentheses in call to 'print'"),
    "tabs_and_spaces.py": (b"if True:\n\tx = 1\n        y = 2\n", "inconsistent use of tabs and spaces"),
    "nul.py": (b"x = 1\x00\n", "null bytes"),
    "undecodable.py": (b"x = '\xff\xfe'\n", "cannot decode"),
    "binary.py": (bytes(range(256)) * 40, "cannot decode"),
    "bad_cookie.py": (b"# coding: no-such-codec\nx = 1\n", "unknown encoding"),
    "deep_parens.py": (b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n", "nested too deeply"),
    "deep_unary.py": (b"x = " + b"-" * 2900 + b"1\n", "nested too deeply"),
    "long_and_chain.py": (b"ok = " + b" and ".join([b"a"] * 150_000) + b"\n", "nested too deeply"),
    # a syntax error first, then nesting that would kill libcst: CPython's error is reported
    "error_then_deep.py": (b"print 'x'\ny = " + b" and ".join([b"a"] * 5000) + b"\n", "Missing parentheses"),
}


def test_valid_python_of_every_shape_is_analysed(tmp_path):
    for name, content in VALID_SOURCES.items():
        (tmp_path / name).write_bytes(content)
    code, findings = run_json(cwd=tmp_path)
    assert [f["code"] for f in findings if f["code"].startswith("MLS0")] == []
    located = {f["path"]: (f["line"], f["column"]) for f in findings}
    assert located == {
        "bom.py": (2, 1), "crlf.py": (2, 1), "lone_cr.py": (2, 1),
        "formfeed.py": (3, 1), "long_line.py": (3, 1), "latin1.py": (4, 1),
    }
    assert code == 1


def test_broken_input_is_one_clear_finding_per_file(tmp_path):
    for name, (content, _) in BROKEN_SOURCES.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "fine.py").write_text(NAN_EQUALITY)
    completed = run_mlsmells("check", "--output-format", "json", cwd=tmp_path, timeout=300)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    findings = {f["path"]: f for f in json.loads(completed.stdout)}
    for name, (_, reason) in BROKEN_SOURCES.items():
        assert findings[name]["code"] == "MLS001", name
        assert reason in findings[name]["message"], (name, findings[name]["message"])
    assert findings["fine.py"]["code"] == "MLS321"
    assert f"{len(BROKEN_SOURCES)} files could not be analysed" in completed.stderr


def test_files_above_the_size_limit_are_skipped_with_a_message(tmp_path, write):
    big = tmp_path / "generated.py"
    big.write_bytes(b"x = 1\n" * 2_000_000)  # 12 MB
    write("small.py", NAN_EQUALITY)
    code, findings = run_json(cwd=tmp_path)
    assert [(f["path"], f["code"]) for f in findings] == [("generated.py", "MLS001"), ("small.py", "MLS321")]
    assert "above the 10 MB limit" in findings[0]["message"]
    write("pyproject.toml", "[tool.mlsmells]\nmax-file-size-mb = 0.00001\n")
    code, findings = run_json(cwd=tmp_path)
    assert {f["path"] for f in findings if f["code"] == "MLS001"} == {"generated.py", "small.py"}


def test_malformed_notebooks(tmp_path, write):
    image = "iVBORw0KGgo" + "A" * 5_000_000
    huge = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "x", "metadata": {}, "execution_count": 1, "source": NAN_EQUALITY,
         "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": image}}]}]}
    write("huge_output.ipynb", json.dumps(huge))
    write("v2.ipynb", json.dumps({"nbformat": 2, "nbformat_minor": 0, "metadata": {}, "worksheets": []}))
    write("v5.ipynb", json.dumps({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}))
    write("cells_not_a_list.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": 3}))
    write("truncated.ipynb", json.dumps(huge)[:1000])
    code, findings = run_json(cwd=tmp_path)
    by_path = {f["path"]: f for f in findings}
    assert by_path["huge_output.ipynb"]["code"] == "MLS321" and by_path["huge_output.ipynb"]["cell"] == 1
    assert "v2.ipynb" not in by_path  # converted: an empty, valid notebook
    for name in ("v5.ipynb", "cells_not_a_list.ipynb", "truncated.ipynb"):
        assert by_path[name]["code"] == "MLS001" and "not a valid notebook" in by_path[name]["message"]


def test_unreadable_files_and_directories(tmp_path, write, monkeypatch):

    from mlsmells.config import Settings
    from mlsmells.registry import all_rules
    from mlsmells.runner import run

    write("secret/a.py", NAN_EQUALITY)
    locked = write("locked.py", NAN_EQUALITY)
    write("open.py", NAN_EQUALITY)
    real_walk = os.walk
    from mlsmells import checking
    real_read = checking.read_bytes

    def walk(top, **kwargs):
        for directory, subdirs, files in real_walk(top, **kwargs):
            if "secret" in subdirs:
                subdirs.remove("secret")
                kwargs["onerror"](PermissionError(13, "Permission denied", os.path.join(directory, "secret")))
            yield directory, subdirs, files

    def read_bytes(path, *args):
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path, *args)

    monkeypatch.setattr("mlsmells.discovery.os.walk", walk)
    monkeypatch.setattr(checking, "read_bytes", read_bytes)
    result = run([tmp_path], Settings(root=tmp_path), list(all_rules()), tmp_path)
    assert [(f.path, f.code, f.message) for f in result.findings] == [
        ("locked.py", "MLS001", "cannot read the file: Permission denied"),
        ("open.py", "MLS321", result.findings[1].message),
        ("secret", "MLS001", "cannot list the directory: Permission denied"),
    ]
    assert sorted(result.files_not_analysed) == ["locked.py", "secret"]


def test_odd_file_names_are_escaped_in_every_format(tmp_path, write):
    name = 'we"ird, name: ::error file=x::\nnew line é.py'
    write(name, NAN_EQUALITY)
    findings = json.loads(run_mlsmells("check", "--output-format", "json", cwd=tmp_path).stdout)
    assert findings[0]["path"] == name
    sarif = json.loads(run_mlsmells("check", "--output-format", "sarif", cwd=tmp_path).stdout)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "we%22ird%2C%20name%3A%20%3A%3Aerror%20file%3Dx%3A%3A%0Anew%20line%20%C3%A9.py"
    github = run_mlsmells("check", "--output-format", "github", cwd=tmp_path).stdout
    assert github.count("\n") == 1 and github.count("::") == 2
    assert "file=we\"ird%2C name%3A %3A%3Aerror file=x%3A%3A%0Anew line é.py," in github


SIDE_EFFECTS = """\
import pathlib, sys
pathlib.Path({marker!r}).write_text("imported")
sys.exit(3)
while True:
    pass
"""


def test_nothing_is_imported_or_executed(tmp_path, write):
    marker = tmp_path / "EXECUTED"
    write("evil.py", SIDE_EFFECTS.format(marker=str(marker)))
    write("__init__.py", SIDE_EFFECTS.format(marker=str(marker)))
    cell = {"cell_type": "code", "id": "e", "metadata": {}, "outputs": [], "execution_count": 1,
            "source": SIDE_EFFECTS.format(marker=str(marker)) + "!touch " + str(marker) + "\n"}
    write("evil.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}))
    completed = run_mlsmells("check", cwd=tmp_path, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert not marker.exists()


def test_nothing_is_written_without_a_fix_option(tmp_path, write):
    write("train.py", NAN_EQUALITY)
    write("nb.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None, "source": NAN_EQUALITY}]}))
    write("broken.py", "def (:\n")

    def snapshot():
        return {str(p.relative_to(tmp_path)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(tmp_path.rglob("*")) if p.is_file()}

    before = snapshot()
    for fmt in ("full", "json", "sarif", "github", "gitlab", "junit"):
        run_mlsmells("check", "--output-format", fmt, "--no-cache", cwd=tmp_path)
    assert snapshot() == before
    run_mlsmells("check", "--output-file", "report.txt", cwd=tmp_path)
    after = snapshot()
    # the analysed files are untouched; only the report and the cache are new
    assert {k: after[k] for k in before} == before
    assert {name for name in set(after) - set(before) if not name.startswith(".mlsmells_cache/")} == {"report.txt"}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_names_with_spaces_and_unicode(tmp_path, write):
    write("my data/trainér ☃.py", NAN_EQUALITY)
    assert [f["path"] for f in run_json(cwd=tmp_path)[1]] == ["my data/trainér ☃.py"]


@pytest.mark.parametrize(
    "code",
    [
        "def f(x=" + "(" * 150 + "-" * 1200 + "1" + ")" * 150 + "):\n    pass\n",
        "with open(" + "-" * 1200 + "1) as f:\n    pass\n",
        "class A(metaclass=" + "-" * 1200 + "m):\n    pass\n",
        "if x:\n    y = [\n" + "".join("        -\n" for _ in range(1200)) + "        1]\n",
    ],
)
def test_deep_code_is_found_wherever_it_hides(code):
    from mlsmells.engine.parsing import ParseFailure, parse_module

    with pytest.raises(ParseFailure, match="nested too deeply"):
        parse_module(code)
