"""Selectors and the layering of selections."""

from __future__ import annotations

import pytest

from mlsmells import selection
from mlsmells.findings import Family, Severity
from mlsmells.registry import find_rule
from mlsmells.rule import Rule
from mlsmells.selection import SelectionLayer, UnknownSelector, enabled_rules, resolve_selector


class QuietAdvice(Rule):
    """A throwaway advice rule (not registered: it is defined outside mlsmells.rules)."""

    code = "MLS199"
    name = "quiet-advice"
    family = Family.REPRODUCIBILITY
    severity = Severity.ADVICE


@pytest.fixture
def universe(monkeypatch):
    """Two registered advice rules, a registered default rule and the throwaway advice rule."""
    rules = (find_rule("MLS101"), find_rule("MLS102"), find_rule("MLS103"), QuietAdvice)
    monkeypatch.setattr(selection, "all_rules", lambda: rules)
    return rules


def test_advice_rules_are_off_by_default_and_on_when_selected(universe):
    mls101, mls102, mls103, advice = universe
    assert (mls101.severity, mls102.severity, mls103.severity) == (Severity.ADVICE, Severity.ADVICE, Severity.WARNING)
    assert enabled_rules([]) == [mls103]
    assert enabled_rules([SelectionLayer(extend_select=["quiet-advice"])]) == [mls103, advice]
    assert enabled_rules([SelectionLayer(extend_select=["MLS101", "missing-random-state"])]) == [mls101, mls102, mls103]
    assert enabled_rules([SelectionLayer(select=["MLS19"])]) == [advice]


def test_the_default_rules_are_the_ones_precise_enough_to_stay_on():
    assert [rule.code for rule in enabled_rules([])] == [
        "MLS001", "MLS002", "MLS103", "MLS105", "MLS107", "MLS202", "MLS204", "MLS311", "MLS312", "MLS314",
        "MLS321", "MLS322", "MLS323", "MLS402", "MLS422", "MLS502", "MLS504", "MLS505", "MLS602", "MLS603",
    ]


def test_layers_apply_in_order(universe):
    mls101, mls102, mls103, advice = universe
    config = SelectionLayer(select=["MLS1"], ignore=["MLS102"])
    assert enabled_rules([config]) == [mls101, mls103, advice]
    assert enabled_rules([config, SelectionLayer(extend_select=["MLS102"])]) == [mls101, mls102, mls103, advice]
    assert enabled_rules([config, SelectionLayer(select=["MLS102"])]) == [mls102]


def test_selector_forms_and_errors(universe):
    assert resolve_selector("mls101") == [universe[0]]
    assert resolve_selector("ALL") == list(universe)
    with pytest.raises(UnknownSelector, match="did you mean MLS101"):
        resolve_selector("MLS1011")
