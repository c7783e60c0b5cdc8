"""The installed `mlsmells` command, run as a subprocess: formats, exit codes, summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import CLEAN, SMELLY, mlsmells_command, run_json, run_mlsmells

JSON_KEYS = {"code", "name", "severity", "message", "path", "line", "column", "end_line",
             "end_column", "challenges", "fixable", "cell"}


def test_clean_project_exits_zero(tmp_path, write):
    write("clean.py", CLEAN)
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert "checked 1 file, 0 findings" in completed.stderr


def test_findings_exit_one_with_full_output(tmp_path, write):
    write("train.py", SMELLY)
    completed = run_mlsmells("check", "train.py", cwd=tmp_path)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("train.py:4:9: MLS321 comparing with `numpy.nan` by `==` is always False")
    assert lines[2] == "4 | empty = np.zeros(10) == np.nan"
    assert lines[3] == "  |         ^^^^^^^^^^^^^^^^^^^^^^"
    assert lines[4] == "  = nan-equality (challenges: ZHANG22-2)"


def test_concise_output_is_one_line_per_finding(tmp_path, write):
    write("a.py", SMELLY)
    write("b.py", SMELLY)
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert [line.split(":")[0] for line in completed.stdout.splitlines()] == ["a.py", "b.py"]


def test_json_output_has_the_documented_keys(tmp_path, write):
    write("train.py", SMELLY)
    code, findings = run_json(cwd=tmp_path)
    assert code == 1
    assert len(findings) == 1
    finding = findings[0]
    assert set(finding) == JSON_KEYS
    assert finding | {"message": None} == {
        "code": "MLS321", "name": "nan-equality", "severity": "error", "message": None,
        "path": "train.py", "line": 4, "column": 9, "end_line": 4, "end_column": 31,
        "challenges": ["ZHANG22-2"], "fixable": False, "cell": None,
    }


def test_output_file_and_statistics(tmp_path, write):
    write("a.py", SMELLY)
    write("b.py", SMELLY + "\nfull = np.ones(3) != np.nan\n")
    completed = run_mlsmells("check", "--statistics", "--output-file", "out.txt", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert (tmp_path / "out.txt").read_text() == "3\tMLS321\tnan-equality\n"
    as_json = run_mlsmells("check", "--statistics", "--output-format", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout) == [{"code": "MLS321", "name": "nan-equality", "count": 3}]


def test_exit_zero_and_usage_errors(tmp_path, write):
    write("a.py", SMELLY)
    assert run_mlsmells("check", "--exit-zero", cwd=tmp_path).returncode == 0
    missing = run_mlsmells("check", "nope.py", cwd=tmp_path)
    assert missing.returncode == 2
    assert "nope.py: no such file or directory" in missing.stderr
    assert run_mlsmells("check", "--output-format", "xml", cwd=tmp_path).returncode == 2
    bad_select = run_mlsmells("check", "--select", "MLS9", cwd=tmp_path)
    assert bad_select.returncode == 2
    assert "unknown rule code or name 'MLS9'" in bad_select.stderr


def test_exit_zero_still_fails_on_configuration_errors(tmp_path, write):
    write("a.py", SMELLY)
    write("pyproject.toml", "[tool.mlsmells]\nselct = ['MLS1']\n")
    completed = run_mlsmells("check", "--exit-zero", cwd=tmp_path)
    assert completed.returncode == 2
    assert "tool.mlsmells.selct: unknown key" in completed.stderr


def test_selection_by_code_prefix_and_name(tmp_path, write):
    # MLS321 (on by default) on line 4; MLS101 and MLS102 (advice, off unless selected) below.
    write("a.py", SMELLY + "noise = np.random.rand(10)\n\nfrom sklearn.cluster import KMeans\nclusters = KMeans(3)\n")
    _, findings = run_json(cwd=tmp_path)
    assert [f["code"] for f in findings] == ["MLS321"]
    for selector, expected in [
        ("MLS101", ["MLS101"]), ("MLS10", ["MLS101", "MLS102"]),
        ("missing-random-state", ["MLS102"]), ("ALL", ["MLS321", "MLS101", "MLS102"]),
    ]:
        _, findings = run_json("--select", selector, cwd=tmp_path)
        assert [f["code"] for f in findings] == expected, selector
    _, findings = run_json("--extend-select", "MLS10", "--ignore", "unseeded-random", cwd=tmp_path)
    assert [f["code"] for f in findings] == ["MLS321", "MLS102"]
    _, findings = run_json("--select", "MLS101", "--extend-select", "mls102", cwd=tmp_path)
    assert [f["code"] for f in findings] == ["MLS101", "MLS102"]


def test_unparsable_file_among_good_ones(tmp_path, write):
    write("good.py", SMELLY)
    write("broken.py", "def train(model:\n    pass\n")
    write("empty.py", "")
    completed = run_mlsmells("check", "--output-format", "json", cwd=tmp_path)
    assert completed.returncode == 1
    findings = json.loads(completed.stdout)
    assert [(f["path"], f["code"]) for f in findings] == [("broken.py", "MLS001"), ("good.py", "MLS321")]
    assert findings[0]["line"] == 1 and "could not parse the file: syntax error" in findings[0]["message"]
    assert "checked 3 files, 2 findings, 1 file could not be analysed" in completed.stderr


def test_non_utf8_coding_cookie_and_undecodable_bytes(tmp_path, write):
    write("latin.py", "# -*- coding: latin-1 -*-\nimport numpy as np\n".encode() + "caf\xe9 = 'd\xe9j\xe0'\nx = np.zeros(2) == np.nan\n".encode("latin-1"))
    write("garbage.py", b"x = '\xff\xfe'\n")
    code, findings = run_json(cwd=tmp_path)
    assert code == 1
    assert [(f["path"], f["code"], f["line"]) for f in findings] == [
        ("garbage.py", "MLS001", 1), ("latin.py", "MLS321", 4),
    ]
    assert "cannot decode" in findings[0]["message"]


def test_deeply_nested_code_is_reported_not_fatal(tmp_path, write):
    write("deep.py", "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
    write("ok.py", SMELLY)
    code, findings = run_json(cwd=tmp_path)
    assert code == 1
    assert [(f["path"], f["code"]) for f in findings] == [("deep.py", "MLS001"), ("ok.py", "MLS321")]
    assert "nested too deeply" in findings[0]["message"]


def test_rules_and_explain(tmp_path):
    listing = run_mlsmells("rules", cwd=tmp_path)
    assert listing.returncode == 0
    assert any(line.split()[:2] == ["MLS101", "unseeded-random"] for line in listing.stdout.splitlines())
    # Columns line up, whatever the longest name and family title.
    severity_columns = {line.index(" warning ") for line in listing.stdout.splitlines() if " warning " in line}
    assert len(severity_columns) == 1
    assert listing.stdout.splitlines()[0].split() == ["code", "name", "family", "severity", "default"]
    assert listing.stdout.splitlines()[0].index("severity") - 1 in severity_columns
    chosen = run_mlsmells("rules", "MLS32", "seed-after-use", cwd=tmp_path).stdout.splitlines()[1:]
    assert [line.split()[0] for line in chosen][:3] == ["MLS105", "MLS321", "MLS322"]
    assert all(line.startswith(("MLS105", "MLS32")) for line in chosen)
    unknown = run_mlsmells("rules", "unseeded-randm", cwd=tmp_path)
    assert unknown.returncode == 2 and "did you mean unseeded-random" in unknown.stderr
    as_json = json.loads(run_mlsmells("rules", "--output-format", "json", cwd=tmp_path).stdout)
    assert {"MLS001", "MLS002", "MLS101", "MLS102"} <= {rule["code"] for rule in as_json}
    by_code = run_mlsmells("explain", "MLS102", cwd=tmp_path)
    by_name = run_mlsmells("explain", "missing-random-state", cwd=tmp_path)
    assert by_code.returncode == 0 and by_code.stdout == by_name.stdout
    for section in ("## What it detects", "## Why it matters", "## Example", "## Use instead",
                    "## Options", "## Notebook behavior", "## Known limitations"):
        assert section in by_code.stdout
    assert "`SLR-CM25`: Maintaining and replicating results of model training." in by_code.stdout
    unknown = run_mlsmells("explain", "MLS10", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "unknown rule 'MLS10'" in unknown.stderr and "MLS101" in unknown.stderr


def test_python_dash_m_works(tmp_path, write):
    import subprocess
    import sys

    write("a.py", SMELLY)
    completed = subprocess.run([sys.executable, "-m", "mlsmells", "check", "--quiet"], cwd=tmp_path,
                               capture_output=True, text=True)
    assert completed.returncode == 1 and "MLS321" in completed.stdout and completed.stderr == ""


UNSEEDED_TRAINING = """\
import numpy as np
from sklearn.linear_model import LogisticRegression

