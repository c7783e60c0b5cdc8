"""MLS324 and MLS325: Python loops over data that pandas, NumPy and the tensor libraries
do in one vectorised call (SLR-CS13, ZHANG22-1, ZHANG22-17)."""

from __future__ import annotations

import re

import libcst as cst

from mlsmells.engine.calls import callee_name, code_of, keyword_arg
from mlsmells.engine.names import Scope
from mlsmells.engine.walker import children_of
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.value_kinds import PANDAS, ValueKinds
from mlsmells.rule import Rule

#: Functions that return a new array or frame holding all of their inputs: called on an
#: accumulator in every iteration, each call copies everything gathered so far.
_CONCATENATIONS = frozenset(
    {
        "pandas.concat",
        *(
            f"numpy.{name}"
            for name in ["concatenate", "vstack", "hstack", "row_stack", "column_stack", "dstack"]
        ),
        *(
            f"torch.{name}"
            for name in ["cat", "concat", "concatenate", "vstack", "hstack", "row_stack", "column_stack", "dstack"]
        ),
        "tensorflow.concat",
    }
)
#: `np.append(arr, values)`: the accumulator is either of the first two arguments.
_APPENDS = frozenset({"numpy.append"})


#: Methods that loop over a DataFrame's rows (no other common library names a method so).
_ROW_ITERATORS = frozenset({"iterrows", "itertuples"})
#: Indexers that read one row or cell: `df.loc[i]`, `df.iat[i, 0]`.
_ROW_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})
#: Builtins with a column form (`abs(s)`, `s.round()`, `np.maximum(a, b)`, `s.astype(float)`).
_VECTORIZABLE_BUILTINS = frozenset(
    f"builtins.{name}" for name in ["abs", "round", "min", "max", "float", "int", "bool", "len"]
)
#: Methods that collect a computed value: the loop builds a column or a lookup.
_COLLECTING_METHODS = frozenset({"append", "add"})
#: NumPy functions that are not element-wise arithmetic.
_NUMPY_SIDE_EFFECTS = ("numpy.random", "numpy.save", "numpy.load", "numpy.savetxt", "numpy.loadtxt")


