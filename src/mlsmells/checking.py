"""Checking one file from disk: the safe read, cache, Python or notebook, then the engine.

Whatever goes wrong with one file stays with that file: it becomes an MLS001 finding (the
file could not be read or analysed) or an MLS002 finding (a bug in mlsmells), and the
run goes on with the next file.
"""

from __future__ import annotations

import gc
import hashlib
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlsmells.cache import ResultCache
from mlsmells.engine.linter import FileResult, lint_notebook, lint_source, make_finding, not_analysed
from mlsmells.engine.project import Project
from mlsmells.engine.positions import FALLBACK
from mlsmells.findings import Finding
from mlsmells.notebooks import read_notebook, source_json_lines
from mlsmells.reading import RefusedFile, TooLarge, read_bytes
from mlsmells.rule import Rule
from mlsmells.rules.engine.failures import InternalError
from mlsmells.sources import SourceError, decode_python_source


@dataclass(frozen=True)
class FileChecker:
    """Everything needed to check a file, resolved once per run (and inherited by workers)."""

    rules: Sequence[type[Rule]]
    options: Mapping[type[Rule], Mapping[str, Any]]
    max_bytes: int
    cache: ResultCache | None = None
    #: Directories (resolved) a symbolic link may lead into: what the run was asked to check.
    allowed: tuple[Path, ...] = ()
    #: The project's modules, for questions one file cannot answer (`engine/project.py`).
    project: Project | None = None

    def check(self, path: Path, shown: str) -> FileResult:
        """The file's results; never raises for anything the file holds."""
        try:
            with _garbage_collected_when_done():
                return self._check(path, shown)
        except RecursionError:
            return not_analysed(shown, "could not analyse the file: it is nested too deeply")
        except MemoryError:
            return not_analysed(shown, "could not analyse the file: it needs more memory than is available")
        except Exception as error:  # noqa: BLE001 - a bug in mlsmells must not end the run
            message = (
                f"mlsmells failed on this file: {type(error).__name__}: {error} "
                f"(in {traceback.extract_tb(error.__traceback__)[-1].name}). "
                "This is a bug in mlsmells: please report it with the file."
            )
            return FileResult(shown, [make_finding(InternalError, shown, FALLBACK, message)])

    def _check(self, path: Path, shown: str) -> FileResult:
        try:
            data = read_bytes(path, self.max_bytes, self.allowed)
        except TooLarge as error:
            return not_analysed(shown, f"{error} (`max-file-size-mb` in the configuration)")
        except RefusedFile as error:
            return not_analysed(shown, str(error))
        except OSError as error:
            return not_analysed(shown, f"cannot read the file: {error.strerror or error}")
        if self.cache is None:
            return self._analyse(path, shown, data)
        digest = hashlib.sha256(data).hexdigest()
        cached = self.cache.get(shown, digest)
        if cached is not None and (
            not cached.dependencies or self.project is None or self.project.still_valid(path, cached.dependencies)
        ):
            return cached
        result = self._analyse(path, shown, data)
        self.cache.put(shown, digest, result)
        return result

    def _analyse(self, path: Path, shown: str, data: bytes) -> FileResult:
        try:
            if path.suffix == ".ipynb":
                return self._analyse_notebook(path, shown, data)
            text = decode_python_source(data)
        except SourceError as error:
            return not_analysed(shown, str(error))
        return lint_source(shown, text, self.rules, self.options, path, self.project)

    def _analyse_notebook(self, path: Path, shown: str, data: bytes) -> FileResult:
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise SourceError(f"cannot decode the file as utf-8: byte offset {error.start}") from None
        notebook = read_notebook(raw)
        if not notebook.is_python:
            return FileResult(shown, skipped_language=notebook.language)
        result = lint_notebook(shown, notebook, self.rules, self.options, path, self.project)
        if result.findings:
            result.findings = with_json_lines(result.findings, raw)
        return result


def with_json_lines(findings: list[Finding], raw: str) -> list[Finding]:
    """Give notebook findings the line of the notebook's JSON text where they stand."""
    json_lines = source_json_lines(raw)
    located = []
    for finding in findings:
        lines = json_lines[finding.cell - 1] if finding.cell and finding.cell <= len(json_lines) else []
        file_line = lines[min(finding.span.line, len(lines)) - 1] if lines else 1
        located.append(replace(finding, file_line=file_line))
    return located


@contextmanager
def _garbage_collected_when_done() -> Iterator[None]:
    """Collect a file's garbage once, when its analysis is done.

    The analysis of a file builds reference cycles (rules and the file's context point at
    each other) that hold its syntax trees, so the trees are freed by the cyclic collector,
    not when the file is done. Left to run on its own, the collector promotes them to the
    old generation and scans them again and again with everything long-lived; collecting
    the young generation once per file, with nothing promoted in between, costs a fraction
    of that (`bench/README.md`).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)
