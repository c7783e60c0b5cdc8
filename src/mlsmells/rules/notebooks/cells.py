"""MLS6xx: notebooks. Saved notebooks that only work when run in a lucky order, and saved
results that do not come from the code as written (META-B1, META-C2)."""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from collections import Counter

import libcst as cst

from mlsmells.engine.names import parameters, target_names
from mlsmells.findings import Family, Severity
from mlsmells.notebooks import Cell, cell_source_for_parsing
from mlsmells.rule import Rule

_NOTEBOOK_BEHAVIOR = "This rule only runs on notebooks."
#: Names IPython defines in every kernel.
_IPYTHON_NAMES = frozenset({"In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh",
                            "get_ipython", "display", "exit", "quit"})
#: Magics that bind names the analysis cannot see.
_OPAQUE_MAGICS = ("run", "store", "load", "sx", "sc", "pylab", "reset")


class OutOfOrderExecution(Rule):
    """
    The saved execution counts of a notebook's executed code cells do not increase from
    top to bottom: some cell was run after a cell below it, so the saved outputs come from
    an order a reader re-running the notebook will not follow. Reported once, at the cell
    that ran after a cell below it (the highest count so far when a lower one follows).
    Cells never run are ignored.
    """

    code = "MLS601"
    name = "out-of-order-execution"
    family = Family.NOTEBOOKS
    severity = Severity.ADVICE
    summary = "Cells were executed in a different order than they appear."
    challenges = ("META-B1",)
    notebooks_only = True
    why = (
        "A notebook whose outputs were produced by jumping around is not a record of what the "
        "code does: re-running it top to bottom can fail or give other numbers. The meta-summary "
        "of ML product challenges (META-B1) names the move from exploratory notebook code to "
        "production code as a recurring source of problems; a notebook that only works in a "
        "lucky order is the first obstacle on that path."
    )
    bad = (
        '''
        # %% [1]
        import pandas as pd
        # %% [4]
        frame = pd.read_csv("train.csv")
        ^
        # %% [2]
        frame = frame.dropna()
        ''',
    )
    good = (
        '''
        # %% [1]
        import pandas as pd
        # %% [2]
        frame = pd.read_csv("train.csv")
        # %% [5]
        frame = frame.dropna()
        # %%
        frame.describe()
        ''',
    )
    use_instead = "Restart the kernel and run all cells before saving (Kernel › Restart & Run All)."
    notebook_behavior = _NOTEBOOK_BEHAVIOR
    limitations = (
        "Cells with equal execution counts (copied between notebooks) are not reported, and a "
        "second cell run as execution 1 starts another kernel session, across which nothing is "
        "reported. Notebooks saved without outputs carry no counts and are never reported."
    )

    def end_file(self) -> None:
        latest: Cell | None = None  # the cell with the highest count so far
        seen: set[int] = set()
        for cell in self.file.notebook.cells:
            count = cell.execution_count
            if cell.kind != "code" or count is None:
                continue
            if count == 1 and count in seen:
                # A second first execution is another kernel session (a restart that ran one
                # cell, `1, 2, ..., 9, 1, 11`): the counts prove no order across it.
                latest = cell
                continue
            seen.add(count)
            if latest is not None and count < latest.execution_count:
                self.file.report_cell(
                    self, latest.number,
                    f"cell {latest.number} ran as execution {latest.execution_count}, after cell "
                    f"{cell.number} below it (execution {count}): the saved outputs do not come "
                    "from a top-to-bottom run",
                )
                return
            latest = cell


