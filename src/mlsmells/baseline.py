"""Baselines: adopt mlsmells on an existing codebase without fixing everything first.

`--write-baseline FILE` records the current findings; `--baseline FILE` then reports
only findings that are not in it, and counts the entries that no longer occur so the file
can shrink. Findings are matched by rule, path and fingerprint (see `fingerprints`),
which survive unrelated edits that move them to other lines.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mlsmells.fingerprints import fingerprints, relative_to_root
from mlsmells.runner import RunResult, Suppressed

VERSION = 1


class BaselineError(Exception):
    """The baseline file is missing or malformed; the message says which and why."""


@dataclass(frozen=True)
class BaselineOutcome:
    matched: int
    stale: int


def _keys(result_findings, cwd: Path, root: Path) -> list[tuple[str, str, str]]:
    return [
        (finding.code, relative_to_root(finding.path, cwd, root), fingerprint.rsplit(":", 1)[0])
        for finding, fingerprint in zip(result_findings, fingerprints(result_findings, cwd, root))
    ]


def write_baseline(path: Path, result: RunResult, cwd: Path, root: Path) -> int:
    counts = Counter(_keys(result.findings, cwd, root))
    entries = [
        {"code": code, "path": relative, "fingerprint": digest, "count": count}
        for (code, relative, digest), count in sorted(counts.items())
    ]
    document = {"tool": "mlsmells", "version": VERSION, "entries": entries}
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from None
    return sum(counts.values())


def read_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from None
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}: the baseline is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("tool") != "mlsmells" or document.get("version") != VERSION:
        raise BaselineError(f"{path}: not an mlsmells baseline (version {VERSION})")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'entries' must be a list")
    counts: Counter[tuple[str, str, str]] = Counter()
    for position, entry in enumerate(entries):
        try:
            key = (str(entry["code"]), str(entry["path"]), str(entry["fingerprint"]))
            count = int(entry["count"])
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: entry {position + 1} needs code, path, fingerprint and count") from None
        counts[key] += count
    return counts


def apply_baseline(result: RunResult, baseline: Counter, cwd: Path, root: Path) -> BaselineOutcome:
    """Move findings recorded in `baseline` from the results to the suppressed ones."""
    remaining = Counter(baseline)
    kept = []
    matched = 0
    for finding, key in zip(result.findings, _keys(result.findings, cwd, root)):
        if remaining[key] > 0:
            remaining[key] -= 1
            matched += 1
            result.suppressed_findings.append(Suppressed(finding, "external", "recorded in the baseline"))
        else:
            kept.append(finding)
    result.findings = kept
    return BaselineOutcome(matched, sum(remaining.values()))
