"""Measured precision: from the benchmark's data file to the docs, the README and SARIF."""

from __future__ import annotations

import pytest

from mlsmells import measurements
from mlsmells.docs import README_TABLE_END, README_TABLE_START, precision_text, readme_with_rule_table, stale_pages
from mlsmells.measurements import Measurement, render
from mlsmells.registry import all_rules
from mlsmells.rules.reproducibility.seeding import UnseededRandom


@pytest.mark.parametrize(("true", "judged", "level"), [
    (19, 20, "very-high"), (18, 20, "high"), (17, 20, "medium"), (14, 20, "medium"), (13, 20, "low"), (0, 3, "low"),
])
def test_levels_follow_the_issue_thresholds(true, judged, level):
    assert Measurement(true, judged).level == level


def test_every_shipped_measurement_names_a_rule_and_round_trips():
    shipped = measurements._measurements()
    codes = {rule.code for rule in all_rules()}
    assert shipped and set(shipped) <= codes
    reparsed = measurements.tomllib.loads(render(shipped, "a test"))["rules"]
    assert {code: Measurement(**entry) for code, entry in reparsed.items()} == shipped


def test_a_measured_rule_reports_its_measurement_and_an_unmeasured_one_its_estimate(monkeypatch):
    monkeypatch.setattr(measurements, "_measurements", lambda: {"MLS101": Measurement(23, 25)})
    assert UnseededRandom.precision_level() == "high"
    assert "measured 92% (23 of 25 judged findings)" in precision_text(UnseededRandom)
    monkeypatch.setattr(measurements, "_measurements", lambda: {})
    assert UnseededRandom.precision_level() == UnseededRandom.precision
    assert "not yet measured" in precision_text(UnseededRandom)


def test_the_readme_table_is_rewritten_between_its_markers_only(tmp_path, monkeypatch):
    monkeypatch.setattr(measurements, "_measurements", lambda: {"MLS101": Measurement(9, 10)})
    readme = f"# Project\n\nIntro.\n\n{README_TABLE_START}\nstale row\n{README_TABLE_END}\n\n## After\n"
    table = readme_with_rule_table(readme)
    assert table.startswith("# Project\n\nIntro.\n\n") and table.endswith(f"{README_TABLE_END}\n\n## After\n")
    assert "stale row" not in table
    assert "| [MLS101](docs/rules/MLS101-unseeded-random.md) | `unseeded-random` | off | 90% of 10 |" in table
    assert "| [MLS103](docs/rules/MLS103-unseeded-generator.md) | `unseeded-generator` | on | - |" in table
    assert readme_with_rule_table("# No markers\n") == "# No markers\n"


def test_a_stale_readme_table_is_reported(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_TABLE_START}\n| old |\n{README_TABLE_END}\n", encoding="utf-8")
    assert "README.md" in stale_pages(tmp_path / "docs", readme)
    readme.write_text(readme_with_rule_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    assert "README.md" not in stale_pages(tmp_path / "docs", readme)


@pytest.mark.parametrize("text", [
    "not toml = [",
    "rules = 3",
    "[rules]\nMLS101 = 'high'",
    "[rules]\nMLS101 = { true = 'nine', judged = 10 }",
    "[rules]\nMLS101 = { true = 12, judged = 10 }",
    "[rules]\nMLS101 = { true = 0, judged = 0 }",
])
def test_a_damaged_measurement_file_leaves_rules_on_their_estimates(text):
    assert measurements.parse_measurements(text) == {}


def test_good_entries_survive_beside_damaged_ones():
    text = "[rules]\nMLS101 = { true = 9, judged = 10 }\nMLS102 = { true = -1, judged = 4 }\n"
    assert measurements.parse_measurements(text) == {"MLS101": Measurement(9, 10)}
