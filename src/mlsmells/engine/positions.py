"""Line and column numbers, computed only for what is reported.

libcst nodes carry no positions; computing them means regenerating code, which costs
more than the parse. So positions are computed only in files with findings, and there
only inside the statements that hold a reported node, each anchored at the line
CPython's tree gives for it. A node inside a class or function is located within the
statement of its body that holds it, descending through nested definitions: a finding
in one method of a 3,000-line class regenerates that method, not the class. A file's
`Positions` computes each statement's once, however many findings and rules ask, and
finds the statement holding a node in one lookup per level. Without CPython's lines
(code only libcst could parse), the whole module is regenerated, once.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence

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

    def __init__(
        self, module: cst.Module, statement_lines: list[int] | None, tree: ast.Module | None = None
    ) -> None:
        self._module = module
        #: The first line of each top-level statement, from CPython's tree (None if unknown).
        self._statement_lines = statement_lines
        #: CPython's tree, for the lines of statements inside definitions (None: top level only).
        self._tree = tree
        self._everything: Mapping[cst.CSTNode, Span] | None = None
        self._near: dict[cst.CSTNode, Span] = {}
        #: Spans of the definitions a located statement sits in, from CPython's tree: they
        #: say which class and function hold a finding without regenerating them.
        self._enclosing: dict[cst.CSTNode, Span] = {}
        self._statement_of: dict[cst.CSTNode, int] | None = None
        self._body_index: dict[cst.CSTNode, dict[cst.CSTNode, int]] = {}
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
        top_level = _first_statements(self._module.body, self._tree.body) if self._tree is not None else None
        for node in nodes:
            index = self._statement_of.get(node)
            if index is None or node in self._near or index in self._located:
                continue
            statement = self._module.body[index]
            if top_level is not None and self._located_inside(node, (), statement, top_level[index]):
                continue
            self._located.add(index)
            self._near.update(_statement_spans(self._module, index, self._statement_lines[index]))
        return {**self._enclosing, **self._near} if self._enclosing else self._near

    def _located_inside(
        self, node: cst.CSTNode, chain: tuple[cst.CSTNode, ...], statement: cst.CSTNode, tree: ast.stmt
    ) -> bool:
        """Locate `node` within the statement of `statement`'s body that holds it, when
        `statement` is a class or function (`chain` the definitions around it), descending
        as deep as definitions nest; False when `node` is not in such a body."""
        if not isinstance(statement, cst.FunctionDef | cst.ClassDef) or not isinstance(statement.body, cst.IndentedBlock):
            return False
        position = self._body_positions(statement).get(node)
        inner_trees = _first_statements(statement.body.body, getattr(tree, "body", []))
        if position is None or inner_trees is None:
            return False
        inner, inner_tree = statement.body.body[position], inner_trees[position]
        self._enclosing.setdefault(statement, _span_of_tree(tree))
        if not self._located_inside(node, (*chain, statement), inner, inner_tree):
            self._near.update(_nested_spans(self._module, (*chain, statement), inner, inner_tree.lineno))
        return True

    def _body_positions(self, definition: cst.FunctionDef | cst.ClassDef) -> dict[cst.CSTNode, int]:
        """The position, in the definition's body, of the statement holding each node in it."""
        index = self._body_index.get(definition)
        if index is None:
            index = self._body_index[definition] = {}
            for number, statement in enumerate(definition.body.body):
                for inner in descendants(statement):
                    index.setdefault(inner, number)
        return index


def _first_statements(body: Sequence[cst.CSTNode], trees: Sequence[ast.stmt]) -> list[ast.stmt] | None:
    """CPython's statement where each of libcst's statements of a body starts (a line of
    `a; b` is two statements there and one here), or None if the bodies do not match."""
    found, position = [], 0
    for statement in body:
        if position >= len(trees):
            return None
        found.append(trees[position])
        position += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return found if position == len(trees) else None


def _span_of_tree(tree: ast.stmt) -> Span:
    """A definition's extent from CPython's tree: from its first decorator to the line after
    its end, so that it holds every statement of its body however libcst ends those."""
    first = min([tree.lineno, *(decorator.lineno for decorator in getattr(tree, "decorator_list", ()))])
    return Span(first, tree.col_offset + 1, (tree.end_lineno or tree.lineno) + 1, 1)


def _nested_spans(
    module: cst.Module, chain: tuple[cst.CSTNode, ...], statement: cst.CSTNode, line: int
) -> Mapping[cst.CSTNode, Span]:
    """Spans of the nodes of `statement`, which sits in the body of the last of `chain`'s
    nested definitions, at `line` (its first token's, from CPython's tree): the code of
    those definitions is generated with that one statement in each body, so that every
    column keeps its indentation, and the lines are shifted to where the statement is."""
    alone = statement
    for definition in reversed(chain):
        alone = definition.with_changes(body=definition.body.with_changes(body=(alone,)))
    ranges = _ranges(module.with_changes(body=(alone,), header=(), footer=()))
    own = ranges[statement]
    # A definition's range starts at `def`/`class`, after its decorators.
    decorators = getattr(statement, "decorators", ())
    opening = ranges[decorators[0]].start if decorators else own.start
    first, last = (opening.line, opening.column), (own.end.line, own.end.column)
    shift = line - own.start.line
    spans = {}
    for node, code_range in ranges.items():
        start, end = code_range.start, code_range.end
        # The statement's own nodes; not the definitions' headers around it, generated too.
        if first <= (start.line, start.column) and (end.line, end.column) <= last:
            spans[node] = Span(start.line + shift, start.column + 1, end.line + shift, end.column + 1)
    return spans


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
