"""Text from the analysed project made safe to show: the one escape for every output.

File names, source lines, notebook metadata and messages built from string literals are
written by whoever wrote the project. Shown raw, a control character clears a terminal
(`\\x1b[2J`), a newline starts a line that GitHub Actions runs as a workflow command
(`::error::`), a lone surrogate (a file name that is not UTF-8) makes writing the output
fail, and either breaks JUnit's XML. So human-readable text passes through `printable`,
and JSON through `dumps`, before it leaves mlsmells, on standard output, standard error
and in files alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: C0 controls, DEL, C1 controls, lone surrogates, and the two noncharacters XML forbids.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: What `json.dumps(ensure_ascii=False)` leaves raw that a terminal or decoder should not
#: see raw: DEL, C1 controls, lone surrogates and the Unicode line separators.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def printable(text: str) -> str:
    """`text` with every control character and lone surrogate spelled out as an escape.

    A byte that was not UTF-8 in a file name (`surrogateescape`) shows as the byte it was,
    `\\xff`; other controls as Python writes them (`\\n`, `\\x1b`, `\\x85`).
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    if character in _NAMED:
        return _NAMED[character]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that did not decode, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def dumps(document: Any, indent: int | None = 2) -> str:
    """JSON text that is valid UTF-8 and shows no control character raw.

    Non-ASCII text stays readable; what `json.dumps` would leave raw and unsafe is written
    as a `\\uXXXX` escape (it can only occur inside strings, where that escape is valid).
    """
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
