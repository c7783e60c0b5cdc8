"""`full` (the default): each finding with its source line, a caret under the span,
and the rule name and challenges it links to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlsmells.findings import Finding

if TYPE_CHECKING:
    from mlsmells.output import OutputContext
from mlsmells.output.concise import location


def render(context: OutputContext) -> str:
    findings = context.findings
    return "".join(_render_one(finding) for finding in findings)


def _render_one(finding: Finding) -> str:
    span = finding.span
    lines = [f"{location(finding)}: {finding.code} {finding.message}"]
    if finding.source_line:
        gutter = " " * len(str(span.line))
        text = finding.source_line.expandtabs(1)
        start = min(span.column - 1, len(text))
        end = span.end_column - 1 if span.end_line == span.line else len(text)
        width = max(1, min(end, len(text)) - start)
        lines += [
            f"{gutter} |",
            f"{span.line} | {text}",
            f"{gutter} | {' ' * start}{'^' * width}",
        ]
    challenges = ", ".join(finding.challenges)
    lines.append(f"  = {finding.name}" + (f" (challenges: {challenges})" if challenges else ""))
    return "\n".join(lines) + "\n\n"
