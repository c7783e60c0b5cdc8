"""Where a variable's value came from, within one module: a light def-use layer.

Data rules ask questions like "does the frame this `fit` trains on come from
`pd.read_csv`, and was it checked on the way?" or "is `X_test` the second output of a
`train_test_split`?". `DataFlow` answers them from the file's own assignments, as the
engine's single walk goes, without a type checker or whole-program analysis:

- every binding (`x = ...`, `a, b = ...`, `x += ...`, `x[k] = ...`, `x.attr = ...`,
  `for x in ...`, `with ... as x`, `(x := ...)`, parameters) becomes a `Definition`;
- a definition records the definitions of the names its value read *at that point*
  (`sources`), so a chain `df -> X -> X_train` is followed without any later reasoning
  about positions, and a notebook's cells are seen in cell order;
- a definition replaces the earlier ones of its name unless it sits in a branch or loop
  the earlier ones are not in: after `if a: x = f()` both the old `x` and `f()` reach;
  inside a block, a definition made earlier in it (or in a block around it) hides the
  others, so a second loop does not see the first loop's `x` once it has bound its own.

Rules that declare `uses_dataflow = True` read it as `self.file.flow`. Bindings are
recorded when the binding statement is left, so while a rule looks at the value of
`X = scaler.fit_transform(X)`, `X` still means the earlier `X`.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

import libcst as cst

from mlsmells.engine.names import NameResolver, Scope, parameters, target_names
from mlsmells.engine.walker import Dispatcher, children_of


class WalkedFile(Protocol):
    """What the data flow reads of the file being walked: the scope chain the walk keeps
    current (innermost last) and the file's name resolution. `FileContext` is one; naming
    only these two keeps the dependency one-way, engine/context.py -> engine/dataflow.py."""

    scopes: list[Scope]
    names: NameResolver


class Kind(enum.Enum):
    """How a definition binds its name."""

    #: `x = value`, `a, b = value` (one element of it), `with value as x`, `(x := value)`.
    ASSIGN = "assign"
    #: `x[k] = value`, `x.attr = value`, `x += value`: the earlier `x`, changed.
    UPDATE = "update"
    #: `for x in value`: one element of `value` per iteration.
    LOOP = "loop"
    #: A function parameter: the caller decides.
    PARAM = "param"
    #: `def`, `class`, `except ... as x`: not data the layer follows.
    OTHER = "other"


class Definition:
    """One binding of `name`.

    `value` is the expression it was bound to (None for parameters, `def`s and the like);
    for `a, b = f()` it is `f()` with `index` 0 for `a` and 1 for `b`, while `a, b = x, y`
    binds `a` to `x` directly. `scopes` is the scope chain at the binding, for resolving
    the names in `value` as they were meant there.
    """

    __slots__ = ("index", "kind", "name", "node", "path", "scopes", "sources", "value")

    def __init__(
        self,
        name: str,
        kind: Kind,
        node: cst.CSTNode,
        value: cst.BaseExpression | None,
        index: int | None,
        sources: tuple[Definition, ...],
        scopes: tuple[Scope, ...],
        path: tuple[int, ...],
    ) -> None:
        self.name = name
        self.kind = kind
        #: The binding statement or clause (`Assign`, `AugAssign`, `For`, `WithItem`, `Param`...).
        self.node = node
        self.value = value
        self.index = index
        #: The definitions the names read by `value` (and, for an update, the name itself) had.
        self.sources = sources
        self.scopes = scopes
        #: The branches and loops the binding sits in, outermost first.
        self.path = path

    def __repr__(self) -> str:
        return f"Definition({self.name!r}, {self.kind.value})"


#: Statements whose blocks run conditionally or repeatedly.
_BRANCHES = (
    cst.If, cst.Else, cst.For, cst.While, cst.Try, cst.TryStar, cst.ExceptHandler,
    cst.ExceptStarHandler, cst.Finally, cst.MatchCase,
)
#: Expression nodes that bind names of their own; what they read is not followed.
_OWN_SCOPE = (cst.Lambda,)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


class DataFlow:
    """The definitions of one file, recorded as the engine walks it (see the module doc)."""

    def __init__(self, file: WalkedFile) -> None:
        self._file = file
        self._live: dict[Scope, dict[str, list[Definition]]] = {}
        self._path: list[int] = []
        #: Branches that run instead of (or after a failure of) the block before them.
        self._alternatives: set[int] = set()
        self._defined_by: dict[cst.CSTNode, list[Definition]] = {}

    def register(self, dispatcher: Dispatcher) -> None:
        """Subscribe to the walk; call before any rule registers, so rules see the result."""
        for branch in _BRANCHES:
            dispatcher.on_visit(branch, self._enter_branch)
            dispatcher.on_leave(branch, self._leave_branch)
        # Visited before the engine enters their scope: the name belongs to the outer one.
        dispatcher.on_visit(cst.FunctionDef, self._bind_definition)
        dispatcher.on_visit(cst.FunctionDef, self._bind_parameters)
        dispatcher.on_visit(cst.ClassDef, self._bind_definition)
        dispatcher.on_leave(cst.Assign, self._bind_assign)
        dispatcher.on_leave(cst.AnnAssign, self._bind_annotated)
        dispatcher.on_leave(cst.AugAssign, self._bind_augmented)
        dispatcher.on_leave(cst.NamedExpr, self._bind_walrus)
        dispatcher.on_leave(cst.WithItem, self._bind_with)
        dispatcher.on_leave(cst.ExceptHandler, self._bind_handler)
        dispatcher.on_visit(cst.For, self._bind_loop)  # after `_enter_branch`: the target is per iteration

    # -- questions ----------------------------------------------------------------------

    def reaching(self, name: str, scopes: Sequence[Scope] | None = None) -> tuple[Definition, ...]:
        """The definitions of `name` that may hold where the walk is (or in `scopes`).

        Empty when the name is unknown here: bound by an import, a builtin, or local to a
        function but not bound yet.
        """
        chain = self._file.scopes if scopes is None else scopes
        innermost = chain[-1] if chain else None
        for scope in reversed(chain):
            if isinstance(scope.node, cst.ClassDef) and scope is not innermost:
                continue
            live = self._live.get(scope)
            if live is not None and name in live:
                return self._visible(live[name]) if scopes is None else tuple(live[name])
            if name in scope.others or name in scope.imports:
                return ()
        return ()

    def definitions(self, expr: cst.BaseExpression, scopes: Sequence[Scope] | None = None) -> tuple[Definition, ...]:
        """The reaching definitions of the variable `expr` is read from: `df` for `df`,
        `df["a"]`, `df.a.values` or `df.drop(...)`; empty for anything else."""
        name = base_name(expr)
        return self.reaching(name.value, scopes) if name is not None else ()

    def sources(self, expr: cst.BaseExpression, scopes: Sequence[Scope] | None = None) -> tuple[Definition, ...]:
        """The reaching definitions of every variable `expr` reads."""
        found: dict[int, Definition] = {}
        for name in names_read(expr):
            for definition in self.reaching(name.value, scopes):
                found.setdefault(id(definition), definition)
        return tuple(found.values())

    def defined_by(self, node: cst.CSTNode) -> list[Definition]:
        """The definitions a binding node (`Assign`, `For`, `WithItem`, ...) created."""
        return self._defined_by.get(node, [])

    def _visible(self, definitions: list[Definition]) -> tuple[Definition, ...]:
        """The definitions that can reach where the walk is: the newest ones, back to the
        first that certainly ran on the way here. Such a definition sits in a block that
        encloses this point, not in an alternative to it (an `else`, an `except`): after
        `for ...: x = a` and `for ...: x = b; use(x)`, only `b` reaches `use`."""
        here = self._path
        visible = []
        for definition in reversed(definitions):
            visible.append(definition)
            path = definition.path
            if len(path) <= len(here) and tuple(here[: len(path)]) == path and not any(
                step in self._alternatives for step in here[len(path):]
            ):
                break
        visible.reverse()
        return tuple(visible)

    # -- recording ----------------------------------------------------------------------

    def _enter_branch(self, node: cst.CSTNode) -> None:
        self._path.append(id(node))
        if isinstance(node, cst.If) and isinstance(node.orelse, cst.If):
            self._alternatives.add(id(node.orelse))  # `elif`
        elif isinstance(node, cst.Else | cst.ExceptHandler | cst.ExceptStarHandler | cst.Finally):
            self._alternatives.add(id(node))

    def _leave_branch(self, node: cst.CSTNode) -> None:
        self._path.pop()

    def _bind_assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(node, target.target, node.value)

    def _bind_annotated(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node, node.target, node.value)

    def _bind_augmented(self, node: cst.AugAssign) -> None:
        self._update(node, node.target, node.value)

    def _bind_walrus(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self._define(node, node.target.value, Kind.ASSIGN, node.value, None)

    def _bind_with(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node, node.asname.name, node.item)

    def _bind_loop(self, node: cst.For) -> None:
        for name in target_names(node.target):
            self._define(node, name.value, Kind.LOOP, node.iter, None)

    def _bind_handler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._define(node, node.name.name.value, Kind.OTHER, None, None)

    def _bind_definition(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self._define(node, node.name.value, Kind.OTHER, None, None)

    def _bind_parameters(self, node: cst.FunctionDef) -> None:
        scope = self._file.names.scope_of(node)
        if scope is None:
            return
        chain = (*self._file.scopes, scope)
        path = tuple(self._path)
        live = self._live.setdefault(scope, {})
        for param in parameters(node.params):
            name = param.name.value
            live[name] = [Definition(name, Kind.PARAM, param, None, None, (), chain, path)]

    def _bind_target(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._define(node, target.value, Kind.ASSIGN, value, None)
        elif isinstance(target, cst.Tuple | cst.List):
            elements = target.elements
            spread = any(isinstance(element, cst.StarredElement) for element in elements)
            literal = value.elements if isinstance(value, cst.Tuple | cst.List) else None
            for index, element in enumerate(elements):
                if literal is not None and not spread and len(literal) == len(elements):
                    self._bind_target(node, element.value, literal[index].value)
                elif isinstance(element.value, cst.Name) and not spread:
                    self._define(node, element.value.value, Kind.ASSIGN, value, index)
                else:  # `a, *rest = ...`, `(a, b), c = ...`: some part of the value
                    for name in target_names(element.value):
                        self._define(node, name.value, Kind.ASSIGN, value, None)
        elif isinstance(target, cst.Subscript | cst.Attribute):
            self._update(node, target, value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(node, target.value, value)

    def _update(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`x[k] = v`, `x.a = v`, `x += v`: a new definition of `x` that keeps the old one
        (and what the subscript reads) among its sources."""
        name = base_name(target)
        if name is None:
            return
        extra = [
            source
            for element in (target.slice if isinstance(target, cst.Subscript) else ())
            for source in self.sources(element.slice)
        ]
        self._define(node, name.value, Kind.UPDATE, value, None, (*self.reaching(name.value), *extra))

    def _define(
        self,
        node: cst.CSTNode,
        name: str,
        kind: Kind,
        value: cst.BaseExpression | None,
        index: int | None,
        extra_sources: Iterable[Definition] = (),
    ) -> None:
        scopes = self._file.scopes
        if not scopes:
            return
        sources = self.sources(value) if value is not None and kind is not Kind.OTHER else ()
        if extra_sources:
            unique = {id(source): source for source in (*extra_sources, *sources)}
            sources = tuple(unique.values())
        path = tuple(self._path)
        definition = Definition(name, kind, node, value, index, sources, tuple(scopes), path)
        live = self._live.setdefault(scopes[-1], {})
        live[name] = [earlier for earlier in live.get(name, ()) if not _encloses(path, earlier.path)]
        live[name].append(definition)
        self._defined_by.setdefault(node, []).append(definition)


