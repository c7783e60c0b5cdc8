"""String literals and the names they are written under, read from syntax alone. No rules
live here.

MLS201, MLS203 and MLS204 judge a literal by where it is stored: a path under `data_dir`,
a device under `device`, a credential under `api_key` or `{"password": ...}`. The helpers
below give the value of a string literal, the (target, value) pairs of an assignment and
the name a target stores under, the string-keyed entries of a dict display, the words of
an identifier, the first wanted qualified name of a callee, whether a file is test code
(where such literals are mostly made-up fixtures), and a literal shortened for a message.
"""

from __future__ import annotations

import re
import warnings

import libcst as cst

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(name: str) -> list[str]:
    """The lower-case words of an identifier: `trainDataDir` -> train, data, dir;
    `HF_TOKEN` -> hf, token."""
    return [word.lower() for word in _WORD.findall(name)]


def literal_string(node: cst.CSTNode) -> str | None:
    """The value of a string literal (implicit concatenation included), or None for
    anything else: f-strings, bytes, names."""
    if isinstance(node, cst.SimpleString):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `"C:\data"`: an invalid escape, kept as written
            value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_string(node.left), literal_string(node.right)
        return left + right if left is not None and right is not None else None
    return None


def target_name(target: cst.BaseExpression) -> str | None:
    """The name an assignment target stores under: `x`, `self.x`, `config["x"]`."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            return literal_string(index.value)
    return None


def assignments(node: cst.Assign | cst.AnnAssign) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(target, value) pairs of `a = b = value` and `a: T = value`."""
    if isinstance(node, cst.AnnAssign):
        return [(node.target, node.value)] if node.value is not None else []
    return [(target.target, node.value) for target in node.targets]


def dict_entries(node: cst.Dict) -> list[tuple[str, cst.BaseExpression]]:
    """(key, value) of the entries of a dict display whose key is a string literal."""
    entries = []
    for element in node.elements:
        if isinstance(element, cst.DictElement):
            key = literal_string(element.key)
            if key is not None:
                entries.append((key, element.value))
    return entries


def first_of(names: tuple[str, ...], wanted: tuple[str, ...]) -> str | None:
    """The first of the qualified `names` that is `wanted`, if any."""
    return next((name for name in names if name in wanted), None)


def short_text(text: str, limit: int = 60) -> str:
    """`text` for a message: control characters escaped, cut at `limit`."""
    text = re.sub(r"[\x00-\x1f]", lambda match: repr(match.group(0))[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