class RowIteration(Rule):
    """
    A Python loop over the rows of a DataFrame whose body is arithmetic that pandas does
    for whole columns at once: `for _, row in df.iterrows():` or `df.itertuples()`, or
    `for i in range(len(df)):` reading `df.loc[i]`, `df.iloc[i]`, `df.at[i, c]` or
    `df[c][i]` of a frame known to be pandas, when the body only computes with numbers,
    comparisons, `abs`/`round`/`min`/`max`, NumPy functions, and stores the results
    (into the frame, a list, a dict). Also `df.apply(lambda row: ..., axis=1)` whose
    lambda is such arithmetic on the row's fields.
    """

    code = "MLS324"
    name = "row-iteration"
    family = Family.DATA
    severity = Severity.ADVICE
    summary = "A Python loop over DataFrame rows computes what column operations do at once."
    challenges = ("ZHANG22-1", "SLR-CS13")
    required_modules = frozenset({"pandas"})
    uses_dataflow = True
    why = (
        "Each row that `iterrows`, `itertuples` or `apply(axis=1)` hands to Python is built "
        "as a new object, and each field read goes through pandas' indexing machinery; the "
        "same arithmetic on whole columns runs in compiled code, typically a hundred times "
        "faster or more, and says what it computes in one line. ZHANG22-1 (Unnecessary "
        "Iteration) catalogues the smell; SLR-CS13 notes that the productivity of Python "
        "is paid for with interpreter overhead and lost performance."
    )
    bad = (
        '''
        import pandas as pd

        trips = pd.read_parquet("trips.parquet")
        speeds = []
        for _, trip in trips.iterrows():
                       ^^^^^^^^^^^^^^
            speeds.append(trip["distance_km"] / (trip["duration_s"] / 3600))
        trips["speed_kmh"] = speeds
        ''',
        '''
        import pandas as pd

        orders = pd.read_csv("orders.csv")
        orders["total"] = orders.apply(lambda row: row["price"] * row["quantity"] * (1 - row["discount"]), axis=1)
                          ^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd

        trips = pd.read_parquet("trips.parquet")
        trips["speed_kmh"] = trips["distance_km"] / (trips["duration_s"] / 3600)
        ''',
        '''
        import matplotlib.pyplot as plt
        import pandas as pd

        cities = pd.read_csv("cities.csv")
        fig, ax = plt.subplots()
        ax.scatter(cities["lon"], cities["lat"])
        for _, city in cities.iterrows():
            ax.annotate(city["name"], (city["lon"], city["lat"]))
        ''',
        '''
        import pandas as pd
        from PIL import Image

        index = pd.read_csv("images.csv")
        sizes = []
        for row in index.itertuples():
            with Image.open(row.path) as image:
                sizes.append(image.size)
        ''',
    )
    use_instead = (
        "Compute on whole columns: `df[\"a\"] * df[\"b\"]`, `np.where(df[\"a\"] > 0, x, y)`, "
        "`df[\"a\"].clip(lower=0)`, `np.maximum(df[\"a\"], df[\"b\"])`; for lookups, `dict(zip("
        "df[\"key\"], df[\"value\"]))` or `df.set_index(\"key\")[\"value\"]`."
    )
    limitations = (
        "Loops whose body calls anything else (a plotting or I/O function, a model, a helper "
        "of the project, a string method) or formats strings are not reported, though some "
        "of them could be vectorised too: a loop that does per-row work which has no column "
        "form is the right tool, and telling the two apart needs more than syntax. "
        "Loops that carry state from one row to the next (a variable read before the body "
        "assigns it) and loops that read attributes of cell values are left alone too. "
        "`for i in range(len(df))` loops are reported only when the frame is known to be "
        "pandas from the file's own assignments. Cell types are not known: `row[\"a\"] - "
        "row[\"b\"]` on columns holding sets (set difference) is reported although no column "
        "operation does it; `&`, `|` and `^` between fields are taken to be set operations "
        "and not reported."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)
        #: Loops over rows, innermost last: (the loop, the expression to report, the frame
        #: for `range(len(df))` loops or None, the loop variable).
        self.loops: list[tuple[cst.For, cst.BaseExpression, cst.Name | None, str | None]] = []

    def visit_For(self, node: cst.For) -> None:
        source = node.iter
        if not isinstance(source, cst.Call):
            return
        func = source.func
        if isinstance(func, cst.Attribute) and func.attr.value in _ROW_ITERATORS:
            self.loops.append((node, func, None, None))
            return
        frame = self._range_of_len(source)
        if frame is not None and isinstance(node.target, cst.Name):
            self.loops.append((node, source, frame, node.target.value))

    def _range_of_len(self, call: cst.Call) -> cst.Name | None:
        """`df` in `range(len(df))` or `range(df.shape[0])`, when `df` holds a pandas frame."""
        if "builtins.range" not in self.file.qualified_names(call.func) or len(call.args) != 1:
            return None
        size = call.args[0].value
        frame = None
        if isinstance(size, cst.Call) and "builtins.len" in self.file.qualified_names(size.func) and len(size.args) == 1:
            frame = size.args[0].value
        elif (
            isinstance(size, cst.Subscript)
            and isinstance(size.value, cst.Attribute)
            and size.value.attr.value == "shape"
        ):
            frame = size.value.value
        if isinstance(frame, cst.Name) and self.kinds.holds(frame, PANDAS):
            return frame
        return None

    def leave_For(self, node: cst.For) -> None:
        if not self.loops or self.loops[-1][0] is not node:
            return
        _, reported, frame, index = self.loops.pop()
        if frame is not None and not _reads_rows(node.body, frame.value, index):
            return
        if not self._vectorizable(node.body):
            return
        if frame is None:
            self.report(
                reported,
                f"`{code_of(reported)}()` loops over the rows in Python to compute what column "
                "arithmetic does at once; compute on whole columns instead",
            )
        else:
            self.report(
                reported,
                f"this loop reads `{frame.value}` one row at a time by position to compute what "
                "column arithmetic does at once; compute on whole columns instead",
            )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "apply"):
            return
        axis = keyword_arg(node, "axis")
        if axis is None or not _is_row_axis(axis.value):
            return
        function = node.args[0].value if node.args and node.args[0].keyword is None else None
        if not isinstance(function, cst.Lambda):
            return
        params = function.params.params
        if len(params) != 1 or function.params.star_arg not in (None, cst.MaybeSentinel.DEFAULT):
            return
        if self._row_arithmetic(function.body, params[0].name.value):
            self.report(
                func,
                "`apply(..., axis=1)` calls this lambda once per row for arithmetic that works "
                "on whole columns; write it with the columns directly (`np.where` for conditions)",
            )

    def _row_arithmetic(self, expr: cst.BaseExpression, row: str) -> bool:
        """Whether `expr` computes with operators on fields of `row`, and nothing else."""
        operators = 0
        fields = 0
        stack: list[cst.CSTNode] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.BinaryOperation) and _set_operation(node):
                return False
            if isinstance(node, cst.BinaryOperation | cst.UnaryOperation | cst.Comparison | cst.BooleanOperation | cst.IfExp):
                operators += 1
                stack.extend(children_of(node))
            elif isinstance(node, cst.Subscript | cst.Attribute) and _is_name(node.value, row):
                if isinstance(node, cst.Subscript) and not all(
                    isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.SimpleString | cst.Integer)
                    for element in node.slice
                ):
                    return False
                fields += 1
            elif isinstance(node, cst.Call):
                if not self._elementwise(node.func):
                    return False
                stack.extend(arg.value for arg in node.args)
            elif isinstance(node, cst.Name):
                if node.value == row:
                    return False  # the whole row is used: not a column expression
            elif isinstance(node, cst.ComparisonTarget):
                stack.append(node.comparator)
            elif not isinstance(node, cst.Integer | cst.Float | cst.SimpleString):
                return False
        return operators > 0 and fields > 0

    def _elementwise(self, func: cst.BaseExpression) -> bool:
        names = self.file.qualified_names(func)
        return bool(names) and all(
            name in _VECTORIZABLE_BUILTINS or (name.startswith("numpy.") and not name.startswith(_NUMPY_SIDE_EFFECTS))
            for name in names
        )

    def _vectorizable(self, body: cst.BaseSuite) -> bool:
        """Whether a loop body only computes and stores: no calls but element-wise functions
        and collecting methods, no attributes of cell values, no string formatting, no
        `yield`, `with`, `try` or nested definitions, and no state carried from one row to
        the next (`if row["team"] != previous: ... previous = row["team"]`), which needs
        more than one column operation."""
        first_use: dict[str, str] = {}
        stack: list[cst.CSTNode | str] = [body]  # in source order; a str is a name being bound
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                first_use.setdefault(node, "bound")
                continue
            if isinstance(node, _PER_ROW_WORK):
                return False
            if isinstance(node, cst.Attribute) and (
                isinstance(node.value, cst.Subscript | cst.Attribute)
                or (isinstance(node.value, cst.Name) and first_use.get(node.value.value) == "bound")
            ):
                return False  # `row["rating"].mu`, `cell = row.iloc[0]; cell.value`: cells hold objects
            if isinstance(node, cst.Name):
                first_use.setdefault(node.value, "read")
            elif isinstance(node, cst.Assign):
                names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
                others = [t.target for t in node.targets if not isinstance(t.target, cst.Name)]
                stack.extend([*names, *reversed(others), node.value])  # the value is read first
                if any(first_use.get(name) == "read" for name in names):
                    return False
            elif isinstance(node, cst.Call):
                func = node.func
                collecting = (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in _COLLECTING_METHODS
                    and isinstance(func.value, cst.Name)
                )
                if not collecting and not self._elementwise(func):
                    return False
                stack.extend(reversed([arg.value for arg in node.args]))
            elif isinstance(node, cst.Attribute):
                stack.append(node.value)
            else:
                stack.extend(reversed(children_of(node)))
        return True


