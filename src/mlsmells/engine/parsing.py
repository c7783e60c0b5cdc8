"""Turning source text into a libcst module, without letting hostile input end the run.

One policy decides what libcst may be given, measured before libcst sees the text:

- Size: at most `MAX_TOKENS` tokens. libcst's tree and the analysis on it take 200 to
  450 MB per 100,000 tokens of real code, whatever the bytes (a 10 MB file of short lines
  took 6.4 GB): the byte limit of the configuration does not bound memory, tokens do. A
  file above the budget is skipped, as one above the byte limit is.
- Depth: at most `MAX_DEPTH` levels. libcst's parser slows down quadratically with the
  depth of its tree (chains of `+`, `.b`, `()`, `[0]`), the memory of its tree grows
  quadratically with some nesting (conditional expressions, lambdas, `**`, brackets), and
  the process dies on a few thousand nested brackets or a million chained `and`s. Each
  operand of an operator chain (binary, `and`/`or`, comparison) and each unary operator or
  attribute is one level; each call, subscript, bracket, `**`, conditional expression
  and lambda, two to six times costlier, is `HEAVY` levels.

Depth is measured on CPython's tree for valid code: it nests as libcst's does, except that
`and`/`or` chains are flat in it. Code CPython rejects is not final (libcst also reads
syntax newer than the running Python), but CPython stops at its first error without
measuring anything: for that code, a scan of the tokens (one regular expression: strings,
comments and numbers are read whole, so `0and 0and` is two `and`s) estimates libcst's
depth from operator precedence, per logical line and bracket, and CPython's error is
reported, saying why libcst was not tried, when the estimate is beyond the limit.
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

_MESSAGE_LIMIT = 200
#: Deepest tree handed to libcst, in levels (see the module docstring). At this depth
#: libcst takes at most 0.4 s and 60 MB for any kind of nesting, code with a syntax error
#: included. Real code stays far below it: of 35,700 files (the standard libraries of
#: Python 2.7, 3.11 and 3.13, a large site-packages, the Google Cloud SDK) the deepest, a
#: generated sympy table, has 572 levels, the next 230; a 30-step pandas method chain has
#: 97, a 200-term sum 204.
MAX_DEPTH = 1000
#: Levels that a call, subscript, bracket, `**`, conditional expression or lambda counts
#: for. libcst spends two to six times as much time or memory on each as on an operand of
#: a `+` chain or a unary operator, and its cost grows with the square of the depth:
#: counted twice, 500 of them cost what 1,000 lighter levels do.
HEAVY = 2
#: Most tokens (names, numbers, strings, operators, brackets, line ends) in a file handed
#: to libcst. The analysis of real code peaks at 200 to 450 MB per 100,000 tokens: this
#: keeps a file under about 2 GB. Of the same 35,700 files one, 6 MB of generated data
#: (713,000 tokens), is above it; the next largest has 218,000.
MAX_TOKENS = 400_000
_DEPTH_MESSAGES = ("too many nested parentheses", "too complex", "too many statically nested blocks")


@dataclass(frozen=True)
class ParseFailure(Exception):
    """The text could not be parsed; line and column are 1-based."""

    reason: str
    line: int = 1
    column: int = 1


class TooLarge(ParseFailure):
    """The file is above `MAX_TOKENS`: a size limit, its reason says so on its own."""


@dataclass(frozen=True)
class Parsed:
    """A module parsed for analysis: libcst's tree, the first line of each top-level
    statement and CPython's tree when CPython could parse the code (else None)."""

    module: cst.Module
    statement_lines: list[int] | None
    tree: ast.Module | None
    #: Every name the code imports, as the import spells it (empty without CPython's tree).
    imported: frozenset[str] = frozenset()


def parse_module(text: str) -> cst.Module:
    """Parse `text` with libcst, or raise `ParseFailure` with a one-line reason."""
    parsed = parse(text)
    assert parsed is not None  # only `needed` can skip the parse
    return parsed.module


def parse(text: str, needed: Callable[[frozenset[str], frozenset[str]], bool] | None = None) -> Parsed | None:
    """`parse_module`, plus what CPython's tree gives for free: statement lines, and the
    tree itself for the summaries of the file's own functions (`engine/project.py`).

    `needed(imported packages, imported names)` may say that no rule could report anything
    on the file: then, once CPython has found the code valid, libcst's parse is skipped
    (None)."""
    _check_size(text)  # first: CPython's own parse of a huge file costs seconds and gigabytes
    cpython_error, tree = _cpython_check(text)
    if cpython_error is not None:
        _check_depth(text, cpython_error)
    if tree is not None and needed is not None and not needed(tree.imports, tree.names):
        return None
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
    if tree is None:
        return Parsed(module, None, None)
    return Parsed(module, _statement_lines(module, tree.module), tree.module, tree.names)


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
    #: Every name the code imports, as the import spells it (`proj.utils.np`, `.io.load`).
    names: frozenset[str]


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
    except RecursionError:
        raise ParseFailure("the code is nested too deeply to analyse") from None
    except ValueError as error:  # "source code string cannot contain null bytes"
        raise ParseFailure(_first_line(str(error))) from None
    survey = _survey(tree)
    if survey.depth > MAX_DEPTH:
        raise ParseFailure(f"the code is nested too deeply to analyse {_DEPTH_LIMIT}", survey.line)
    return None, _CPythonTree(tree, frozenset(survey.imports), frozenset(survey.names))


