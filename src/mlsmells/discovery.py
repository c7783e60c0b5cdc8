"""Which files a run checks: walking the given paths, honouring `.gitignore` and excludes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from mlsmells.reading import RefusedFile, read_text

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".tox", ".nox", "build", "dist",
    "node_modules", "__pycache__", ".ipynb_checkpoints", "site-packages", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".mlsmells_cache",
)
CHECKED_SUFFIXES = (".py", ".ipynb")
#: A `.gitignore` larger than this is not read (the largest seen in real projects are a
#: few kilobytes; a link to `/dev/zero` would otherwise be read until memory runs out).
MAX_GITIGNORE_BYTES = 4 * 1024 * 1024


class MissingPath(Exception):
    """A path named on the command line does not exist."""


class FileFilter:
    """Decides whether a path is excluded, by configured globs and `.gitignore` files.

    Exclude globs use gitignore syntax, relative to the configuration's directory.
    """

    def __init__(self, root: Path, exclude: Sequence[str] | None, extend_exclude: Sequence[str]) -> None:
        self.root = root
        patterns = list(DEFAULT_EXCLUDE if exclude is None else exclude) + list(extend_exclude)
        self.excludes = pathspec.GitIgnoreSpec.from_lines(patterns)
        self._gitignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def excluded(self, path: Path, is_dir: bool, below: Path | None = None) -> bool:
        """True if `path` (absolute) matches an exclude glob or a `.gitignore` above it.

        `below` is an excluded directory that was named on the command line: it is checked
        all the same, so only the part of `path` below it is matched against the globs.
        """
        if self._matches(self.excludes, below or self.root, path, is_dir):
            return True
        for directory in _ancestors_within_repository(path.parent):
            if below is not None and directory != below and below.is_relative_to(directory):
                break  # the .gitignore files above the named directory do not apply
            spec = self._gitignore(directory)
            if spec is not None and self._matches(spec, directory, path, is_dir):
                return True
        return False

    def _gitignore(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory not in self._gitignores:
            spec = None
            for name in (".gitignore", ".git/info/exclude"):
                try:
                    lines = read_text(directory / name, MAX_GITIGNORE_BYTES).splitlines()
                except (OSError, RefusedFile):
                    continue  # like git, which reads no FIFO or device as an ignore file
                extra = gitignore_spec(lines)
                spec = extra if spec is None else spec + extra
            self._gitignores[directory] = spec
        return self._gitignores[directory]

    @staticmethod
    def _matches(spec: pathspec.PathSpec, base: Path, path: Path, is_dir: bool) -> bool:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            return False
        if relative in ("", "."):
            return False
        return spec.match_file(relative + "/" if is_dir else relative)


def gitignore_spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """The patterns of a `.gitignore`, leaving out lines git accepts but that match nothing
    (`!` alone, a trailing backslash, a reversed range such as `[z-a]`)."""
    patterns = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, TypeError, re.error):
            continue
        patterns.append(line)
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def invalid_glob(pattern: str) -> str | None:
    """Why `pattern` is not a usable gitignore-style glob, or None if it is."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except (ValueError, TypeError, re.error) as error:
        return str(error) or type(error).__name__
    return None


def _ancestors_within_repository(directory: Path) -> Iterator[Path]:
    """`directory` and its parents, up to the root of the git repository holding it."""
    for candidate in (directory, *directory.parents):
        yield candidate
        if (candidate / ".git").exists():
            return


@dataclass
class Discovery:
    """The files to check, and the directories that could not be listed, with why."""

    files: list[Path]
    unreadable: list[tuple[Path, str]]


def discover(paths: Iterable[Path], file_filter: FileFilter, force_exclude: bool) -> Discovery:
    """The files to check under `paths` (absolute, sorted, without duplicates).

    Files named explicitly are checked even when excluded, unless `force_exclude`.
    """
    found: set[Path] = set()
    unreadable: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(os.path.abspath(given))
        if not path.exists() and not path.is_symlink():
            raise MissingPath(f"{given}: no such file or directory")
        if path.is_dir():
            if force_exclude and file_filter.excluded(path, is_dir=True):
                continue
            below = path if file_filter.excluded(path, is_dir=True) else None
            found.update(_walk(path, file_filter, below, unreadable))
        elif not (force_exclude and file_filter.excluded(path, is_dir=False)):
            found.add(path)
    return Discovery(sorted(found), sorted(unreadable))


def _walk(top: Path, file_filter: FileFilter, below: Path | None, unreadable: list) -> Iterator[Path]:
    def note(error: OSError) -> None:
        unreadable.append((Path(error.filename), error.strerror or str(error)))

    # Symlinked directories are not followed: a link loop cannot trap the walk.
    for directory, subdirs, files in os.walk(top, followlinks=False, onerror=note):
        base = Path(directory)
        subdirs[:] = sorted(
            name for name in subdirs if not file_filter.excluded(base / name, True, below)
        )
        for name in sorted(files):
            if name.endswith(CHECKED_SUFFIXES):
                path = base / name
                if path.is_file() and not file_filter.excluded(path, False, below):
                    yield path
