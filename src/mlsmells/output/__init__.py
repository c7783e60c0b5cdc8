"""Output formats: one module per format, each a function from findings to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mlsmells.findings import Finding
from mlsmells.output import concise, full, json_format

Formatter = Callable[[Sequence[Finding]], str]

FORMATS: dict[str, Formatter] = {
    "full": full.render,
    "concise": concise.render,
    "json": json_format.render,
}
