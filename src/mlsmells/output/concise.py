"""`concise`: one line per finding, `path:line:col: CODE message`."""

from __future__ import annotations

from collections.abc import Sequence

from mlsmells.findings import Finding


def location(finding: Finding) -> str:
    return f"{finding.path}:{finding.span.line}:{finding.span.column}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(f"{location(f)}: {f.code} {f.message}\n" for f in findings)
