"""Baselines: adopt mlsmells on an existing codebase without fixing everything first.

`--write-baseline FILE` records the current findings; `--baseline FILE` then reports
only findings that are not in it, and counts the entries that no longer occur so the file
can shrink. Findings are matched by rule, path and fingerprint (see `fingerprints`),
which survive unrelated edits that move them to other lines.

A run sees only the files it checks, with the rules it runs (pre-commit names the staged
files): an entry for another file, or another rule, is neither counted as gone nor dropped
when the baseline is written again.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlsmells.escaping import dumps, printable
from mlsmells.fingerprints import fingerprints, relative_to_root
from mlsmells.reading import RefusedFile, read_bytes
from mlsmells.runner import RunResult, Suppressed
from mlsmells.writing import write_atomically

VERSION = 1
#: A baseline larger than this is not read (one entry is about 150 bytes).
MAX_BASELINE_BYTES = 256 * 1024 * 1024


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


def _covered(result: RunResult, cwd: Path, root: Path) -> Callable[[tuple[str, str, str]], bool]:
    """Whether this run could have produced a baseline entry: its file was checked, by
    its rule."""
    checked = {relative_to_root(shown, cwd, root) for shown in result.files}
    return lambda key: key[0] in result.codes_run and key[1] in checked


def write_baseline(path: Path, result: RunResult, cwd: Path, root: Path) -> tuple[int, int]:
    """Record the run's findings in `path`; keep the entries of an existing baseline that
    this run could not have produced, for files that still exist. Return how many
    findings were recorded and how many entries were kept."""
    counts = Counter(_keys(result.findings, cwd, root))
    recorded = sum(counts.values())
    kept = 0
    if path.exists():
        try:
            previous = read_baseline(path)
        except BaselineError as error:
            raise BaselineError(f"{error}; it was not overwritten (delete it to start a new one)") from None
        covered = _covered(result, cwd, root)
        for key, count in previous.items():
            if not covered(key) and (root / key[1]).is_file():
                counts[key] += count
                kept += count
    entries = [
        {"code": code, "path": relative, "fingerprint": digest, "count": count}
        for (code, relative, digest), count in sorted(counts.items())
    ]
    document = {"tool": "mlsmells", "version": VERSION, "entries": entries}
    try:
        write_atomically(path, (dumps(document) + "\n").encode("utf-8"))
    except OSError as error:
        raise BaselineError(f"{printable(str(path))}: cannot write the baseline: {error.strerror or error}") from None
    return recorded, kept


def read_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    shown = printable(str(path))
    try:
        document = json.loads(read_bytes(path, MAX_BASELINE_BYTES))
    except FileNotFoundError:
        raise BaselineError(f"{shown}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{shown}: cannot read the baseline: {getattr(error, 'strerror', None) or error}") from None
    except RefusedFile as error:
        raise BaselineError(f"{shown}: {error}") from None
    except json.JSONDecodeError as error:
        raise BaselineError(f"{shown}: the baseline is not valid JSON ({error})") from None
    except RecursionError:
        raise BaselineError(f"{shown}: the baseline is not valid JSON (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("tool") != "mlsmells" or document.get("version") != VERSION:
        raise BaselineError(f"{shown}: not an mlsmells baseline (version {VERSION})")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"{shown}: 'entries' must be a list")
    counts: Counter[tuple[str, str, str]] = Counter()
    for position, entry in enumerate(entries):
        key, count = _entry(entry)
        if key is None:
            raise BaselineError(
                f"{shown}: entry {position + 1} needs code, path and fingerprint (strings) and count (a whole number above 0)"
            )
        counts[key] += count
    return counts


def _entry(entry: object) -> tuple[tuple[str, str, str] | None, int]:
    """An entry's key and count, or (None, 0) if it is not what `write_baseline` writes."""
    if not isinstance(entry, dict):
        return None, 0
    key = (entry.get("code"), entry.get("path"), entry.get("fingerprint"))
    count = entry.get("count")
    if not all(isinstance(part, str) for part in key) or type(count) is not int or count < 1:
        return None, 0
    return key, count  # type: ignore[return-value]


def apply_baseline(result: RunResult, baseline: Counter, cwd: Path, root: Path) -> BaselineOutcome:
    """Move findings recorded in `baseline` from the results to the suppressed ones; count
    the entries this run could have matched and did not."""
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
    covered = _covered(result, cwd, root)
    return BaselineOutcome(matched, sum(count for key, count in remaining.items() if count > 0 and covered(key)))
