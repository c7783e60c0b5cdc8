"""Checking one file: parse, resolve names, walk once, let rules report, locate findings."""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import libcst as cst

from mlsmells.engine.context import CellReport, FileContext, LineReport, Report
from mlsmells.engine.dataflow import DataFlow
from mlsmells.engine.names import NameResolver
from mlsmells.engine.parsing import Parsed, ParseFailure, TooLarge, parse, parse_module
from mlsmells.engine.positions import FALLBACK, NestedSpans, Positions
from mlsmells.engine.project import Project, ProjectView
from mlsmells.engine.suppression import Directives
from mlsmells.engine.walker import Dispatcher, walk
from mlsmells.findings import Family, Finding, Severity, Span
from mlsmells.notebooks import Cell, Notebook, build_module, cell_source_for_parsing
from mlsmells.rule import Rule
from mlsmells.rules.engine.failures import FileNotAnalysed, InternalError
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
    #: Each rule's held findings (`Rule.hold`), located, in the order they were held.
    held: dict[type[Rule], list[Finding]] = field(default_factory=dict)
    #: Set for a notebook skipped because its kernel runs this language, not Python.
    skipped_language: str = ""
    #: The lookups into the project's other modules the analysis made, with digests of
    #: what they found (`ProjectView.dependencies`): a cached result holds while they do.
    dependencies: tuple[tuple[str, str, str], ...] = ()


def not_analysed(path: str, reason: str, line: int = 1, column: int = 1, source_line: str = "") -> FileResult:
    finding = make_finding(FileNotAnalysed, path, Span(line, column, line, column + 1), reason, source_line)
    return FileResult(path, [finding], analysed=False)


