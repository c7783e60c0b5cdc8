"""`concise`: one line per finding, `path:line:col: CODE message`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlsmells.escaping import printable
from mlsmells.findings import Finding

if TYPE_CHECKING:
    from mlsmells.output import OutputContext


def location(finding: Finding) -> str:
    """`path:line:col`, or `notebook.ipynb:cell 3:line:col` with the cell Jupyter shows."""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{printable(finding.path)}:{cell}{finding.span.line}:{finding.span.column}"


def render(context: OutputContext) -> str:
    findings = context.findings
    return "".join(f"{location(f)}: {f.code} {printable(f.message)}\n" for f in findings)
