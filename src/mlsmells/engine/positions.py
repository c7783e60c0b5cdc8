"""Line and column numbers, computed only for what is reported.

libcst nodes carry no positions; computing them means regenerating code, which costs
more than the parse. So positions are computed only in files with findings, and there
only inside the top-level statements that hold a reported node, each anchored at the
line CPython's tree gives for it. Without those lines (code only libcst could parse),
the whole module is regenerated.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from mlsmells.engine.walker import children_of
from mlsmells.findings import Span

FALLBACK = Span(1, 1, 1, 1)


def all_spans(module: cst.Module) -> Mapping[cst.CSTNode, Span]:
    """Spans of every node of `module`, for rules that must record positions themselves."""
    return {node: _span(code_range) for node, code_range in _ranges(module).items()}


def spans_near(
    module: cst.Module, nodes: Collection[cst.CSTNode], statement_lines: list[int] | None
) -> Mapping[cst.CSTNode, Span]:
    """Spans of every node in the top-level statements that hold any of `nodes`."""
    if statement_lines is None:
        return all_spans(module)
    wanted = set(nodes)
    spans: dict[cst.CSTNode, Span] = {}
    for statement, first_line in zip(module.body, statement_lines):
        if not _holds_any(statement, wanted):
            continue
        alone = module.with_changes(body=(statement,), header=(), footer=())
        decorators = getattr(statement, "decorators", ())
        # In `alone`, the statement's first token comes after its leading lines (and those
        # of its first decorator); CPython says which line of the file that token is on.
        token_line = 1 + len(statement.leading_lines) + (len(decorators[0].leading_lines) if decorators else 0)
        shift = first_line - token_line
        for node, code_range in _ranges(alone).items():
            start, end = code_range.start, code_range.end
            spans[node] = Span(start.line + shift, start.column + 1, end.line + shift, end.column + 1)
    return spans


def _holds_any(root: cst.CSTNode, wanted: set[cst.CSTNode]) -> bool:
    stack = [root]
    while stack:
        node = stack.pop()
        if node in wanted:
            return True
        stack.extend(children_of(node))
    return False


def _ranges(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _span(code_range: CodeRange) -> Span:
    start, end = code_range.start, code_range.end
    return Span(start.line, start.column + 1, end.line, end.column + 1)
