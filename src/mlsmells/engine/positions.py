"""Line and column numbers, computed only for the nodes that are reported.

libcst nodes carry no positions; computing them means regenerating the file's code, which
costs more than the parse. So the engine asks for positions only when a file has findings.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from mlsmells.findings import Span

FALLBACK = Span(1, 1, 1, 1)


def all_spans(module: cst.Module) -> Mapping[cst.CSTNode, Span]:
    """Spans of every node of `module`, for rules that must record positions themselves."""
    return {node: _span(code_range) for node, code_range in _ranges(module).items()}


def _ranges(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _span(code_range: CodeRange) -> Span:
    start, end = code_range.start, code_range.end
    return Span(start.line, start.column + 1, end.line, end.column + 1)