#: Statements and expressions that do per-row work no column operation replaces: a
#: generator feeding rows to a model, resources, error handling, string formatting.
_PER_ROW_WORK = (
    cst.With, cst.Try, cst.TryStar, cst.FunctionDef, cst.ClassDef, cst.FormattedString, cst.Lambda,
    cst.Await, cst.Yield,
)


def _set_operation(node: cst.BinaryOperation) -> bool:
    """`row["a"] & row["b"]` between fields is set intersection (or union, difference)
    more often than a bitwise operation on numbers; on comparisons it is a logical and."""
    return isinstance(node.operator, cst.BitAnd | cst.BitOr | cst.BitXor) and not (
        isinstance(node.left, cst.Comparison) and isinstance(node.right, cst.Comparison)
    )


def _is_row_axis(value: cst.BaseExpression) -> bool:
    return (isinstance(value, cst.Integer) and value.value == "1") or (
        isinstance(value, cst.SimpleString) and value.evaluated_value == "columns"
    )


def _reads_rows(body: cst.BaseSuite, frame: str, index: str) -> bool:
    """Whether a `for index in range(len(frame))` body reads `frame.loc[index]`,
    `frame.iloc[index, ...]`, `frame.at[index, c]` or `frame[c][index]`."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Subscript) and _indexes_with(node, index):
            base = node.value
            if isinstance(base, cst.Attribute) and base.attr.value in _ROW_INDEXERS and _is_name(base.value, frame):
                return True
            if isinstance(base, cst.Subscript) and _is_name(base.value, frame):
                return True
        stack.extend(children_of(node))
    return False


def _indexes_with(subscript: cst.Subscript, index: str) -> bool:
    """`x[i]`, `x[i, "col"]`: the first element of the subscript is the variable `index`."""
    first = subscript.slice[0].slice if subscript.slice else None
    return isinstance(first, cst.Index) and _is_name(first.value, index)


class _Loop:
    """A `for` or `while` loop being walked, with what grows in it."""

    __slots__ = ("growths", "node", "scales", "scope")

    def __init__(self, node: cst.For | cst.While, scope: Scope, scales: bool) -> None:
        self.node = node
        self.scope = scope
        #: Whether the loop runs once per piece of the data (see `_TripCount`).
        self.scales = scales
        #: (the accumulator, its growing assignment, the call that grows it)
        self.growths: list[tuple[str, cst.Assign, cst.Call]] = []


class GrowingInLoop(Rule):
    """
    A loop grows an array, tensor or DataFrame by concatenating it with a new piece in every
    iteration: `acc = pd.concat([acc, part])`, `acc = np.append(acc, x)`,
    `acc = np.vstack((acc, x))` (and `concatenate`, `hstack`, `column_stack`...),
    `acc = torch.cat([acc, x])`, `acc = tf.concat([acc, x], 0)`, or `df = df.append(row)`
    on a pandas frame. `acc` must hold a value from before the loop (the loop carries it
    from one iteration to the next), and the loop must not read the grown value for
    anything else: a loop that feeds the growing sequence back into a model, as
    autoregressive generation does, needs it whole in every step. Only loops that run once
    per piece of the data are checked: over a DataLoader, a dataset, a frame's rows
    (`iterrows`, `itertuples`, `df.index`), files (`glob`, `os.listdir`, a list of paths),
    chunks, `range(len(df))`, `range(X.shape[0])` or `range(n_samples)`, and `while` loops
    that step an iterator with `next()` or count up to such a size.
    """

    code = "MLS325"
    name = "growing-in-loop"
    family = Family.DATA
    #: Advice since the precision benchmark: most loops it saw ran a handful of times;
    #: it now checks only loops whose trip count grows with the data.
    severity = Severity.ADVICE
    precision = "medium"
    summary = "An array, tensor or DataFrame is grown by concatenation inside a loop."
    challenges = ("SLR-CS13", "ZHANG22-17")
    required_modules = frozenset({"pandas", "numpy", "torch", "tensorflow"})
    uses_dataflow = True
    why = (
        "Concatenation allocates a new object and copies both inputs into it, so growing an "
        "accumulator one piece per iteration copies everything gathered so far in every "
        "iteration: the loop takes quadratic time and memory traffic, which goes unnoticed "
        "on a sample and dominates on the full dataset. Collecting the pieces in a list and "
        "concatenating once is linear. ZHANG22-17 (TensorArray Not Used) catalogues the "
        "smell for tensors grown in a loop; SLR-CS13 notes that the productivity of Python "
        "is paid for with lost performance, which this pattern makes quadratic."
    )
    bad = (
        '''
        import glob
        import pandas as pd

        frames = pd.DataFrame()
        for shard in sorted(glob.glob("data/train-*.csv")):
            part = pd.read_csv(shard)
            frames = pd.concat([frames, part], ignore_index=True)
                     ^^^^^^^^^
        ''',
        '''
        import torch

        def collect_logits(model, loader):
            logits = None
            with torch.no_grad():
                for inputs, _ in loader:
                    out = model(inputs)
                    logits = out if logits is None else torch.cat([logits, out])
                                                        ^^^^^^^^^
            return logits
        ''',
    )
    good = (
        '''
        import glob
        import pandas as pd

        parts = []
        for shard in sorted(glob.glob("data/train-*.csv")):
            parts.append(pd.read_csv(shard))
        frames = pd.concat(parts, ignore_index=True)
        ''',
        '''
        import torch

        def collect_logits(model, loader):
            with torch.no_grad():
                outputs = [model(inputs) for inputs, _ in loader]
            return torch.cat(outputs)
        ''',
        '''
        import torch

        def generate(model, tokens, steps):
            for _ in range(steps):
                logits = model(tokens)[:, -1, :]
                next_token = logits.argmax(dim=-1, keepdim=True)
                tokens = torch.cat([tokens, next_token], dim=1)
            return tokens
        ''',
    )
    use_instead = (
        "Append the pieces to a Python list inside the loop and concatenate once after it "
        "(`pd.concat(parts)`, `np.concatenate(parts)`, `torch.cat(parts)`), or preallocate "
        "the result when its size is known. In a `tf.function`, use a `tf.TensorArray`."
    )
    limitations = (
        "Advice (off by default). An earlier version reported any loop and was right on 5 of "
        "20 sampled findings (bench/precision), because most loops ran over a few classes, "
        "models, folds or groups; it now reports only loops whose trip count visibly grows "
        "with the data: over loaders, datasets, rows, files, lines or chunks (known by the call "
        "that makes them or by names such as `train_loader`, `csv_files`, `rows`), over "
        "`range()` up to `len()` of a table or sample array, `X.shape[0]`, a count named for "
        "samples, rows, batches or steps, or a literal above 16. Loops over literal "
        "collections, columns, classes, estimators, CV folds (`kf.split(X)`), groups, "
        "`range(<small literal>)` or a count whose name says nothing (`range(n)`, "
        "`range(n_clusters)`) are not reported, even when they do run long; nor are `while` "
        "loops that neither call `next()` nor count up to such a size. A loop nested in a "
        "data-sized loop is reported when the accumulator is carried through the outer loop. "
        "Only accumulators that are plain variables are followed: `self.buffer = torch.cat("
        "[self.buffer, x])` is not reported. Growth through a helper function "
        "(`acc = merge(acc, x)`) and `acc += [x]` on lists (which is amortised linear) are "
        "not reported. A loop that reads the accumulator for anything but an `is None` test, "
        "`len()` or `.shape` is left alone, even when that read would not need the whole value."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.loops: list[_Loop] = []
        self.kinds = file.shared(ValueKinds)
        self.trip_count = _TripCount(file, self.kinds)

    def visit_For(self, node: cst.For) -> None:
        self.loops.append(_Loop(node, self.file.scopes[-1], self.trip_count.loop_scales(node)))

    def visit_While(self, node: cst.While) -> None:
        self.loops.append(_Loop(node, self.file.scopes[-1], self.trip_count.loop_scales(node)))

    def leave_For(self, node: cst.For) -> None:
        self._close(self.loops.pop())

    def leave_While(self, node: cst.While) -> None:
        self._close(self.loops.pop())

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.loops or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        accumulator = node.targets[0].target.value
        call = self._growing_call(node.value, accumulator)
        if call is None:
            return
        loop = self._scaling_loop_carrying(accumulator)
        if loop is not None:
            loop.growths.append((accumulator, node, call))

    def _scaling_loop_carrying(self, accumulator: str) -> _Loop | None:
        """The innermost enclosing loop that runs once per piece of the data and carries
        `accumulator` from one iteration to the next: `for f in files: for k in range(3):
        acc = concat(...)` grows once per file and per k, while a frame reset per file and
        grown over three resolutions does not grow with the data."""
        for loop in reversed(self.loops):
            if loop.scope is not self.file.scopes[-1]:
                return None  # a function defined in the loop body: it runs when called
            if loop.scales and self._carried_into(loop, accumulator):
                return loop
        return None

    def _growing_call(self, value: cst.BaseExpression, accumulator: str) -> cst.Call | None:
        """The call in `value` that returns `accumulator` joined with something new."""
        if isinstance(value, cst.IfExp):  # `acc = x if acc is None else torch.cat([acc, x])`
            return self._growing_call(value.body, accumulator) or self._growing_call(value.orelse, accumulator)
        if not isinstance(value, cst.Call):
            return None
        positional = [arg.value for arg in value.args if arg.keyword is None and not arg.star]
        names = self.file.qualified_names(value.func)
        if _CONCATENATIONS.intersection(names):
            pieces = positional[0] if positional else None
            if isinstance(pieces, cst.List | cst.Tuple) and any(
                _is_name(element.value, accumulator) for element in pieces.elements
            ):
                return value
        elif _APPENDS.intersection(names):
            if any(_is_name(arg, accumulator) for arg in positional[:2]):
                return value
        elif self._is_frame_append(value, accumulator):
            return value
        return None

    def _is_frame_append(self, call: cst.Call, accumulator: str) -> bool:
        """`df = df.append(row)` (pandas < 2): on a list, `append` returns None, so the
        receiver must be known to be pandas or the call must pass pandas' own keywords."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "append" and _is_name(func.value, accumulator)):
            return False
        return keyword_arg(call, "ignore_index") is not None or self.kinds.holds(func.value, PANDAS)

    def _carried_into(self, loop: _Loop, accumulator: str) -> bool:
        """Whether `accumulator` may hold, here, a value bound before `loop` started."""
        flow = self.file.flow
        if flow is None:
            return False
        return any(id(loop.node) not in definition.path for definition in flow.reaching(accumulator))

    def _close(self, loop: _Loop) -> None:
        for accumulator, assignment, call in loop.growths:
            if _read_elsewhere(loop.node, accumulator, assignment):
                continue
            self.report(
                call.func,
                f"`{accumulator}` is grown by concatenation in every iteration of this loop over the "
                "data, which copies everything gathered so far each time (quadratic); append the "
                "pieces to a list and concatenate once after the loop",
            )


