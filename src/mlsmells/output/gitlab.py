"""`gitlab`: GitLab Code Quality report (a JSON list of issues)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from mlsmells.escaping import dumps
from mlsmells.findings import Severity

if TYPE_CHECKING:
    from mlsmells.output import OutputContext

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.ADVICE: "info"}


def render(context: OutputContext) -> str:
    issues = []
    for finding in context.findings:
        where = f" (cell {finding.cell}, line {finding.span.line})" if finding.cell is not None else ""
        issues.append(
            {
                "description": f"{finding.code} {finding.message}{where}",
                "check_name": finding.code,
                "fingerprint": hashlib.md5(context.fingerprint_of[id(finding)].encode()).hexdigest(),
                "severity": SEVERITIES[finding.severity],
                "location": {"path": context.relative_path(finding), "lines": {"begin": finding.stored_line}},
            }
        )
    return dumps(issues) + "\n"
