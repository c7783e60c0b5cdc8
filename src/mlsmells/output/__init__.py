"""Output formats: one module per format, each a function from a run's results to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mlsmells.fingerprints import fingerprints, relative_to_root
from mlsmells.findings import Finding
from mlsmells.rule import Rule
from mlsmells.runner import RunResult, Suppressed


@dataclass(frozen=True)
class OutputContext:
    """What a formatter may use: the results, the enabled rules, and where paths are from."""

    result: RunResult
    rules: Sequence[type[Rule]]
    cwd: Path
    root: Path
    include_suppressed: bool = False
    #: Terminal colours for the human formats (`full`, `concise`): a terminal, unless
    #: NO_COLOR says otherwise (see `cli.wants_colour`).
    colour: bool = False

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    @cached_property
    def suppressed(self) -> list[Suppressed]:
        return self.result.suppressed_findings if self.include_suppressed else []

    def relative_path(self, finding: Finding) -> str:
        return relative_to_root(finding.path, self.cwd, self.root)

    @cached_property
    def fingerprint_of(self) -> dict[int, str]:
        """Fingerprints by `id()` of finding, computed over reported and suppressed findings."""
        every = [*self.findings, *(s.finding for s in self.suppressed)]
        return {id(finding): print_ for finding, print_ in zip(every, fingerprints(every, self.cwd, self.root))}


Formatter = Callable[[OutputContext], str]


def formats() -> dict[str, Formatter]:
    from mlsmells.output import concise, full, github, gitlab, json_format, junit, sarif

    return {
        "full": full.render,
        "concise": concise.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "github": github.render,
        "gitlab": gitlab.render,
        "junit": junit.render,
    }


FORMAT_NAMES = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
