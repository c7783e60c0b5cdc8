"""Stable identities for findings, for SARIF alerts and baselines.

A finding's fingerprint hashes its rule, its path relative to the project root, the
function or class holding it and its source line with whitespace normalised, so it
survives edits elsewhere in the file, including ones that move it to another line.
Identical findings in one place are told apart by an occurrence number.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from mlsmells.findings import Finding

FINGERPRINT_KEY = "mlsmells/v1"


def project_root(cwd: Path, config_root: Path | None) -> Path:
    """The root paths are made relative to: the git repository holding the working
    directory, else the configuration file's directory, else the working directory."""
    for directory in (cwd, *cwd.parents):
        if (directory / ".git").exists():
            return directory
    return config_root or cwd


def relative_to_root(finding_path: str, cwd: Path, root: Path) -> str:
    """The finding's path relative to `root`, with forward slashes (absolute if outside)."""
    absolute = Path(os.path.normpath(cwd / finding_path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def fingerprints(findings: Iterable[Finding], cwd: Path, root: Path) -> list[str]:
    """One fingerprint per finding, in order."""
    seen: Counter[str] = Counter()
    result = []
    for finding in findings:
        normalised = re.sub(r"\s+", " ", finding.source_line).strip()
        key = "|".join((finding.code, relative_to_root(finding.path, cwd, root), finding.context, normalised))
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        seen[digest] += 1
        result.append(f"{digest}:{seen[digest]}")
    return result
