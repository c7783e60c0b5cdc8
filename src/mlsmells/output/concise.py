"""`concise`: one line per finding, `path:line:col: CODE message`."""

from __future__ import annotations

from collections.abc import Sequence

from mlsmells.findings import Finding


def location(finding: Finding) -> str:
    """`path:line:col`, or `notebook.ipynb:cell 3:line:col` with the cell Jupyter shows."""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{finding.path}:{cell}{finding.span.line}:{finding.span.column}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(f"{location(f)}: {f.code} {f.message}\n" for f in findings)