#: Loops over `range(n)` with a literal `n` up to this run too few times for growth to matter.
_FEW = 16
#: Name parts of collections whose length is the data's: `train_loader`, `csv_files`, `rows`.
_DATA_COLLECTIONS = frozenset(
    "loader loaders dataloader dataloaders dl batches files filenames fnames filepaths paths "
    "dataset rows records lines chunks shards samples examples images imgs docs documents "
    "texts sentences urls requests index".split()
)
#: Name parts of counts that are the data's size: `range(n_samples)`, `range(num_batches)`.
_DATA_COUNTS = frozenset(
    "samples rows examples batches steps iters iterations records files images points obs "
    "observations".split()
)
#: Name parts of collections a model or a table has a handful of: `range(len(classes))`.
_SMALL_COLLECTIONS = frozenset(
    "col cols column columns feature features feats class classes label labels model models "
    "estimator estimators clf clfs classifiers layer layers fold folds split splits quantiles "
    "groups levels params heads".split()
)
#: Name parts of tables and sample arrays, whose length is the number of rows: `len(X_train)`.
_DATA_TABLES = frozenset("df data x y frame table corpus tokens train test valid val".split())
#: Calls that yield one item per file, line or chunk of input.
_DATA_SOURCES = frozenset({"glob", "iglob", "rglob", "listdir", "scandir", "iterdir", "walk", "readlines", "open"})
#: Wrappers whose iteration is that of their first argument: `enumerate(tqdm(loader))`.
_WRAPPERS = frozenset({"enumerate", "tqdm", "zip", "sorted", "reversed", "list", "tuple", "iter"})
#: How many assignments deep a loop's source is followed (`files = sorted(glob(...))`).
_DEPTH = 2


