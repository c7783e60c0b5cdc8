"""Jupyter notebooks as input: their code cells become one Python module, in cell order.

Every rule then works on notebooks without knowing it is one: `import numpy as np` in
cell 1 resolves `np.random.rand` in cell 7. IPython syntax is rewritten line by line so
that it parses and no line moves; a map from module lines back to (cell, line in cell,
column shift) lets findings point where the user looks in Jupyter. The magic and shell
lines themselves stay visible to rules as `MagicLine`s.
"""

from __future__ import annotations

import bisect
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any


from mlsmells.sources import SourceError

#: Cell magics whose body is Python: the body is analysed.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug"})
#: Line magics followed by a Python statement that they run: the statement is analysed.
_STATEMENT_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
#: A stand-in for a value produced by IPython syntax (`files = !ls`): binds, calls nothing.
PLACEHOLDER = "..."

_CELL_MAGIC = re.compile(r"^%%(?P<name>[\w.-]+)(?P<args>.*)$")
# `%name` (also `% name`, which old IPython accepted) and `!cmd` (not `!=`); only tried
# where a logical line starts, so `% b` continuing a bracketed expression stays Python.
_LINE_MAGIC = re.compile(r"^(?P<indent>[ \t]*)(?P<sigil>%[ \t]*(?=[A-Za-z_])|!{1,2}(?!=))(?P<command>.*)$")
_ASSIGNED_MAGIC = re.compile(
    r"^(?P<lhs>[ \t]*[\w.\[\], ]+?\s*=\s*)(?P<sigil>%(?=[A-Za-z_])|!{1,2}(?!=))(?P<command>.*)$"
)
_HELP = re.compile(r"^(?P<indent>[ \t]*)(\?{1,2}[\w.]+|[\w.]+\?{1,2}|%\w+\?{1,2})[ \t]*$")


@dataclass(frozen=True)
class Cell:
    """One cell as Jupyter shows it: `number` counts every cell from 1."""

    number: int
    kind: str
    source: str
    execution_count: int | None = None
    outputs: tuple[dict[str, Any], ...] = ()
    #: The cell magic on its first line (`bash` for `%%bash`), if any.
    cell_magic: str | None = None

    @property
    def is_python(self) -> bool:
        return self.kind == "code" and (self.cell_magic is None or self.cell_magic in PYTHON_CELL_MAGICS)

    @property
    def lines(self) -> list[str]:
        return self.source.splitlines() or [""]


@dataclass(frozen=True)
class MagicLine:
    """An IPython line: `kind` is line-magic, cell-magic, shell or help; `line` is in the module."""

    cell: int
    cell_line: int
    line: int
    kind: str
    command: str


@dataclass
class Notebook:
    """A notebook read from disk, and the Python module built from its code cells."""

    cells: list[Cell]
    language: str
    module_text: str = ""
    #: For each module line (index 0 is line 1): (cell number, line in cell, column shift).
    line_map: list[tuple[int, int, int]] = field(default_factory=list)
    magics: list[MagicLine] = field(default_factory=list)
    #: Cells that only parse with IPython's automagic (`ls data/` without the `%`).
    automagic_cells: set[int] = field(default_factory=set)

    @property
    def is_python(self) -> bool:
        return self.language in ("", "python", "python3", "ipython", "ipython3")

    def cell(self, number: int) -> Cell:
        return self.cells[number - 1]

    def locate(self, line: int, column: int) -> tuple[int, int, int]:
        """(cell, line in cell, column in cell) of a 1-based module position."""
        cell, cell_line, shift = self.line_map[min(line, len(self.line_map)) - 1]
        return cell, cell_line, column + shift

    def module_line(self, cell: int, cell_line: int = 1) -> int | None:
        """The module line of a line in a cell, or None if the cell is not in the module."""
        for index, (number, line, _) in enumerate(self.line_map):
            if number == cell and line == cell_line:
                return index + 1
        return None


