"""Checking one file: parse, resolve names, walk once, let rules report, locate findings."""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from mlsmells.engine.context import FileContext, Report
from mlsmells.engine.names import NameResolver
from mlsmells.engine.parsing import ParseFailure, parse_module
from mlsmells.engine.suppression import Directives
from mlsmells.engine.positions import FALLBACK, all_spans
from mlsmells.engine.walker import Dispatcher, walk
from mlsmells.findings import Family, Finding, Span
from mlsmells.rule import Rule
from mlsmells.rules.engine import FileNotAnalysed, InternalError
from mlsmells.sources import source_lines


@dataclass
class FileResult:
    """Everything one file contributed to a run."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    #: False when the file could not be read, decoded or parsed (an MLS001 finding says why).
    analysed: bool = True
    #: The file's `noqa` comments; read only when it has findings or repository facts.
    directives: Directives | None = None
    #: What each rule recorded for the repository pass (`Rule.file_facts`).
    facts: dict[type[Rule], Any] = field(default_factory=dict)


def not_analysed(path: str, reason: str, line: int = 1, column: int = 1, source_line: str = "") -> FileResult:
    finding = make_finding(FileNotAnalysed, path, Span(line, column, line, column + 1), reason, source_line)
    return FileResult(path, [finding], analysed=False)


def make_finding(
    rule: type[Rule], path: str, span: Span, message: str, source_line: str = "", noqa_lines: tuple[int, ...] = ()
) -> Finding:
    return Finding(
        path=path,
        span=span,
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        challenges=rule.challenges,
        source_line=source_line,
        noqa_lines=noqa_lines or (span.line,),
    )


def lint_source(
    path: str,
    text: str,
    rules: Sequence[type[Rule]],
    options: Mapping[type[Rule], Mapping[str, Any]],
) -> FileResult:
    """Run `rules` over the Python source `text` of the file displayed as `path`."""
    try:
        module = parse_module(text)
    except ParseFailure as failure:
        lines = source_lines(text)
        source_line = lines[failure.line - 1] if 0 < failure.line <= len(lines) else ""
        result = not_analysed(path, f"could not parse the file: {failure.reason}", failure.line, failure.column, source_line)
        result.directives = Directives.parse(text)
        return result

    names = NameResolver(module)
    context = FileContext(path, text, module, names)
    errors: list[tuple[type[Rule], BaseException]] = []
    active = [
        rule(context, options[rule])
        for rule in rules
        if rule.family is not Family.ENGINE
        and (not rule.required_modules or rule.required_modules & names.imported_packages)
    ]
    if active:
        dispatcher = Dispatcher()
        for rule in active:
            for node_type, method in type(rule).visit_handlers.items():
                dispatcher.on_visit(node_type, getattr(rule, method))
            for node_type, method in type(rule).leave_handlers.items():
                dispatcher.on_leave(node_type, getattr(rule, method))

        def rule_failed(rule: Rule, error: BaseException) -> None:
            errors.append((type(rule), error))
            dispatcher.drop(rule)

        walk(module, dispatcher, context.enter, context.leave, rule_failed)
    facts: dict[type[Rule], Any] = {}
    for rule in active:
        if any(failed is type(rule) for failed, _ in errors):
            continue
        try:
            rule.end_file()
            fact = rule.file_facts()
        except Exception as error:  # noqa: BLE001 - isolate rule bugs to their file
            errors.append((type(rule), error))
            continue
        if fact is not None:
            facts[type(rule)] = fact
    result = _locate(path, text, module, context.reports)
    result.facts = facts
    for rule, error in errors:
        result.findings.append(make_finding(InternalError, path, FALLBACK, _describe_failure(rule, error)))
    if result.findings or facts:
        result.directives = Directives.parse(text)
    return result


def _locate(path: str, text: str, module: cst.Module, reports: list[Report]) -> FileResult:
    result = FileResult(path)
    if not reports:
        return result
    spans = all_spans(module)
    statements = [
        (spans[node], node) for node in spans if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    ]
    lines = source_lines(text)
    for report in reports:
        span = spans.get(report.node, FALLBACK)
        noqa_lines = _noqa_lines(span, _innermost_statement(span, statements), spans)
        result.findings.append(make_finding(report.rule, path, span, report.message, lines[span.line - 1], noqa_lines))
    return result


def _innermost_statement(span: Span, statements: list[tuple[Span, cst.CSTNode]]) -> cst.CSTNode | None:
    """The smallest statement whose span holds `span`."""
    holding = [
        (outer, node) for outer, node in statements
        if (outer.line, outer.column) <= (span.line, span.column)
        and (span.end_line, span.end_column) <= (outer.end_line, outer.end_column)
    ]
    if not holding:
        return None
    return min(holding, key=lambda item: (item[0].end_line - item[0].line, item[0].end_column))[1]


def _noqa_lines(span: Span, statement: cst.CSTNode | None, spans: Mapping[cst.CSTNode, Span]) -> tuple[int, ...]:
    """Lines whose `noqa` comment silences a finding at `span` inside `statement`.

    For a simple statement that spans lines, its first and last lines; for a finding in
    the header of a compound statement, the header's first line.
    """
    lines = {span.line, span.end_line}
    if statement is not None:
        lines.add(spans[statement].line)
        if isinstance(statement, cst.SimpleStatementLine):
            # The line's own span runs past its newline: its last statement ends the line.
            lines.add(spans[statement.body[-1]].end_line)
    return tuple(sorted(lines))


def _describe_failure(rule: type[Rule], error: BaseException) -> str:
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    location = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return (
        f"rule {rule.code} ({rule.name}) failed on this file: "
        f"{type(error).__name__}: {error}{location}. This is a bug in mlsmells: please report it."
    )
