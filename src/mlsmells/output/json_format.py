"""`json`: a list of objects with stable keys, documented in docs/output-formats.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlsmells.escaping import dumps
from mlsmells.findings import Finding

if TYPE_CHECKING:
    from mlsmells.output import OutputContext


def as_dict(finding: Finding) -> dict:
    span = finding.span
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "challenges": list(finding.challenges),
        "fixable": finding.fixable,
        "cell": finding.cell,
    }


def render(context: OutputContext) -> str:
    findings = context.findings
    return dumps([as_dict(finding) for finding in findings]) + "\n"
