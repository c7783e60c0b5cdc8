"""Turning source text into a libcst module, without letting hostile input end the run.

libcst's native parser kills the whole process on very deeply nested input (measured:
3,000 nested parentheses, or a chain of 1.5 million `and`s, which CPython keeps flat but
libcst nests), and slows down quadratically well before that. So CPython's parser looks
at the text first: input it rejects for nesting or recursion depth, or whose tree is
deeper than `MAX_DEPTH` counting the operands of `and`/`or` chains as levels, is reported
as not analysable and never reaches libcst. CPython's other syntax errors are not final:
libcst also accepts syntax newer than the running interpreter.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

_MESSAGE_LIMIT = 200
#: Deepest tree handed to libcst. Real code stays far below it (the transformers package
#: peaks at 23); libcst still parses this depth in well under a second.
MAX_DEPTH = 1000
_DEPTH_MESSAGES = ("too many nested parentheses", "too complex", "too many statically nested blocks")


@dataclass(frozen=True)
class ParseFailure(Exception):
    """The text could not be parsed; line and column are 1-based."""

    reason: str
    line: int = 1
    column: int = 1


def parse_module(text: str, needed: Callable[[frozenset[str]], bool] | None = None) -> cst.Module | None:
    """Parse `text` with libcst, or raise `ParseFailure` with a one-line reason.

    `needed(imported packages)` may say that no rule could report anything on the file:
    then, once CPython has found the code valid, libcst's parse is skipped (None).
    """
    parsed = parse_with_statement_lines(text, needed)
    return parsed[0] if parsed else None


def parse_with_statement_lines(
    text: str, needed: Callable[[frozenset[str]], bool] | None = None
) -> tuple[cst.Module, list[int] | None] | None:
    """`parse_module`, plus the first line of each top-level statement when CPython's tree
    gives it for free (None if CPython could not parse the code)."""
    cpython_error, tree = _cpython_check(text)
    if tree is not None and needed is not None and not needed(tree.imports):
        return None
    if cpython_error is not None and _looks_deep(text):
        # CPython stopped before measuring the tree: do not let libcst try its luck.
        raise cpython_error
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None:
            raise cpython_error from None
        raise ParseFailure(
            f"valid Python that libcst, the parser mlsmells uses, cannot parse: {_first_line(error.message)}",
            error.raw_line,
            error.raw_column + 1,
        ) from None
    except RecursionError:
        raise ParseFailure("the code is nested too deeply to analyse") from None
    return module, (_statement_lines(module, tree.module) if tree is not None else None)


def _statement_lines(module: cst.Module, tree: ast.Module) -> list[int] | None:
    """The first line of each of libcst's top-level statements, from CPython's tree: a line
    of `a; b` is two statements there and one here; decorators start a definition."""
    lines, position = [], 0
    for statement in module.body:
        if position >= len(tree.body):
            return None
        node = tree.body[position]
        decorators = getattr(node, "decorator_list", None)
        lines.append(min([node.lineno, *(d.lineno for d in decorators)]) if decorators else node.lineno)
        position += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return lines if position == len(tree.body) else None


@dataclass(frozen=True)
class _CPythonTree:
    module: ast.Module
    imports: frozenset[str]


def _cpython_check(text: str) -> tuple[ParseFailure | None, _CPythonTree | None]:
    """Raise for input too deep to hand to libcst. Return CPython's other syntax errors,
    or, for valid code, its tree and the top-level packages it imports."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            tree = ast.parse(text)
    except SyntaxError as error:
        reason = _first_line(error.msg or "invalid syntax")
        failure = ParseFailure(f"syntax error: {reason}", error.lineno or 1, error.offset or 1)
        if any(marker in reason for marker in _DEPTH_MESSAGES):
            raise ParseFailure(
                f"the code is nested too deeply to analyse ({reason})", failure.line, failure.column
            ) from None
        return failure, None
    except (RecursionError, MemoryError):
        raise ParseFailure("the code is nested too deeply to analyse") from None
    except ValueError as error:  # "source code string cannot contain null bytes"
        raise ParseFailure(_first_line(str(error))) from None
    depth, imports = _survey(tree)
    if depth > MAX_DEPTH:
        raise ParseFailure(f"the code is nested too deeply to analyse (more than {MAX_DEPTH} levels)")
    return None, _CPythonTree(tree, frozenset(imports))


_BRACKET = re.compile(r"[()\[\]{}]")
_OPERATOR_RUN = re.compile(r"(?:[-+~]\s*){200,}|(?:\bnot\s+){200,}")


def _looks_deep(text: str) -> bool:
    """A rough, tokenizer-free look for nesting that could hurt libcst, for code CPython
    rejected before it could measure it (brackets in strings count too: it errs safe)."""
    if text.count(" and ") + text.count(" or ") > MAX_DEPTH or _OPERATOR_RUN.search(text):
        return True
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "([{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest > 200


def _survey(tree: ast.Module) -> tuple[int, set[str]]:
    """How deep libcst's tree for the same code will be, at most, where that could matter;
    and the top-level packages the code imports (absolute imports only).

    Only statements are walked. An expression is measured only if it is large enough to
    be deep: nesting needs at least one character per level, so an expression shorter
    than `_SMALL` characters, under at most 100 indented blocks, cannot exceed `MAX_DEPTH`.
    An `and`/`or` chain is one node in CPython's tree and one level per operand in libcst's.
    """
    deepest = 0
    imports: set[str] = set()
    statements: list[tuple[ast.AST, int]] = [(statement, 1) for statement in tree.body]
    while statements:
        statement, depth = statements.pop()
        if type(statement) is ast.Import:
            imports.update(alias.name.split(".")[0] for alias in statement.names)
        elif type(statement) is ast.ImportFrom and statement.module and not statement.level:
            imports.add(statement.module.split(".")[0])
        for field_value in ast.iter_fields(statement):
            value = field_value[1]
            for item in value if isinstance(value, list) else (value,):
                if not isinstance(item, ast.AST):
                    continue
                if isinstance(item, ast.stmt | ast.excepthandler | ast.match_case) or not hasattr(item, "lineno"):
                    statements.append((item, depth + 1))  # statements, and holders such as `arguments`
                elif _size(item) > _SMALL:
                    deepest = max(deepest, depth + _expression_depth(item))
                    if deepest > MAX_DEPTH:
                        return deepest, imports
    return deepest, imports


_SMALL = 400


def _size(node: ast.AST) -> int:
    lines = (node.end_lineno or node.lineno) - node.lineno
    return lines * 100 + abs((node.end_col_offset or 0) - node.col_offset)


def _expression_depth(root: ast.AST) -> int:
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is ast.BoolOp:
            depth += len(node.values)
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "invalid syntax"
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
