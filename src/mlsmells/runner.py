"""A whole run: files -> sources -> findings -> filters (selection, noqa, per-file-ignores).

Configuration is resolved once, here, before any file is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pathspec

from mlsmells.config import Settings
from mlsmells.discovery import FileFilter, discover
from mlsmells.cache import CacheUnavailable, ResultCache, check_location, signing_key
from mlsmells.checking import FileChecker
from mlsmells.engine.linter import FileResult, make_finding, not_analysed
from mlsmells.engine.project import Project
from mlsmells.engine.positions import FALLBACK
from mlsmells.engine.suppression import Directives
from mlsmells.findings import Finding
from mlsmells.rule import Rule
from mlsmells.rules.engine.failures import InternalError
from mlsmells.selection import resolve_selectors, selector_matches
from mlsmells.parallel import check_all


@dataclass(frozen=True)
class Suppressed:
    """A finding left out of the results, and why: SARIF's suppression kinds."""

    finding: Finding
    kind: str  # "inSource" (a noqa comment) or "external" (configuration, baseline)
    justification: str


@dataclass
class RunResult:
    """What a run found, after filtering."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    files_not_analysed: list[str] = field(default_factory=list)
    #: Notebooks skipped because their kernel is not Python: (path, language).
    skipped_notebooks: list[tuple[str, str]] = field(default_factory=list)
    suppressed_findings: list[Suppressed] = field(default_factory=list)
    #: per-file-ignores globs that matched none of the checked files.
    unused_per_file_ignores: list[str] = field(default_factory=list)
    #: Things the user should know that are not findings (the cache could not be used).
    warnings: list[str] = field(default_factory=list)
    #: Whether every path given was a directory. A run on named files (pre-commit's) sees
    #: only those: what it did not find elsewhere says nothing about the rest.
    whole_repository: bool = True
    #: The codes of the rules that ran on every checked file: a run on named files leaves
    #: out the rules that need the whole repository.
    codes_run: frozenset[str] = frozenset()

    @property
    def files_checked(self) -> int:
        return len(self.files)

    @property
    def suppressed(self) -> int:
        return len(self.suppressed_findings)

    @property
    def internal_errors(self) -> int:
        return sum(1 for finding in self.findings if finding.code == InternalError.code)


class PerFileIgnores:
    """`per-file-ignores`: globs (gitignore syntax, `!` negates) mapped to ignored rules."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.root
        self.entries = []
        for glob, selectors in settings.per_file_ignores.items():
            negated = glob.startswith("!")
            spec = pathspec.GitIgnoreSpec.from_lines([glob[1:] if negated else glob])
            self.entries.append((glob, spec, negated, resolve_selectors(selectors)))
        self.used: set[str] = set()

    def ignored_rules(self, path: Path) -> set[type[Rule]]:
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            relative = path.as_posix()
        ignored: set[type[Rule]] = set()
        for glob, spec, negated, rules in self.entries:
            if spec.match_file(relative) != negated:
                ignored |= rules
                self.used.add(glob)
        return ignored

    @property
    def unused(self) -> list[str]:
        return [glob for glob, *_ in self.entries if glob not in self.used]


def display_path(path: Path, cwd: Path) -> str:
    """Paths under the working directory are shown relative to it, others in full.

    The name stays as the file system has it (a byte that is not UTF-8 as a lone
    surrogate): each output escapes it as its format needs (`escaping`).
    """
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def allowed_link_targets(paths: Sequence[Path]) -> tuple[Path, ...]:
    """Where a symbolic link met in the run may lead: into what the run was asked to check
    (a named directory, or the directory of a named file), resolved."""
    return tuple(sorted({Path(os.path.realpath(path if path.is_dir() else path.parent)) for path in paths}))


def open_cache(cache_dir: Path, settings: Settings, cwd: Path, files: list[Path], rules, options, max_bytes: int,
               warnings: list[str]) -> ResultCache | None:
    """The run's cache, or None with a warning saying why it cannot be used."""
    try:
        check_location(cache_dir, (settings.root, cwd), files)
        return ResultCache(cache_dir, list(rules), options, max_bytes, signing_key())
    except CacheUnavailable as error:
        warnings.append(f"results are not cached: {error}.")
        return None