def read_notebook(text: str) -> Notebook:
    """Parse notebook JSON (nbformat 4, or 3 and older, converted). Raises `SourceError`."""
    import nbformat  # here, not at the top: a run without notebooks never pays its import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises JSON, schema and version errors of many types
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SourceError(f"not a valid notebook: {reason[:200]}") from None
    language = kernel_language(document.get("metadata"))
    cells = [_cell(number, raw) for number, raw in enumerate(document.get("cells", []), start=1)]
    notebook = Notebook(cells, language)
    build_module(notebook, excluded=set())
    return notebook


def kernel_language(metadata: Any) -> str:
    """The notebook's language from `kernelspec.language` or `language_info.name`, lower
    case; "" when it says none (any of these may be missing, null, or not a table)."""
    for table, key in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(table) if isinstance(metadata, dict) else None
        value = section.get(key) if isinstance(section, dict) else None
        if isinstance(value, str) and value:
            return value.lower()
    return ""


def _cell(number: int, raw: dict) -> Cell:
    source = raw.get("source", "")
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    source = str(source).replace("\r\n", "\n").replace("\r", "\n")
    kind = str(raw.get("cell_type", "code"))
    first_line = next((line for line in source.split("\n") if line.strip()), "")
    magic = _CELL_MAGIC.match(first_line.strip()) if kind == "code" else None
    count = raw.get("execution_count")
    return Cell(
        number=number,
        kind=kind,
        source=source,
        execution_count=count if isinstance(count, int) else None,
        outputs=tuple(raw.get("outputs", ()) or ()),
        cell_magic=magic.group("name") if magic else None,
    )


def build_module(notebook: Notebook, excluded: set[int]) -> None:
    """Concatenate the Python code cells, less `excluded`, into `notebook.module_text`.

    A `pass` line at column 0 follows every cell, so a cell left open (`for x in y:`,
    `f(`) cannot swallow the next one: the module then fails to parse, and the broken
    cell is found and reported on its own.
    """
    lines: list[str] = []
    notebook.line_map = []
    notebook.magics = []
    for cell in notebook.cells:
        if not cell.is_python or cell.number in excluded:
            continue
        rewritten = rewrite_cell(cell.lines, automagic=cell.number in notebook.automagic_cells)
        for cell_line, (text, shift, magic) in enumerate(rewritten, start=1):
            if magic is not None:
                notebook.magics.append(MagicLine(cell.number, cell_line, len(lines) + 1, *magic))
            lines.append(text)
            notebook.line_map.append((cell.number, cell_line, shift))
        lines.append("pass")
        notebook.line_map.append((cell.number, len(rewritten), 0))
    notebook.module_text = "\n".join(lines) + "\n" if lines else ""


def cell_source_for_parsing(cell: Cell, automagic: bool = False) -> str:
    """A cell rewritten alone, to find out whether it parses on its own."""
    return "\n".join(text for text, _, _ in rewrite_cell(cell.lines, automagic)) + "\n"


