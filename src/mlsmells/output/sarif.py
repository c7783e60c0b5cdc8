"""`sarif`: SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

Paths are relative to the project root under `%SRCROOT%`. Notebook results point at the
line of the notebook's JSON text, since that is how GitHub shows an `.ipynb`, and carry
the cell and line in the cell in their message and properties. Suppressed findings are
left out unless asked for: GitHub does not honour SARIF suppressions.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING
from urllib.parse import quote

from mlsmells import PROJECT_URL, __version__
from mlsmells.docs import rule_markdown
from mlsmells.escaping import dumps
from mlsmells.findings import Finding, Severity
from mlsmells.registry import find_rule
from mlsmells.rule import Rule

if TYPE_CHECKING:
    from mlsmells.output import OutputContext

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
#: GitHub shows ten tags; more are dropped, the family and libraries first kept.
MAX_TAGS = 10
MAX_DESCRIPTION = 1024
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.ADVICE: "note"}
#: GitHub's `problem.severity` property: what an alert that is not a security one is.
PROBLEM_SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.ADVICE: "recommendation"}


def render(context: OutputContext) -> str:
    entries = [(finding, None) for finding in context.findings]
    entries += [(s.finding, s) for s in context.suppressed]
    if len(entries) > MAX_RESULTS:
        sys.stderr.write(
            f"mlsmells: warning: {len(entries)} results exceed SARIF's limit on GitHub; "
            f"only the first {MAX_RESULTS} are written.\n"
        )
        entries = entries[:MAX_RESULTS]
    # Every selected rule, so that the list is the same from run to run; plus the rules of
    # findings made without being selected (MLS001, a file that could not be analysed).
    rules = list(context.rules)
    for finding, _ in entries:
        rule = find_rule(finding.code)
        if rule is not None and rule not in rules:
            rules.append(rule)
    rules.sort(key=lambda rule: rule.code)
    index = {rule.code: position for position, rule in enumerate(rules)}
    results = [_result(context, finding, suppressed, index) for finding, suppressed in entries]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlsmells",
                        "version": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": context.root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return dumps(log) + "\n"


def _descriptor(rule: type[Rule]) -> dict:
    help_uri = f"{PROJECT_URL}/blob/main/docs/rules/{rule.code}-{rule.name}.md"
    properties = {
        "tags": tags(rule),
        "precision": rule.precision_level(),
        "problem.severity": PROBLEM_SEVERITIES[rule.severity],
    }
    if rule.security_severity is not None:
        properties["security-severity"] = rule.security_severity
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {"text": _clip(rule.description() or rule.summary)},
        "help": {"text": _help_text(rule, help_uri), "markdown": rule_markdown(rule)},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def tags(rule: type[Rule]) -> list[str]:
    """Words a code-scanning filter can be typed with (no spaces or commas): the family,
    `security`, the libraries, then the challenges the rule comes from, at most ten."""
    words = [rule.family.name.lower()]
    if rule.security_severity is not None:
        words.append("security")
    words += sorted(rule.required_modules)
    words += rule.challenges
    return words[:MAX_TAGS]


def _help_text(rule: type[Rule], help_uri: str) -> str:
    """The help as plain text, for viewers that do not render Markdown."""
    parts = [" ".join((rule.description() or rule.summary).split()), " ".join(rule.why.split())]
    if rule.use_instead:
        parts.append("Use instead: " + " ".join(rule.use_instead.split()))
    parts.append(f"Documentation: {help_uri}")
    return "\n\n".join(part for part in parts if part)


def _result(context: OutputContext, finding: Finding, suppressed, index: dict[str, int]) -> dict:
    span = finding.span
    message = finding.message
    if finding.cell is not None:
        message = f"cell {finding.cell}, line {span.line}: {message}"
        region = {"startLine": finding.stored_line}
    else:
        region = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": span.end_line,
            "endColumn": max(span.end_column, span.column + 1) if span.end_line == span.line else span.end_column,
        }
    result = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(context.relative_path(finding)), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        # GitHub reads only primaryLocationLineHash; the edit-stable fingerprint fills it.
        "partialFingerprints": {
            "mlsmells/v1": context.fingerprint_of[id(finding)],
            "primaryLocationLineHash": context.fingerprint_of[id(finding)],
        },
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.cell is not None:
        result["properties"] = {"cell": finding.cell, "cellLine": span.line, "cellColumn": span.column}
    if suppressed is not None:
        result["suppressions"] = [{"kind": suppressed.kind, "justification": suppressed.justification}]
    return result


def artifact_uri(path: str) -> str:
    """A path as a URI reference (RFC 3986): `a#b.py` must not read as `a` with a fragment,
    nor `x%41.py` as `xA.py`; a byte that is not UTF-8 is encoded as itself (`%FF`). An
    absolute path (outside the project) becomes a file URI."""
    encoded = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    return f"file://{encoded}" if path.startswith("/") else encoded


def _clip(text: str) -> str:
    """At most `MAX_DESCRIPTION` characters, cut after a sentence or at least a word."""
    text = " ".join(text.split())
    if len(text) <= MAX_DESCRIPTION:
        return text
    head = text[: MAX_DESCRIPTION - 1]
    sentence = head.rfind(". ")
    if sentence > MAX_DESCRIPTION // 2:
        return head[: sentence + 1]
    return head.rsplit(" ", 1)[0] + "…"
