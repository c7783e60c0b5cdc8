"""MLS413, pipeline jungles: data preparation grown step by step, frame after frame, with no
named steps to hold it together, and intermediate files a program writes only to read them
back (IND-3.7-pipeline-jungles, META-B2, SLR-CM10, SLR-CM40).

The rule measures rather than matches. In each function, and at the top level of a script
or notebook, it counts the statements that prepare a DataFrame (a merge, a groupby, a
fillna, a derived column...) and the frames those statements produce or change. Only
receivers the file shows to be pandas objects count (`ValueKinds`), so a `.map` on a
list or a `.drop` on a tensor is never a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from mlsmells.engine.calls import callee_name, keyword_literal
from mlsmells.engine.dataflow import base_name
from mlsmells.engine.names import dotted_name, target_names
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.value_kinds import PANDAS, ValueKinds
from mlsmells.knowledge.string_values import ValueRule, argument, shown
from mlsmells.rule import Option

#: DataFrame methods that reshape, combine, clean or derive data: one ad-hoc step each.
PREPARATION_METHODS = frozenset(
    {
        "merge", "join", "groupby", "agg", "aggregate", "apply", "applymap", "map", "transform", "drop",
        "dropna", "drop_duplicates", "fillna", "rename", "pivot", "pivot_table", "melt", "stack", "unstack",
        "explode", "sample", "query", "assign", "filter", "replace",
    }
)
#: pandas functions that do the same on frames passed to them.
PREPARATION_FUNCTIONS = frozenset(
    f"pandas.{name}"
    for name in (
        "merge", "merge_asof", "merge_ordered", "concat", "pivot", "pivot_table", "melt", "crosstab", "get_dummies",
        "wide_to_long",
    )
)
#: Writers of intermediate files, and the readers that load them back.
_WRITERS = frozenset({"to_csv", "to_parquet", "to_pickle", "to_feather", "to_hdf", "to_json"})
#: Calls that run another program, which may write the files this one reads.
_RUNNERS = frozenset(
    {"os.system", "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"}
)
_READERS = frozenset(
    f"pandas.{name}" for name in ("read_csv", "read_parquet", "read_pickle", "read_feather", "read_hdf", "read_json")
)
_PATH_KEYWORDS = ("path_or_buf", "path", "filepath_or_buffer", "path_or_buffer")
#: Last calls that usually reduce a Series to a scalar or an array: `n = s.nunique()` is a
#: number, not a frame, though `ValueKinds` (which follows frames) cannot tell.
_REDUCTIONS = frozenset({"max", "min", "idxmax", "idxmin", "nunique", "any", "all", "unique", "item"})
_EXISTENCE_CHECKS = frozenset({"exists", "isfile", "is_file"})
_INDEXERS = frozenset({"loc", "iloc", "at", "iat", "ix"})
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)


@dataclass
class _Unit:
    """A function body, or the module's top level: where steps are counted.

    Steps that feed one another form a group (union-find over step numbers): a step joins
    the group of every earlier step whose frame it reads. The largest group is measured,
    counting the steps that feed a later one: a summary computed for a plot and never used
    again (exploration, not preparation) is left out.
    """

    name: str | None
    node: cst.CSTNode | None = None
    steps: list[cst.CSTNode] = field(default_factory=list)
    frames: list[set[str]] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    #: id of a definition a step made (or changed in place) -> that step's number.
    step_of: dict[int, int] = field(default_factory=dict)
    #: The steps a later step reads from.
    feeding: set[int] = field(default_factory=set)

    def add(self, node: cst.CSTNode, frames: set[str]) -> int:
        self.steps.append(node)
        self.frames.append(frames)
        self.parent.append(len(self.parent))
        return len(self.steps) - 1

    def root(self, step: int) -> int:
        while self.parent[step] != step:
            self.parent[step] = self.parent[self.parent[step]]
            step = self.parent[step]
        return step

    def join(self, step: int, earlier: int) -> None:
        self.feeding.add(earlier)
        self.parent[self.root(step)] = self.root(earlier)

    def largest_group(self) -> tuple[list[int], set[str]]:
        """The feeding steps of the largest group, and the frames they bind or change."""
        groups: dict[int, list[int]] = {}
        for step in sorted(self.feeding):
            groups.setdefault(self.root(step), []).append(step)
        members = max(groups.values(), key=len, default=[])
        return members, set().union(*(self.frames[step] for step in members))


class PipelineJungle(ValueRule):
    """
    A function, script or notebook that prepares its data as a long run of ad-hoc
    DataFrame steps, each rebinding or changing a frame, with nothing named in between:
    statements that merge, join, concat, group, aggregate, apply, map, drop, fill, rename,
    pivot, melt, sample, query, assign or filter a frame, and column assignments that
    derive data (`df["ratio"] = df["a"] / df["b"]`). The rule counts such statements, and
    the distinct frames they produce or change, per function and per module top level
    (a notebook's code cells are one top level). Steps count when they feed one another:
    a step that reads a frame an earlier step made joins its group, and the largest group
    is measured, leaving out steps no later step reads (a summary made for a plot). It
    reports where both counts pass their thresholds, with the numbers.

    Preparation split into small named functions is measured per function, so it is not
    reported; steps inside an sklearn `Pipeline`/`ColumnTransformer` or `df.pipe(step)`
    are not DataFrame steps. Only receivers the file shows to be pandas objects count.

    It also reports intermediate round-trips: a frame that preparation steps made, written
    with `to_csv`, `to_parquet`, `to_pickle`, `to_feather`, `to_hdf` or `to_json` to a path
    that the same program then reads back with `pd.read_*` (the same literal path, or the
    same variable holding it). Caches (`if os.path.exists(path): ...`) and tests are not
    round-trips, and neither is a read after another program ran (`!python step.py`,
    `%run`, `subprocess.run`, `os.system`), which may have written the file.
    """

    code = "MLS413"
    name = "pipeline-jungle"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    precision = "medium"
    summary = "Data preparation is a long run of ad-hoc DataFrame steps, or round-trips through intermediate files."
    challenges = ("IND-3.7-pipeline-jungles", "META-B2", "SLR-CM10", "SLR-CM40")
    required_modules = frozenset({"pandas"})
    uses_dataflow = True
    options = (
        Option(
            "max-steps",
            "int",
            20,
            "Most DataFrame preparation statements feeding one another in one function or top "
            "level. Default 20: in 1,618 Kaggle kernels the top level has at most 15 in 90% and 26 "
            "in 95% of kernels; tutorial notebooks (handson-ml2/3, the Python Data Science "
            "Handbook, two ML books) never pass 11.",
        ),
        Option(
            "max-frames",
            "int",
            4,
            "Most distinct frames those statements may produce or change. Default 4: 90% of "
            "Kaggle kernels use at most 4, tutorial notebooks at most 3.",
        ),
    )
    why = (
        "Sculley et al. call the data preparation that grows by accretion, a join here, a "
        "fillna there, an intermediate file in between, a pipeline jungle: nobody can test a "
        "step alone, reuse it at serving time or see what the model's inputs depend on, and "
        "every new data source adds another layer. Salehi's industry survey (IND-3.7) and the "
        "meta-summary (META-B2) list it among the anti-patterns of ML code; the SLR ties it to "
        "evolving datasets (SLR-CM10) and to the maintenance of deployed models (SLR-CM40)."
    )
    bad = (
        '''
        import numpy as np
        import pandas as pd

        def build_training_table():
            ^^^^^^^^^^^^^^^^^^^^
            orders = pd.read_csv("orders.csv", parse_dates=["ordered_at"])
            customers = pd.read_csv("customers.csv")
            tickets = pd.read_csv("tickets.csv")
            orders = orders.dropna(subset=["customer_id"])
            orders = orders.query("status != 'cancelled'")
            orders["amount"] = orders["price"] * orders["quantity"]
            orders["month"] = orders["ordered_at"].dt.month
            totals = orders.groupby("customer_id").agg(spent=("amount", "sum"), n_orders=("amount", "size"))
            monthly = orders.pivot_table(index="customer_id", columns="month", values="amount", aggfunc="sum")
            monthly = monthly.fillna(0).rename(columns=lambda month: f"month_{month}")
            open_tickets = tickets[tickets["status"] == "open"]
            open_tickets = open_tickets.groupby("customer_id")["ticket_id"].count().rename("open_tickets")
            table = customers.merge(totals, on="customer_id", how="left")
            table = table.join(monthly, on="customer_id")
            table = table.join(open_tickets, on="customer_id")
            table = table.fillna({"spent": 0, "n_orders": 0, "open_tickets": 0})
            table["spent_per_order"] = table["spent"] / table["n_orders"].clip(lower=1)
            table["log_spent"] = np.log1p(table["spent"])
            table["tenure_days"] = (pd.Timestamp("2024-01-01") - pd.to_datetime(table["signup"])).dt.days
            table = table.drop(columns=["signup", "email"])
            table = table.rename(columns={"seg": "segment"})
            table["segment"] = table["segment"].map({"a": "retail", "b": "business"})
            dummies = pd.get_dummies(table["segment"], prefix="segment")
            table = pd.concat([table, dummies], axis=1)
            table = table.drop(columns=["segment"])
            table = table.sample(frac=1.0, random_state=0)
            return table
        ''',
        '''
        import pandas as pd

        raw = pd.read_csv("events.csv")
        clean = raw.dropna()
        clean.to_parquet("events_clean.parquet")
        events = pd.read_parquet("events_clean.parquet")
                 ^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd

        def order_totals(orders):
            orders = orders.dropna(subset=["customer_id"])
            orders["amount"] = orders["price"] * orders["quantity"]
            return orders.groupby("customer_id").agg(spent=("amount", "sum"), n_orders=("amount", "size"))

        def add_segments(table):
            dummies = pd.get_dummies(table["segment"], prefix="segment")
            return pd.concat([table, dummies], axis=1).drop(columns=["segment"])

        def build_training_table(orders, customers):
            table = customers.merge(order_totals(orders), on="customer_id", how="left")
            return table.fillna({"spent": 0, "n_orders": 0}).pipe(add_segments)
        ''',
        '''
        import os
        import pandas as pd

        CACHE = "events_clean.parquet"
        if os.path.exists(CACHE):
            events = pd.read_parquet(CACHE)
        else:
            events = pd.read_csv("events.csv").dropna()
            events.to_parquet(CACHE)
        ''',
    )
    use_instead = (
        "Split the preparation into small named functions, each taking and returning a frame "
        "(chained with `df.pipe(step)`), or into an sklearn `Pipeline`/`ColumnTransformer` of "
        "transformers, so each step can be tested and reused at serving time. Pass frames on "
        "in memory instead of through files; an intermediate file that must exist belongs to a "
        "declared step of a workflow tool (DVC, Airflow, Kedro...)."
    )
    notebook_behavior = (
        "The code cells of a notebook are one top level: the steps of all its cells are counted "
        "together, the finding points at the first step of the group and its message names the "
        "cells the group spans. Functions defined in cells are measured on their own."
    )
    limitations = (
        "Defaults were measured: transformers, timm, sentence-transformers, lightning, "
        "pytorch/examples, nanoGPT, PyTorch-GAN and ML-From-Scratch have no function with even "
        "one pair of feeding steps; tutorial notebooks have at most 11 steps through 3 frames; "
        "3.8% of 1,618 Kaggle kernels pass both defaults (61 top levels, 5 functions). Long "
        "exploration notebooks that derive many columns and summary frames from one frame can "
        "pass them too (3 of 28 findings read). Steps are statements: a long method chain is "
        "one step. Frames passed in as unannotated parameters are not known to be pandas "
        "objects, so such a function is measured only on frames it builds or reads itself. "
        "Round-trips are recognised by path value or variable, only for frames that "
        "preparation steps made, and not through other functions."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)
        self.max_steps = self.settings["max-steps"]
        self.max_frames = self.settings["max-frames"]
        self.units: list[_Unit] = [_Unit(None)]
        #: The statement being walked and the preparation calls seen in it.
        self.statement: cst.CSTNode | None = None
        self.prepares = False
        self.targets: list[cst.BaseExpression] = []
        #: Paths written so far: key -> the writing method and its call.
        self.written: dict[object, tuple[str, cst.Call]] = {}
        #: Module lines where another program runs (`!python step.py`, `%run`,
        #: `subprocess.run(...)`, `os.system(...)`): it may write the file read back.
        self.other_programs: list[int] = [
            magic.line for magic in (file.notebook.magics if file.notebook is not None else ())
            if magic.kind == "shell" or magic.command.startswith("run ")
        ]
        #: Definitions that preparation steps made or changed, in any unit.
        self.prepared: set[int] = set()
        #: How many `if os.path.exists(path):` tests enclose the walk: a cache, not a round-trip.
        self.cache_guards = 0

    # Units ---------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.units.append(_Unit(node.name.value, node.name))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._judge(self.units.pop())

    def end_file(self) -> None:
        self._judge(self.units[0])

    def _judge(self, unit: _Unit) -> None:
        members, frames = unit.largest_group()
        if len(members) <= self.max_steps or len(frames) <= self.max_frames:
            return
        first, last = unit.steps[members[0]], unit.steps[members[-1]]
        if unit.name is not None:
            where = f"function `{unit.name}`"
        elif self.file.notebook is not None:
            where = f"this notebook ({self._place(first, last, 'cells')})"
        else:
            where = f"this module's top level ({self._place(first, last, 'lines')})"
        self.report(
            unit.node or first,
            f"{where} prepares data in {len(members)} ad-hoc DataFrame steps that feed one another "
            f"(threshold {self.max_steps}), through {len(frames)} distinct frames (threshold {self.max_frames}); "
            "split it into small named steps: functions chained with `df.pipe`, or an sklearn Pipeline",
        )

    def _place(self, first: cst.CSTNode, last: cst.CSTNode, unit: str) -> str:
        start, end = self.file.span_of(first).line, self.file.span_of(last).line
        if unit == "cells":
            notebook = self.file.notebook
            start, end = notebook.locate(start, 1)[0], notebook.locate(end, 1)[0]
        return f"{unit} {start}-{end}" if end != start else f"{unit[:-1]} {start}"

    # Steps ---------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        self._open(node, [target.target for target in node.targets], node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        super().visit_AugAssign(node)
        self._open(node, [node.target] if isinstance(node.target, cst.Subscript) else [], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        super().visit_AnnAssign(node)
        if node.value is not None:
            self._open(node, [node.target], node.value)

    def visit_Expr(self, node: cst.Expr) -> None:
        super().visit_Expr(node)
        self._open(node, [], None)

    def _open(self, node: cst.CSTNode, targets: list[cst.BaseExpression], value: cst.BaseExpression | None) -> None:
        """Start a statement: note the frames it may bind or change. A name is bound to a
        frame when the value is a pandas object; a column write (`df["a"] = df["b"] * 2`,
        `df.loc[m, "a"] = v`) is a step by itself, unless it writes a literal (initialising
        a column is not preparing data)."""
        if self.statement is not None:
            return
        self.statement, self.prepares, self.targets = node, False, []
        for target in targets:
            if isinstance(target, cst.Subscript | cst.Attribute) and self.kinds.holds(target.value, PANDAS):
                if not isinstance(value, _LITERALS):  # `df.col = ...` writes a column too
                    self.targets.append(target.value if isinstance(target, cst.Attribute) else target)
                    self.prepares = True
            elif value is not None and not _reduces(value) and self.kinds.holds(value, PANDAS):
                self.targets.append(target)

    def visit_Call(self, node: cst.Call) -> None:
        self._note_round_trip(node)
        if self.statement is None or self.prepares:
            return
        func = node.func
        if PREPARATION_FUNCTIONS.intersection(self.file.qualified_names(func)):
            self.prepares = True
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value in PREPARATION_METHODS
            and self.kinds.holds(func.value, PANDAS)
        ):
            self.prepares = True
            if keyword_literal(node, "inplace") is True:
                self.targets.append(func.value)

    def leave_Assign(self, node: cst.Assign) -> None:
        self._close(node)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._close(node)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._close(node)

    def leave_Expr(self, node: cst.Expr) -> None:
        self._close(node, inplace=True)

    def _close(self, node: cst.CSTNode, inplace: bool = False) -> None:
        """End a statement: a step when it prepared data into a frame."""
        if self.statement is not node:
            return
        self.statement = None
        names = {name for target in self.targets for name in _frame_names(target)}
        if not (self.prepares and names):
            return
        unit, flow = self.units[-1], self.file.flow
        step = unit.add(node, names)
        if flow is None:
            return
        if inplace:  # `df.fillna(0, inplace=True)` changes the frame `df` already holds
            for definition in flow.reaching(next(iter(names))):
                earlier = unit.step_of.get(id(definition))
                if earlier is not None:
                    unit.join(step, earlier)
                unit.step_of[id(definition)] = step
                self.prepared.add(id(definition))
            return
        for definition in flow.defined_by(node):
            for earlier in self._feeding_steps(unit, definition.sources):
                unit.join(step, earlier)
            unit.step_of[id(definition)] = step
            self.prepared.add(id(definition))

    @staticmethod
    def _feeding_steps(unit: _Unit, sources, depth: int = 3):
        """The earlier steps whose frames `sources` come from, looking through a few
        plain assignments in between (`X = train.values`)."""
        seen: set[int] = set()
        for _ in range(depth):
            following = []
            for source in sources:
                if id(source) in seen:
                    continue
                seen.add(id(source))
                step = unit.step_of.get(id(source))
                if step is not None:
                    yield step
                else:
                    following.extend(source.sources)
            sources = following

    # Round-trips ---------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        self.cache_guards += _tests_existence(node.test)

    def leave_If(self, node: cst.If) -> None:
        self.cache_guards -= _tests_existence(node.test)

    def _note_round_trip(self, node: cst.Call) -> None:
        if self.file.in_tests or self.cache_guards:
            return  # tests write files to read them back on purpose; caches are read when present
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _WRITERS:
            key = self._path_key(argument(node, 0, *_PATH_KEYWORDS))
            if key is not None and self._was_prepared(func.value):
                self.written.setdefault(key, (func.attr.value, node))
            return
        names = self.file.qualified_names(func)
        if _RUNNERS.intersection(names):
            self.other_programs.append(self.file.span_of(node).line)
            return
        reader = next((name for name in names if name in _READERS), None)
        if reader is None:
            return
        path = argument(node, 0, *_PATH_KEYWORDS)
        written = self.written.get(self._path_key(path)) if path is not None else None
        if written is not None and not self._other_program_between(written[1], node):
            method = written[0]
            self.report(
                func,
                f"`{reader.replace('pandas.', 'pd.')}` reads back {self._shown_path(path)}, which this program wrote "
                f"itself with `.{method}()`: an intermediate file between two steps of one program; pass the "
                "frame on in memory, or make the file the declared output of a pipeline step",
            )

    def _other_program_between(self, write: cst.Call, read: cst.Call) -> bool:
        """Whether another program runs between the write and the read: the file read back
        may be its output (a notebook that runs `!python inference.py` before reading the
        `submission.csv` it wrote itself earlier)."""
        if not self.other_programs:
            return False
        start, end = self.file.span_of(write).line, self.file.span_of(read).line
        return any(start < line < end for line in self.other_programs)

    def _was_prepared(self, frame: cst.BaseExpression) -> bool:
        """Whether preparation steps made the frame written: an intermediate result, not a
        frame saved as loaded or built (a demonstration of `to_csv`, a dataset export)."""
        name, flow = base_name(frame), self.file.flow
        return (
            name is not None
            and flow is not None
            and any(id(definition) in self.prepared for definition in flow.reaching(name.value))
        )

    def _path_key(self, expr: cst.BaseExpression | None) -> object:
        """What identifies a path: its value when the file shows it, else the definitions
        of the variable holding it (the same variable, not reassigned in between)."""
        if expr is None:
            return None
        value = self.string(expr, self.scopes)
        if value is not None:
            return ("value", value.removeprefix("./"))
        flow = self.file.flow
        if isinstance(expr, cst.Name) and flow is not None:
            definitions = flow.reaching(expr.value)
            if definitions:
                return ("variable", frozenset(id(definition) for definition in definitions))
        return None

    def _shown_path(self, expr: cst.BaseExpression) -> str:
        value = self.string(expr, self.scopes)
        return f"'{shown(value)}'" if value is not None else f"the path in `{self.file.module.code_for_node(expr)}`"


def _tests_existence(test: cst.BaseExpression) -> bool:
    """`os.path.exists(p)`, `not path.is_file()`, `a and os.path.isfile(p)`: a cache check."""
    while isinstance(test, cst.UnaryOperation):
        test = test.expression
    if isinstance(test, cst.BooleanOperation):
        return _tests_existence(test.left) or _tests_existence(test.right)
    return isinstance(test, cst.Call) and callee_name(test.func) in _EXISTENCE_CHECKS


def _reduces(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _REDUCTIONS


def _frame_names(target: cst.BaseExpression) -> list[str]:
    """The frames a step binds or changes: `df` for `df = ...`, `df["a"] = ...`,
    `df.loc[m, "a"] = ...` or `df.fillna(0, inplace=True)`; `self.data` for `self.data = ...`."""
    while isinstance(target, cst.Subscript) or (isinstance(target, cst.Attribute) and target.attr.value in _INDEXERS):
        target = target.value
    dotted = dotted_name(target)
    return [dotted] if dotted is not None else [name.value for name in target_names(target)]
