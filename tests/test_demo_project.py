"""The README's first command, end to end: the demo project's findings are pinned."""

from __future__ import annotations

from pathlib import Path

from conftest import run_mlsmells

ROOT = Path(__file__).resolve().parents[1]

EXPECTED = """\
fixtures/demo-project/notebooks/exploration.ipynb:cell 8:1:22: MLS602 `numeric_columns` is used in cell 8 but first defined in cell 9, further down: Restart & Run All fails here
fixtures/demo-project/notebooks/exploration.ipynb:cell 12:1:1: MLS603 cell 12 was saved with an error output (NameError: name 'rng' is not defined)
fixtures/demo-project/notebooks/exploration.ipynb:cell 12:2:26: MLS602 `rng` is used in cell 12 but first defined in cell 13, further down: Restart & Run All fails here
"""


def test_demo_project_findings_are_pinned():
    completed = run_mlsmells("check", "fixtures/demo-project", "--output-format", "concise", cwd=ROOT)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == EXPECTED
    assert completed.stderr.strip() == "mlsmells: checked 7 files, 3 findings."


def test_demo_project_advice_rules_report_on_request():
    """The reproducibility advice the README suggests turning on finds the demo's unseeded
    draws and splits; the default rules say nothing about them."""
    completed = run_mlsmells(
        "check", "fixtures/demo-project", "--output-format", "concise", "--extend-select", "MLS101,MLS102", cwd=ROOT
    )
    reported = [line.split(": ")[1].split()[0] for line in completed.stdout.splitlines()]
    assert sorted(reported) == ["MLS101", "MLS101", "MLS102", "MLS102", "MLS602", "MLS602", "MLS603"]


def test_demo_project_full_output_shows_code_and_challenges():
    completed = run_mlsmells("check", "fixtures/demo-project/train.py", "--extend-select", "unseeded-random", cwd=ROOT)
    assert "94 |" in completed.stdout
    assert "= unseeded-random (challenges: SLR-CM25, SLR-CM30, ZHANG22-14)" in completed.stdout
