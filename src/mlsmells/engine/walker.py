"""One read-only traversal per file, dispatching every node to the rules interested in it.

libcst's own visitor rebuilds each node on the way back up and costs as much as the parse;
reading node fields with an explicit stack costs a quarter of it and cannot hit Python's
recursion limit, however deeply the code nests. Whitespace, parentheses, commas and other
trivia are not visited: rules look at syntax, and comments are read from the source text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import libcst as cst

Handler = Callable[[cst.CSTNode], None]

_TRIVIA_FIELDS = frozenset(
    {
        "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines",
        "lines_after_decorators", "header", "footer", "trailing_whitespace", "comma",
        "semicolon", "equal", "colon", "dot", "relative", "operator", "asynchronous",
        "star", "posonly_ind", "default_indent", "default_newline", "encoding",
    }
)

#: Field order that follows the source where libcst's dataclass order does not.
_SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Arg: ("keyword", "value"),
}

_child_fields: dict[type, tuple[str, ...]] = {}


def child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    """Names of the fields of `node_type` that can hold syntax nodes, in source order."""
    fields = _child_fields.get(node_type)
    if fields is None:
        fields = _SOURCE_ORDER.get(node_type) or tuple(
            field.name
            for field in dataclasses.fields(node_type)
            if field.name not in _TRIVIA_FIELDS and not field.name.startswith("whitespace")
        )
        _child_fields[node_type] = fields
    return fields


#: Whether a field value's type is a syntax node type. `isinstance(value, cst.CSTNode)`
#: goes through an abstract base class's check, the walk's costliest call: asking once per
#: type keeps it off the path of every field of every node.
_is_node_type: dict[type, bool] = {}


def _node_type(value_type: type) -> bool:
    known = _is_node_type.get(value_type)
    if known is None:
        known = _is_node_type[value_type] = issubclass(value_type, cst.CSTNode)
    return known


def children_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The syntax children of `node`, in source order."""
    children: list[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            children.extend(item for item in value if _node_type(type(item)))
        elif _node_type(value_type):
            children.append(value)
    return children


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node below it, in no particular order, without recursion (code
    nested thousands deep must not exhaust the stack)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children_of(current))


class _Exit:
    """Stack marker: the subtree of `node` has been walked."""

    __slots__ = ("node", "needs_leave")

    def __init__(self, node: cst.CSTNode, needs_leave: bool) -> None:
        self.node = node
        self.needs_leave = needs_leave


class Dispatcher:
    """Node-type -> handlers tables, resolved along each node class's MRO once per file."""

    def __init__(self) -> None:
        self._visit: dict[type, list[Handler]] = {}
        self._leave: dict[type, list[Handler]] = {}
        self._registered_visit: list[tuple[type, Handler]] = []
        self._registered_leave: list[tuple[type, Handler]] = []

    def on_visit(self, node_type: type, handler: Handler) -> None:
        self._registered_visit.append((node_type, handler))

    def on_leave(self, node_type: type, handler: Handler) -> None:
        self._registered_leave.append((node_type, handler))

    @property
    def empty(self) -> bool:
        return not (self._registered_visit or self._registered_leave)

    def drop(self, owner: object) -> None:
        """Stop dispatching to the handlers bound to `owner` (a rule that failed)."""
        self._registered_visit = [(t, h) for t, h in self._registered_visit if h.__self__ is not owner]
        self._registered_leave = [(t, h) for t, h in self._registered_leave if h.__self__ is not owner]
        self._visit.clear()
        self._leave.clear()

    def visit_handlers(self, node_type: type) -> list[Handler]:
        found = self._visit.get(node_type)
        if found is None:
            found = self._visit[node_type] = _matching(self._registered_visit, node_type)
        return found

    def leave_handlers(self, node_type: type) -> list[Handler]:
        found = self._leave.get(node_type)
        if found is None:
            found = self._leave[node_type] = _matching(self._registered_leave, node_type)
        return found


#: (node type, the registered types in order) -> the positions of those the node type
#: matches. Every file of a run registers the same types in the same order, so the
#: subclass checks along each node class's MRO are made once per run, not once per file.
_matches: dict[tuple[type, tuple[type, ...]], tuple[int, ...]] = {}


def _matching(registered: list[tuple[type, Handler]], node_type: type) -> list[Handler]:
    wanted = tuple(wanted for wanted, _ in registered)
    positions = _matches.get((node_type, wanted))
    if positions is None:
        positions = _matches[(node_type, wanted)] = tuple(
            index for index, kind in enumerate(wanted) if issubclass(node_type, kind)
        )
    return [registered[index][1] for index in positions]


def walk(
    root: cst.CSTNode,
    dispatcher: Dispatcher,
    enter: Callable[[cst.CSTNode], bool],
    leave: Callable[[cst.CSTNode], None],
    on_error: Callable[[object, Exception], None],
    before_visit: Callable[[cst.CSTNode], None] | None = None,
) -> None:
    """Walk `root` in source order, calling visit handlers before and leave handlers
    after each node's subtree.

    `enter(node)` is called after the visit handlers and returns True when `leave(node)`
    must be called once the subtree is done (the caller tracks scopes with it). A handler
    that raises is reported to `on_error(owner, error)` with the object it is bound to;
    the walk goes on. `before_visit(node)`, if given, runs before the visit handlers.
    """
    stack: list[cst.CSTNode | _Exit] = [root]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        if type(node) is _Exit:
            done = node.node
            for handler in dispatcher.leave_handlers(type(done)):
                try:
                    handler(done)
                except Exception as error:  # noqa: BLE001 - one rule's bug must not end the walk
                    on_error(handler.__self__, error)
            if node.needs_leave:
                leave(done)
            continue
        node_type = type(node)
        if before_visit is not None:
            before_visit(node)
        for handler in dispatcher.visit_handlers(node_type):
            try:
                handler(node)
            except Exception as error:  # noqa: BLE001 - one rule's bug must not end the walk
                on_error(handler.__self__, error)
        opened = enter(node)
        if opened or dispatcher.leave_handlers(node_type):
            push(_Exit(node, opened))
        children = children_of(node)
        children.reverse()
        extend(children)
