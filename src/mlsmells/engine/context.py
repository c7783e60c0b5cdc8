"""What a rule sees of the file it is checking."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import libcst as cst

from mlsmells.engine.calls import is_none
from mlsmells.engine.names import NameResolver, Scope
from mlsmells.engine.positions import FALLBACK, Positions
from mlsmells.engine.project import NONE, VALUE, Function, MadeCall, ProjectView
from mlsmells.findings import Severity, Span
from mlsmells.notebooks import MagicLine, Notebook
from mlsmells.sources import source_lines

if TYPE_CHECKING:
    from mlsmells.engine.dataflow import DataFlow

_T = TypeVar("_T")


class ReportingRule(Protocol):
    """The rule a report comes from, as the context sees it: reports are kept by the rule's
    class, which the linter turns into findings. `mlsmells.rule.Rule` is one; naming no
    more of it keeps the dependency one-way, rule.py -> engine/context.py."""

    code: ClassVar[str]


@dataclass(frozen=True)
class Report:
    """A finding before positions are known: positions are computed only for these nodes."""

    rule: type[ReportingRule]
    node: cst.CSTNode
    message: str
    #: Set when this finding is graver than its rule's own severity.
    severity: Severity | None = None


@dataclass(frozen=True)
class LineReport:
    """A finding at a position of a Python file's text, for findings that have no syntax node."""

    rule: type[ReportingRule]
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class CellReport:
    """A finding about a notebook cell itself (its outputs, its execution count)."""

    rule: type[ReportingRule]
    cell: int
    line: int
    column: int
    message: str


