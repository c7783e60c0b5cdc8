"""`github`: GitHub Actions workflow commands, which annotate the pull request.

Values are escaped as the Actions toolkit does, so no path or message can end the command
early or start another one. Columns are left out when a finding spans lines (GitHub
rejects them then) and for notebooks, whose lines are lines of the JSON text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlsmells.escaping import printable
from mlsmells.findings import Severity

if TYPE_CHECKING:
    from mlsmells.output import OutputContext

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.ADVICE: "notice"}


def escape_data(text: str) -> str:
    """The toolkit's escaping, after every control character is spelled out: an escape
    code or a newline from the analysed code must not reach the job log raw."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(context: OutputContext) -> str:
    lines = []
    for finding in context.findings:
        span = finding.span
        properties = {"file": context.relative_path(finding), "line": str(finding.stored_line)}
        message = finding.message
        if finding.cell is not None:
            message = f"cell {finding.cell}, line {span.line}: {message}"
        elif span.line == span.end_line:
            properties |= {"col": str(span.column), "endLine": str(span.end_line), "endColumn": str(span.end_column)}
        else:
            properties |= {"endLine": str(span.end_line)}
        properties["title"] = f"mlsmells ({finding.code})"
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
        lines.append(f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(message)}\n")
    return "".join(lines)