def ancestry(
    definitions: Iterable[Definition],
    follow: Callable[[Definition], Iterable[Definition]] | None = None,
    limit: int = 2000,
) -> Iterator[Definition]:
    """`definitions` and every definition they were derived from, nearest first, each once.

    `follow(definition)` picks the sources to go on to (all of them by default): rules that
    only care about the data itself skip the names that index or configure it.
    `limit` bounds the search in very long notebooks; what lies beyond it is not reported.
    """
    queue = deque(definitions)
    seen: set[int] = set()
    while queue and len(seen) < limit:
        definition = queue.popleft()
        if id(definition) in seen:
            continue
        seen.add(id(definition))
        yield definition
        queue.extend(definition.sources if follow is None else follow(definition))


def base_name(expr: cst.BaseExpression) -> cst.Name | None:
    """The variable an expression reads its value from: `df` in `df`, `df["a"].values`,
    `df.loc[mask, "a"]` or `df.dropna().reset_index()`; None for anything else."""
    while True:
        if isinstance(expr, cst.Name):
            return expr
        if isinstance(expr, cst.Attribute | cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            expr = expr.func.value
        else:
            return None


def names_read(expr: cst.CSTNode) -> Iterator[cst.Name]:
    """The variables an expression reads: not attribute or keyword names, not what a
    lambda or a comprehension binds for itself."""
    stack = [expr]
    bound: set[str] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            if node.value not in bound:
                yield node
        elif isinstance(node, cst.Attribute | cst.Arg):
            stack.append(node.value)
        elif isinstance(node, _OWN_SCOPE):
            continue
        else:
            if isinstance(node, _COMPREHENSIONS):
                clause = node.for_in
                while clause is not None:
                    bound.update(name.value for name in target_names(clause.target))
                    clause = clause.inner_for_in
            stack.extend(children_of(node))


def _encloses(outer: tuple[int, ...], inner: tuple[int, ...]) -> bool:
    """A binding at `outer` replaces an earlier one at `inner`: it sits in the same branch
    or an enclosing one."""
    return inner[: len(outer)] == outer
