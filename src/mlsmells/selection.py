"""Which rules run: selectors, and the layering of defaults, configuration and CLI.

A selector is a full code (`MLS101`), a code prefix (`MLS1`, `MLS10`), a rule name
(`unseeded-random`) or `ALL`. As in Ruff, each layer (configuration file, then command
line) may reset the selection with `select`, then adds `extend-select` and removes `ignore`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mlsmells.registry import all_rules
from mlsmells.rule import Rule


class UnknownSelector(ValueError):
    """A selector that matches no rule."""

    def __init__(self, selector: str) -> None:
        self.selector = selector
        close = close_matches(selector)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        super().__init__(f"unknown rule code or name {selector!r}{hint}")


def close_matches(word: str) -> list[str]:
    """Rules the user may have meant: the first codes a prefix covers, else similar spellings."""
    prefixed = [cls.code for cls in all_rules() if cls.code.startswith(word.strip().upper())]
    if word.strip() and prefixed:
        return prefixed[:3]
    candidates = [c for cls in all_rules() for c in (cls.code, cls.name)]
    return difflib.get_close_matches(word, candidates, n=3, cutoff=0.6)


def selector_matches(selector: str, rule: type[Rule]) -> bool:
    text = selector.strip()
    upper = text.upper()
    if upper == "ALL":
        return True
    if text.lower() == rule.name:
        return True
    return upper.startswith("MLS") and rule.code.startswith(upper)


def resolve_selector(selector: str) -> list[type[Rule]]:
    """The rules a selector names; raises `UnknownSelector` if it names none."""
    matched = [rule for rule in all_rules() if selector_matches(selector, rule)]
    if not matched:
        raise UnknownSelector(selector)
    return matched


def resolve_selectors(selectors: Iterable[str]) -> set[type[Rule]]:
    chosen: set[type[Rule]] = set()
    for selector in selectors:
        chosen.update(resolve_selector(selector))
    return chosen


@dataclass(frozen=True)
class SelectionLayer:
    """One source of selection settings: the configuration file or the command line."""

    select: Sequence[str] | None = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()


def enabled_rules(layers: Iterable[SelectionLayer]) -> list[type[Rule]]:
    """Rules enabled after applying `layers` in order to the default selection."""
    enabled = {rule for rule in all_rules() if rule.is_default()}
    for layer in layers:
        if layer.select is not None:
            enabled = resolve_selectors(layer.select)
        enabled |= resolve_selectors(layer.extend_select)
        enabled -= resolve_selectors(layer.ignore)
    return sorted(enabled, key=lambda rule: rule.code)
