"""Import-aware name resolution, computed once per file.

Rules match qualified names (`numpy.random.rand`), never local spellings (`np.random.rand`).
libcst's QualifiedNameProvider does this too, but costs several times a parse; this
resolver only looks at statements, so it costs a small fraction of one.

It records, for every scope (the module, each function and class), the names bound by
imports and the names bound any other way (assignment, parameter, loop target, `def`, ...).
A name resolves to its imported qualified names when the innermost scope that binds it
binds it only by imports: a name that is both imported and assigned in one scope is
ambiguous and resolves to nothing, so rules stay quiet rather than guess.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator

import libcst as cst

BUILTIN_NAMES = frozenset(dir(builtins))


class Scope:
    """Bindings of one scope: a module, a function or a class body."""

    __slots__ = ("node", "imports", "others", "star_imports")

    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node
        self.imports: dict[str, set[str]] = {}
        self.others: set[str] = set()
        self.star_imports: list[str] = []

    def bind_import(self, name: str, qualified: str) -> None:
        self.imports.setdefault(name, set()).add(qualified)


class NameResolver:
    """Maps names used in a file to the qualified names their imports give them."""

    def __init__(self, module: cst.Module) -> None:
        self.scopes: dict[cst.CSTNode, Scope] = {}
        #: Top-level packages imported anywhere in the file (`torch` for `import torch.nn`).
        self.imported_packages: set[str] = set()
        self._collect(module)

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        return self.scopes.get(node)

    def qualified_names(self, expr: cst.BaseExpression, scopes: list[Scope]) -> tuple[str, ...]:
        """Qualified names of `expr` (a name or dotted attribute chain) seen from `scopes`.

        `scopes` is the chain of enclosing scopes, innermost last. Returns () when the
        expression is not a plain dotted name or its base is not bound by an import.
        """
        attrs: list[str] = []
        while isinstance(expr, cst.Attribute):
            attrs.append(expr.attr.value)
            expr = expr.value
        if not isinstance(expr, cst.Name):
            return ()
        bases = self._lookup(expr.value, scopes)
        if not attrs:
            return bases
        suffix = "." + ".".join(reversed(attrs))
        return tuple(base + suffix for base in bases)

    def _lookup(self, name: str, scopes: list[Scope]) -> tuple[str, ...]:
        innermost = scopes[-1] if scopes else None
        for scope in reversed(scopes):
            # Class bodies do not enclose the functions defined in them.
            if isinstance(scope.node, cst.ClassDef) and scope is not innermost:
                continue
            if name in scope.others:
                return ()
            if name in scope.imports:
                return tuple(sorted(scope.imports[name]))
        if name in BUILTIN_NAMES:
            return (f"builtins.{name}",)
        return ()

    # -- collection ---------------------------------------------------------------

    def _collect(self, module: cst.Module) -> None:
        """Record bindings by visiting statements only; expressions are never entered."""
        stack: list[tuple[cst.CSTNode, Scope]] = []
        module_scope = self.scopes[module] = Scope(module)
        stack.extend((stmt, module_scope) for stmt in reversed(module.body))
        while stack:
            node, scope = stack.pop()
            for child, child_scope in self._bind(node, scope):
                stack.append((child, child_scope))

    def _bind(self, node: cst.CSTNode, scope: Scope) -> Iterator[tuple[cst.CSTNode, Scope]]:
        if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in node.body:
                self._bind_small(small, scope)
            return
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            scope.others.add(node.name.value)
            inner = self.scopes[node] = Scope(node)
            if isinstance(node, cst.FunctionDef):
                inner.others.update(param.name.value for param in parameters(node.params))
            yield from ((stmt, inner) for stmt in reversed(_block(node.body)))
            return
        if isinstance(node, cst.For):
            scope.others.update(_bound_names(node.target))
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    scope.others.update(_bound_names(item.asname.name))
        elif isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler):
            if node.name is not None:
                scope.others.update(_bound_names(node.name.name))
        for block in _blocks_of(node):
            yield from ((stmt, scope) for stmt in reversed(block))

    def _bind_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                dotted = _dotted(alias.name)
                self.imported_packages.add(dotted.split(".")[0])
                if alias.asname is not None:
                    scope.bind_import(_asname(alias), dotted)
                else:
                    top = dotted.split(".")[0]
                    scope.bind_import(top, top)
        elif isinstance(small, cst.ImportFrom):
            base = "." * len(small.relative) + (_dotted(small.module) if small.module else "")
            if not small.relative and small.module is not None:
                self.imported_packages.add(base.split(".")[0])
            if isinstance(small.names, cst.ImportStar):
                scope.star_imports.append(base)
                return
            prefix = base if base.endswith(".") else base + "."
            for alias in small.names:
                name = _dotted(alias.name)
                local = _asname(alias) if alias.asname is not None else name
                scope.bind_import(local, prefix + name)
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                scope.others.update(_bound_names(target.target))
        elif isinstance(small, cst.AnnAssign | cst.AugAssign):
            scope.others.update(_bound_names(small.target))


def _block(body: cst.BaseSuite) -> list[cst.CSTNode]:
    return list(body.body)


def _blocks_of(node: cst.CSTNode) -> Iterator[list[cst.CSTNode]]:
    """The statement lists directly inside a compound statement (or one of its clauses)."""
    body = getattr(node, "body", None)
    if isinstance(body, cst.BaseSuite):
        yield _block(body)
    orelse = getattr(node, "orelse", None)
    if isinstance(orelse, cst.If):
        yield [orelse]
    elif isinstance(orelse, cst.Else):
        yield _block(orelse.body)
    for handler in getattr(node, "handlers", ()):
        yield [handler]
    final = getattr(node, "finalbody", None)
    if isinstance(final, cst.Finally):
        yield _block(final.body)
    for case in getattr(node, "cases", ()):
        yield _block(case.body)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`self.model.encoder` for that expression; None unless it is a name or an attribute
    chain on one."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _dotted(node: cst.BaseExpression) -> str:
    """The dotted module or alias name of an import (always a name or attribute chain)."""
    return dotted_name(node) or ""


def _asname(alias: cst.ImportAlias) -> str:
    assert alias.asname is not None
    name = alias.asname.name
    return name.value if isinstance(name, cst.Name) else _dotted(name)


def target_names(target: cst.BaseExpression) -> Iterator[cst.Name]:
    """The names an assignment target binds (`a, (b, *c)` -> a, b, c)."""
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node
        elif isinstance(node, cst.Tuple | cst.List):
            stack.extend(element.value for element in node.elements)
        elif isinstance(node, cst.StarredElement):
            stack.append(node.value)


def _bound_names(target: cst.BaseExpression) -> Iterator[str]:
    return (name.value for name in target_names(target))


def parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    """Every parameter of a function, `*args` and `**kwargs` included."""
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star
