"""The results cache: a file whose content, mlsmells version and configuration are
unchanged is not analysed again.

A cache directory can come from anywhere: a repository can ship one, or commit the
directory its configuration names. So nothing in it is trusted:
- mlsmells uses a directory only if it created it, marked by a `CACHEDIR.TAG` of its own
  (the cache-directory tag standard), never the project root, the working directory, an
  ancestor of either, or a directory holding checked files; `clean` removes only what
  mlsmells writes there;
- each entry is JSON (never a pickle) signed with a key kept outside every project (in the
  user's cache home), so an entry written by anyone else, or edited, fails verification
  and is a miss, as is one that is too large, malformed, or names another file, content,
  version or configuration;
- writes go through `writing`, which follows no link planted in the tree.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlsmells import __version__
from mlsmells.engine.linter import FileResult
from mlsmells.engine.suppression import Directives
from mlsmells.findings import Finding, Severity, Span
from mlsmells.reading import RefusedFile, read_bytes
from mlsmells.rule import Rule
from mlsmells.writing import create_in, open_directory, subdirectory, write_in

CACHE_DIR_NAME = ".mlsmells_cache"
TAG_NAME = "CACHEDIR.TAG"
TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This directory is a results cache created by mlsmells; `mlsmells clean` empties it.\n"
)
GITIGNORE = b"# Created by mlsmells: nothing here belongs in version control.\n*\n"
#: An entry larger than this is not read (a file with 16,000 findings makes about 8 MB).
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_KEY_BYTES = 32
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json|\.[0-9a-f]{64}\.json\.[0-9a-f]{16}\.tmp")
_SHARD_NAME = re.compile(r"[0-9a-f]{2}")
_VERSION_NAME = re.compile(r"[0-9A-Za-z.+_]+-[0-9a-f]{16}")


class CacheUnavailable(Exception):
    """This run cannot use the cache; the message says why and what to do."""


def configuration_key(rules: list[type[Rule]], options: dict[type[Rule], dict], max_bytes: int) -> str:
    """A digest of everything besides a file's content that its results depend on."""
    material = json.dumps(
        {
            "version": __version__,
            "rules": [rule.code for rule in rules],
            "options": {rule.code: options[rule] for rule in rules},
            "max_bytes": max_bytes,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def check_location(directory: Path, protected: Iterable[Path], checked: Iterable[Path]) -> None:
    """Refuse (`CacheUnavailable`) a directory that is not, or cannot become, a cache.

    `protected`: the project root and the working directory, which the cache may neither
    be nor contain; `checked`: the files of the run, none of which may be inside it.
    """
    cache = Path(os.path.realpath(directory))
    for place in protected:
        if Path(os.path.realpath(place)).is_relative_to(cache):
            raise CacheUnavailable(f"{directory} holds the project ({place}); choose a directory of its own")
    for path in checked:
        if Path(os.path.realpath(path)).is_relative_to(cache):
            raise CacheUnavailable(f"{directory} holds checked files ({path}); choose a directory of its own")
    if os.path.lexists(directory) and not is_marked(directory):
        raise CacheUnavailable(
            f"{directory} exists and is not a cache mlsmells created (it has no {TAG_NAME} of mlsmells); "
            "choose another directory, or delete it if it is an old mlsmells cache"
        )


def is_marked(directory: Path) -> bool:
    """True if `directory` is a real directory holding mlsmells's `CACHEDIR.TAG`."""
    try:
        return read_bytes(directory / TAG_NAME, len(TAG), follow=False) == TAG and not os.path.islink(directory)
    except (OSError, RefusedFile):
        return False


def signing_key() -> bytes:
    """The key that signs this user's cache entries, made on first use.

    It lives in the user's cache home (`$XDG_CACHE_HOME`, else `~/.cache`), outside every
    project, so a repository cannot ship entries that verify.
    """
    try:
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlsmells"
    except RuntimeError:  # no home directory to be found (a bare container)
        raise CacheUnavailable("no cache home for the key that signs cache entries: set XDG_CACHE_HOME") from None
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory = open_directory(home)
        try:
            create_in(directory, "cache-key", secrets.token_hex(_KEY_BYTES).encode(), mode=0o600)
        finally:
            os.close(directory)
        key = read_bytes(home / "cache-key", 4 * _KEY_BYTES, follow=False)
    except (OSError, RefusedFile) as error:
        raise CacheUnavailable(f"cannot keep the key that signs cache entries in {home}: {error}") from None
    if len(key) != 2 * _KEY_BYTES:
        raise CacheUnavailable(f"{home / 'cache-key'} is not a key mlsmells wrote; delete it")
    return key


class ResultCache:
    """Per-file results under `directory/<version>-<configuration key>/`."""

    def __init__(self, directory: Path, rules: list[type[Rule]], options: dict[type[Rule], dict], max_bytes: int,
                 key: bytes) -> None:
        self.configuration = configuration_key(rules, options, max_bytes)
        self.root = directory
        self.version_name = f"{__version__}-{self.configuration}"
        self.rules = {rule.code: rule for rule in rules}
        self._key = key
        #: Whether this process has made and marked the directory (each worker learns it once).
        self._marked = False

    def _name(self, shown: str, digest: str) -> tuple[str, str]:
        name = hashlib.sha256(f"{shown}\0{digest}".encode("utf-8", "surrogateescape")).hexdigest()
        return name[:2], f"{name}.json"

    def _signature(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).hexdigest().encode()

    def get(self, shown: str, digest: str) -> FileResult | None:
        """The cached result, or None for a miss (no entry, or one not to be trusted)."""
        shard, name = self._name(shown, digest)
        try:
            data = read_bytes(self.root / self.version_name / shard / name, MAX_ENTRY_BYTES, follow=False)
        except (OSError, RefusedFile):
            return None
        signature, _, body = data.partition(b"\n")
        if not hmac.compare_digest(signature, self._signature(body)):
            return None
        try:
            document = json.loads(body)
            if document["identity"] != [__version__, self.configuration, shown, digest]:
                return None
            return _result_from_json(document["result"], self.rules, shown)
        except (ValueError, KeyError, TypeError, RecursionError):
            return None  # written by an older mlsmells, or not by mlsmells at all

    def put(self, shown: str, digest: str, result: FileResult) -> None:
        try:
            document = {"identity": [__version__, self.configuration, shown, digest], "result": _result_to_json(result)}
            body = json.dumps(document).encode()  # ASCII: json.dumps escapes the rest
        except (TypeError, ValueError):
            return  # a rule's repository facts are not JSON: keep the file uncached
        shard, name = self._name(shown, digest)
        try:
            self._write(shard, name, self._signature(body) + b"\n" + body)
        except OSError:
            pass  # a read-only checkout still gets its results

    def _write(self, shard: str, name: str, data: bytes) -> None:
        opened = [self._open_root()]
        try:
            opened.append(subdirectory(opened[-1], self.version_name))
            opened.append(subdirectory(opened[-1], shard))
            write_in(opened[-1], name, data)
        finally:
            for descriptor in opened:
                os.close(descriptor)

    def _open_root(self) -> int:
        """The cache directory, created and marked the first time this process writes."""
        if not self._marked:
            try:
                self.root.parent.mkdir(parents=True, exist_ok=True)
                os.mkdir(self.root, 0o755)
            except FileExistsError:
                pass
        directory = open_directory(self.root)
        if not self._marked:
            create_in(directory, TAG_NAME, TAG)
            create_in(directory, ".gitignore", GITIGNORE)
            self._marked = True
        return directory


def clean(directory: Path) -> tuple[int, int]:
    """Empty a cache mlsmells created: (entries removed, other files left in place).

    Raises `CacheUnavailable` for a directory that is not such a cache. Only what mlsmells
    writes there is removed, so a wrong `cache-dir` can never cost a user's files.
    """
    if not is_marked(directory):
        raise CacheUnavailable(f"{directory} is not a cache mlsmells created (no {TAG_NAME} of mlsmells); left alone")
    root = open_directory(directory)
    try:
        removed, left = _remove_entries(root)
        for name, content in ((".gitignore", GITIGNORE), (TAG_NAME, TAG)):
            if left == 0 and _holds(root, name, content):
                os.unlink(name, dir_fd=root)
    finally:
        os.close(root)
    if left == 0:
        os.rmdir(directory)
    return removed, left


def _remove_entries(root: int) -> tuple[int, int]:
    removed = left = 0
    for version in os.scandir(root):
        if version.name in (TAG_NAME, ".gitignore"):
            continue
        if not (_VERSION_NAME.fullmatch(version.name) and version.is_dir(follow_symlinks=False)):
            left += 1
            continue
        removed_here, left_here = _remove_tree(root, version.name, [_SHARD_NAME, _ENTRY_NAME])
        removed, left = removed + removed_here, left + left_here
    return removed, left


def _remove_tree(parent: int, name: str, levels: list[re.Pattern[str]]) -> tuple[int, int]:
    """Remove `parent/name` if everything in it matches `levels` (directory names, then
    file names); count what was removed and what was left."""
    directory = open_directory(name, parent)
    removed = left = 0
    try:
        for entry in os.scandir(directory):
            if not levels[0].fullmatch(entry.name):
                left += 1
            elif len(levels) > 1 and entry.is_dir(follow_symlinks=False):
                removed_here, left_here = _remove_tree(directory, entry.name, levels[1:])
                removed, left = removed + removed_here, left + left_here
            elif len(levels) == 1 and entry.is_file(follow_symlinks=False):
                os.unlink(entry.name, dir_fd=directory)
                removed += 1
            else:
                left += 1
    finally:
        os.close(directory)
    if left == 0:
        os.rmdir(name, dir_fd=parent)
    return removed, left


def _holds(directory: int, name: str, content: bytes) -> bool:
    try:
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=directory)
    except OSError:
        return False
    try:
        return os.read(descriptor, len(content) + 1) == content
    finally:
        os.close(descriptor)


def _result_to_json(result: FileResult) -> dict[str, Any]:
    directives = result.directives
    return {
        "path": result.path,
        "analysed": result.analysed,
        "skipped_language": result.skipped_language,
        "findings": [_finding_to_json(finding) for finding in result.findings],
        "directives": None if directives is None else {
            "lines": [[line, None if codes is None else list(codes)] for line, codes in directives.lines.items()],
            "file": None if directives.file is None else list(directives.file),
            "file_wide": directives.file_wide,
        },
        "facts": {rule.code: fact for rule, fact in result.facts.items()},
        "held": {rule.code: [_finding_to_json(finding) for finding in held] for rule, held in result.held.items()},
        "dependencies": [list(dependency) for dependency in result.dependencies],
    }


def _result_from_json(data: dict[str, Any], rules: dict[str, type[Rule]], shown: str) -> FileResult:
    """The result an entry holds; `TypeError`/`KeyError`/`ValueError` if any part of it is
    not what `_result_to_json` writes."""
    if _expect(data["path"], str) != shown:
        raise ValueError("an entry for another file")
    directives = data["directives"]
    return FileResult(
        path=shown,
        findings=[_finding_from_json(item, shown) for item in _expect(data["findings"], list)],
        analysed=_expect(data["analysed"], bool),
        directives=None if directives is None else Directives(
            lines={_expect(line, int): _codes(codes) for line, codes in _expect(directives["lines"], list)},
            file=_codes(directives["file"]),
            file_wide=_expect(directives["file_wide"], bool),
        ),
        facts={rules[code]: fact for code, fact in _expect(data["facts"], dict).items()},
        held={
            rules[code]: [_finding_from_json(item, shown) for item in _expect(held, list)]
            for code, held in _expect(data["held"], dict).items()
        },
        skipped_language=_expect(data["skipped_language"], str),
        dependencies=tuple(_dependency(item) for item in _expect(data["dependencies"], list)),
    )


def _dependency(item: Any) -> tuple[str, str, str]:
    """One lookup into the project's other modules: (importer, name, digest), all text."""
    if len(_expect(item, list)) != 3:
        raise ValueError("a dependency is three strings")
    origin, name, digest = (_expect(part, str) for part in item)
    return origin, name, digest


def _finding_to_json(finding: Finding) -> dict[str, Any]:
    span = finding.span
    return {
        "path": finding.path, "span": [span.line, span.column, span.end_line, span.end_column],
        "code": finding.code, "name": finding.name, "severity": finding.severity.value,
        "message": finding.message, "challenges": list(finding.challenges), "fixable": finding.fixable,
        "cell": finding.cell, "source_line": finding.source_line, "noqa_lines": list(finding.noqa_lines),
        "context": finding.context, "file_line": finding.file_line,
    }


def _finding_from_json(data: dict[str, Any], shown: str) -> Finding:
    if _expect(data["path"], str) != shown:
        raise ValueError("a finding in another file")
    span = _expect(data["span"], list)
    if len(span) != 4:
        raise ValueError("a span has four numbers")
    return Finding(
        path=shown, span=Span(*(_expect(value, int) for value in span)),
        code=_expect(data["code"], str), name=_expect(data["name"], str), severity=Severity(data["severity"]),
        message=_expect(data["message"], str), challenges=tuple(_expect(c, str) for c in _expect(data["challenges"], list)),
        fixable=_expect(data["fixable"], bool), cell=_optional(data["cell"], int),
        source_line=_expect(data["source_line"], str),
        noqa_lines=tuple(_expect(line, int) for line in _expect(data["noqa_lines"], list)),
        context=_expect(data["context"], str), file_line=_optional(data["file_line"], int),
    )


def _codes(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(_expect(code, str) for code in _expect(value, list))


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else _expect(value, kind)


def _expect(value: Any, kind: type) -> Any:
    """`value` if it is a `kind` (a bool is not an int here), else `TypeError`."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
