"""Which string a path, URL or model-id argument holds, read from the file's own
assignments without running the code. No rules live here.

MLS205, MLS207 and MLS208 judge a value, not an expression: whether a URL names a
version, whether a loaded file lies inside the repository, whether a save path names a
run. The value is seldom written at the call: it is a module constant, an f-string, an
`os.path.join` or `Path(...) / ...` of those, or a path under the analysed file's own
directory (`Path(__file__).parent / "x.pkl"`). `ValueRule`, the base class of those rules,
records what each name is assigned as the walk goes, and `ValueRule.string` folds such an
expression back into its string. A value that depends on run time (a parameter, a name
assigned twice, settings a configurator may override) is None, so the rules stay quiet
rather than guess. The helpers below read call arguments and show values in messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from mlsmells.engine.names import Scope, target_names
from mlsmells.rule import Rule

if TYPE_CHECKING:
    from mlsmells.engine.context import FileContext

#: The directory of the analysed file, as the start of a path value.
_HERE = "<file>"
_URL_SCHEMES = ("http://", "https://", "s3://", "s3a://", "gs://", "gcs://", "hf://", "az://", "abfs://", "abfss://", "ftp://")
#: Calls that build a path from parts, and calls that pass one on as it is: shared by
#: every rule that reads paths.
PATH_JOINS = frozenset(
    {"os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
)
SAME_PATH = frozenset(
    {"builtins.str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath", "os.path.expanduser"}
)
_SAME_PATH_METHODS = frozenset({"resolve", "absolute", "expanduser"})
_MAX_DEPTH = 12
#: Stands for a part of a string only known at run time (see `ValueRule.string`).
HOLE = "\x00"
_PERCENT_FIELD = re.compile(r"%(\([^)]*\))?[-+ #0-9.]*[a-zA-Z%]")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


class _Bindings:
    """What each plain name is assigned, per scope, as the walk sees it. A name bound more
    than once in a scope, or bound some other way too (a loop, a `with`), has no value;
    nor has a module-level name assigned before the module runs `exec(...)` or
    `globals().update(...)`, as configurators that override settings do (nanoGPT)."""

    def __init__(self) -> None:
        self._values: dict[tuple[Scope, str], list[cst.BaseExpression | None]] = {}

    def bind(self, scope: Scope, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        single = isinstance(target, cst.Name)
        for name in target_names(target):
            self._values.setdefault((scope, name.value), []).append(value if single else None)

    def rebind_all(self, scope: Scope) -> None:
        """Every name bound so far in `scope` may have been given another value."""
        for (bound_in, _), values in self._values.items():
            if bound_in is scope:
                values.append(None)

    def value(self, name: str, scopes: Sequence[Scope]) -> tuple[cst.BaseExpression, Sequence[Scope]] | None:
        """The one expression `name` is assigned where `scopes` sees it, and its scopes."""
        innermost = scopes[-1] if scopes else None
        for depth in range(len(scopes) - 1, -1, -1):
            scope = scopes[depth]
            if isinstance(scope.node, cst.ClassDef) and scope is not innermost:
                continue
            values = self._values.get((scope, name))
            if values is not None:
                return (values[0], scopes[: depth + 1]) if len(values) == 1 and values[0] is not None else None
            if name in scope.others or name in scope.imports:
                return None  # a parameter, a `def`, an import...
        return None


class ValueRule(Rule):
    """Base class of the rules that read the strings expressions hold (see `_Bindings`).
    It has no `code`, so the registry does not count it as a rule."""

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.bindings = _Bindings()

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return tuple(self.file.scopes)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.bindings.bind(self.file.scopes[-1], target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.bindings.bind(self.file.scopes[-1], node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.bindings.bind(self.file.scopes[-1], node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self.bindings.bind(self.file.scopes[-1], node.target, None)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None:
                self.bindings.bind(self.file.scopes[-1], item.asname.name, None)

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not (isinstance(call, cst.Call) and self.file.in_module_scope):
            return
        func = call.func
        if "builtins.exec" in self.file.qualified_names(func) or (
            isinstance(func, cst.Attribute)
            and func.attr.value == "update"
            and isinstance(func.value, cst.Call)
            and "builtins.globals" in self.file.qualified_names(func.value.func)
        ):
            self.bindings.rebind_all(self.file.scopes[0])

    def qualified_names(self, expr: cst.BaseExpression, scopes: Sequence[Scope]) -> tuple[str, ...]:
        return self.file.names.qualified_names(expr, list(scopes))

    def string(self, expr: cst.BaseExpression | None, scopes: Sequence[Scope], holes: bool = False) -> str | None:
        """The string `expr` holds, if it is known without running the code. With `holes`,
        the parts only known at run time become `HOLE` (`f"runs/{run}/model.pt"`,
        `"runs/%s/model.pt" % run`), so the result is a template, never None."""
        return self._string(expr, scopes, 0, holes)

    def _string(self, expr: cst.BaseExpression | None, scopes: Sequence[Scope], depth: int, holes: bool) -> str | None:
        value = self._evaluate(expr, scopes, depth + 1, holes) if expr is not None and depth < _MAX_DEPTH else None
        return HOLE if value is None and holes else value

    def _evaluate(self, expr: cst.BaseExpression, scopes: Sequence[Scope], depth: int, holes: bool) -> str | None:
        def inner(child: cst.BaseExpression | None, child_scopes: Sequence[Scope] = scopes) -> str | None:
            return self._string(child, child_scopes, depth, holes)

        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            return value if isinstance(value, str) else None
        if isinstance(expr, cst.ConcatenatedString):
            return _concatenated(inner(expr.left), inner(expr.right))
        if isinstance(expr, cst.FormattedString):
            parts = [
                part.value if isinstance(part, cst.FormattedStringText)
                else inner(part.expression) if part.format_spec is None
                else inner(None)
                for part in expr.parts
            ]
            return None if None in parts else "".join(parts)
        if isinstance(expr, cst.BinaryOperation):
            left, right = inner(expr.left), inner(expr.right)
            if isinstance(expr.operator, cst.Add):
                return _concatenated(left, right)
            if isinstance(expr.operator, cst.Divide) and left is not None and right is not None:
                return _join_path(left, right)
            if isinstance(expr.operator, cst.Modulo) and holes and left is not None:
                return _PERCENT_FIELD.sub(HOLE, left)
            return None
        if isinstance(expr, cst.Name):
            if expr.value == "__file__":
                return _HERE + "/__file__"
            bound = self.bindings.value(expr.value, scopes)
            return inner(*bound) if bound else None
        if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
            return _parent(inner(expr.value))
        if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute) and expr.value.attr.value == "parents":
            base = inner(expr.value.value)
            return _HERE if base is not None and base.startswith(_HERE) else None
        if isinstance(expr, cst.Call):
            return self._call_string(expr, scopes, inner, holes)
        return None

    def _call_string(self, call: cst.Call, scopes: Sequence[Scope], inner, holes: bool) -> str | None:
        func = call.func
        if holes and isinstance(func, cst.Attribute) and func.attr.value == "format":
            template = inner(func.value)
            return _FORMAT_FIELD.sub(HOLE, template) if template is not None else None
        if any(arg.star or arg.keyword is not None for arg in call.args):
            return None
        values = [inner(arg.value) for arg in call.args]
        if None in values:
            return None
        names = self.qualified_names(func, scopes)
        if any(name in PATH_JOINS for name in names):
            joined = ""
            for value in values:
                joined = _join_path(joined, value)
            return joined
        if values and any(name in SAME_PATH for name in names):
            return values[0]
        if len(values) == 1 and "os.path.dirname" in names:
            return _parent(values[0])
        if isinstance(func, cst.Attribute) and not names:
            if func.attr.value in _SAME_PATH_METHODS and not values:
                return inner(func.value)
            if func.attr.value == "joinpath":
                joined = inner(func.value)
                for value in values:
                    joined = _join_path(joined, value) if joined is not None else None
                return joined
        return None


def _concatenated(left: str | None, right: str | None) -> str | None:
    return left + right if left is not None and right is not None else None


def _join_path(base: str, part: str) -> str:
    if not base or part.startswith("/"):
        return part
    return base.rstrip("/") + "/" + part


def _parent(path: str | None) -> str | None:
    """The directory holding `path`; above the analysed file's directory is still taken to
    be the project (`Path(__file__).parents[1]`)."""
    if path is None:
        return None
    if path.startswith(_HERE):
        rest = path[len(_HERE):]
        return _HERE + (rest.rsplit("/", 1)[0] if "/" in rest else "")
    if "/" in path.rstrip("/"):
        return path.rstrip("/").rsplit("/", 1)[0]
    return HOLE if HOLE in path else ""  # the directory of an unknown path is unknown


def is_url(value: str) -> bool:
    """Whether a string is a remote URL (`https://`, `s3://`, `gs://`, `hf://`...)."""
    return value.lower().startswith(_URL_SCHEMES)


def inside_repository(path: str, depth: int = 0) -> bool:
    """A path the project itself holds: relative without a `..` climbing out, or under the
    analysed file's directory. Absolute paths, home directories, URLs, environment
    variables and paths whose start is only known at run time are outside; a template
    whose directory is written out (`f"checkpoints/{name}.pt"`) is inside.

    `depth`: how many directories below the project root the analysed file is. A script in
    `py/` that reads `../data/x.pkl` reads the project's `data/` when run where it lives, as
    scripts and notebooks usually are; `..` climbs out only past the root."""
    if path.startswith(_HERE):
        path = path[len(_HERE):]
    elif not path or path.startswith(("/", "~", "\\", HOLE)) or re.match(r"[A-Za-z]:", path) or re.search(r"\$|%\w+%|://", path):
        return False
    level = depth
    for part in re.split(r"[/\\]", path):
        if part == "..":
            level -= 1
            if level < 0:
                return False
        elif part not in ("", "."):
            level += 1
    return True


def shown(value: str, limit: int = 70) -> str:
    """A value as messages show it: the analysed file's directory as `.`, cut short."""
    value = value.replace(_HERE + "/", "").replace(_HERE, ".")
    return value if len(value) <= limit else value[: limit - 3] + "..."


# Arguments ---------------------------------------------------------------------------------


def argument(call: cst.Call, index: int | None, *keywords: str) -> cst.BaseExpression | None:
    """The expression passed as the `index`-th positional argument or under one of
    `keywords`; None if absent or hidden behind `*args`."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in keywords:
                return arg.value
        elif arg.star == "*":
            index = None  # later positions are unknown
        elif not arg.star:
            if position == index:
                return arg.value
            position += 1
    return None


def short_code(file: FileContext, node: cst.CSTNode, limit: int = 40) -> str:
    """The code of `node` as written, on one line and cut short: for messages."""
    code = " ".join(file.module.code_for_node(node).split())
    return code if len(code) <= limit else code[: limit - 3] + "..."