class FileContext:
    """The file being checked, its name resolution, and where rules report.

    The engine keeps `scopes` current as it walks, so that `qualified_names` answers for
    the node a rule is looking at.
    """

    def __init__(
        self,
        path: str,
        text: str,
        module: cst.Module,
        names: NameResolver,
        notebook: Notebook | None = None,
        statement_lines: list[int] | None = None,
        project: ProjectView | None = None,
        tree: ast.Module | None = None,
    ) -> None:
        self.path = path
        #: The project's own functions, in this file and its other modules.
        self.project = project if project is not None else ProjectView(None, None, None)
        #: Whether libraries reach this file through the project's modules (it imports none
        #: a rule is gated on itself): then names are followed through their re-exports.
        self.follow_reexports = False
        #: The first line of each top-level statement, from CPython's tree (None if unknown).
        self.statement_lines = statement_lines
        #: The notebook this module was built from, or None for a Python file.
        self.notebook = notebook
        self.cell_reports: list[CellReport] = []
        self.line_reports: list[LineReport] = []
        self.text = text
        self.module = module
        self.names = names
        self.scopes: list[Scope] = []  # the walk enters the module scope first
        self.reports: list[Report] = []
        #: Reports held for the repository pass, which decides whether they become findings.
        self.held: list[Report] = []
        self._held_count: Counter[type[ReportingRule]] = Counter()
        #: In a notebook: the cell of each top-level statement, and the one being walked.
        self._statement_cells = _statement_cells(module, notebook, statement_lines) if notebook is not None else None
        self.cell: int | None = None
        #: Where nodes are, computed as rules and the engine ask, once per statement.
        self.positions = Positions(module, statement_lines, tree)
        self._qualified: dict[tuple[cst.CSTNode, Scope | None], tuple[str, ...]] = {}
        self._library_calls: dict[cst.Call, list[MadeCall] | None] = {}
        #: Where values came from (engine/dataflow.py); set when a rule uses it.
        self.flow: DataFlow | None = None
        self._shared: dict[Callable[[FileContext], Any], Any] = {}

    def shared(self, factory: Callable[[FileContext], _T]) -> _T:
        """The file's one instance of a knowledge class (`ValueKinds`), made on first
        ask: what it works out about the file's values is worked out once for every rule."""
        if factory not in self._shared:
            self._shared[factory] = factory(self)
        return self._shared[factory]

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines, numbered as CPython numbers them (not split at form feeds)."""
        return source_lines(self.text)

    def source_line(self, number: int) -> str:
        """Line `number` (1-based) of the text; empty outside it."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    @cached_property
    def in_tests(self) -> bool:
        """Whether this file is test code (see `is_test_file`)."""
        return is_test_file(self.path)

    @property
    def imported_packages(self) -> set[str]:
        return self.names.imported_packages

    @property
    def in_module_scope(self) -> bool:
        """True while the walk is outside every function and class body."""
        return len(self.scopes) == 1

    def qualified_names(self, expr: cst.BaseExpression, scopes: Sequence[Scope] | None = None) -> tuple[str, ...]:
        """The qualified names `expr` may refer to here (`np.random.rand` -> `numpy.random.rand`),
        or where `scopes` (a scope chain, innermost last) sees it.

        Most rules ask this of every call's callee: the answer is kept per node and scope.
        """
        chain = self.scopes if scopes is None else scopes
        key = (expr, chain[-1] if chain else None)
        names = self._qualified.get(key)
        if names is None:
            names = self.names.qualified_names(expr, list(chain))
            if self.follow_reexports:
                # `from proj.utils import np` names NumPy: the project's re-exports are followed.
                names = tuple(dict.fromkeys(self.project.canonical(name) for name in names))
            self._qualified[key] = names
        return names

    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        """The qualified name of `expr` if it has exactly one, else None."""
        names = self.qualified_names(expr)
        return names[0] if len(names) == 1 else None

    def called_function(self, call: cst.Call, scopes: Sequence[Scope] | None = None) -> Function | None:
        """The project function `call` calls (seen from `scopes`, by default where the walk
        is), defined in this file or imported from one of the project's modules
        (re-exports followed); None for anything else."""
        func = call.func
        chain = self.scopes if scopes is None else scopes
        qualified = self.qualified_names(func, scopes)
        local = None
        if isinstance(func, cst.Name) and not qualified:
            # The module's own function, unless a function or class around the call binds the name.
            inner = [scope for scope in chain[1:] if not isinstance(scope.node, cst.ClassDef)]
            local = None if any(func.value in scope.others for scope in inner) else func.value
        return self.project.function(qualified, local)

    def library_calls(self, call: cst.Call, scopes: Sequence[Scope] | None = None) -> list[MadeCall] | None:
        """The library calls made when `call` runs a project function (through the
        project's functions it calls in turn), each argument `None`, a value, or what this
        call passed; None when `call` does not call a project function. `scopes`: where
        the call is, if the walk is elsewhere."""
        if call in self._library_calls:
            return self._library_calls[call]
        function = self.called_function(call, scopes)
        made = None
        if function is not None:
            positional = tuple(_shape(arg.value) for arg in call.args if arg.keyword is None and not arg.star)
            keywords = {arg.keyword.value: _shape(arg.value) for arg in call.args if arg.keyword is not None}
            made = list(self.project.calls_made(function, positional, keywords))
        self._library_calls[call] = made
        return made

    def span_of(self, node: cst.CSTNode) -> Span:
        """Where `node` is. Computes the positions of the whole module, which costs more
        than the parse: prefer `spans_near`."""
        return self.positions.everything().get(node, FALLBACK)

    def spans_near(self, nodes: Sequence[cst.CSTNode]) -> Mapping[cst.CSTNode, Span]:
        """Where `nodes` are, computing positions only inside the top-level statements
        holding them, once per statement (as findings are located): for rules that must put
        a position in a message or their repository facts, at a fraction of `span_of`'s cost."""
        return self.positions.near(nodes)

    def report(self, rule: ReportingRule, node: cst.CSTNode, message: str, severity: Severity | None = None) -> None:
        self.reports.append(Report(type(rule), node, message, severity))

    def hold(self, rule: ReportingRule, node: cst.CSTNode, message: str) -> int:
        """Hold a possible finding for the repository pass; returns its number for `rule`."""
        number = self._held_count[type(rule)]
        self._held_count[type(rule)] += 1
        self.held.append(Report(type(rule), node, message))
        return number

    def report_cell(self, rule: ReportingRule, cell: int, message: str, line: int = 1, column: int = 1) -> None:
        """Report at a position in a notebook cell, for findings that have no syntax node."""
        self.cell_reports.append(CellReport(type(rule), cell, line, column, message))

    def report_line(self, rule: ReportingRule, line: int, message: str, column: int = 1) -> None:
        """Report at a 1-based position of the module text, for findings that have no syntax
        node (a comment); in a notebook, at the cell and line that position comes from."""
        if self.notebook is not None:
            cell, cell_line, cell_column = self.notebook.locate(line, column)
            self.report_cell(rule, cell, message, cell_line, cell_column)
        else:
            self.line_reports.append(LineReport(type(rule), line, column, message))

    def report_magic(self, rule: ReportingRule, magic: MagicLine, message: str) -> None:
        """Report at an IPython line (`!pip install x`, `%env KEY=...`), where its text starts."""
        text = self.notebook.cell(magic.cell).lines[magic.cell_line - 1]
        column = len(text) - len(text.lstrip()) + 1
        self.report_cell(rule, magic.cell, message, line=magic.cell_line, column=column)

    # The walker's hooks -------------------------------------------------------------

    def enter(self, node: cst.CSTNode) -> bool:
        """Track scopes; True when `node` opens one and `leave` must be called for it."""
        scope = self.names.scopes.get(node)
        if scope is None:
            return False
        self.scopes.append(scope)
        return True

    def track_cell(self, node: cst.CSTNode) -> None:
        """Notebooks only: note the cell of a top-level statement before rules see it."""
        cell = self._statement_cells.get(node)
        if cell is not None:
            self.cell = cell

    def leave(self, node: cst.CSTNode) -> None:
        self.scopes.pop()


def _shape(value: cst.BaseExpression) -> str:
    return NONE if is_none(value) else VALUE


def is_test_file(path: str) -> bool:
    """`test_*.py`, `*_test.py`, `*_tests.py`, `test.py`, `tests.py` (Django's layout),
    `conftest.py` (or notebooks named so), or any file under a `tests`, `test` or `testing`
    directory. Every rule that judges tests, or leaves fixtures alone, asks this."""
    pure = PurePath(path.replace("\\", "/"))
    stem = pure.stem
    return (
        stem.startswith("test_")
        or stem.endswith(("_test", "_tests"))
        or stem in ("test", "tests", "conftest")
        or any(part in ("tests", "test", "testing") for part in pure.parts[:-1])
    )


def _statement_cells(module: cst.Module, notebook: Notebook, lines: list[int] | None) -> dict[cst.CSTNode, int]:
    """The notebook cell of each top-level statement, from the line it starts on.

    The lines come from CPython's tree when it could parse the code; otherwise they are
    counted from each statement's generated code, which costs about as much as a parse.
    """
    if lines is None:
        lines, line = [], 1 + len(module.header)  # each header node is one blank or comment line
        for statement in module.body:
            lines.append(line + len(statement.leading_lines))
            line += module.code_for_node(statement).count("\n")
    return {statement: notebook.locate(line, 1)[0] for statement, line in zip(module.body, lines)}
