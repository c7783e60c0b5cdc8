"""The rule base class: everything a rule declares about itself lives on its class.

A rule is one small class. Its docstring says what it detects; its class attributes
carry its code, name, family, severity, the challenges it links to, its options and its
examples. The same metadata feeds `mlsmells rules`, `mlsmells explain`, the generated
documentation and the generated tests, so a rule cannot ship undocumented or untested.

Rules receive nodes from the engine's single traversal through `visit_<Node>` and
`leave_<Node>` methods named after libcst node classes, and may implement `end_file`.
They never walk the tree themselves.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

from mlsmells.findings import Family, Severity
from mlsmells.measurements import Measurement, measurement

if TYPE_CHECKING:
    from mlsmells.engine.context import FileContext

OPTION_KINDS = {
    "bool": bool,
    "int": int,
    "float": (int, float),
    "str": str,
    "list[str]": list,
}

DEFAULT_NOTEBOOK_BEHAVIOR = (
    "The code cells of a notebook are analysed as one module, in cell order; "
    "findings name the cell and the line within it."
)


@dataclass(frozen=True)
class RepositoryReport:
    """A finding of the repository pass: a report `held` in the file at `path` (the number
    `Rule.hold` returned there), and its final message."""

    path: str
    held: int
    message: str


@dataclass(frozen=True)
class Option:
    """A rule option, set under `[tool.mlsmells.rules.<rule-name>]`."""

    name: str
    kind: str
    default: Any
    help: str

    def __post_init__(self) -> None:
        if self.kind not in OPTION_KINDS:
            raise TypeError(f"option {self.name!r}: unknown kind {self.kind!r}")

    def accepts(self, value: Any) -> bool:
        if self.kind == "list[str]":
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if isinstance(value, bool) and self.kind != "bool":
            return False
        return isinstance(value, OPTION_KINDS[self.kind])


class Rule:
    """Base class of every rule. Subclasses set the class attributes below."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    family: ClassVar[Family]
    severity: ClassVar[Severity] = Severity.WARNING
    #: How often its author expects a finding to be right, as SARIF says it (very-high, high,
    #: medium or low): used only until the rule is measured (see `measured_precision`).
    precision: ClassVar[str] = "high"
    summary: ClassVar[str] = ""
    challenges: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[tuple[Option, ...]] = ()
    #: For security findings, the CVSS-like score GitHub code scanning shows as the alert's
    #: security severity ("7.5": high); None for the rest.
    security_severity: ClassVar[str | None] = None
    #: Top-level packages a file must import for the rule to run on it; empty: always run.
    required_modules: ClassVar[frozenset[str]] = frozenset()
    #: Rules about notebooks themselves (cells, outputs): they never run on Python files,
    #: and their examples are notebooks written in the percent format (`# %% [3]`).
    notebooks_only: ClassVar[bool] = False
    #: Rules that follow values through assignments read `self.file.flow` (engine/dataflow.py);
    #: the engine records it only for files some such rule checks. A rule may set it on the
    #: instance, from what the file holds, to spare files it has nothing to ask about.
    uses_dataflow: ClassVar[bool] = False
    #: The repository pass judges by absence ("nothing uses this"), so it runs only when the
    #: run was given directories: a run on named files (pre-commit names the changed ones)
    #: cannot tell an unused definition from one used by a file it was not given.
    needs_whole_repository: ClassVar[bool] = False
    #: The path the examples are checked as, for rules that look at some files only (tests).
    example_path: ClassVar[str] = "example.py"
    why: ClassVar[str] = ""
    #: Code that the rule reports. A line of only `^` marks the expected span on the line above.
    bad: ClassVar[tuple[str, ...]] = ()
    #: The same code written well: the rule reports nothing on it.
    good: ClassVar[tuple[str, ...]] = ()
    use_instead: ClassVar[str] = ""
    notebook_behavior: ClassVar[str] = DEFAULT_NOTEBOOK_BEHAVIOR
    limitations: ClassVar[str] = ""

    #: libcst node class -> method name, for `visit_*` and `leave_*`; filled per subclass.
    visit_handlers: ClassVar[dict[type[cst.CSTNode], str]] = {}
    leave_handlers: ClassVar[dict[type[cst.CSTNode], str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.visit_handlers = _handlers(cls, "visit_")
        cls.leave_handlers = _handlers(cls, "leave_")

    def __init__(self, file: FileContext, options: Mapping[str, Any]) -> None:
        self.file = file
        self.settings = options

    def report(self, node: cst.CSTNode, message: str, severity: Severity | None = None) -> None:
        """Report a finding at `node`; `severity` raises one finding above the rule's own
        (MLS414's SQL built from `input()` is an error, its other findings warnings)."""
        self.file.report(self, node, message, severity)

    def end_file(self) -> None:
        """Called once the traversal of the file is over: file-level checks go here."""

    # The repository pass, for cross-file rules ------------------------------------------

    def hold(self, node: cst.CSTNode, message: str) -> int:
        """Prepare a finding that only the repository pass can confirm; returns its number.

        It is located like any finding (cell, line, `noqa`), at no cost unless held, and
        reported only if `check_repository` yields a `RepositoryReport` naming it.
        """
        return self.file.hold(self, node, message)

    def file_facts(self) -> Any:
        """What this file contributes to the repository pass (JSON data), or None.

        Called after `end_file`. Record the numbers `hold` returned, not positions.
        """
        return None

    @classmethod
    def check_repository(cls, facts: Mapping[str, Any]) -> Iterable[RepositoryReport]:
        """Called once after every file, with each file's non-None `file_facts` by path."""
        return ()

    @classmethod
    def uses_repository_pass(cls) -> bool:
        return cls.check_repository.__func__ is not Rule.check_repository.__func__

    @classmethod
    def shown_line(cls, line: str) -> str:
        """The source line of a finding as outputs show it: rules that report secrets mask them."""
        return line

    @classmethod
    def description(cls) -> str:
        """The rule's 'What it detects' text: its docstring."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def default_options(cls) -> dict[str, Any]:
        return {option.name: option.default for option in cls.options}

    @classmethod
    def measured_precision(cls) -> Measurement | None:
        """The rule's precision measured on real code (mlsmells/measurements.py), if it was."""
        return measurement(cls.code)

    @classmethod
    def precision_level(cls) -> str:
        """SARIF's precision word: from the measurement when there is one, else the estimate."""
        measured = cls.measured_precision()
        return measured.level if measured is not None else cls.precision

    @classmethod
    def is_default(cls) -> bool:
        """Advice rules are opt-in; everything else is on unless deselected."""
        return cls.severity is not Severity.ADVICE


def _handlers(cls: type, prefix: str) -> dict[type[cst.CSTNode], str]:
    handlers = {}
    for attr in dir(cls):
        if not attr.startswith(prefix) or attr.endswith("_handlers"):
            continue
        node_type = getattr(cst, attr[len(prefix):], None)
        if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
            raise TypeError(f"{cls.__name__}.{attr}: {attr[len(prefix):]} is not a libcst node class")
        handlers[node_type] = attr
    return handlers


@dataclass(frozen=True)
class ExampleSpan:
    """An expected finding in a rule example: 1-based line and columns, end exclusive."""

    line: int
    column: int
    end_column: int


#: Starts a new file in an example of a repository-pass rule: `# file: churn/train.py`.
EXAMPLE_FILE_MARKER = "# file: "


def example_files(code: str) -> list[tuple[str, str, int]]:
    """Split an example into its files: (path, code, lines before the file's first line).

    Examples of cross-file rules hold several files, each introduced by a marker line;
    an example without markers gives [].
    """
    lines = code.splitlines(keepends=True)
    starts = [index for index, line in enumerate(lines) if line.startswith(EXAMPLE_FILE_MARKER)]
    return [
        (lines[start][len(EXAMPLE_FILE_MARKER):].strip(), "".join(lines[start + 1:end]), start + 1)
        for start, end in zip(starts, [*starts[1:], len(lines)])
    ]


def parse_example(example: str) -> tuple[str, list[ExampleSpan]]:
    """Split a rule example into its code and the spans its caret lines mark.

    A line made only of spaces and `^` marks the span of an expected finding on the
    code line just above it; it is removed from the code.
    """
    code_lines: list[str] = []
    spans: list[ExampleSpan] = []
    for line in textwrap.dedent(example).strip("\n").splitlines():
        stripped = line.strip()
        if stripped and set(stripped) == {"^"}:
            if not code_lines:
                raise ValueError("a caret line must follow a code line")
            start = line.index("^")
            spans.append(ExampleSpan(len(code_lines), start + 1, line.rindex("^") + 2))
        else:
            code_lines.append(line)
    return "\n".join(code_lines) + "\n", spans
