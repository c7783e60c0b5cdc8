"""The one way mlsmells writes a file: outputs, baselines, documentation pages and cache
entries.

A file is written whole or not at all: the text goes to a new temporary file beside the
destination, created with `O_EXCL | O_NOFOLLOW` (so no link planted under that name is
followed, and no existing file is written into), then renamed over the destination (so a
reader never sees half of it, and a link at the destination is replaced, not followed).
Inside directories mlsmells owns (the cache), every step goes through directory
descriptors opened with `O_NOFOLLOW`, so a symbolic link planted anywhere in the tree
cannot send a write outside it.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, created with the permissions the user's umask gives.

    A destination the user named that is not a regular file (`-o /dev/stdout`, a FIFO) is
    written to as it is: replacing it would break it. Raises `OSError` (nothing is left
    behind then)."""
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    if special:
        with open(path, "wb") as stream:
            stream.write(data)
        return
    directory = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        write_in(directory, path.name, data, mode=0o666)
    finally:
        os.close(directory)


def write_in(directory: int, name: str, data: bytes, mode: int = 0o644) -> None:
    """Replace the file `name` in the directory open as `directory` with `data`."""
    temporary = f".{name}.{secrets.token_hex(8)}.tmp"
    descriptor = os.open(temporary, _NEW_FILE_FLAGS, mode, dir_fd=directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    except BaseException:
        try:
            os.unlink(temporary, dir_fd=directory)
        except OSError:
            pass
        raise


def create_in(directory: int, name: str, data: bytes, mode: int = 0o644) -> bool:
    """Create `name` in `directory` with `data` unless something (even a dangling link)
    already has that name; True if it was created."""
    try:
        descriptor = os.open(name, _NEW_FILE_FLAGS, mode, dir_fd=directory)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    return True


def open_directory(path: Path | str, parent: int | None = None) -> int:
    """A descriptor of the directory `path` (relative to `parent` if given), refusing a
    symbolic link (`OSError`). The caller closes it."""
    return os.open(path, _DIRECTORY_FLAGS, dir_fd=parent)


def subdirectory(parent: int, name: str) -> int:
    """A descriptor of `parent/name`, created if missing; a link there raises `OSError`."""
    try:
        os.mkdir(name, 0o755, dir_fd=parent)
    except FileExistsError:
        pass
    return open_directory(name, parent)
