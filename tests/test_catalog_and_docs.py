"""The challenge catalog is valid, every rule links into it, and the docs are current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlsmells.catalog import CatalogError, _parse_file, load_catalog
from mlsmells.docs import stale_pages
from mlsmells.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]


def test_catalog_loads_and_covers_every_source_document():
    catalog = load_catalog()
    prefixes = {challenge.document.prefix for challenge in catalog.values()}
    assert prefixes == {"META", "COLLAB", "SLR", "IND", "SCULLEY15", "ZHANG22"}
    counts = {prefix: sum(1 for c in catalog.values() if c.document.prefix == prefix) for prefix in prefixes}
    assert counts["META"] == 24 and counts["COLLAB"] == 17 and counts["SLR"] == 54 and counts["ZHANG22"] == 22


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_every_rule_links_to_known_challenges(rule):
    catalog = load_catalog()
    assert rule.challenges, f"{rule.code} links to no challenge"
    assert [cid for cid in rule.challenges if cid not in catalog] == []


DOCUMENT = {"prefix": "X", "title": "T", "authors": ["A"], "citation": "C", "source": "S"}
CHALLENGE = {"id": "X-1", "section": "1", "name": "n", "summary": "s", "detectable": False, "why-not": "w"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"challenges": [CHALLENGE]}, "missing [document] table"),
        ({"document": {**DOCUMENT, "citation": ""}, "challenges": []}, "lacks 'citation'"),
        ({"document": DOCUMENT, "challenges": [{**CHALLENGE, "summary": ""}]}, "X-1: lacks 'summary'"),
        ({"document": DOCUMENT, "challenges": [{**CHALLENGE, "id": "Y-1"}]}, "does not start with X-"),
        ({"document": DOCUMENT, "challenges": [{**CHALLENGE, "why-not": ""}]}, "needs why-not"),
        ({"document": DOCUMENT, "challenges": [{**CHALLENGE, "detectable": True}]}, "needs confidence and family"),
        (
            {"document": DOCUMENT, "challenges": [{**CHALLENGE, "detectable": True, "confidence": "high", "family": "data"}]},
            "family must be a rule family",
        ),
    ],
)
def test_malformed_catalog_entries_are_rejected(data, message):
    with pytest.raises(CatalogError, match=re.escape(message)):
        _parse_file("x.toml", data)


def test_challenges_page_accounts_for_every_challenge():
    from mlsmells.docs import generated_pages

    page = generated_pages()["challenges.md"]
    catalog = load_catalog()
    for challenge in catalog.values():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{challenge.id}` |"))
        if challenge.detectable and challenge.confidence in ("high", "medium"):
            assert "detected by [" in row or f"not yet: {challenge.family}" in row
    assert "| `ZHANG22-14` | Randomness Uncontrolled | detected by [MLS101]" in page


def test_generated_docs_are_up_to_date():
    assert stale_pages(ROOT / "docs", ROOT / "README.md") == [], "run `mlsmells docs` and commit the result"
