"""`full` (the default): each finding with its source line, a caret under the span,
and the rule name and challenges it links to.

A long line (minified code, a data literal) is shown as a window of `WINDOW` columns
around the span, so thousands of findings on one huge line print kilobytes, not
gigabytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlsmells.escaping import printable
from mlsmells.findings import Finding

if TYPE_CHECKING:
    from mlsmells.output import OutputContext
from mlsmells.output.concise import CODE_COLOURS, code, location

#: The most columns of a source line shown around a finding.
WINDOW = 160

def render(context: OutputContext) -> str:
    return "".join(_render_one(finding, context.colour) for finding in context.findings)


def _render_one(finding: Finding, colour: bool) -> str:
    span = finding.span
    lines = [f"{location(finding, colour)}: {code(finding, colour)} {printable(finding.message)}"]
    if finding.source_line:
        gutter = " " * len(str(span.line))
        text = finding.source_line.expandtabs(1)
        start = min(span.column - 1, len(text))
        end = span.end_column - 1 if span.end_line == span.line else len(text)
        text, start, end = _window(text, start, max(start + 1, min(end, len(text))))
        shown = printable(text)
        start = len(printable(text[:start]))
        width = max(1, len(printable(text[:end])) - start)
        lines += [
            f"{gutter} |",
            f"{span.line} | {shown}",
            f"{gutter} | {' ' * start}{_carets(width, finding, colour)}",
        ]
    challenges = ", ".join(finding.challenges)
    lines.append(f"  = {finding.name}" + (f" (challenges: {challenges})" if challenges else ""))
    return "\n".join(lines) + "\n\n"


def _carets(width: int, finding: Finding, colour: bool) -> str:
    carets = "^" * width
    return click.style(carets, fg=CODE_COLOURS[finding.severity], bold=True) if colour else carets


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """At most `WINDOW` columns of `text` around `start:end`, and the span within them;
    an ellipsis marks each cut."""
    if len(text) <= WINDOW:
        return text, start, end
    end = min(end, start + WINDOW // 2)
    left = max(0, min(start - WINDOW // 4, len(text) - WINDOW))
    right = min(len(text), left + WINDOW)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return prefix + text[left:right] + suffix, start - left + len(prefix), end - left + len(prefix)
