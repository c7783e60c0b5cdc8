"""Baselines: write, read, survive line shifts, report stale entries, refuse corrupt files,
and leave alone the entries of files a run on named files did not check."""

from __future__ import annotations

import json

import pytest

from conftest import run_json, run_mlsmells

TRAIN = """\
import numpy as np
import pandas as pd


def load(path):
    frame = pd.read_csv(path)
    frame.dropna()
    return frame


if __name__ == "__main__":
    empty = np.zeros(10) == np.nan
"""


@pytest.fixture
def legacy(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write("train.py", TRAIN)
    completed = run_mlsmells("check", "--write-baseline", "mlsmells-baseline.json", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "recorded 2 finding(s) in mlsmells-baseline.json" in completed.stderr
    return tmp_path


def test_baseline_records_rule_path_fingerprint_and_count(legacy):
    document = json.loads((legacy / "mlsmells-baseline.json").read_text())
    assert document["tool"] == "mlsmells" and document["version"] == 1
    assert [(e["code"], e["path"], e["count"]) for e in document["entries"]] == [
        ("MLS321", "train.py", 1), ("MLS323", "train.py", 1),
    ]


def test_baselined_findings_pass_and_new_ones_fail(legacy, write):
    assert run_json("--baseline", "mlsmells-baseline.json", cwd=legacy) == (0, [])
    write("train.py", TRAIN + "    full = np.zeros(10) != np.nan\n")
    code, findings = run_json("--baseline", "mlsmells-baseline.json", cwd=legacy)
    assert code == 1 and [f["code"] for f in findings] == ["MLS321"]
    assert "by `!=`" in findings[0]["message"]


def test_fingerprints_survive_unrelated_edits_above(legacy, write):
    shifted = '"""Training entry point."""\n\nimport os\n\n' + TRAIN.replace("    frame.dropna()", "    # a comment\n    frame.dropna()")
    write("train.py", shifted)
    assert run_json("--baseline", "mlsmells-baseline.json", cwd=legacy) == (0, [])


def test_stale_entries_are_counted(legacy, write):
    write("train.py", TRAIN.replace("    frame.dropna()", "    frame = frame.dropna()"))
    completed = run_mlsmells("check", "--baseline", "mlsmells-baseline.json", cwd=legacy)
    assert completed.returncode == 0
    assert "1 baseline entry no longer occurs" in completed.stderr


EVALUATE = """\
import numpy as np


def accuracy(scores):
    missing = scores == np.nan
    return 1 - missing.mean()
"""


@pytest.fixture
def two_files(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write("train.py", TRAIN)
    write("evaluate.py", EVALUATE)
    completed = run_mlsmells("check", "--write-baseline", "base.json", cwd=tmp_path)
    assert "recorded 3 finding(s)" in completed.stderr, completed.stderr
    return tmp_path


def entries(root):
    return sorted((e["code"], e["path"]) for e in json.loads((root / "base.json").read_text())["entries"])


def test_a_run_on_named_files_counts_only_their_entries_as_gone(two_files, write):
    """pre-commit stages one file: the other file's entries are not gone."""
    completed = run_mlsmells("check", "--baseline", "base.json", "evaluate.py", cwd=two_files)
    assert completed.returncode == 0 and "no longer occur" not in completed.stderr
    write("evaluate.py", EVALUATE.replace("scores == np.nan", "np.isnan(scores)"))
    completed = run_mlsmells("check", "--baseline", "base.json", "evaluate.py", cwd=two_files)
    assert completed.returncode == 0
    assert "1 baseline entry no longer occurs" in completed.stderr


def test_rewriting_from_named_files_keeps_the_other_files_entries(two_files, write):
    write("evaluate.py", EVALUATE.replace("scores == np.nan", "np.isnan(scores)"))
    completed = run_mlsmells("check", "--write-baseline", "base.json", "evaluate.py", cwd=two_files)
    assert completed.returncode == 0
    assert "recorded 0 finding(s) in base.json, and kept 2 entries for files or rules this run did not check" in completed.stderr
    assert entries(two_files) == [("MLS321", "train.py"), ("MLS323", "train.py")]
    assert run_json("--baseline", "base.json", cwd=two_files) == (0, [])


def test_rewriting_with_fewer_rules_keeps_the_other_rules_entries(two_files):
    run_mlsmells("check", "--select", "MLS323", "--write-baseline", "base.json", cwd=two_files)
    assert entries(two_files) == [("MLS321", "evaluate.py"), ("MLS321", "train.py"), ("MLS323", "train.py")]


def test_rewriting_drops_the_entries_of_deleted_files(two_files):
    (two_files / "train.py").unlink()
    run_mlsmells("check", "--write-baseline", "base.json", "evaluate.py", cwd=two_files)
    assert entries(two_files) == [("MLS321", "evaluate.py")]


def test_a_corrupt_baseline_is_not_overwritten(tmp_path, write):
    write("train.py", TRAIN)
    write("base.json", "{not json")
    completed = run_mlsmells("check", "--write-baseline", "base.json", cwd=tmp_path)
    assert completed.returncode == 2
    assert "it was not overwritten (delete it to start a new one)" in completed.stderr
    assert (tmp_path / "base.json").read_text() == "{not json"


def test_baseline_from_the_configuration(legacy, write):
    write("pyproject.toml", '[tool.mlsmells]\nbaseline = "mlsmells-baseline.json"\n')
    assert run_json(cwd=legacy) == (0, [])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "the baseline is not valid JSON"),
        ('{"tool": "ruff", "version": 1, "entries": []}', "not an mlsmells baseline"),
        ('{"tool": "mlsmells", "version": 1, "entries": [{"code": "MLS101"}]}', "entry 1 needs code, path"),
    ],
)
def test_missing_or_corrupt_baseline_is_exit_two(tmp_path, write, content, message):
    write("train.py", TRAIN)
    if content is not None:
        write("base.json", content)
    completed = run_mlsmells("check", "--baseline", "base.json", cwd=tmp_path)
    assert completed.returncode == 2
    assert message in completed.stderr
