"""Small read-only questions rules ask about calls and assignments, answered from syntax.

They look only at the node they are given, never walk a tree, and never guess: an answer
that depends on run-time values comes back as `UNKNOWN` or None.
"""

from __future__ import annotations

import libcst as cst

#: A keyword argument whose value is computed, not written as a literal.
UNKNOWN = object()
#: Renders detached nodes; the module's own settings do not matter for one expression.
_EMPTY_MODULE = cst.Module([])


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node, for quoting it in a message: `model.fit`."""
    return _EMPTY_MODULE.code_for_node(node)


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    """The argument passed as `name=...`, if any."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument passed at `position` or as `keyword=`; None when a `*args` comes first."""
    arg = keyword_arg(call, keyword)
    if arg is not None:
        return arg.value
    positional = []
    for arg in call.args:
        if arg.star:
            break
        if arg.keyword is None:
            positional.append(arg.value)
    return positional[position] if position < len(positional) else None


def keyword_literal(call: cst.Call, name: str) -> object:
    """The value of a keyword argument written as a literal (True, False, None, a string),
    None if the keyword is absent, or `UNKNOWN` for anything computed."""
    arg = keyword_arg(call, name)
    if arg is None:
        return None
    value = arg.value
    if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[value.value]
    if isinstance(value, cst.SimpleString):
        return value.evaluated_value
    return UNKNOWN


def has_double_star(call: cst.Call) -> bool:
    """`f(**options)`: any keyword may be in there."""
    return any(arg.star == "**" for arg in call.args)


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def callee_name(func: cst.BaseExpression) -> str | None:
    """The last name of a callee: `seed_all` for `utils.seed_all` or `seed_all`."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def assigned_name(node: cst.Assign) -> str | None:
    """The variable of `name = ...` (one plain-name target), else None."""
    if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
        return node.targets[0].target.value
    return None


def unwrap_method_chain(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`torch.randn(2).to(device).float()` -> `torch.randn(2)`: the call that made the value."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and isinstance(expr.func.value, cst.Call):
        expr = expr.func.value
    return expr


def is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`, either way round."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = (test.left, test.comparisons[0].comparator)
    names = {s.value for s in sides if isinstance(s, cst.Name)}
    strings = {s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)}
    return names == {"__name__"} and strings == {"__main__"}