def make_finding(
    rule: type[Rule],
    path: str,
    span: Span,
    message: str,
    source_line: str = "",
    noqa_lines: tuple[int, ...] | None = None,
    cell: int | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of `rule`; `noqa_lines` are module lines (None: the finding's own line)."""
    return Finding(
        path=path,
        span=span,
        code=rule.code,
        name=rule.name,
        severity=severity or rule.severity,
        message=message,
        challenges=rule.challenges,
        source_line=rule.shown_line(source_line),
        noqa_lines=(span.line,) if noqa_lines is None else noqa_lines,
        cell=cell,
    )


def lint_source(
    path: str,
    text: str,
    rules: Sequence[type[Rule]],
    options: Mapping[type[Rule], Mapping[str, Any]],
    location: Path | None = None,
    project: Project | None = None,
) -> FileResult:
    """Run `rules` over the Python source `text` of the file displayed as `path`.

    `location` is where the file is, for the questions about the `project`'s other
    modules (`engine/project.py`); without them, only the file's own functions answer.
    """
    view = ProjectView(location, None, project)
    try:
        idioms = _written_for(text)
        parsed = parse(text, needed=lambda imports, names: _any_rule_applies(rules, _packages(rules, imports, names, view, idioms)))
    except ParseFailure as failure:
        lines = source_lines(text)
        source_line = lines[failure.line - 1] if 0 < failure.line <= len(lines) else ""
        reason = failure.reason if isinstance(failure, TooLarge) else f"could not parse the file: {failure.reason}"
        result = not_analysed(path, reason, failure.line, failure.column, source_line)
        result.directives = Directives.parse(text)
        return result
    if parsed is None:
        return FileResult(path)  # valid code that no enabled rule looks at
    view.tree = parsed.tree
    return _analyse(path, text, parsed, rules, options, None, view)


#: Libraries a file is written for without importing them, by what it calls: each group of
#: spellings must all appear. `loss.backward()` then `optimizer.step()` or `zero_grad()`
#: is a PyTorch training step whatever handed the file its model and optimizer.
_IDIOMS = {"torch": ((".backward(",), (".step(", ".zero_grad("))}


def _packages(
    rules: Sequence[type[Rule]], imports: frozenset[str], names: frozenset[str], project: ProjectView,
    idioms: frozenset[str],
) -> frozenset[str]:
    """The libraries a file works with, for gating rules: those it imports, those whose
    `idioms` its text holds (`_written_for`: a training helper handed its model and optimizer),
    and, when it imports none that a rule is gated on, those the project modules it
    imports from hand it (`from proj.utils import np`, a `data.py` that reads with pandas).
    A file importing a gated library is taken at its word, and its names are not followed
    through the project's re-exports: doing that for every import would have each file of
    a large package (transformers) read every module it names, for answers that change
    nothing."""
    gating = frozenset().union(*(rule.required_modules for rule in rules))
    if imports & gating:
        return imports | idioms
    return imports | idioms | project.packages_behind(names)


def _written_for(text: str) -> frozenset[str]:
    """The libraries whose idioms (`_IDIOMS`) the file's text holds."""
    return frozenset(
        library for library, groups in _IDIOMS.items() if all(any(spelling in text for spelling in group) for group in groups)
    )


def _any_rule_applies(rules: Sequence[type[Rule]], imports: frozenset[str]) -> bool:
    """Could any rule report on a Python file importing these packages?"""
    return any(
        rule.family is not Family.ENGINE
        and not rule.notebooks_only
        and (not rule.required_modules or rule.required_modules & imports)
        for rule in rules
    )


def lint_notebook(
    path: str,
    notebook: Notebook,
    rules: Sequence[type[Rule]],
    options: Mapping[type[Rule], Mapping[str, Any]],
    location: Path | None = None,
    project: Project | None = None,
) -> FileResult:
    """Run `rules` over a notebook's code cells, analysed as one module in cell order.

    A cell that does not parse gets its own MLS001 finding and is left out; the other
    cells are still analysed. `location` and `project` are as for `lint_source`.
    """
    broken: list[Finding] = []
    try:
        parsed = parse(notebook.module_text)
    except TooLarge as failure:
        return not_analysed(path, failure.reason)
    except ParseFailure:
        failures = {}
        for cell in notebook.cells:
            if cell.is_python:
                failure = _cell_parse_failure(cell)
                if failure is not None and _cell_parse_failure(cell, automagic=True) is None:
                    notebook.automagic_cells.add(cell.number)  # `ls data/` without the `%`
                elif failure is not None:
                    failures[cell.number] = failure
        build_module(notebook, excluded=set(failures))
        for number, failure in failures.items():
            lines = notebook.cell(number).lines
            line = min(max(failure.line, 1), len(lines))
            span = Span(line, failure.column, line, failure.column + 1)
            message = f"could not parse this cell: {failure.reason}; the other cells were analysed"
            broken.append(make_finding(FileNotAnalysed, path, span, message, lines[line - 1], noqa_lines=(), cell=number))
        try:
            parsed = parse(notebook.module_text)
        except ParseFailure as failure:
            return not_analysed(path, f"could not parse the notebook's code: {failure.reason}")
    view = ProjectView(location, parsed.tree, project)
    result = _analyse(path, notebook.module_text, parsed, rules, options, notebook, view)
    result.findings[:0] = broken
    if broken and result.directives is None:
        result.directives = Directives.parse(notebook.module_text)
    return result


def _cell_parse_failure(cell: Cell, automagic: bool = False) -> ParseFailure | None:
    try:
        parse_module(cell_source_for_parsing(cell, automagic))
    except ParseFailure as failure:
        return failure
    return None


def _analyse(
    path: str,
    text: str,
    parsed: Parsed,
    rules: Sequence[type[Rule]],
    options: Mapping[type[Rule], Mapping[str, Any]],
    notebook: Notebook | None,
    project: ProjectView,
) -> FileResult:
    module = parsed.module
    names = NameResolver(module)
    context = FileContext(path, text, module, names, notebook, parsed.statement_lines, project, parsed.tree)
    # `from proj.utils import np` imports NumPy: rules about NumPy run.
    imported = frozenset(names.imported_packages)
    idioms = _written_for(text)
    packages = _packages(rules, imported, parsed.imported, project, idioms)
    context.follow_reexports = bool(packages - imported - idioms)
    errors: list[tuple[type[Rule], BaseException]] = []
    active = [
        rule(context, options[rule])
        for rule in rules
        if rule.family is not Family.ENGINE
        and (notebook is not None or not rule.notebooks_only)
        and (not rule.required_modules or rule.required_modules & packages)
    ]
    if active:
        dispatcher = Dispatcher()
        if any(rule.uses_dataflow for rule in active):
            context.flow = DataFlow(context)
            context.flow.register(dispatcher)
        for rule in active:
            for node_type, method in type(rule).visit_handlers.items():
                dispatcher.on_visit(node_type, getattr(rule, method))
            for node_type, method in type(rule).leave_handlers.items():
                dispatcher.on_leave(node_type, getattr(rule, method))

        def rule_failed(owner: Rule | DataFlow, error: BaseException) -> None:
            """A rule's bug ends that rule; the dataflow layer's ends every rule reading it.
            Running out of memory is the file's, not the rule's: the checker reports it."""
            if isinstance(error, MemoryError):
                raise error
            failing = [rule for rule in active if rule.uses_dataflow] if owner is context.flow else [owner]
            dispatcher.drop(owner)
            for rule in failing:
                dispatcher.drop(rule)
                if all(failed is not type(rule) for failed, _ in errors):
                    errors.append((type(rule), error))

        track_cell = context.track_cell if notebook is not None else None
        walk(module, dispatcher, context.enter, context.leave, rule_failed, track_cell)
    facts: dict[type[Rule], Any] = {}
    for rule in active:
        if any(failed is type(rule) for failed, _ in errors):
            continue
        try:
            rule.end_file()
            fact = rule.file_facts()
        except MemoryError:
            raise  # the file's, not the rule's: the checker reports it
        except Exception as error:  # noqa: BLE001 - isolate rule bugs to their file
            errors.append((type(rule), error))
            continue
        if fact is not None:
            facts[type(rule)] = fact
    failed = {rule for rule, _ in errors}
    held = [report for report in context.held if report.rule not in failed]
    located = _locate(path, text, context.positions, [*context.reports, *held])
    if notebook is not None:
        by_code = {rule.code: rule for rule in rules}
        located = [_in_cell(finding, notebook, by_code[finding.code]) for finding in located]
    result = FileResult(path, located[: len(context.reports)])
    if notebook is not None:
        result.findings += [_cell_finding(path, report, notebook) for report in context.cell_reports]
    else:
        result.findings += [_line_finding(path, report, text) for report in context.line_reports]
    for report, finding in zip(held, located[len(context.reports):]):
        result.held.setdefault(report.rule, []).append(finding)
    _mask_shared_lines(result, rules)
    result.facts = facts
    result.dependencies = tuple((origin, name, digest) for (origin, name), digest in sorted(project.dependencies.items()))
    for rule, error in errors:
        result.findings.append(make_finding(InternalError, path, FALLBACK, _describe_failure(rule, error)))
    if result.findings or facts or result.held:
        result.directives = Directives.parse(text)
    return result


def _mask_shared_lines(result: FileResult, rules: Sequence[type[Rule]]) -> None:
    """A line a rule masks (a secret on it) is masked in every finding that shows it."""
    by_code = {rule.code: rule for rule in rules}
    maskers: dict[tuple[int | None, int], set[type[Rule]]] = {}
    for finding in result.findings:
        rule = by_code.get(finding.code)
        if rule is not None and rule.shown_line.__func__ is not Rule.shown_line.__func__:
            maskers.setdefault((finding.cell, finding.span.line), set()).add(rule)
    if not maskers:
        return

    def masked(finding: Finding) -> Finding:
        for rule in maskers.get((finding.cell, finding.span.line), ()):
            finding = replace(finding, source_line=rule.shown_line(finding.source_line))
        return finding

    result.findings = [masked(finding) for finding in result.findings]
    result.held = {rule: [masked(finding) for finding in held] for rule, held in result.held.items()}


def _in_cell(finding: Finding, notebook: Notebook, rule: type[Rule]) -> Finding:
    """Move a finding from module coordinates to the cell the user sees."""
    span = finding.span
    cell, line, column = notebook.locate(span.line, span.column)
    end_cell, end_line, end_column = notebook.locate(span.end_line, span.end_column)
    if end_cell != cell:
        end_line, end_column = line, column + 1
    lines = notebook.cell(cell).lines
    return replace(
        finding,
        cell=cell,
        span=Span(line, column, end_line, end_column),
        source_line=rule.shown_line(lines[line - 1]) if line <= len(lines) else "",
    )


def _cell_finding(path: str, report: CellReport, notebook: Notebook) -> Finding:
    lines = notebook.cell(report.cell).lines
    line = min(max(report.line, 1), len(lines))
    module_line = notebook.module_line(report.cell, line)
    span = Span(line, report.column, line, report.column + 1)
    noqa_lines = (module_line,) if module_line is not None else ()
    return make_finding(report.rule, path, span, report.message, lines[line - 1], noqa_lines, cell=report.cell)


def _line_finding(path: str, report: LineReport, text: str) -> Finding:
    lines = source_lines(text)
    line = min(max(report.line, 1), len(lines))
    span = Span(line, report.column, line, report.column + 1)
    return make_finding(report.rule, path, span, report.message, lines[line - 1])


def _locate(path: str, text: str, positions: Positions, reports: list[Report]) -> list[Finding]:
    """Findings for `reports`, in the same order: positions once per top-level statement
    holding one, and the statements and definitions holding each found by nesting."""
    if not reports:
        return []
    spans = positions.near([report.node for report in reports])
    statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
    statements = NestedSpans([(span, node) for node, span in spans.items() if isinstance(node, statement)])
    definitions = NestedSpans(
        [(span, node) for node, span in spans.items() if isinstance(node, cst.FunctionDef | cst.ClassDef)]
    )
    lines = source_lines(text)
    findings = []
    for report in reports:
        span = spans.get(report.node, FALLBACK)
        holding = statements.holding(span)
        noqa_lines = _noqa_lines(span, holding[-1] if holding else None, spans)
        finding = make_finding(
            report.rule, path, span, report.message, lines[span.line - 1], noqa_lines, severity=report.severity
        )
        context = ".".join(node.name.value for node in definitions.holding(span))
        findings.append(replace(finding, context=context))
    return findings


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