_DEPTH_LIMIT = (
    f"(more than {MAX_DEPTH} chained operators, or {MAX_DEPTH // HEAVY} levels of calls, brackets and conditional "
    "expressions)"
)


def _check_size(text: str) -> None:
    """Refuse a file above `MAX_TOKENS`, whether or not a rule needs libcst's tree of it,
    as a file above the byte limit is refused."""
    if len(text) <= MAX_TOKENS:  # every token takes a character
        return
    tokens = sum(1 for _ in _TOKEN.finditer(text))
    if tokens > MAX_TOKENS:
        raise TooLarge(
            f"skipped: the file has {tokens:,} tokens, above the {MAX_TOKENS:,}-token limit "
            "(a size limit: analysing a file takes up to 0.5 GB of memory per 100,000 tokens)"
        )


def _check_depth(text: str, cpython_error: ParseFailure) -> None:
    """Refuse, with CPython's error, code CPython rejected that is too deep for libcst by
    the token scan's estimate."""
    depth, deepest_at = _scan(text)
    if depth > MAX_DEPTH:
        line = len(_NEWLINE.findall(text, 0, deepest_at)) + 1
        raise ParseFailure(
            f"{cpython_error.reason}; not retried with libcst, which reads newer syntax: the statement on line "
            f"{line} is nested too deeply or chains too many operators to analyse {_DEPTH_LIMIT}",
            cpython_error.line,
            cpython_error.column,
        )


# The token scan ----------------------------------------------------------------------

_NEWLINE = re.compile(r"\r\n?|\n")
#: One token per match, after any blanks, comments and line continuations. Strings come
#: first for their prefixes, numbers before names so that `0and` is `0`, `and`; a string
#: left open ends at its line, or at the end of the text if triple-quoted.
_TOKEN = re.compile(
    r"""(?:[ \t\f]+|\\\r?\n|\\\r|\#[^\r\n]*)*
    (?:
      (?P<string>(?:[rRbBuUfF]{1,2})?(?:
          '''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*(?:'''|\Z)
        | \"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
        | '[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'?
        | "[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"?
      ))
    | (?P<number>(?:0[xXoObB](?:_?[0-9a-fA-F])+
        |(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][-+]?\d(?:_?\d)*)?)[jJ]?)
    | (?P<name>[^\W\d]\w*)
    | (?P<newline>\r\n?|\n)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%@&|^<>=!]=|[-+*/%@&|^~<>=.,:;])
    | (?P<other>[\s\S])
    )""",
    re.VERBOSE,
)

#: Binding strength and levels of each operator: an operator closes the chains of those
#: that bind tighter before it (`a * b + c`: the `+` chain holds finished products).
_BINARY = {
    "if": (2, HEAVY), "or": (3, 1), "and": (4, 1), "in": (6, 1), "is": (6, 1), "not": (6, 1),
    "<": (6, 1), ">": (6, 1), "<=": (6, 1), ">=": (6, 1), "==": (6, 1), "!=": (6, 1),
    "|": (7, 1), "^": (8, 1), "&": (9, 1), "<<": (10, 1), ">>": (10, 1), "+": (11, 1), "-": (11, 1),
    "*": (12, 1), "/": (12, 1), "//": (12, 1), "%": (12, 1), "@": (12, 1), "**": (14, HEAVY),
    ".": (16, 1), "(": (16, HEAVY), "[": (16, HEAVY),
}
#: The same for operators that start an operand (`not` here is `not x`, not `not in`).
_PREFIX = {
    "lambda": (1, HEAVY), "if": (2, HEAVY), "not": (5, 1), "+": (13, 1), "-": (13, 1), "~": (13, 1),
    "*": (12, 1), "**": (14, HEAVY), "await": (15, 1),
}
_SEPARATORS = frozenset(", ; = += -= *= /= //= %= @= **= <<= >>= &= |= ^=".split())
_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}


