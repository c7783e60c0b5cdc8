"""`concise`: one line per finding, `path:line:col: CODE message`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlsmells.escaping import printable
from mlsmells.findings import Finding, Severity

if TYPE_CHECKING:
    from mlsmells.output import OutputContext


#: The colour of a finding's code, by severity, as Ruff and compilers colour them.
CODE_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.ADVICE: "cyan"}


def location(finding: Finding, colour: bool = False) -> str:
    """`path:line:col`, or `notebook.ipynb:cell 3:line:col` with the cell Jupyter shows."""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    path = click.style(printable(finding.path), bold=True) if colour else printable(finding.path)
    return f"{path}:{cell}{finding.span.line}:{finding.span.column}"


def code(finding: Finding, colour: bool = False) -> str:
    return click.style(finding.code, fg=CODE_COLOURS[finding.severity], bold=True) if colour else finding.code


def render(context: OutputContext) -> str:
    colour = context.colour
    return "".join(f"{location(f, colour)}: {code(f, colour)} {printable(f.message)}\n" for f in context.findings)
