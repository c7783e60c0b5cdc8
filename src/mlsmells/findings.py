"""What a run reports: findings, their severity and where they point."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How sure a rule is that a finding is a real problem.

    `advice` rules are lower-confidence checks: they are off unless selected.
    """

    ERROR = "error"
    WARNING = "warning"
    ADVICE = "advice"


class Family(str, enum.Enum):
    """The rule families of `CONVENTIONS.md`; the value is the code prefix."""

    ENGINE = "MLS0"
    REPRODUCIBILITY = "MLS1"
    CONFIGURATION = "MLS2"
    DATA = "MLS3"
    ARCHITECTURE = "MLS4"
    TRAINING = "MLS5"
    NOTEBOOKS = "MLS6"

    @property
    def title(self) -> str:
        return _FAMILY_TITLES[self]


_FAMILY_TITLES = {
    Family.ENGINE: "engine",
    Family.REPRODUCIBILITY: "reproducibility",
    Family.CONFIGURATION: "configuration, environment and supply chain",
    Family.DATA: "data",
    Family.ARCHITECTURE: "architecture debt",
    Family.TRAINING: "model training and evaluation",
    Family.NOTEBOOKS: "notebooks",
}


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based region of a file; `end_column` is exclusive (SARIF's convention)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    """One reported problem, located in one file."""

    path: str
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    challenges: tuple[str, ...] = ()
    fixable: bool = False
    #: In a notebook: the cell as Jupyter numbers it; `span` is then within that cell.
    cell: int | None = None
    #: The text of the first reported line, for output that shows the code.
    source_line: str = field(default="", compare=False)
    #: Lines whose `noqa` comment silences this finding (the statement's first and last).
    noqa_lines: tuple[int, ...] = field(default=(), compare=False)
    #: The dotted name of the function or class holding the finding ("" at module level).
    context: str = field(default="", compare=False)
    #: The line in the file as stored on disk: for a notebook, the line of its JSON text.
    file_line: int | None = field(default=None, compare=False)

    @property
    def stored_line(self) -> int:
        """The line a tool reading the raw file (GitHub, GitLab) should point at."""
        return self.file_line if self.file_line is not None else self.span.line

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.span, self.code)