if __name__ == "__main__":
    X = np.random.rand(100, 3)
    y = (X[:, 0] > 0.5).astype(int)
    print(LogisticRegression().fit(X, y).score(X, y))
"""


def test_fail_on_sets_the_least_severe_finding_that_fails_the_run(tmp_path, write):
    """A CI gate that fails on errors only still shows the advice it asked for."""
    write("train.py", UNSEEDED_TRAINING)
    completed = run_mlsmells("check", "--extend-select", "MLS101", "--fail-on", "warning", cwd=tmp_path)
    assert completed.returncode == 0 and "MLS101" in completed.stdout
    assert run_mlsmells("check", "--extend-select", "MLS101", cwd=tmp_path).returncode == 1
    write("smelly.py", SMELLY)
    assert run_mlsmells("check", "--fail-on", "error", cwd=tmp_path).returncode == 1


def test_fail_on_from_the_configuration_and_its_errors(tmp_path, write):
    write("train.py", UNSEEDED_TRAINING)
    write("pyproject.toml", '[tool.mlsmells]\nextend-select = ["MLS101"]\nfail-on = "error"\n')
    assert run_mlsmells("check", cwd=tmp_path).returncode == 0
    assert run_mlsmells("check", "--fail-on", "advice", cwd=tmp_path).returncode == 1
    write("pyproject.toml", '[tool.mlsmells]\nfail-on = "errors"\n')
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 2
    assert "tool.mlsmells.fail-on: expected one of error, warning, advice, got" in completed.stderr


def test_show_files_and_show_settings_print_what_a_run_would_use(tmp_path, write):
    write("pyproject.toml", '[tool.mlsmells]\nextend-exclude = ["scratch/"]\nextend-select = ["MLS101"]\n'
                            'fail-on = "warning"\n[tool.mlsmells.per-file-ignores]\n"tests/*.py" = ["MLS321"]\n')
    write("train.py", SMELLY)
    write("notebooks/explore.ipynb", '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    write("scratch/old.py", SMELLY)
    files = run_mlsmells("check", "--show-files", cwd=tmp_path)
    assert files.returncode == 0 and files.stdout.splitlines() == ["notebooks/explore.ipynb", "train.py"]
    settings = run_mlsmells("check", "--show-settings", "--ignore", "MLS204", cwd=tmp_path)
    lines = settings.stdout.splitlines()
    assert settings.returncode == 0
    assert lines[0] == f"configuration: {tmp_path / 'pyproject.toml'}"
    rules = next(line for line in lines if line.startswith("rules: ")).split()[1:]
    assert "MLS101" in rules and "MLS321" in rules and "MLS204" not in rules
    assert any(line.startswith("exclude: ") and line.endswith(", scratch/") for line in lines)
    assert "per-file-ignores: tests/*.py = MLS321" in lines and "fail-on: warning" in lines


def test_colours_follow_the_terminal_and_no_color(tmp_path, write):
    write("train.py", SMELLY)

    def output(*args: str, **colour: str) -> str:
        env = {key: value for key, value in os.environ.items() if key not in ("CI", "FORCE_COLOR", "NO_COLOR")}
        completed = subprocess.run([*mlsmells_command(), "check", "--no-cache", *args], cwd=tmp_path,
                                   capture_output=True, text=True, env={**env, **colour}, timeout=120)
        return completed.stdout

    assert "\x1b[" not in output()  # a pipe, not a terminal
    forced = output(FORCE_COLOR="1")
    assert "\x1b[31m\x1b[1mMLS321\x1b[0m" in forced and "\x1b[1mtrain.py\x1b[0m" in forced
    assert "\x1b[" not in output(FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in output("--output-format", "json", FORCE_COLOR="1")
    output("--output-file", "out.txt", FORCE_COLOR="1")
    assert "\x1b[" not in (tmp_path / "out.txt").read_text()


def test_checking_python_files_does_not_import_the_notebook_stack(tmp_path, write):
    """nbformat (and the JSON-schema validators behind it) cost a third of start-up: a run
    over Python files alone, as pre-commit makes on every commit, must not pay for them."""
    write("train.py", SMELLY)
    probe = (
        "import sys\nfrom mlsmells.cli import main\n"
        "try:\n    main(['check', '--no-cache', '-q', '--jobs', '1', 'train.py'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nbformat', 'jsonschema', 'fastjsonschema')))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.stdout.strip().splitlines()[-1] == "[]", completed.stdout + completed.stderr
