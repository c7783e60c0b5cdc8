"""How the repository pass of the cross-file rules scales with the size of a repository.

    python bench/repository_pass.py

Takes the transformers corpus of `run.py` (downloaded on first use), runs the file pass of
every rule that has a repository pass once over all its modules, then times each rule's
repository pass on growing prefixes of the corpus: an eighth, a quarter, a half and all of
it. The pass is linear when the microseconds per file stay flat as the repository grows;
a pass comparing every pair of files would double them with each doubling.
"""

from __future__ import annotations

import time
from pathlib import Path

from run import prepare_transformers

from mlsmells.checking import FileChecker
from mlsmells.engine.linter import FileResult
from mlsmells.registry import all_rules
from mlsmells.rule import Rule
from mlsmells.runner import repository_findings

FRACTIONS = (8, 4, 2, 1)
MAX_BYTES = 10_000_000


def file_pass(corpus: Path, rules: list[type[Rule]]) -> tuple[list[FileResult], float]:
    checker = FileChecker(rules, {rule: rule.default_options() for rule in rules}, MAX_BYTES)
    files = sorted(corpus.rglob("*.py"))
    start = time.perf_counter()
    results = [checker.check(path, path.relative_to(corpus).as_posix()) for path in files]
    return results, time.perf_counter() - start


def repository_pass(rule: type[Rule], results: list[FileResult]) -> tuple[float, int]:
    facts = {result.path: result.facts[rule] for result in results if rule in result.facts}
    held = {result.path: result.held.get(rule, []) for result in results}
    start = time.perf_counter()
    findings = repository_findings(rule, facts, held)
    return time.perf_counter() - start, len(findings)


def main() -> None:
    rules = [rule for rule in all_rules() if rule.uses_repository_pass()]
    results, seconds = file_pass(prepare_transformers(), rules)
    print(f"File pass of {', '.join(rule.code for rule in rules)} over {len(results)} files: {seconds:.1f} s\n")
    print("| rule | files | repository pass (ms) | µs per file | findings |")
    print("|---|---|---|---|---|")
    for rule in rules:
        for fraction in FRACTIONS:
            subset = results[: len(results) // fraction]
            elapsed, found = repository_pass(rule, subset)
            print(f"| {rule.code} | {len(subset)} | {elapsed * 1000:.1f} | {elapsed * 1e6 / len(subset):.1f} | {found} |")


if __name__ == "__main__":
    main()
