"""The results cache: a file whose content, mlsmells version and configuration are
unchanged is not analysed again.

Entries are JSON, never pickles: a cache directory may come from anywhere, so nothing in
it is trusted. An entry that cannot be read, does not parse, or names another file,
content, version or configuration is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mlsmells import __version__
from mlsmells.engine.linter import FileResult
from mlsmells.engine.suppression import Directives
from mlsmells.findings import Finding, Severity, Span
from mlsmells.rule import Rule

CACHE_DIR_NAME = ".mlsmells_cache"


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


class ResultCache:
    """Per-file results under `directory/<version>-<configuration key>/`."""

    def __init__(self, directory: Path, rules: list[type[Rule]], options: dict[type[Rule], dict], max_bytes: int) -> None:
        self.key = configuration_key(rules, options, max_bytes)
        self.root = directory
        self.directory = directory / f"{__version__}-{self.key}"
        self.rules = {rule.code: rule for rule in rules}

    def _entry(self, shown: str, digest: str) -> Path:
        name = hashlib.sha256(f"{shown}\0{digest}".encode()).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get(self, shown: str, digest: str) -> FileResult | None:
        try:
            document = json.loads(self._entry(shown, digest).read_text(encoding="utf-8"))
            if document["identity"] != [__version__, self.key, shown, digest]:
                return None
            return _result_from_json(document["result"], self.rules)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, corrupt or foreign: analyse the file again

    def put(self, shown: str, digest: str, result: FileResult) -> None:
        try:
            document = {"identity": [__version__, self.key, shown, digest], "result": _result_to_json(result)}
            text = json.dumps(document)
        except (TypeError, ValueError):
            return  # a rule's repository facts are not JSON: keep the file uncached
        path = self._entry(shown, digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _mark_as_cache(self.root)
            # Write then rename, so a reader never sees half an entry.
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except OSError:
            pass  # a read-only checkout still gets its results


def _mark_as_cache(root: Path) -> None:
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by mlsmells: nothing here belongs in version control.\n*\n")


def clean(directory: Path) -> bool:
    """Remove a cache directory; False if there was none."""
    if not (directory / ".gitignore").exists() and not directory.exists():
        return False
    shutil.rmtree(directory, ignore_errors=True)
    return True


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
    }


def _result_from_json(data: dict[str, Any], rules: dict[str, type[Rule]]) -> FileResult:
    directives = data["directives"]
    facts = {rules[code]: fact for code, fact in data["facts"].items()}
    return FileResult(
        path=data["path"],
        findings=[_finding_from_json(item) for item in data["findings"]],
        analysed=bool(data["analysed"]),
        directives=None if directives is None else Directives(
            lines={int(line): None if codes is None else tuple(codes) for line, codes in directives["lines"]},
            file=None if directives["file"] is None else tuple(directives["file"]),
            file_wide=bool(directives["file_wide"]),
        ),
        facts=facts,
        held={rules[code]: [_finding_from_json(item) for item in held] for code, held in data["held"].items()},
        skipped_language=str(data["skipped_language"]),
    )


def _finding_to_json(finding: Finding) -> dict[str, Any]:
    span = finding.span
    return {
        "path": finding.path, "span": [span.line, span.column, span.end_line, span.end_column],
        "code": finding.code, "name": finding.name, "severity": finding.severity.value,
        "message": finding.message, "challenges": list(finding.challenges), "fixable": finding.fixable,
        "cell": finding.cell, "source_line": finding.source_line, "noqa_lines": list(finding.noqa_lines),
        "context": finding.context, "file_line": finding.file_line,
    }


def _finding_from_json(data: dict[str, Any]) -> Finding:
    return Finding(
        path=str(data["path"]), span=Span(*(int(value) for value in data["span"])),
        code=str(data["code"]), name=str(data["name"]), severity=Severity(data["severity"]),
        message=str(data["message"]), challenges=tuple(data["challenges"]), fixable=bool(data["fixable"]),
        cell=data["cell"], source_line=str(data["source_line"]), noqa_lines=tuple(data["noqa_lines"]),
        context=str(data["context"]), file_line=data["file_line"],
    )
