"""Every rule's documented examples are tests: bad examples report exactly at the marked
spans, good examples report nothing. A rule cannot ship without both."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from mlsmells.config import Settings
from mlsmells.engine.linter import lint_notebook, lint_source
from mlsmells.findings import Family
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import all_rules
from mlsmells.rule import Rule, example_files, parse_example
from mlsmells.runner import run

RULES = all_rules()
CHECKED_RULES = [rule for rule in RULES if rule.code != "MLS002"]  # MLS002 has no code to show


def _cases(kind: str):
    for rule in CHECKED_RULES:
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}")


def _spans(rule, code):
    """(code, cell, line, column, end column) of each finding of `rule` on an example.

    Lines count from the top of the example, across the files of a multi-file example.
    """
    options = {rule: rule.default_options()}
    files = example_files(code)
    if files:
        return _spans_in_project(rule, files)
    if rule.notebooks_only:
        notebook, _ = notebook_from_percent(code)
        result = lint_notebook("example.ipynb", notebook, [rule], options)
    else:
        result = lint_source(rule.example_path, code, [rule], options)
    return [(f.code, f.cell, f.span.line, f.span.column, f.span.end_column) for f in result.findings]


def _spans_in_project(rule, files):
    """Run the whole pipeline, repository pass included, over the files of an example."""
    offsets = {path: offset for path, _, offset in files}
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for path, text, _ in files:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        findings = run([root], Settings(root=root), [rule], root, jobs=1).findings
    return sorted(
        (f.code, f.cell, f.span.line + offsets[f.path], f.span.column, f.span.end_column) for f in findings
    )


def _expected(rule, code, spans):
    """Caret positions, translated into cells for notebook examples."""
    if not rule.notebooks_only:
        return [(rule.code, None, s.line, s.column, s.end_column) for s in spans]
    _, positions = notebook_from_percent(code)
    return [(rule.code, *positions[s.line - 1], s.column, s.end_column) for s in spans]


@pytest.mark.parametrize(("rule", "example"), list(_cases("bad")))
def test_bad_example_reports_exactly_the_marked_spans(rule, example):
    code, expected = parse_example(example)
    assert expected, "a bad example must mark at least one span"
    assert _spans(rule, code) == _expected(rule, code, expected)


@pytest.mark.parametrize(("rule", "example"), list(_cases("good")))
def test_good_example_reports_nothing(rule, example):
    code, expected = parse_example(example)
    assert not expected
    assert _spans(rule, code) == []


@pytest.mark.parametrize("rule", CHECKED_RULES, ids=lambda rule: rule.code)
def test_rule_is_documented_with_examples(rule):
    assert rule.bad and rule.good
    assert rule.summary and rule.why and rule.description()
    assert rule.challenges


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_code_matches_its_family(rule):
    assert rule.code.startswith(rule.family.value)
    assert rule.name == rule.name.lower() and " " not in rule.name


def test_non_engine_rules_look_at_something():
    for rule in RULES:
        if rule.family is not Family.ENGINE:
            checks_at_end = rule.end_file is not Rule.end_file
            assert rule.visit_handlers or rule.leave_handlers or checks_at_end, rule.code


def test_parse_example_marks_spans_and_strips_caret_lines():
    code, spans = parse_example(
        """
        x = f(1)
            ^
        y = g(x)
            ^^^^
        """
    )
    assert code == "x = f(1)\ny = g(x)\n"
    assert [(s.line, s.column, s.end_column) for s in spans] == [(1, 5, 6), (2, 5, 9)]
