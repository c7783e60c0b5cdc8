"""Decoding source files the way Python itself would: coding cookie, BOM and all."""

from __future__ import annotations

import io
import re
import tokenize

_NEWLINE = re.compile(r"\r\n|\r|\n")


class SourceError(Exception):
    """The file could not be read or decoded; the message says why."""


def decode_python_source(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot decode the file: {error.msg}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceError(
            f"cannot decode the file as {encoding}: byte 0x{data[error.start]:02x} at offset {error.start}"
        ) from None
    except LookupError:
        raise SourceError(f"cannot decode the file: unknown encoding {encoding!r}") from None


def source_lines(text: str) -> list[str]:
    """The lines of `text`, split where Python's tokenizer splits them (not at form feeds)."""
    return _NEWLINE.split(text)