#: Line magics and shell aliases IPython runs without `%` when automagic is on (the default).
AUTOMAGICS = frozenset(
    "alias cat cd clear conda cp env history less load_ext ls lsmagic magic man matplotlib "
    "mkdir more mv pip pwd pylab reset rm rmdir run store time timeit who whos xmode".split()
)
_AUTOMAGIC = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z_]\w*)(?:[ \t]+(?P<rest>[^=\s(].*))?$")
_CODE_TOKEN = re.compile(
    r"(?P<triple>[rRbBuUfFtT]{0,2}(?:\"\"\"|'''))"
    r"|(?P<string>[rRbBuUfFtT]{0,2}(?:\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?))"
    r"|(?P<comment>#)|(?P<open>[(\[{])|(?P<close>[)\]}])"
)


def rewrite_cell(lines: list[str], automagic: bool = False) -> list[tuple[str, int, tuple[str, str] | None]]:
    """Rewrite a cell of IPython into Python of the same line count.

    For each line: its new text, how many columns it moved left, and the magic found on it
    as (kind, command). As in IPython, magics are recognised only where a logical line
    starts (not inside brackets, strings or after a backslash), a cell whose first line is
    indented loses that indentation, and a magic line ending in a backslash continues on
    the next line.
    """
    first_code = next((line for line in lines if line.strip()), "")
    indent = first_code[: len(first_code) - len(first_code.lstrip())]
    result: list[tuple[str, int, tuple[str, str] | None]] = []
    depth, triple, continued, magic_continues, seen_code = 0, None, False, False, False
    for line in lines:
        shift = 0
        if indent and line.startswith(indent):
            line, shift = line[len(indent):], len(indent)
        if magic_continues:
            result.append(("", 0, None))
            magic_continues = line.rstrip().endswith("\\")
            continue
        if depth == 0 and triple is None and not continued:
            rewritten, magic_shift, magic = rewrite_line(line, first=not seen_code, automagic=automagic)
            if magic is not None:
                result.append((rewritten, shift + magic_shift, magic))
                seen_code = True
                if magic_shift == 0:
                    magic_continues = line.rstrip().endswith("\\")
                    continue
                line = rewritten  # `%time stmt`: the statement is Python, scan it
            else:
                result.append((line, shift, None))
        else:
            result.append((line, shift, None))
        seen_code = seen_code or bool(line.strip())
        depth, triple, continued = _scan(line, depth, triple)
    return result


def _scan(line: str, depth: int, triple: str | None) -> tuple[int, str | None, bool]:
    """Bracket depth, open triple-quoted string and backslash continuation after `line`."""
    position = 0
    if triple is not None:
        end = line.find(triple)
        if end < 0:
            return depth, triple, False
        position, triple = end + 3, None
    code_end = len(line)
    for match in _CODE_TOKEN.finditer(line, position):
        if match.start() < position:
            continue
        kind = match.lastgroup
        if kind == "triple":
            delimiter = match.group()[-3:]
            end = line.find(delimiter, match.end())
            if end < 0:
                return depth, delimiter, False
            position = end + 3
        elif kind == "comment":
            code_end = match.start()
            break
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
    return depth, None, line[:code_end].rstrip().endswith("\\")


def rewrite_line(line: str, first: bool, automagic: bool = False) -> tuple[str, int, tuple[str, str] | None]:
    """Rewrite one logical line of IPython into a line of Python.

    Returns the new line, how many columns it shifted left (for `%time stmt`), and the
    magic found as (kind, command), if any.
    """
    if first:
        cell_magic = _CELL_MAGIC.match(line.strip())
        if cell_magic:
            return f"# {line.strip()}", 0, ("cell-magic", line.strip()[2:])
    if line.lstrip().startswith("#"):
        return line, 0, None
    help_match = _HELP.match(line)
    if help_match:
        return f"{help_match.group('indent')}pass", 0, ("help", line.strip())
    assigned = _ASSIGNED_MAGIC.match(line)
    if assigned:
        kind = "shell" if assigned.group("sigil").startswith("!") else "line-magic"
        return f"{assigned.group('lhs')}{PLACEHOLDER}", 0, (kind, assigned.group("command").strip())
    magic = _LINE_MAGIC.match(line)
    if magic is None:
        bare = _AUTOMAGIC.match(line) if automagic else None
        if bare and bare.group("name") in AUTOMAGICS:
            return f"{bare.group('indent')}pass", 0, ("line-magic", line.strip())
        return line, 0, None
    indent, sigil, command = magic.group("indent", "sigil", "command")
    command = command.strip()
    if sigil.startswith("!"):
        return f"{indent}pass", 0, ("shell", command)
    name, _, rest = command.partition(" ")
    if name in _STATEMENT_MAGICS and rest.strip() and not rest.lstrip().startswith("-"):
        statement = rest.lstrip()
        shift = len(line) - len(indent) - len(statement)
        return f"{indent}{statement}", shift, ("line-magic", command)
    return f"{indent}pass", 0, ("line-magic", command)


_PERCENT_HEADER = re.compile(r"^# %%(?: \[(?P<tag>[^\]]*)\])?(?P<rest>.*)$")


def notebook_from_percent(text: str) -> tuple[Notebook, list[tuple[int, int] | None]]:
    """A notebook written in the percent format, as rule examples and docs show them.

    `# %%` starts a code cell that never ran, `# %% [7]` one with execution count 7,
    `# %% [7] error` one saved with an error output, `# %% [markdown]` a markdown cell.
    Also returns, for every line of `text`, its (cell, line in cell), or None for headers.
    """
    raw_cells: list[dict] = []
    positions: list[tuple[int, int] | None] = []
    for line in text.splitlines():
        header = _PERCENT_HEADER.match(line)
        if header:
            tag, rest = header.group("tag") or "", header.group("rest")
            cell: dict = {"cell_type": "code", "source": [], "metadata": {}, "outputs": [], "execution_count": None}
            if tag in ("markdown", "raw"):
                cell = {"cell_type": tag, "source": [], "metadata": {}}
            elif tag.isdigit():
                cell["execution_count"] = int(tag)
            if "error" in rest:
                cell["outputs"] = [{"output_type": "error", "ename": "ValueError", "evalue": "example", "traceback": []}]
            raw_cells.append(cell)
            positions.append(None)
            continue
        if not raw_cells:
            raw_cells.append({"cell_type": "code", "source": [], "metadata": {}, "outputs": [], "execution_count": None})
        raw_cells[-1]["source"].append(line + "\n")
        positions.append((len(raw_cells), len(raw_cells[-1]["source"])))
    for cell in raw_cells:
        cell["source"] = "".join(cell["source"]).rstrip("\n")
    cells = [_cell(number, raw) for number, raw in enumerate(raw_cells, start=1)]
    notebook = Notebook(cells, "python")
    build_module(notebook, excluded=set())
    return notebook, positions


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


def source_json_lines(raw: str) -> list[list[int]]:
    """For each cell of a notebook's raw JSON text, the JSON line of each of its source lines.

    Tools that show an `.ipynb` as text (GitHub, GitLab) need lines of that text. nbformat
    writes every source line as its own JSON string, so each maps to its own JSON line;
    a source written as one string maps all its lines to that one. Only strings and
    brackets are looked at, so large outputs are skipped at regular-expression speed.
    """
    newlines = [match.start() for match in re.finditer("\n", raw)]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(newlines, offset) + 1

    cells: list[list[int]] = []
    depth = 0
    key: str | None = None
    in_cells = in_source = False
    previous = ""
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth == 2 and key == "cells" and token == "[":
                in_cells = True
                cells = []  # a repeated "cells" key: like Jupyter, the last one counts
            elif in_cells and depth == 3 and token == "{":
                cells.append([])
            elif in_cells and depth == 4 and key == "source" and token == "[":
                in_source = True
                cells[-1].clear()  # a repeated "source" key: the last one counts
        elif token in "]}":
            if in_source and depth == 4:
                in_source = False
            if in_cells and depth == 2:
                in_cells = False
            depth -= 1
        elif token == ":":
            key = _json_string(previous)
        elif token.startswith('"'):
            if in_source and depth == 4:
                text = _json_string(token) or ""
                cells[-1].extend([line_of(match.start())] * max(1, text.count("\n") + (not text.endswith("\n"))))
            elif in_cells and depth == 3 and key == "source" and previous == ":":
                cells[-1][:] = ([line_of(match.start())] * ((_json_string(token) or "").count("\n") + 1))
        previous = token
    return cells


def _json_string(token: str) -> str | None:
    if not token.startswith('"'):
        return None
    try:
        return json.loads(token)
    except ValueError:
        return None
