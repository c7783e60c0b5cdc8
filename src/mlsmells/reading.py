"""The one way mlsmells reads a file it did not write: sources, notebooks, `.gitignore`,
configuration, baselines and cache entries.

A project can hold anything under a name that ends in `.py`: a FIFO (reading it hangs), a
link to `/dev/zero` (reading it never ends), a link to `/proc/self/environ` or to a file
outside the project (mlsmells would print its lines as "source"). So a file is read only if
it is a regular file once opened, not under `/proc`, `/sys` or `/dev`, and, when a link
got us there, inside one of the directories the caller allows; and never more than a cap.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

#: Pseudo-file systems whose "files" are not data a project holds.
_SPECIAL_ROOTS = ("/proc", "/sys", "/dev")


class RefusedFile(Exception):
    """The file was not read; the message says why, in words a user can act on."""


class TooLarge(RefusedFile):
    """The file is larger than the cap it was read with."""


def read_bytes(path: Path, limit: int, allowed: Iterable[Path] = (), follow: bool = True) -> bytes:
    """The content of `path`, at most `limit` bytes, or `RefusedFile`.

    `allowed`: directories (resolved) that a symbolic link may lead into; empty allows any
    destination but the special file systems. `follow=False` refuses a file that is itself
    a link (`OSError`), for files only mlsmells puts there. `OSError` passes through for
    the caller to word (a missing file is often not an error).
    """
    real = os.path.realpath(path)
    if _is_special(real):
        raise RefusedFile(f"not read: it is (or links to) {real}, a special file, not source code")
    allowed = tuple(allowed)
    if follow and allowed and real != os.path.abspath(path):
        if not any(_is_within(real, directory) for directory in allowed):
            raise RefusedFile("not read: it is a symbolic link to a file outside the project")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise RefusedFile(f"not read: it is {_kind(status.st_mode)}, not a regular file")
        if status.st_size > limit:
            raise TooLarge(_too_large(status.st_size, limit))
        return _read_at_most(descriptor, limit)
    finally:
        os.close(descriptor)


def read_text(path: Path, limit: int, allowed: Iterable[Path] = (), follow: bool = True) -> str:
    """`read_bytes` decoded as UTF-8 (a byte-order mark is dropped; bad bytes are replaced)."""
    return read_bytes(path, limit, allowed, follow).decode("utf-8-sig", errors="replace")


def _read_at_most(descriptor: int, limit: int) -> bytes:
    """Read to the end, refusing a file that grew past `limit` while it was read."""
    chunks, total = [], 0
    while True:
        chunk = os.read(descriptor, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise TooLarge(_too_large(total, limit))


def _too_large(size: int, limit: int) -> str:
    return f"skipped: the file is {size / 1e6:.1f} MB, above the {limit / 1e6:g} MB limit"


def _is_special(real: str) -> bool:
    return any(real == root or real.startswith(root + os.sep) for root in _SPECIAL_ROOTS)


def _is_within(real: str, directory: Path) -> bool:
    top = str(directory)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a special file"