def run(
    paths: Sequence[Path],
    settings: Settings,
    rules: Sequence[type[Rule]],
    cwd: Path,
    force_exclude: bool = False,
    jobs: int = 1,
    cache_dir: Path | None = None,
    on_files: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Check `paths`. `cache_dir` turns the results cache on; `on_files(total)` is told how
    many files there are before `progress(done)` is told as they are checked."""
    file_filter = FileFilter(settings.root, settings.exclude, settings.extend_exclude)
    discovery = discover(paths, file_filter, force_exclude)
    per_file_ignores = PerFileIgnores(settings)
    options = {rule: settings.options_for(rule) for rule in rules}
    max_bytes = int(settings.max_file_size_mb * 1_000_000)
    whole_repository = all(path.is_dir() for path in paths)
    result = RunResult(
        whole_repository=whole_repository,
        codes_run=frozenset(rule.code for rule in rules if whole_repository or not rule.needs_whole_repository),
    )
    cache = open_cache(cache_dir, settings, cwd, discovery.files, rules, options, max_bytes, result.warnings) if cache_dir else None
    allowed = allowed_link_targets(paths)
    project = Project(settings.root, allowed, max_bytes)
    checker = FileChecker(rules, options, max_bytes, cache, allowed, project)
    enabled = set(rules)
    repository_rules = [
        rule for rule in rules if rule.uses_repository_pass() and (whole_repository or not rule.needs_whole_repository)
    ]
    facts: dict[type[Rule], dict[str, Any]] = {rule: {} for rule in repository_rules}
    checked: dict[str, tuple[FileResult, set[type[Rule]]]] = {}
    for directory, reason in discovery.unreadable:
        shown = display_path(directory, cwd)
        result.files_not_analysed.append(shown)
        failed = not_analysed(shown, f"cannot list the directory: {reason}")
        result.findings.extend(filter_findings(failed.findings, None, enabled, set())[0])
    items = [(path, display_path(path, cwd)) for path in discovery.files]
    if on_files:
        on_files(len(items))
    for (path, shown), file_result in zip(items, check_all(checker, items, jobs, progress)):
        if file_result.skipped_language:
            result.skipped_notebooks.append((shown, file_result.skipped_language))
            continue
        result.files.append(shown)
        if not file_result.analysed:
            result.files_not_analysed.append(shown)
        ignored = per_file_ignores.ignored_rules(path)
        kept, suppressed = filter_findings(file_result.findings, file_result.directives, enabled, ignored)
        result.findings.extend(kept)
        result.suppressed_findings.extend(suppressed)
        for rule, fact in file_result.facts.items():
            if rule in facts:
                facts[rule][shown] = fact
        if file_result.facts:
            # Only what the repository pass needs is kept: held findings and suppressions.
            checked[shown] = (FileResult(shown, directives=file_result.directives, held=file_result.held), ignored)
    for rule in repository_rules:
        held = {path: file_result.held.get(rule, []) for path, (file_result, _) in checked.items()}
        for report in repository_findings(rule, facts[rule], held):
            file_result, ignored = checked.get(report.path, (FileResult(report.path), set()))
            kept, suppressed = filter_findings([report], file_result.directives, enabled, ignored)
            result.findings.extend(kept)
            result.suppressed_findings.extend(suppressed)
    result.findings.sort(key=lambda finding: finding.sort_key)
    # A pattern for files that were not named is not unused.
    result.unused_per_file_ignores = per_file_ignores.unused if whole_repository else []
    return result


def repository_findings(rule: type[Rule], facts: dict[str, Any], held: dict[str, list[Finding]]) -> list[Finding]:
    """Run one rule's repository pass, turning the held findings it names into findings.

    A failure (including naming a finding that was never held) becomes an MLS002
    finding, not a crash.
    """
    try:
        return [replace(held[r.path][r.held], message=r.message) for r in rule.check_repository(facts)]
    except Exception as error:  # noqa: BLE001 - isolate rule bugs
        message = f"rule {rule.code} ({rule.name}) failed in the repository pass: {type(error).__name__}: {error}"
        return [make_finding(InternalError, ".", FALLBACK, message + ". This is a bug in mlsmells: please report it.")]


def filter_findings(
    findings: list[Finding],
    directives: Directives | None,
    enabled: set[type[Rule]],
    ignored: set[type[Rule]],
) -> tuple[list[Finding], list[Suppressed]]:
    """Drop findings of deselected rules; set aside those per-file-ignored or silenced by noqa.

    MLS002 always stays: it is a bug report, not a judgement on the user's code.
    """
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    by_code = {rule.code: rule for rule in enabled | ignored}
    for finding in findings:
        if finding.code == InternalError.code:
            kept.append(finding)
            continue
        rule = by_code.get(finding.code)
        if rule is None or rule not in enabled:
            continue
        if rule in ignored:
            suppressed.append(Suppressed(finding, "external", "per-file-ignores in the configuration"))
            continue
        how = directives.suppresses(finding.noqa_lines, lambda selector: selector_matches(selector, rule)) if directives else None
        if how is not None:
            suppressed.append(Suppressed(finding, "inSource", f"`# {how}` comment"))
            continue
        kept.append(finding)
    return kept, suppressed
