"""Each rule's precision as measured on real code nobody working on mlsmells had read.

`measured_precision.toml`, next to this module, is written by `python bench/precision.py
measure` from the judged findings of the benchmark's evaluation half (bench/precision/):
per rule, how many of the judged findings that still occur were true. It is data, not
code, so a rule's documented precision and its SARIF `precision` property change only when
a measurement does. A rule that was never measured keeps the estimate its author wrote
(`Rule.precision`), and says so.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: SARIF's precision levels and the measured share of true findings each needs.
_LEVELS = ((0.95, "very-high"), (0.90, "high"), (0.70, "medium"), (0.0, "low"))


@dataclass(frozen=True)
class Measurement:
    """`true` of `judged` findings of one rule were real problems."""

    true: int
    judged: int

    @property
    def ratio(self) -> float:
        return self.true / self.judged

    @property
    def level(self) -> str:
        """SARIF's word for the ratio: very-high at 95% or more, high at 90%, medium at 70%, low below."""
        return next(level for floor, level in _LEVELS if self.ratio >= floor)

    def describe(self) -> str:
        """`88% (23 of 26 judged findings)`."""
        return f"{self.ratio:.0%} ({self.true} of {self.judged} judged findings)"


@cache
def _measurements() -> dict[str, Measurement]:
    try:
        text = resources.files("mlsmells").joinpath("measured_precision.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}  # a damaged install: every rule falls back to its estimate
    return parse_measurements(text)


def parse_measurements(text: str) -> dict[str, Measurement]:
    """The measurements in `text`; unreadable text or entries are left out, never raised:
    a rule without a usable measurement keeps its author's estimate."""
    try:
        table = tomllib.loads(text).get("rules", {})
    except tomllib.TOMLDecodeError:
        return {}
    found = {}
    for code, entry in table.items() if isinstance(table, dict) else ():
        true, judged = (entry.get("true"), entry.get("judged")) if isinstance(entry, dict) else (None, None)
        if isinstance(true, int) and isinstance(judged, int) and 0 <= true <= judged and judged > 0:
            found[code] = Measurement(true, judged)
    return found


def measurement(code: str) -> Measurement | None:
    """The evaluation-half measurement of rule `code`, or None when none of its findings was judged."""
    return _measurements().get(code)


def render(measurements: dict[str, Measurement], source: str) -> str:
    """The text of `measured_precision.toml` for `measurements`, sorted by rule code."""
    lines = [
        "# Each rule's precision on the evaluation half of bench/precision/: of the judged",
        "# findings that still occur, how many were true (a DEBATABLE verdict counts as not true).",
        f"# Written by `python bench/precision.py measure` ({source}); do not edit by hand.",
        "",
        "[rules]",
    ]
    lines += [
        f'{code} = {{ true = {m.true}, judged = {m.judged} }}' for code, m in sorted(measurements.items())
    ]
    return "\n".join(lines) + "\n"