class UseBeforeDefinition(Rule):
    """
    A name is used, in code that runs when its cell runs, in a cell above the first cell
    that defines it: the notebook worked only because the later cell was run first, and
    Restart & Run All fails with a NameError. Names used inside function bodies and
    lambdas (which run later), builtins and IPython's own names are not reported, nor is
    anything after a star import, `exec()`, a `%run`, `%store`, `%pylab` or `%reset`
    magic, or a cell that does not parse, whose names cannot be known. `x = !cmd`, `x = %magic` and `%%capture x` bind `x`.
    Uses in a cell that never ran, in a notebook whose other cells ran, are not part of
    the saved run and are not reported.
    """

    code = "MLS602"
    name = "use-before-definition"
    family = Family.NOTEBOOKS
    severity = Severity.ERROR
    summary = "A name is used in a cell above the first cell that defines it."
    challenges = ("META-B1",)
    notebooks_only = True
    why = (
        "Hidden state is the classic notebook failure: a variable defined in a cell further "
        "down, run earlier during exploration, keeps the notebook working until someone runs "
        "it from the top. META-B1 (moving from exploratory notebook code to production) names "
        "the cost; a notebook that cannot be re-run cannot be turned into a pipeline."
    )
    bad = (
        '''
        # %% [1]
        import pandas as pd
        # %% [3]
        features = raw.drop(columns=["target"])
                   ^^^
        # %% [2]
        raw = pd.read_csv("train.csv")
        ''',
    )
    good = (
        '''
        # %% [1]
        import pandas as pd
        # %% [2]
        def load(path):
            return pd.read_csv(path).pipe(clean)
        # %% [3]
        def clean(frame):
            return frame.dropna()
        # %% [4]
        raw = load("train.csv")
        features = raw.drop(columns=["target"])
        print(len(features))
        ''',
    )
    use_instead = "Move the cell that defines the name above the cells that use it."
    notebook_behavior = _NOTEBOOK_BEHAVIOR
    limitations = (
        "Names that functions bind through `global` are never reported. Names used in "
        "decorators, default values and annotations are treated like the function body and "
        "not checked. In a notebook saved with execution counts, uses in a cell that never "
        "ran (no count, no output) are not reported: Restart & Run All would fail there, but "
        "the author never ran that code (a schematic, a variant kept to show), so it hides no "
        "state. Notebooks saved without counts, or with most cells cleared, are checked in full."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.first_binding: dict[str, int] = {}
        self.loads: list[tuple[cst.Name, int]] = []
        self.not_loads: set[cst.Name] = set()
        self.deferred_depth = 0
        self.unknown_from_cell: int | None = None
        self.globals_declared: set[str] = set()
        self.comprehension_names: list[frozenset[str]] = []
        analysed = {cell for cell, _, _ in file.notebook.line_map}
        for cell in file.notebook.cells:
            if cell.is_python and cell.number not in analysed:
                self._unknown_from(cell.number)  # a cell that does not parse binds unknown names
        for magic in file.notebook.magics:
            words = magic.command.split()
            if magic.kind == "line-magic" and words and words[0] in _OPAQUE_MAGICS:
                self._unknown_from(magic.cell)
            elif magic.kind == "cell-magic" and len(words) > 1 and words[0] == "capture":
                self.first_binding.setdefault(words[-1], magic.cell)  # %%capture output

    def _unknown_from(self, cell: int) -> None:
        if self.unknown_from_cell is None or cell < self.unknown_from_cell:
            self.unknown_from_cell = cell

    @property
    def _runs_now(self) -> bool:
        """True for code that runs when its cell runs: not in a def body or a lambda."""
        return self.deferred_depth == 0 and all(
            not isinstance(scope.node, cst.FunctionDef) for scope in self.file.scopes
        )

    def _bind(self, target: cst.BaseExpression, module_name: bool = True) -> None:
        """Note the names `target` binds; at module level they become the notebook's names.

        Names bound in a class body or a comprehension are not module names.
        """
        at_module_level = (
            module_name
            and self.deferred_depth == 0
            and len(self.file.scopes) == 1
            and self.file.cell is not None
        )
        for name in target_names(target):
            self.not_loads.add(name)
            if at_module_level:
                self.first_binding.setdefault(name.value, self.file.cell)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.deferred_depth += 1

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.deferred_depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name)

    def visit_BaseComp(self, node: cst.BaseComp) -> None:
        """A comprehension's variables are its own: uses of them inside it are not loads
        of the notebook's names (the element is visited before the `for` that binds it)."""
        names: list[str] = []
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            names.extend(name.value for name in target_names(clause.target))
            clause = clause.inner_for_in
        self.comprehension_names.append(frozenset(names))

    def leave_BaseComp(self, node: cst.BaseComp) -> None:
        self.comprehension_names.pop()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, module_name=False)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._bind(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._bind(node.name)

    def visit_Call(self, node: cst.Call) -> None:
        # exec() can bind anything: names are unknown from this cell on.
        if isinstance(node.func, cst.Name) and node.func.value == "exec" and self.file.cell is not None:
            self._unknown_from(self.file.cell)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name)
        self.not_loads.update(param.name for param in parameters(node.params))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._bind(alias.asname.name)
            else:
                top = alias.name
                while isinstance(top, cst.Attribute):
                    top = top.value
                self._bind(top)
            self._skip_names(alias.name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            if self.file.cell is not None:
                self._unknown_from(self.file.cell)
            return
        for alias in node.names:
            self._bind(alias.asname.name if alias.asname is not None else alias.name)
            self._skip_names(alias.name)
        if node.module is not None:
            self._skip_names(node.module)

    def _skip_names(self, dotted: cst.BaseExpression) -> None:
        while isinstance(dotted, cst.Attribute):
            self.not_loads.add(dotted.attr)
            dotted = dotted.value
        if isinstance(dotted, cst.Name):
            self.not_loads.add(dotted)

    def visit_Global(self, node: cst.Global) -> None:
        self.globals_declared.update(item.name.value for item in node.names)
        self.not_loads.update(item.name for item in node.names)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_loads.add(node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_loads.add(node.keyword)

    def visit_Name(self, node: cst.Name) -> None:
        if node in self.not_loads or not self._runs_now or self.file.cell is None:
            return
        if any(node.value in names for names in self.comprehension_names):
            return
        self.loads.append((node, self.file.cell))

    def end_file(self) -> None:
        reported: set[str] = set()
        outside_the_run = _outside_the_run(self.file.notebook.cells)
        for node, cell in self.loads:
            name = node.value
            defined = self.first_binding.get(name)
            if (
                defined is None
                or defined <= cell
                or cell in outside_the_run
                or name in reported
                or name in self.globals_declared
                or name in _IPYTHON_NAMES
                or hasattr(builtins, name)
                or (self.unknown_from_cell is not None and self.unknown_from_cell <= cell)
            ):
                continue
            reported.add(name)
            self.report(
                node,
                f"`{name}` is used in cell {cell} but first defined in cell {defined}, further "
                "down: Restart & Run All fails here",
            )


def _outside_the_run(cells: list[Cell]) -> set[int]:
    """The numbers of code cells never run (no count, no output) in a notebook whose other
    cells ran: code the author kept to show (a schematic, a variant), not part of the saved
    run, so a use there is no hidden state. In a notebook saved without counts, or whose
    outputs were cleared in bulk, a missing count says nothing: every cell is checked."""
    code_cells = [cell for cell in cells if cell.kind == "code"]
    if not any(cell.execution_count is not None for cell in code_cells) or _cleared_in_bulk(code_cells):
        return set()
    return {cell.number for cell in code_cells if cell.execution_count is None and not cell.outputs}


#: How prose talks about an error it shows: "we get an error", "common errors", "it will
#: fail", "raises", "traceback"; not "mean squared error" or "error rate".
_ERROR_WORDS = re.compile(
    r"\b(traceback|exceptions?|raises?|throws?)\b"
    r"|\b(an|the|this|that|our|get|gets|got|will|would|common|an? \w+)\s+errors?\b(?!\s+(rate|bars?|term|function|metric))"
    r"|\berrors?\s+(message|occurs?|happens?|because|when|says)\b"
    r"|\b(will|would|it|this|that)\s+fail",
    re.IGNORECASE,
)


def _explained(neighbours: list[Cell], error_name: object, error_value: object) -> bool:
    """Whether a markdown cell next to a failing cell talks about the error, by a word for
    errors, its name or the words of its message ("not invertible (singular)" beside
    `LinAlgError: Singular matrix`): it was shown on purpose."""
    # The message's own words, not the names and paths it quotes ('train.csv', 'fare').
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "", error_value) if isinstance(error_value, str) else ""
    said = {word.lower() for word in re.findall(r"[A-Za-z]{6,}", message)} - _COMMON_WORDS
    for cell in neighbours:
        if cell.kind != "markdown":
            continue
        if _ERROR_WORDS.search(cell.source) or (isinstance(error_name, str) and error_name and error_name in cell.source):
            return True
        if said & {word.lower() for word in re.findall(r"[A-Za-z]{6,}", cell.source)}:
            return True
    return False


#: Words of error messages that say nothing about which error it is.
_COMMON_WORDS = frozenset(
    "errors object values should expected cannot string number argument arguments attribute module "
    "second before because return returned called function method define defined".split()
)


class ErrorOutputSaved(Rule):
    """
    A code cell was saved with an error among its outputs (a traceback): the notebook
    as saved did not run cleanly, and the results below that cell may not come from it.
    """

    code = "MLS603"
    name = "error-output-saved"
    family = Family.NOTEBOOKS
    severity = Severity.WARNING
    summary = "A cell's saved outputs contain an error."
    challenges = ("META-C2",)
    notebooks_only = True
    why = (
        "A saved traceback means the notebook was committed in a broken state: readers cannot "
        "tell which results are current. META-C2 reports low code quality in data science code, "
        "especially in notebooks; saving failing notebooks is one of its visible symptoms."
    )
    bad = (
        '''
        # %% [1]
        import pandas as pd
        # %% [2] error
        frame = pd.read_csv("missing.csv")
        ^
        ''',
    )
    good = (
        '''
        # %% [1]
        import pandas as pd
        # %% [2]
        frame = pd.read_csv("train.csv")
        ''',
    )
    use_instead = "Fix the failing cell, or clear its outputs, before saving the notebook."
    notebook_behavior = _NOTEBOOK_BEHAVIOR
    limitations = (
        "An error shown on purpose is not reported: one that a markdown cell right before or "
        "right after the failing cell talks about (it names the error, uses a word of its "
        "message such as \"singular\", or says error, exception, traceback, raises or \"this "
        "will fail\"), as teaching notebooks do to show a common mistake, and the error of a "
        "cell that restarts the kernel on purpose. A short cell (at most two statements besides "
        "imports) after which the notebook kept running without errors is also a demonstration "
        "when its own comments announce the failure in those words or milder ones (cannot, "
        "can't, not allowed, not possible, won't work, breaks, not implemented), or the "
        "markdown right before it uses the milder ones. A cell stopped by hand (KeyboardInterrupt) is "
        "still reported, as interrupted rather than failing: nothing in its code is known to "
        "be wrong, but its saved outputs are partial."
    )

    def end_file(self) -> None:
        cells = self.file.notebook.cells
        for index, cell in enumerate(cells):
            output = _error_output(cell)
            if output is None or _restarts(cell.source) or _shown_on_purpose(cells, index, output):
                continue  # no error, the kernel the cell restarts on purpose, or a demonstration
            self.file.report_cell(self, cell.number, _error_message(cell, output))


def _error_output(cell: Cell) -> dict | None:
    """The first error among a cell's saved outputs."""
    for output in cell.outputs:
        if isinstance(output, dict) and output.get("output_type") == "error":
            return output
    return None


def _error_message(cell: Cell, output: dict) -> str:
    """What the saved error says: a KeyboardInterrupt is the author stopping a long cell
    by hand, not a failure of its code, so it says only what is known, that the outputs are
    partial."""
    if output.get("ename") == "KeyboardInterrupt":
        return (
            f"cell {cell.number} was interrupted by hand while running (KeyboardInterrupt): "
            "its saved outputs are partial"
        )
    error = f"{output.get('ename', 'error')}: {output.get('evalue', '')}".strip(": ")
    return f"cell {cell.number} was saved with an error output ({error[:120]})"


def _shown_on_purpose(cells: list[Cell], index: int, output: dict) -> bool:
    """Whether the error of `cells[index]` is the point of the cell: the prose around it
    talks about the error, or the cell is a short demonstration the notebook went on after
    and its own comments announce a failure ("this will error") or the prose above says in
    milder words that what it does cannot work. Comments and milder words also say other
    things ("# compute the error", "we cannot load it all"), hence the demonstration's shape."""
    cell, name, value = cells[index], output.get("ename"), output.get("evalue")
    if _explained(cells[index - 1:index] + cells[index + 1:index + 2], name, value):
        return True
    comments = _comments(cell)
    above = cells[index - 1].source if index and cells[index - 1].kind == "markdown" else ""
    announced = (
        _ERROR_WORDS.search(comments)
        or (isinstance(name, str) and name and name in comments)
        or _FAILURE_WORDS.search(comments)
        or _FAILURE_WORDS.search(above)
    )
    return bool(announced) and _is_short(cell) and _carries_on(cell, cells[index + 1:])


#: Milder ways prose says an operation cannot work ("tuples cannot be modified", "can't
#: transform it", "this breaks"): common in prose about anything, so they only mark a
#: demonstration together with the shape of one (`_is_short`, `_carries_on`).
_FAILURE_WORDS = re.compile(
    r"\b(can ?not|can['’]t|won['’]t work|will not work|(doesn['’]t|does not|do not|don['’]t) work"
    r"|not (allowed|possible|supported)|(not|isn['’]t) (yet )?implemented|breaks|broken)\b",
    re.IGNORECASE,
)


def _comments(cell: Cell) -> str:
    """The text of a code cell's comments, one per line (not a `#` inside a string); the
    whole-line comments only of a cell that does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(cell_source_for_parsing(cell)).readline))
    except (tokenize.TokenError, SyntaxError):
        return "\n".join(line.strip() for line in cell.lines if line.strip().startswith("#"))
    return "\n".join(token.string for token in tokens if token.type == tokenize.COMMENT)


def _is_short(cell: Cell) -> bool:
    """A demonstration is one or two statements besides its imports (`t[0] = 5`, a reshape
    that cannot fit); a cell that does real work (a training loop, a data pipeline) is
    longer, and milder prose next to it is about something else."""
    try:
        module = ast.parse(cell_source_for_parsing(cell))
    except SyntaxError:
        return False
    statements = [s for s in module.body if not isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass))]
    return len(statements) <= 2


def _carries_on(cell: Cell, after: list[Cell]) -> bool:
    """Whether the notebook kept running after the failing cell: a code cell below it ran
    later (a higher count, or any saved output in a notebook saved without counts) without
    an error. A real failure stops the run; a demonstration is followed by the lesson's fix."""
    for later in after:
        if later.kind != "code" or _error_output(later) is not None:
            continue
        if cell.execution_count is None and later.execution_count is None:
            if later.outputs:
                return True
        elif cell.execution_count is not None and (later.execution_count or 0) > cell.execution_count:
            return True
    return False


def _skipped_message(skipped: list[Cell]) -> str:
    if len(skipped) == 1:
        return (
            f"cell {skipped[0].number} was never run, but cells after it were: their saved results "
            "do not include its effect"
        )
    numbers = [str(cell.number) for cell in skipped]
    return (
        f"cells {', '.join(numbers[:-1])} and {numbers[-1]} were never run, but cells after them were: "
        "their saved results do not include their effect"
    )


class SkippedCells(Rule):
    """
    A code cell that was never executed sits between executed cells: the saved results
    below it were computed without it, so they do not come from the code as written.
    """

    code = "MLS604"
    name = "skipped-cells"
    family = Family.NOTEBOOKS
    severity = Severity.ADVICE
    summary = "A code cell among executed cells was never run."
    challenges = ("META-B1",)
    notebooks_only = True
    why = (
        "Outputs below a skipped cell were produced by a different program than the one saved: "
        "re-running the notebook top to bottom changes them or fails. This is the hidden-state "
        "problem META-B1 describes for exploratory notebook code."
    )
    bad = (
        '''
        # %% [1]
        import pandas as pd
        frame = pd.read_csv("train.csv")
        # %%
        frame = frame[frame["age"] > 0]
        ^
        # %% [2]
        frame.describe()
        ''',
    )
    good = (
        '''
        # %% [1]
        import pandas as pd
        frame = pd.read_csv("train.csv")
        # %% [2]
        frame = frame[frame["age"] > 0]
        # %% [3]
        frame.describe()
        # %%
        frame.to_parquet("clean.parquet")
        ''',
    )
    use_instead = "Run the whole notebook (Restart & Run All) before saving, or delete the unused cell."
    notebook_behavior = _NOTEBOOK_BEHAVIOR
    limitations = (
        "Only what the saved file proves is reported. A cell with saved outputs (an error "
        "included) ran, whatever its count says. Cells between two run cells whose counts leave "
        "a number free for each (`[2]`, then no count, then `[4]`) may have run and lost their "
        "counts, so they are not reported; nor is a cell that alone binds a name a later cell "
        "read while running cleanly (saved outputs, no error), when a count was free for it: "
        "it ran and its count was stripped (Watson Studio's `@hidden_cell`, a cleared count). "
        "When most code cells have neither a count nor an output, outputs were cleared in bulk "
        "and nothing is reported. Cells that contain only comments, strings or whitespace, that "
        "restart the kernel, or that say (or whose introduction says) they are optional are not "
        "reported, nor are cells that are not Python (prose saved as code), nor skipped cells "
        "whose names (those they bind, and those whose methods they call or whose items they "
        "write) no later run cell reads before binding them again: a cell that only displays "
        "something, or whose value the next cell sets anew. A cell of shell commands may do "
        "anything and counts, unless its commands only show something (`!head`, `!ls`, "
        "`!nvidia-smi`, `!pip list`, without redirection). A run of skipped cells is one "
        "finding, at its first cell."
    )

    def end_file(self) -> None:
        cells = self.file.notebook.cells
        code_cells = [cell for cell in cells if cell.kind == "code"]
        if _cleared_in_bulk(code_cells):
            return
        executed = [index for index, cell in enumerate(code_cells) if cell.execution_count is not None]
        trees = _CellTrees()
        modules: set[str] | None = None  # read only when some cell was skipped
        binders: Counter[str] | None = None  # likewise
        for before, after in zip(executed, executed[1:]):
            between = code_cells[before + 1 : after]
            skipped = [
                cell for cell in between
                if _never_ran(cell) and not _restarts(cell.source) and not _optional(cell, cells)
            ]
            # Counts the cells without one may have had: not those of cells whose outputs show they ran.
            free_counts = code_cells[after].execution_count - code_cells[before].execution_count - 1
            free_counts -= sum(1 for cell in between if cell.outputs)
            if not skipped or free_counts >= len(skipped):
                continue  # every cell that may have run had a count to run with
            if modules is None or binders is None:
                modules, binders = _imported_names(code_cells, trees), _binders(code_cells, trees)
            ran = {id(cell) for cell in skipped if _read_by_later_run(cell, code_cells, trees, binders)}
            if ran and len(ran) <= free_counts:
                skipped = [cell for cell in skipped if id(cell) not in ran]  # they had the free counts
            if _affects(skipped, code_cells[after:], modules, trees):
                self.file.report_cell(self, skipped[0].number, _skipped_message(skipped))


def _never_ran(cell: Cell) -> bool:
    """A code cell with code but no count and no saved output (an error output is an output:
    the cell ran and failed)."""
    return cell.execution_count is None and not cell.outputs and _has_code(cell.source)


def _cleared_in_bulk(code_cells: list[Cell]) -> bool:
    """Most cells with code have neither a count nor an output: outputs were cleared for the
    notebook (or a long stretch of it) and a few cells re-run, so a missing count says
    nothing about which cells ran."""
    with_code = [cell for cell in code_cells if _has_code(cell.source)]
    return sum(_never_ran(cell) for cell in with_code) * 2 > len(with_code)


def _read_by_later_run(cell: Cell, code_cells: list[Cell], trees: _CellTrees, binders: Counter[str]) -> bool:
    """Whether a later cell that ran cleanly, with saved outputs, reads a name that only
    `cell` binds: then `cell` ran, if a count was free for it, and lost its count (Watson
    Studio's `@hidden_cell`, a cleared count). Without a free count such a read only shows
    that the notebook was edited after it ran."""
    tree = trees[cell]
    if tree is None:
        return False
    only_here = {name for name in _names(tree)[1] if binders[name] == 1}
    if not only_here:
        return False
    index = next(i for i, other in enumerate(code_cells) if other is cell)
    return any(
        later.execution_count is not None and _ran_cleanly(later)
        and trees[later] is not None and only_here & _reads_when_run(trees[later])
        for later in code_cells[index + 1 :]
    )


def _binders(code_cells: list[Cell], trees: _CellTrees) -> Counter[str]:
    """For each name, how many cells bind it at their top level."""
    binders: Counter[str] = Counter()
    for cell in code_cells:
        tree = trees[cell]
        if tree is not None:
            binders.update(_names(tree)[1])
    return binders


def _ran_cleanly(cell: Cell) -> bool:
    """Saved outputs, none of them an error: the cell's reads all succeeded."""
    return bool(cell.outputs) and not any(
        isinstance(output, dict) and output.get("output_type") == "error" for output in cell.outputs
    )


def _reads_when_run(tree: ast.Module) -> set[str]:
    """The names a cell reads while it runs: not those read in function bodies and lambdas,
    which run (if ever) later."""
    reads: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return reads


def _has_code(source: str) -> bool:
    """False for cells of only comments, or only strings (code disabled by quoting it, or a
    note such as `"uncomment to download the data"`)."""
    try:
        statements = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # magics, or not Python
        statements = None
    if statements is not None:
        return not all(_is_string_statement(statement) for statement in statements)
    stripped = source.strip()
    if stripped[:3] in ('"""', "'''") and stripped.endswith(stripped[:3]) and len(stripped) >= 6:
        return False
    return any(line.strip() and not line.strip().startswith("#") for line in source.splitlines())


def _is_string_statement(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)


def _restarts(source: str) -> bool:
    """A cell that restarts the kernel (after installing packages): running it is meant to
    leave nothing behind."""
    return "do_shutdown(" in source or "os._exit(" in source


class _CellTrees:
    """Each code cell's tree (`_python`), parsed the first time it is asked for: every run
    of skipped cells asks about the cells after it."""

    def __init__(self) -> None:
        self._trees: dict[int, ast.Module | None] = {}

    def __getitem__(self, cell: Cell) -> ast.Module | None:
        if id(cell) not in self._trees:
            self._trees[id(cell)] = _python(cell.source)
        return self._trees[id(cell)]


def _affects(skipped: list[Cell], later: list[Cell], modules: set[str], trees: _CellTrees) -> bool:
    """Whether running the skipped cells could change what a later cell that ran computed:
    they bind or change (`model.fit(...)`, `df["x"] = ...`; not `np.mean(...)`, a call
    through an imported module) a name a later run cell reads before any later cell binds
    it again. A cell of shell commands (`!wget ...`) may do anything, unless they only show
    something (`!head data.csv`); one that is not Python at all (prose saved as code) does
    nothing. A `# TO DO` placeholder that ran reads nothing."""
    touched: set[str] = set()
    for cell in skipped:
        effects = _effects(trees[cell], modules)
        if effects is None and _displays_only(cell.source):
            continue
        if effects is None:
            return any(c.execution_count is not None and _has_code(c.source) for c in later)
        touched |= effects
    for cell in later:
        if cell.execution_count is None or not touched:
            continue
        tree = trees[cell]
        if tree is None:
            return True
        for statement in tree.body:  # in order: `x = 1` then `print(x)` reads the new `x`
            reads, binds = _names(ast.Module(body=[statement], type_ignores=[]))
            if touched & reads:
                return True
            touched -= binds
    return False


_NOT_PYTHON = ast.Module(body=[], type_ignores=[])

#: Shell commands that only show something: `!head train.csv`, `!nvidia-smi`.
_DISPLAY_COMMANDS = frozenset(
    "head tail cat ls ll wc echo pwd tree du df nvidia-smi which file grep less more stat date whoami "
    "hostname uname free nproc lscpu".split()
)
#: Tools whose listing subcommands only show something: `!pip list`, `!gsutil ls gs://bucket`.
_DISPLAY_SUBCOMMANDS = {
    "pip": {"list", "show", "freeze"},
    "conda": {"list", "info"},
    "gsutil": {"ls", "cat", "du"},
    "kubectl": {"get", "describe", "logs"},
}


def _displays_only(source: str) -> bool:
    """A cell of shell commands that only show something (no redirection into a file, no
    command that could change anything): skipping it changes no later result."""
    lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    if not lines or not all(line.startswith("!") for line in lines):
        return False
    for line in lines:
        if ">" in line or "`" in line or "$(" in line:
            return False
        for command in re.split(r"\|\|?|&&|;", line.lstrip("!")):
            words = command.split()
            if not words:
                return False
            if words[0] in _DISPLAY_COMMANDS:
                continue
            if len(words) < 2 or words[1] not in _DISPLAY_SUBCOMMANDS.get(words[0], ()):
                return False
    return True


def _python(source: str) -> ast.Module | None:
    """A cell's Python, IPython lines (`%matplotlib`, `!ls`) blanked; None for a cell of
    nothing but shell lines (what it does is unknown), an empty module for one that does
    not parse (prose saved as a code cell: running it only fails)."""
    lines = source.splitlines()
    python = [line for line in lines if not line.lstrip().startswith(("%", "!"))]
    if len(python) < len(lines) and not any(line.strip() and not line.strip().startswith("#") for line in python):
        return None
    try:
        return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _NOT_PYTHON


def _effects(tree: ast.Module | None, modules: set[str]) -> set[str] | None:
    """The names a cell binds or changes in place (receivers of method calls, other than
    imported modules, and targets of item and attribute writes); None if unknown."""
    if tree is None:
        return None
    _, binds = _names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            if node.func.value.id not in modules:
                binds.add(node.func.value.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            base = node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                binds.add(base.id)
    return binds


def _imported_names(cells: list[Cell], trees: _CellTrees) -> set[str]:
    """The names the notebook's imports bind (`np`, `pd`, `torch`, `metrics`): modules and
    library classes, whose methods a cell calls without changing them."""
    names: set[str] = set()
    for cell in cells:
        tree = trees[cell]
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import | ast.ImportFrom):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _optional(cell: Cell, cells: list[Cell]) -> bool:
    """A cell that says, or whose introduction says, it is optional: `# (Optional) upgrade`."""
    index = next(i for i, other in enumerate(cells) if other is cell)
    introduction = cells[index - 1].source if index and cells[index - 1].kind == "markdown" else ""
    return re.search(r"\boptional\b", cell.source + "\n" + introduction, re.IGNORECASE) is not None


def _names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names a cell reads (anywhere, function bodies included) and the names it binds
    at its top level (assignments, imports, definitions; not a function's locals)."""
    reads, binds = set(), set()
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, top = stack.pop()
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                reads.add(node.id)
            elif top:
                binds.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom) and top:
            binds.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            if top and not isinstance(node, ast.Lambda):
                binds.add(node.name)
            top = False
        stack.extend((child, top) for child in ast.iter_child_nodes(node))
    return reads, binds


class LateImports(Rule):
    """
    A module is imported at the top level of a cell that comes after the first cell doing
    real work (anything beyond imports, magics, constants and documentation; a cell that
    imports counts as set-up). Dependencies scattered through a notebook are easy to miss
    when the code moves to a script or package. Reported once per cell.
    """

    code = "MLS605"
    name = "late-imports"
    family = Family.NOTEBOOKS
    severity = Severity.ADVICE
    precision = "medium"
    summary = "Imports appear after cells that already do real work."
    challenges = ("META-B1", "META-C2")
    notebooks_only = True
    why = (
        "When imports are spread through a notebook, what it depends on is only known by reading "
        "all of it, and turning it into a module (META-B1) means hunting them down. META-C2 "
        "(low code quality in notebooks) covers this kind of disorder."
    )
    bad = (
        '''
        # %% [1]
        import pandas as pd
        # %% [2]
        frame = pd.read_csv("train.csv")
        # %% [3]
        from sklearn.model_selection import train_test_split
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        train, test = train_test_split(frame, random_state=0)
        ''',
    )
    good = (
        '''
        # %% [1]
        import pandas as pd
        from sklearn.model_selection import train_test_split

        SEED = 0
        # %% [2]
        frame = pd.read_csv("train.csv")
        train, test = train_test_split(frame, random_state=SEED)
        ''',
    )
    use_instead = "Gather the imports in the first code cell."
    notebook_behavior = _NOTEBOOK_BEHAVIOR

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.first_import: dict[int, cst.CSTNode] = {}
        self.work_cells: set[int] = set()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        cell = self.file.cell
        if not self.file.in_module_scope or cell is None:
            return
        for statement in node.body:
            if isinstance(statement, cst.Import | cst.ImportFrom):
                self.first_import.setdefault(cell, statement)
            elif _is_work(statement):
                self.work_cells.add(cell)

    def visit_BaseCompoundStatement(self, node: cst.BaseCompoundStatement) -> None:
        if self.file.in_module_scope and self.file.cell is not None:
            if not isinstance(node, cst.FunctionDef | cst.ClassDef):
                self.work_cells.add(self.file.cell)

    def end_file(self) -> None:
        # A cell that imports is a set-up cell, even if it also builds paths or settings.
        work = [cell for cell in self.work_cells if cell not in self.first_import]
        if not work:
            return
        start = min(work)
        for cell, statement in sorted(self.first_import.items()):
            if cell > start:
                self.report(statement, f"import in cell {cell}, after cell {start} started the work: "
                                       "gather imports in the first code cell")


def _is_work(statement: cst.BaseSmallStatement) -> bool:
    """Anything but `pass` (what IPython lines become), a docstring, or setting a constant
    (`SEED = 42`, `CLASSES = ["cat", "dog"]`, `plt.rcParams["font.size"] = 16`)."""
    if isinstance(statement, cst.Pass):
        return False
    if isinstance(statement, cst.Expr):
        return not isinstance(statement.value, cst.SimpleString | cst.ConcatenatedString | cst.Ellipsis)
    if isinstance(statement, cst.Assign | cst.AnnAssign):
        return statement.value is not None and not _is_literal(statement.value)
    return True


_LITERAL_NAMES = frozenset({"True", "False", "None"})


def _is_literal(expr: cst.BaseExpression) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Tuple | cst.List | cst.Set):
            stack.extend(element.value for element in node.elements)
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    return False
                stack.extend((element.key, element.value))
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, cst.Name):
            if node.value not in _LITERAL_NAMES:
                return False
        elif not isinstance(
            node, cst.SimpleString | cst.ConcatenatedString | cst.Integer | cst.Float | cst.Imaginary | cst.Ellipsis
        ):
            return False
    return True
