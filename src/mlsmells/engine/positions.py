"""Line and column numbers, computed only for what is reported.

libcst nodes carry no positions; computing them means regenerating code, which costs
more than the parse. So positions are computed only in files with findings, and there
only inside the top-level statements that hold a reported node, each anchored at the
line CPython's tree gives for it. A file's `Positions` computes each statement's once,
however many findings and rules ask, and finds the statement holding a node in one
lookup. Without those lines (code only libcst could parse), the whole module is
regenerated, once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from mlsmells.engine.walker import descendants
from mlsmells.findings import Span

FALLBACK = Span(1, 1, 1, 1)


def all_spans(module: cst.Module) -> Mapping[cst.CSTNode, Span]:
    """Spans of every node of `module`, for rules that must record positions themselves."""
    return {node: _span(code_range) for node, code_range in _ranges(module).items()}


class Positions:
    """The spans of one module's nodes, computed as they are asked for and kept."""

    def __init__(self, module: cst.Module, statement_lines: list[int] | None) -> None:
        self._module = module
        #: The first line of each top-level statement, from CPython's tree (None if unknown).
        self._statement_lines = statement_lines
        self._everything: Mapping[cst.CSTNode, Span] | None = None
        self._near: dict[cst.CSTNode, Span] = {}
        self._statement_of: dict[cst.CSTNode, int] | None = None
        self._located: set[int] = set()

    def everything(self) -> Mapping[cst.CSTNode, Span]:
        """Spans of every node of the module: costs more than the parse."""
        if self._everything is None:
            self._everything = all_spans(self._module)
        return self._everything

    def near(self, nodes: Collection[cst.CSTNode]) -> Mapping[cst.CSTNode, Span]:
        """Spans of every node in the top-level statements that hold any of `nodes` (and in
        those located before)."""
        if self._statement_lines is None:
            return self.everything()
        if self._statement_of is None:
            self._statement_of = _statement_index(self._module)
        for node in nodes:
            index = self._statement_of.get(node)
            if index is not None and index not in self._located:
                self._located.add(index)
                self._near.update(_statement_spans(self._module, index, self._statement_lines[index]))
        return self._near


def _statement_index(module: cst.Module) -> dict[cst.CSTNode, int]:
    """The index of the top-level statement holding each syntax node (one walk), so that
    locating a node does not search the module."""
    index: dict[cst.CSTNode, int] = {}
    for number, statement in enumerate(module.body):
        for node in descendants(statement):
            index.setdefault(node, number)
    return index


def _statement_spans(module: cst.Module, index: int, first_line: int) -> Mapping[cst.CSTNode, Span]:
    """Spans of the nodes of top-level statement `index`, generating its code alone."""
    statement = module.body[index]
    alone = module.with_changes(body=(statement,), header=(), footer=())
    decorators = getattr(statement, "decorators", ())
    # In `alone`, the statement's first token comes after its leading lines (and those
    # of its first decorator); CPython says which line of the file that token is on.
    token_line = 1 + len(statement.leading_lines) + (len(decorators[0].leading_lines) if decorators else 0)
    shift = first_line - token_line
    spans = {}
    for node, code_range in _ranges(alone).items():
        start, end = code_range.start, code_range.end
        spans[node] = Span(start.line + shift, start.column + 1, end.line + shift, end.column + 1)
    return spans


class NestedSpans:
    """Nodes by span (statements, definitions), to find those holding a span in time that
    grows with their nesting, not their number: spans of syntax nodes nest or are apart."""

    def __init__(self, items: Collection[tuple[Span, cst.CSTNode]]) -> None:
        self._items = sorted(items, key=_outermost_first)
        self._starts = [(span.line, span.column) for span, _ in self._items]
        #: For each item, the index of the innermost item before it that holds it, or -1.
        self._parents: list[int] = []
        open_items: list[int] = []
        for number, (span, _) in enumerate(self._items):
            while open_items and not _holds(self._items[open_items[-1]][0], span):
                open_items.pop()
            self._parents.append(open_items[-1] if open_items else -1)
            open_items.append(number)

    def holding(self, span: Span) -> list[cst.CSTNode]:
        """The nodes whose span holds `span`, outermost first."""
        # The innermost holder starts before `span`, so holds the last item to start
        # before it (or is that item): climb from there.
        number = bisect_right(self._starts, (span.line, span.column)) - 1
        while number >= 0 and not _holds(self._items[number][0], span):
            number = self._parents[number]
        holders = []
        while number >= 0:
            holders.append(self._items[number][1])
            number = self._parents[number]
        return holders[::-1]


def _outermost_first(item: tuple[Span, cst.CSTNode]) -> tuple[int, int, int, int]:
    span = item[0]
    return span.line, span.column, -span.end_line, -span.end_column


def _holds(outer: Span, inner: Span) -> bool:
    starts_before = (outer.line, outer.column) <= (inner.line, inner.column)
    return starts_before and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def _ranges(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _span(code_range: CodeRange) -> Span:
    start, end = code_range.start, code_range.end
    return Span(start.line, start.column + 1, end.line, end.column + 1)