def _name_parts(name: str) -> set[str]:
    """`train_loader` -> {"train", "loader"}; `numSamples` -> {"num", "samples"}."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return {part for part in re.split(r"[_\W\d]+", spaced.lower()) if part}


def _last_name(expr: cst.BaseExpression) -> str | None:
    """The name an iterable or a count is known by: `loader`, `self.files`, `data["rows"]`."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Subscript):
        return _last_name(expr.value)
    return None


class _TripCount:
    """Whether a loop runs once per piece of the data (a batch, a row, a file), so that its
    number of iterations grows with the dataset; loops over a handful of columns, classes,
    models, folds or a literal list do not, and growth in them costs nothing worth a finding.
    What the code does not show (a parameter named `items`) counts as not scaling."""

    def __init__(self, file, kinds: ValueKinds) -> None:
        self.file = file
        self.kinds = kinds

    def loop_scales(self, loop: cst.For | cst.While) -> bool:
        """Whether `loop` runs once per batch, row, file or step of the data."""
        if isinstance(loop, cst.While):
            return self._bound_scales(loop.test) or _calls_next(loop.body)  # `batch = next(iterator)`
        return self.iterable_scales(loop.iter, 0)

    def _bound_scales(self, test: cst.BaseExpression) -> bool:
        """`while step < max_steps`, `while start < len(df)`: a counter run up to the data's size."""
        return isinstance(test, cst.Comparison) and any(
            isinstance(target.operator, cst.LessThan | cst.LessThanEqual) and self.count_scales(target.comparator, 0)
            for target in test.comparisons
        )

    def iterable_scales(self, expr: cst.BaseExpression, depth: int) -> bool:
        """Whether iterating `expr` visits one item per piece of the data."""
        expr = self._unwrapped(expr)
        if isinstance(expr, cst.ListComp | cst.GeneratorExp | cst.SetComp):
            return self.iterable_scales(expr.for_in.iter, depth)
        if isinstance(expr, cst.Call):
            return self._call_scales(expr, depth)
        if isinstance(expr, cst.Name):
            known = self._assigned_values(expr, depth)
            if known is not None:
                return any(self.iterable_scales(value, depth + 1) for value in known)
        name = _last_name(expr)
        return name is not None and bool(_name_parts(name) & _DATA_COLLECTIONS)

    def _call_scales(self, call: cst.Call, depth: int) -> bool:
        callee = callee_name(call.func) or ""
        names = self.file.qualified_names(call.func)
        if callee in ("range", "trange") and call.args:
            bounds = [arg.value for arg in call.args]
            return self.count_scales(bounds[min(1, len(bounds) - 1)], depth)
        if callee in _ROW_ITERATORS or callee in _DATA_SOURCES or any(name.endswith(".DataLoader") for name in names):
            return True
        if callee.startswith("read_") and keyword_arg(call, "chunksize") is not None:
            return True  # `pd.read_csv(path, chunksize=10_000)`
        return bool(_name_parts(callee) & _DATA_COLLECTIONS)  # `iter_batches()`, `load_files(...)`

    def count_scales(self, expr: cst.BaseExpression, depth: int) -> bool:
        """Whether a `range()` bound is the size of the data: `len(df)`, `X.shape[0]`,
        `n_samples`, a literal above `_FEW`; not `len(classes)`, `n_folds` or `3`."""
        if isinstance(expr, cst.Integer):
            return int(expr.value, 0) > _FEW
        if isinstance(expr, cst.Call) and callee_name(expr.func) == "len" and expr.args:
            return self._measures_data(expr.args[0].value, depth)
        if isinstance(expr, cst.Call) and callee_name(expr.func) in ("size", "numel"):
            return True
        if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute):
            return expr.value.attr.value == "shape" and _first_index_is_zero(expr)  # `X.shape[0]`, not `[1]`
        if isinstance(expr, cst.BinaryOperation):  # `len(df) - window`, `n_rows // batch_size`
            return self.count_scales(expr.left, depth)
        if isinstance(expr, cst.Name):
            known = self._assigned_values(expr, depth)
            if known is not None:
                return any(self.count_scales(value, depth + 1) for value in known)
        name = _last_name(expr)
        return name is not None and bool(_name_parts(name) & _DATA_COUNTS)

    def _measures_data(self, measured: cst.BaseExpression, depth: int) -> bool:
        """`len(df)`, `len(X_train)`, `len(loader)`: the length of a table, an array of
        samples or a collection of batches or files; not `len(model_classes)` or `len(thetas)`."""
        name = _last_name(measured)
        parts = _name_parts(name) if name is not None else set()
        if parts & _SMALL_COLLECTIONS:
            return False
        return bool(parts & _DATA_TABLES) or self.kinds.holds(measured, PANDAS) or self.iterable_scales(measured, depth)

    def _unwrapped(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        while isinstance(expr, cst.Call) and callee_name(expr.func) in _WRAPPERS and expr.args:
            expr = expr.args[0].value
        return expr

    def _assigned_values(self, name: cst.Name, depth: int) -> list[cst.BaseExpression] | None:
        """The values `name` was assigned here, if all its bindings are plain assignments
        (not parameters or loop targets) and the walk may still follow them."""
        flow = self.file.flow
        if flow is None or depth >= _DEPTH:
            return None
        definitions = flow.reaching(name.value)
        if not definitions or any(not isinstance(d.node, cst.Assign) or d.index is not None for d in definitions):
            return None
        return [d.value for d in definitions]


def _first_index_is_zero(subscript: cst.Subscript) -> bool:
    """`shape[0]`: the number of rows (samples); `shape[1]` counts features."""
    first = subscript.slice[0].slice if subscript.slice else None
    return isinstance(first, cst.Index) and isinstance(first.value, cst.Integer) and first.value.value == "0"


def _calls_next(body: cst.BaseSuite) -> bool:
    """Whether a loop body calls `next(...)`: it steps through an iterator of batches."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "next":
            return True
        stack.extend(children_of(node))
    return False


def _is_name(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _read_elsewhere(loop: cst.For | cst.While, accumulator: str, assignment: cst.Assign) -> bool:
    """Whether the loop's body reads `accumulator` outside its growing assignment, other than
    to test it for None, take its `len()` or `.shape`: then the loop needs the grown value.

    Called only for loops that grow something, so walking the body here costs little.
    """
    stack: list[cst.CSTNode] = [loop.body]
    while stack:
        node = stack.pop()
        if node is assignment or _harmless_read(node, accumulator):
            continue
        if isinstance(node, cst.Attribute):
            stack.append(node.value)  # `x.acc` does not read `acc`
        elif isinstance(node, cst.Assign):  # `acc = first_piece` binds `acc` without reading it
            stack.append(node.value)
            stack.extend(target.target for target in node.targets if not isinstance(target.target, cst.Name))
        elif isinstance(node, cst.Name):
            if node.value == accumulator:
                return True
        else:
            stack.extend(children_of(node))
    return False


def _harmless_read(node: cst.CSTNode, accumulator: str) -> bool:
    """`acc is None`, `acc is not None`, `len(acc)`, `acc.shape`: reads that do not use the data."""
    if isinstance(node, cst.Comparison):
        return _is_name(node.left, accumulator) and all(
            isinstance(target.operator, cst.Is | cst.IsNot) for target in node.comparisons
        )
    if isinstance(node, cst.Call):
        return (
            _is_name(node.func, "len")
            and len(node.args) == 1
            and _is_name(node.args[0].value, accumulator)
        )
    if isinstance(node, cst.Attribute):
        return node.attr.value in ("shape", "size") and _is_name(node.value, accumulator)
    return False