def _scan(text: str) -> tuple[int, int]:
    """An estimate of the depth of libcst's tree for `text`, and where the logical line
    holding the deepest point starts in the text.

    Each logical line and bracket holds a stack of chains, one per binding strength: an
    operator adds its levels to its chain after closing the chains of tighter operators.
    A bracket adds its levels (or its trailer's) to those of the chains around it; a
    comma, `;` or `=` ends the chains (not in a lambda's parameters). Errs deep: `a < b
    < c` is flat in libcst's tree, but counted. One loop with no call per token, as it
    reads whole files: about a microsecond a token.
    """
    deepest = deepest_at = line_at = 0
    outer = total = 0  # levels of the enclosing brackets; of the chains in the current one
    chains: list[list[int]] = []  # [binding strength, levels], strength increasing
    brackets: list[tuple[int, int, list[list[int]], bool]] = []
    operand = parameters = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group(match.lastindex)
        if kind == "name" and value not in _KEYWORDS or kind in ("number", "string") or value == "...":
            if kind == "string" and len(value) > _SMALL:  # shorter, it cannot be deep
                inside = outer + total + _fstring_depth(value)
                if inside > deepest:
                    deepest, deepest_at = inside, line_at
            operand = True
            continue
        if kind == "close":
            if brackets:
                outer, total, chains, parameters = brackets.pop()
            operand = True
            continue
        if kind == "newline":
            if not brackets:  # the end of a logical line
                chains, total, parameters, operand, line_at = [], 0, False, False, match.end()
            continue
        if value == ":" or value in _SEPARATORS:
            if value == ":":
                parameters = False
            elif not parameters:
                chains, total = [], 0
            operand = False
            continue
        operator = (_BINARY if operand else _PREFIX).get(value)
        if operator is not None:
            strength, levels = operator
            while chains and chains[-1][0] > strength:
                total -= chains.pop()[1]
            if chains and chains[-1][0] == strength:
                chains[-1][1] += levels
            else:
                chains.append([strength, levels])
            total += levels
            parameters = parameters or value == "lambda"
        if kind == "open":
            brackets.append((outer, total, chains, parameters))
            outer += total if operator is not None else total + HEAVY  # a trailer counted already
            chains, total, parameters = [], 0, False
        operand = False
        if outer + total > deepest:
            deepest, deepest_at = outer + total, line_at
    return deepest, deepest_at


def _fstring_depth(string: str) -> int:
    """The depth of the expressions in an f-string, which libcst parses (0 for another
    string). Its text is read as code too: errs deep."""
    body = string.lstrip("rRbBuUfF")
    if "f" not in string[: len(string) - len(body)].lower():
        return 0
    return _scan(body.strip("'\""))[0]


# The measure of CPython's tree --------------------------------------------------------


@dataclass
class _Survey:
    depth: int = 0
    #: The line of the statement holding the deepest expression.
    line: int = 1
    imports: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


def _survey(tree: ast.Module) -> _Survey:
    """How deep libcst's tree for the same code will be, at most, where that could matter;
    and what the code imports: top-level packages (absolute imports only) and names.

    Only statements are walked. An expression on one line is measured only if it is long
    enough to be deep: each level takes at least a byte and counts at most `HEAVY`, and
    statements nest at most 200 levels (100 indented blocks, with their handlers and
    parameter lists), so an expression shorter than `_SMALL` bytes cannot exceed
    `MAX_DEPTH`. An expression over several lines is always measured: its lines may be
    of any length.
    """
    survey = _Survey()
    statements: list[tuple[ast.AST, int]] = [(statement, 1) for statement in tree.body]
    while statements:
        statement, depth = statements.pop()
        if type(statement) is ast.Import:
            survey.imports.update(alias.name.split(".")[0] for alias in statement.names)
            survey.names.update(alias.name for alias in statement.names)
        elif type(statement) is ast.ImportFrom:
            if statement.module and not statement.level:
                survey.imports.add(statement.module.split(".")[0])
            base = "." * statement.level + (statement.module or "")
            prefix = base if base.endswith(".") else base + "."
            survey.names.update(prefix + alias.name for alias in statement.names if alias.name != "*")
        for field_value in ast.iter_fields(statement):
            value = field_value[1]
            for item in value if isinstance(value, list) else (value,):
                if not isinstance(item, ast.AST):
                    continue
                if isinstance(item, ast.stmt | ast.excepthandler | ast.match_case) or not hasattr(item, "lineno"):
                    statements.append((item, depth + 1))  # statements, and holders such as `arguments`
                elif item.end_lineno != item.lineno or (item.end_col_offset or 0) - item.col_offset >= _SMALL:
                    expression_depth = depth + _expression_depth(item)
                    if expression_depth > survey.depth:
                        survey.depth, survey.line = expression_depth, getattr(statement, "lineno", item.lineno)
                        if survey.depth > MAX_DEPTH:
                            return survey
    return survey


_SMALL = (MAX_DEPTH - 200) // HEAVY - 1
#: The levels of libcst's tree that a node of each type stands for, where not one: none
#: for contexts and operators, `HEAVY` for calls, subscripts, brackets and the like.
_LEVELS: dict[type, int] = {
    **{
        kind: 0
        for base in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
        for kind in base.__subclasses__()
    },
    **dict.fromkeys(
        (
            ast.Call, ast.Subscript, ast.IfExp, ast.Lambda, ast.List, ast.Tuple, ast.Set, ast.Dict,
            ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
        ),
        HEAVY,
    ),
}


def _levels(node: ast.AST) -> int:
    """The levels of libcst's tree that `node` stands for (see `MAX_DEPTH`)."""
    kind = type(node)
    if kind is ast.BoolOp:
        return len(node.values)  # one node here, a chain of nested ones in libcst
    if kind is ast.BinOp and type(node.op) is ast.Pow:
        return HEAVY
    return _LEVELS.get(kind, 1)


def _expression_depth(root: ast.AST) -> int:
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        depth += _levels(node)
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "invalid syntax"
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
