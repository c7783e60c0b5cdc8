"""MLS321-MLS328: pandas and NumPy API misuse. Each of these calls runs without an error and
does something other than what the code says: a comparison with NaN that is never true, a
write that lands in a temporary copy, a cleaned frame that is thrown away (ZHANG22-2,
ZHANG22-3, ZHANG22-5 to ZHANG22-8).

Rules that judge a receiver ask `ValueKinds.holds(expr, PANDAS)`, which knows a value is a
pandas object only from the file's own assignments; unknown receivers are left alone.
"""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.calls import has_double_star, keyword_arg, keyword_literal
from mlsmells.engine.dataflow import Kind
from mlsmells.engine.names import target_names
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.value_kinds import PANDAS, ValueKinds
from mlsmells.rule import Rule

_PANDAS = frozenset({"pandas"})

# MLS321 ------------------------------------------------------------------------------------

#: Not-a-number values that compare unequal to everything, themselves included.
_NAN_FLOATS = frozenset({"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "torch.nan"})
#: pandas' missing-value singletons: `x is pd.NA` is the right test, `x == pd.NA` is not.
_MISSING_SINGLETONS = frozenset({"pandas.NA", "pandas.NaT"})
_EQUALITY = (cst.Equal, cst.NotEqual)
_IDENTITY = (cst.Is, cst.IsNot)


class NanEquality(Rule):
    """
    A value is compared with a missing-value marker using `==`, `!=`, `is` or `is not`:
    `x == np.nan`, `df[df.age != np.NaN]`, `value is float("nan")`, `x == math.nan`,
    `s == pd.NA`. NaN is unequal to everything, itself included, so `== nan` is always
    False and `!= nan` always True; `is np.nan` only holds for that one object, not for
    the NaN values a computation or a column produces. `x is pd.NA` and `x is pd.NaT`
    test pandas' singletons correctly and are not reported; `x == pd.NA` is.
    """

    code = "MLS321"
    name = "nan-equality"
    family = Family.DATA
    severity = Severity.ERROR
    precision = "very-high"
    summary = "A value is compared with NaN (or pd.NA) by `==`, `!=` or `is`, which never finds missing values."
    challenges = ("ZHANG22-2",)
    required_modules = frozenset({"numpy", "pandas", "math", "torch"})
    why = (
        "IEEE 754 defines NaN as unequal to every value, itself included, so a filter such as "
        "`df[df.income == np.nan]` is empty whatever the data holds, and a check such as "
        "`if value != np.nan` passes for missing values too. The code runs and silently keeps "
        "the missing values it was written to find. ZHANG22-2 (NaN Equivalence Comparison "
        "Misused) catalogues the smell."
    )
    bad = (
        '''
        import numpy as np
        import pandas as pd

        patients = pd.read_csv("patients.csv")
        missing_age = patients[patients["age"] == np.nan]
                               ^^^^^^^^^^^^^^^^^^^^^^^^^
        if patients["bmi"].iloc[0] is float("nan"):
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            print("first bmi missing")
        ''',
    )
    good = (
        '''
        import numpy as np
        import pandas as pd

        patients = pd.read_csv("patients.csv")
        missing_age = patients[patients["age"].isna()]
        if np.isnan(patients["bmi"].iloc[0]):
            print("first bmi missing")
        if patients["discharged"].iloc[0] is pd.NaT:
            print("still in hospital")
        ''',
    )
    use_instead = (
        "`pd.isna(x)` / `df[col].isna()` (or `notna()`) for pandas data, `np.isnan(x)` for "
        "arrays, `math.isnan(x)` for a float; `x is pd.NA` for pandas' NA singleton."
    )
    limitations = (
        "Only comparisons where the NaN is written out (`np.nan`, `float('nan')`, a NumPy, "
        "math, torch or pandas constant) are seen; a NaN held in a variable is not."
    )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            operator, right = target.operator, target.comparator
            marker = self._marker(left, operator) or self._marker(right, operator)
            if marker is not None:
                self.report(node, self._message(operator, marker))
                return
            left = right

    def _marker(self, expr: cst.BaseExpression, operator: cst.BaseCompOp) -> str | None:
        """The missing-value marker `expr` is, if comparing with it by `operator` is wrong."""
        if not isinstance(operator, _EQUALITY + _IDENTITY):
            return None
        if _is_float_nan_call(expr):
            return 'float("nan")'
        for name in self.file.qualified_names(expr):
            if name in _NAN_FLOATS or (name in _MISSING_SINGLETONS and isinstance(operator, _EQUALITY)):
                return name
        return None

    @staticmethod
    def _message(operator: cst.BaseCompOp, marker: str) -> str:
        symbol = {cst.Equal: "==", cst.NotEqual: "!=", cst.Is: "is", cst.IsNot: "is not"}[type(operator)]
        if marker in _MISSING_SINGLETONS:
            outcome = f"returns {marker.split('.')[-1]} (not True or False)"
        elif isinstance(operator, _IDENTITY):
            outcome = "is only true for that one NaN object, never for NaNs that data or arithmetic produce"
        else:
            outcome = "is always " + ("False" if isinstance(operator, cst.Equal) else "True") + ": NaN equals nothing"
        return (
            f"comparing with `{marker}` by `{symbol}` {outcome}; test for missing values with "
            "`pd.isna(x)` / `.isna()` or `np.isnan(x)`"
        )


def _is_float_nan_call(expr: cst.BaseExpression) -> bool:
    """`float("nan")`, `float('NaN')`."""
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "float"
        and len(expr.args) == 1
        and isinstance(expr.args[0].value, cst.SimpleString)
        and str(expr.args[0].value.evaluated_value).strip().lower() in ("nan", "+nan", "-nan")
    )


# MLS323 ------------------------------------------------------------------------------------

#: Methods only data-frame libraries have (pandas, and Spark or polars frames, which also
#: return a new frame): a bare call throws the result away whatever the receiver is.
_FRAME_ONLY_METHODS = frozenset(
    {
        "dropna", "fillna", "drop_duplicates", "sort_values", "sort_index", "reset_index",
        "set_index", "rename_axis", "astype", "ffill", "bfill",
    }
)
#: Methods whose names other objects share (`str.replace`, `Path.rename`, `np.round`,
#: a project's own `drop`...): reported only on a known pandas receiver.
_GENERIC_METHODS = frozenset(
    {
        "drop", "rename", "replace", "round", "clip", "interpolate", "where", "mask", "assign",
        "abs", "reindex", "set_axis", "droplevel", "convert_dtypes", "infer_objects",
        "tz_localize", "tz_convert",
    }
)


class DiscardedDataFrameResult(Rule):
    """
    A DataFrame or Series method that returns a new object is called as a statement on its
    own, so its result is lost and the data stays as it was: `df.dropna()`,
    `df.fillna(0)`, `df.drop_duplicates()`, `df.sort_values("date")`, `df.reset_index()`,
    `df.set_index("id")`, `df.astype(...)` on any receiver, and `drop`, `rename`,
    `replace`, `round`, `clip`, `interpolate`, `where`, `assign` on a receiver known to be
    a pandas object. Calls with `inplace=` (set to anything but False) or `**kwargs` are
    left alone, and so are the last expression of a notebook cell, which the notebook shows,
    a call that is the whole body of a `try` (made to see whether it raises), and calls on a
    temporary (`df.groupby("k").mean().sort_values("y")`), which nobody expects to change.
    """

    code = "MLS323"
    name = "discarded-dataframe-result"
    family = Family.DATA
    severity = Severity.ERROR
    precision = "high"
    summary = "A pandas method that returns a new object is called as a statement, so its result is lost."
    challenges = ("ZHANG22-7",)
    required_modules = _PANDAS
    uses_dataflow = True
    why = (
        "Most pandas methods leave their receiver unchanged and return a new frame. Called on "
        "their own, `df.dropna()` or `df.drop(columns=[\"id\"])` do the work and throw it "
        "away: the code reads as if the missing rows or the id column were gone, and the "
        "model is trained on the data as it was. ZHANG22-7 (In-Place APIs Misused) "
        "catalogues the smell."
    )
    bad = (
        '''
        import pandas as pd

        loans = pd.read_csv("loans.csv")
        loans.dropna(subset=["income"])
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        loans.drop(columns=["customer_id"])
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd

        loans = pd.read_csv("loans.csv")
        loans = loans.dropna(subset=["income"])
        loans = loans.drop(columns=["customer_id"])
        loans.sort_values("issued", inplace=True)
        loans.to_parquet("loans_clean.parquet")
        ''',
    )
    use_instead = (
        "Assign the result (`df = df.dropna()`), or chain the steps "
        "(`df = df.dropna().drop(columns=[...])`)."
    )
    notebook_behavior = (
        "The code cells of a notebook are analysed as one module, in cell order. A call that "
        "is the last expression of a cell is not reported: the notebook displays its result."
    )
    limitations = (
        "Methods whose names other libraries share (`drop`, `rename`, `replace`...) are only "
        "reported on receivers the file shows to be pandas objects, so a frame passed in as "
        "an unannotated parameter is not checked for them. The advice against `inplace=True` "
        "itself is left to Ruff's PD002."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)
        #: Lines that are the whole body of a `try`: calls made to see whether they raise.
        self.probes: set[cst.CSTNode] = set()

    def visit_Try(self, node: cst.Try) -> None:
        body = node.body.body
        if len(body) == 1:
            self.probes.add(body[0])

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if node in self.probes:
            return
        for index, statement in enumerate(node.body):
            if not isinstance(statement, cst.Expr):
                continue
            call = statement.value
            method = self._discarding_method(call)
            if method is None:
                continue
            last = index == len(node.body) - 1 and not isinstance(statement.semicolon, cst.Semicolon)
            if last and self._shown_by_notebook(node):
                continue
            self.report(
                call,
                f"`.{method}()` returns a new object and its result is dropped here, so the data is "
                f"unchanged; assign it (`x = x.{method}(...)`)",
            )

    def _discarding_method(self, call: cst.BaseExpression) -> str | None:
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        method = call.func.attr.value
        if method not in _FRAME_ONLY_METHODS and method not in _GENERIC_METHODS:
            return None
        if has_double_star(call) or keyword_literal(call, "inplace") not in (None, False):
            return None
        receiver = call.func.value
        if not _is_stored(receiver):
            return None  # `df.groupby(k).mean().sort_values(...)`: a temporary, meant to be shown
        if method in _GENERIC_METHODS and not self.kinds.holds(receiver, PANDAS):
            return None
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            return None  # a class's own method of that name, which may well work in place
        return method

    def _shown_by_notebook(self, line: cst.SimpleStatementLine) -> bool:
        """Whether `line` is the last code of its notebook cell, whose value is displayed."""
        notebook, cell = self.file.notebook, self.file.cell
        if notebook is None or cell is None or not self.file.in_module_scope:
            return False
        code = [text.strip() for text in notebook.cell(cell).lines]
        code = [text for text in code if text and not text.startswith("#")]
        written = self.file.module.code_for_node(line).strip().splitlines()
        return bool(code and written) and code[-1] == written[-1].strip()


def _is_stored(expr: cst.BaseExpression) -> bool:
    """A variable, or a column or attribute of one (`df`, `df["a"]`, `self.frame`): a value
    the code may believe a method changes, unlike a temporary built by a call."""
    while isinstance(expr, cst.Attribute | cst.Subscript):
        expr = expr.value
    return isinstance(expr, cst.Name)


# MLS327 ------------------------------------------------------------------------------------


class DataFrameValues(Rule):
    """
    `.values` read from a receiver known to be a pandas DataFrame, Series or Index
    (`df.values`, `df[["a", "b"]].values`, `train["label"].values`). Calls of a method
    named `values` (`dict.values()`) and receivers whose type the file does not show are
    not reported.
    """

    code = "MLS327"
    name = "dataframe-values"
    family = Family.DATA
    severity = Severity.ADVICE
    precision = "high"
    summary = "`.values` on a pandas object, whose result type depends on the dtypes; use `.to_numpy()`."
    challenges = ("ZHANG22-8",)
    required_modules = _PANDAS
    uses_dataflow = True
    why = (
        "`.values` returns a NumPy array for plain numeric columns, but an extension array "
        "for categorical, nullable-integer or timezone-aware data and an `object` array for "
        "mixed frames, so what a model receives depends on the dtypes of the day. "
        "`.to_numpy()` always returns a NumPy array and takes `dtype=` and `na_value=` to "
        "say what is wanted. ZHANG22-8 (Dataframe Conversion API Misused) catalogues the smell."
    )
    bad = (
        '''
        import pandas as pd

        houses = pd.read_csv("houses.csv")
        features = houses[["rooms", "area"]].values
                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd

        houses = pd.read_csv("houses.csv")
        features = houses[["rooms", "area"]].to_numpy(dtype="float32")
        column_types = {"rooms": int, "area": float}
        print(list(column_types.values()))
        ''',
    )
    use_instead = "`.to_numpy()` (with `dtype=` when the model needs one), or `.array` for the extension array."
    limitations = (
        "Frames the file does not show to be pandas objects (unannotated parameters, "
        "attributes, values returned by the project's own functions) are not checked."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)
        self.called: set[cst.CSTNode] = set()

    def visit_Call(self, node: cst.Call) -> None:
        self.called.add(node.func)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value != "values" or node in self.called:
            return
        if self.kinds.holds(node.value, PANDAS):
            self.report(
                node,
                "`.values` on a pandas object gives a NumPy array or an extension array depending on the "
                "dtypes; use `.to_numpy()` (with `dtype=` if needed)",
            )


# MLS322 ------------------------------------------------------------------------------------

#: Indexers: `df.loc[...] = v` writes into `df` itself.
_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})


class ChainedAssignment(Rule):
    """
    A write through chained indexing on a pandas object, which lands in a temporary copy
    instead of the frame: `df["price"][0] = v`, `df.loc[mask]["price"] = v`,
    `df["price"].iloc[0] = v`. And a write into a slice taken from a frame without
    `.copy()` when the original frame is read again after the write, so its author may
    expect it to have changed: `cheap = df[df.price < 10]`, `cheap["label"] = 1`, then
    `df.groupby("label")`. A "copy" taken as `df[:]` (or `df.loc[:]`) is reported at its
    first write whatever follows: it is not a copy. Slices assigned back to the frame's own
    name (`df = df[mask]`) are not reported: the original is gone.
    """

    code = "MLS322"
    name = "chained-assignment"
    family = Family.DATA
    severity = Severity.WARNING
    precision = "high"
    summary = "A value is written through chained indexing, or into an uncopied slice of a DataFrame that is used again."
    challenges = ("ZHANG22-3",)
    required_modules = _PANDAS
    uses_dataflow = True
    why = (
        "`df[a]` and `df.loc[m]` may return a copy or a view depending on the dtypes and the "
        "indexer, so `df[a][b] = v` may change `df` or only a temporary that is thrown away "
        "(pandas warns with SettingWithCopyWarning; with copy-on-write, the default from "
        "pandas 3, it never changes `df`). A slice kept in a variable has the same "
        "ambiguity: whether `df` changes when the slice is written depends on how it was "
        "taken and on the pandas version, which matters once `df` is read again. ZHANG22-3 "
        "(Chain Indexing) catalogues the smell."
    )
    bad = (
        '''
        import pandas as pd

        sales = pd.read_csv("sales.csv")
        sales["price"][sales["price"] < 0] = 0
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        returns = sales[sales["returned"]]
        returns["refund"] = returns["price"] * 0.9
        ^^^^^^^^^^^^^^^^^
        print(sales["refund"].sum())
        ''',
    )
    good = (
        '''
        import pandas as pd

        sales = pd.read_csv("sales.csv")
        sales.loc[sales["price"] < 0, "price"] = 0
        returns = sales[sales["returned"]].copy()
        returns["refund"] = returns["price"] * 0.9
        sales = sales[sales["price"] > 0]
        sales["net"] = sales["price"] * 0.8
        ''',
    )
    use_instead = (
        "One indexer for the whole write: `df.loc[rows, col] = v`. Take slices you mean to "
        "change with `.copy()`: `sub = df[mask].copy()`."
    )
    limitations = (
        "Only frames the file shows to be pandas objects are checked (`pd.read_excel` with "
        "`sheet_name=None` or a list gives a dict of frames, not a frame). A slice is recognised "
        "when it is a subscript (`df[mask]`, `df.loc[...]`, `df[cols]`) assigned to a name; "
        "`df.query(...)` and other methods that may return views are not followed. A write into "
        "such a slice is reported only when the original frame is read after it in the same "
        "scope (writing to a slice of a frame that is never used again changes nothing that "
        "matters, at most pandas warns); a read in a later loop iteration, through another "
        "name or in another function is not seen. `df[:]` and `df.loc[:]` are reported at "
        "their first write whether or not the frame is read again."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)
        #: Slice definitions already reported or waiting: one finding per slice.
        self.reported: set[int] = set()
        #: Slice writes waiting for a read of their frame: the write, the slice's name, the
        #: frame's name, and the ids of the frame's definitions the slice was taken from.
        self.waiting: list[tuple[cst.Subscript, str, str, set[int]]] = []
        #: The statements whose slice writes start waiting once the statement is done.
        self.starting: dict[cst.CSTNode, list[tuple[cst.Subscript, str, str, set[int]]]] = {}
        #: Names that are not reads: bound names, attribute names, keyword names.
        self.not_read: set[cst.Name] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.not_read.update(target_names(target.target))
            self._check_target(node, target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._check_target(node, node.target)

    def leave_Assign(self, node: cst.Assign) -> None:
        self.waiting.extend(self.starting.pop(node, ()))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self.waiting.extend(self.starting.pop(node, ()))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.not_read.update(target_names(node.target))

    def visit_For(self, node: cst.For) -> None:
        self.not_read.update(target_names(node.target))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.not_read.update(target_names(node.target))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_read.add(node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_read.add(node.keyword)

    def visit_Param(self, node: cst.Param) -> None:
        self.not_read.add(node.name)

    def visit_Name(self, node: cst.Name) -> None:
        if not self.waiting or node in self.not_read:
            return
        still = []
        for waiting in self.waiting:
            write, name, frame, originals = waiting
            if frame == node.value and self._same_frame(self.file.flow.reaching(node.value), originals):
                self._report_slice_write(write, name, frame)
            else:
                still.append(waiting)
        self.waiting = still

    def _check_target(self, statement: cst.CSTNode, target: cst.BaseExpression) -> None:
        if not isinstance(target, cst.Subscript):
            return
        written = target.value
        if isinstance(written, cst.Attribute) and written.attr.value in _INDEXERS:
            written = written.value
        if isinstance(written, cst.Subscript) and self.kinds.holds(written.value, PANDAS):
            self.report(
                target,
                "this writes through chained indexing, so it changes a temporary copy and not the "
                "frame (always under copy-on-write, the default from pandas 3); write with one "
                "indexer: `df.loc[rows, column] = value`",
            )
        elif isinstance(written, cst.Name):
            self._check_slice_write(statement, target, written)

    def _check_slice_write(self, statement: cst.CSTNode, target: cst.Subscript, name: cst.Name) -> None:
        definitions = self.file.flow.reaching(name.value)
        if len(definitions) != 1:
            return
        definition = definitions[0]
        if definition.kind is not Kind.ASSIGN or definition.index is not None or id(definition) in self.reported:
            return
        value = definition.value
        if not isinstance(value, cst.Subscript):
            return
        frame = value.value
        if isinstance(frame, cst.Attribute) and frame.attr.value in _INDEXERS:
            frame = frame.value
        # Only a slice of a named frame: one of `df.copy()[cols]` or `df.sort_values(...)[cols]`
        # is a slice of a temporary, and writing to it cannot change `df`.
        if not isinstance(frame, cst.Name) or frame.value == name.value:
            return
        if not self.kinds.holds(frame, PANDAS, definition.scopes):
            return
        self.reported.add(id(definition))
        if _whole(value):
            self.report(
                target,
                f"`{name.value} = {self.file.module.code_for_node(value)}` is not a copy of `{frame.value}` but a slice "
                f"of it, so whether this write also changes `{frame.value}` depends on pandas internals; "
                f"copy it with `{frame.value}.copy()`",
            )
            return
        originals = {id(source) for source in definition.sources if source.name == frame.value}
        self.starting.setdefault(statement, []).append((target, name.value, frame.value, originals))

    def _same_frame(self, definitions, originals: set[int]) -> bool:
        """Whether `definitions` are the frame the slice was taken from, or that frame with
        columns written into it since (`df["x"] = ...` updates `df`, it stays the same object)."""
        stack = list(definitions)
        seen: set[int] = set()
        while stack:
            definition = stack.pop()
            if id(definition) in originals:
                return True
            if id(definition) in seen or definition.kind is not Kind.UPDATE:
                continue
            seen.add(id(definition))
            stack.extend(source for source in definition.sources if source.name == definition.name)
        return False

    def _report_slice_write(self, target: cst.Subscript, name: str, frame: str) -> None:
        self.report(
            target,
            f"`{name}` is a slice of `{frame}` taken without `.copy()`, and `{frame}` is used again after this "
            f"write: whether the write also changed `{frame}` depends on pandas internals "
            f"(SettingWithCopyWarning; never, under copy-on-write); take the slice with `.copy()` if it is "
            f"meant to be separate, or write into `{frame}` with `.loc`",
        )


def _whole(selection: cst.Subscript) -> bool:
    """`df[:]`, `df.loc[:]`, `df.iloc[:, :]`: every row, often mistaken for a copy."""
    return all(
        isinstance(element.slice, cst.Slice)
        and element.slice.lower is None
        and element.slice.upper is None
        and element.slice.step is None
        for element in selection.slice
    )


# MLS326 ------------------------------------------------------------------------------------

_KEYS = ("on", "left_on", "right_on", "left_index", "right_index")


class MergeUnvalidated(Rule):
    """
    `pd.merge` or a pandas frame's `.merge`/`.join` without `validate=` and without both
    the join type (`how=`) and the keys (`on=`, `left_on=`/`right_on=`,
    `left_index=`/`right_index=`) written out. Merges that state `validate=`, or both `how=`
    and their keys, are not reported; nor are `str.join` or joins on unknown receivers.
    """

    code = "MLS326"
    name = "merge-unvalidated"
    family = Family.DATA
    severity = Severity.ADVICE
    precision = "high"
    summary = "A merge states neither `validate=` nor its keys and join type, so duplicate keys go unnoticed."
    challenges = ("ZHANG22-6",)
    required_modules = _PANDAS
    uses_dataflow = True
    why = (
        "A merge on keys that are unexpectedly duplicated on both sides multiplies rows "
        "(many-to-many), and a merge that infers its keys from the shared column names "
        "changes meaning when a column is added. Nothing fails: the training set just grows "
        "or loses rows. `validate=\"one_to_one\"` or `\"many_to_one\"` makes pandas check "
        "the relationship, and explicit `on=`/`how=` make the join readable. ZHANG22-6 "
        "(Merge API Parameter Not Explicitly Set) catalogues the smell."
    )
    bad = (
        '''
        import pandas as pd

        orders = pd.read_csv("orders.csv")
        customers = pd.read_csv("customers.csv")
        table = orders.merge(customers)
                ^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd

        orders = pd.read_csv("orders.csv")
        customers = pd.read_csv("customers.csv")
        table = orders.merge(customers, on="customer_id", how="left", validate="many_to_one")
        names = ", ".join(["orders", "customers"])
        ''',
    )
    use_instead = (
        "`left.merge(right, on=\"id\", how=\"left\", validate=\"many_to_one\")`: name the keys, "
        "the join type and the relationship pandas should check."
    )
    limitations = (
        "Merges stating `how=` and their keys but no `validate=` are not reported. Frames the "
        "file does not show to be pandas objects are not checked for `.merge`/`.join`."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if "pandas.merge" in self.file.qualified_names(func):
            self._check(node, "pd.merge", how_at=2, keys_at=3)
        elif isinstance(func, cst.Attribute) and func.attr.value in ("merge", "join"):
            receiver = func.value
            if isinstance(receiver, cst.Attribute) and receiver.attr.value == "str":
                return  # `s.str.join("-")` joins strings
            if self.kinds.holds(receiver, PANDAS):
                how_at, keys_at = (1, 2) if func.attr.value == "merge" else (2, 1)
                self._check(node, f".{func.attr.value}", how_at, keys_at)

    def _check(self, call: cst.Call, callee: str, how_at: int, keys_at: int) -> None:
        """`how_at`, `keys_at`: the positions `how` and the keys have when passed positionally."""
        if has_double_star(call) or keyword_arg(call, "validate") is not None:
            return
        positional = sum(1 for arg in call.args if arg.keyword is None and not arg.star)
        missing = []
        if keyword_arg(call, "how") is None and positional <= how_at:
            missing.append("`how=`")
        if positional <= keys_at and not any(keyword_arg(call, key) is not None for key in _KEYS):
            missing.append("the keys (`on=`)")
        if missing:
            self.report(
                call,
                f"`{callee}` without `validate=` and without {' or '.join(missing)}, so duplicated keys "
                "silently multiply rows; state them, e.g. on=\"id\", how=\"left\", validate=\"many_to_one\"",
            )


# MLS328 ------------------------------------------------------------------------------------

#: Indexers that address one cell by row label and column: `df.at[i, "col"]`, `df.loc[i, "col"]`.
_CELL_INDEXERS = frozenset({"at", "loc"})


class EmptyColumnInit(Rule):
    """
    A new column is created filled with `0` or `""` as a placeholder, then a loop over the
    rows of the same frame (`for i, row in df.iterrows()`, `for i in range(len(df))`,
    `for i in df.index`) fills it with computed values under an `if` or a `try`
    (`df.at[i, "col"] = ...`, `df.loc[i, "col"] = ...`, `df["col"][i] = ...`), so the rows
    the loop skips keep the placeholder, which looks like real data. Columns the loop fills
    for every row, fills with a constant (a 0/1 flag), counts up or appends to (`+=`, a
    value that reads the column), or fills from a loop over something else (groups, other
    frames: there `0` is usually a real count) are not reported.
    """

    code = "MLS328"
    name = "empty-column-init"
    family = Family.DATA
    severity = Severity.ADVICE
    precision = "high"
    summary = "A column is created with 0 or \"\" as a placeholder and filled in row by row, so missed rows look like data."
    challenges = ("ZHANG22-5",)
    required_modules = _PANDAS
    uses_dataflow = True
    why = (
        "A placeholder of `0` or `\"\"` is a valid value: rows the filling loop skips (an "
        "exception caught, a key not found, a `continue`) keep it and are indistinguishable "
        "from rows whose real value is 0, so `isna()` finds nothing and the model learns "
        "from made-up zeros. `np.nan` (or `pd.NA`, `None` for text) keeps the gaps visible. "
        "ZHANG22-5 (Empty Column Misinitialization) catalogues the smell."
    )
    bad = (
        '''
        import pandas as pd

        listings = pd.read_csv("listings.csv")
        listings["distance_km"] = 0
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^
        for index, row in listings.iterrows():
            if row["lat"] > 0:
                listings.at[index, "distance_km"] = haversine(row["lat"], row["lon"])
        ''',
    )
    good = (
        '''
        import numpy as np
        import pandas as pd

        listings = pd.read_csv("listings.csv")
        listings["distance_km"] = np.nan
        listings["has_garden"] = 0
        listings["amenity_count"] = 0
        for index, row in listings.iterrows():
            if row["lat"] > 0:
                listings.at[index, "distance_km"] = haversine(row["lat"], row["lon"])
            if "garden" in row["description"]:
                listings.at[index, "has_garden"] = 1
            listings.at[index, "amenity_count"] += len(row["amenities"])
        ''',
    )
    use_instead = (
        "Start the column as missing: `df[\"col\"] = np.nan` (or `pd.NA`, or `pd.Series(dtype=...)`), "
        "or better, compute it in one vectorised step or with `.map`/`.apply`."
    )
    limitations = (
        "Only columns named by a string literal, on frames the file shows to be pandas objects, "
        "filled by a loop over that frame's rows in the same scope, are followed. A placeholder "
        "filled in other ways (a loop over groups or another frame, a list built first, a "
        "function called per row) is not reported, even when some rows keep it."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)
        #: The loops the walk is in, innermost last: (loop, `if`/`try` depth at its start).
        self.loops: list[tuple[cst.For | cst.While, int]] = []
        self.guards = 0
        #: (scope, frame, column) -> the placeholder assignment not yet reported.
        self.placeholders: dict[tuple[int, str, str], cst.Assign] = {}

    def visit_For(self, node: cst.For) -> None:
        self.loops.append((node, self.guards))

    def leave_For(self, node: cst.For) -> None:
        self.loops.pop()

    def visit_While(self, node: cst.While) -> None:
        self.loops.append((node, self.guards))

    def leave_While(self, node: cst.While) -> None:
        self.loops.pop()

    def visit_If(self, node: cst.If) -> None:
        self.guards += 1

    def leave_If(self, node: cst.If) -> None:
        self.guards -= 1

    def visit_Try(self, node: cst.Try) -> None:
        self.guards += 1

    def leave_Try(self, node: cst.Try) -> None:
        self.guards -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if not self.loops and _is_placeholder(node.value):
            column = _column_of(target)
            if column is not None and self.kinds.holds(column[0], PANDAS):
                self.placeholders[self._key(*column)] = node
            return
        cell = _cell_of(target)
        if cell is None or _is_constant(node.value) or _mentions(node.value, cell[2]):
            return
        frame, row, column = cell
        if not self._some_rows_skipped(frame, row):
            return
        init = self.placeholders.pop(self._key(frame, column), None)
        if init is not None:
            shown = "0" if isinstance(init.value, cst.Integer | cst.Float) else '""'
            self.report(
                init,
                f"column '{column}' starts as {shown} and a loop over the rows fills it only for some of them, so the "
                f"rows it skips keep a {shown} that looks like data; start it as missing (np.nan or pd.NA)",
            )

    def _some_rows_skipped(self, frame: cst.Name, row: cst.BaseExpression) -> bool:
        """Whether the write sits under an `if` or `try` inside a loop over the rows of
        `frame` whose row variable is `row`: `for i, r in df.iterrows()`,
        `for i in range(len(df))`, `for i in df.index`."""
        for loop, guards in reversed(self.loops):
            if isinstance(loop, cst.For) and _loops_over_rows(loop, frame.value, row):
                return self.guards > guards
        return False

    def _key(self, frame: cst.Name, column: str) -> tuple[int, str, str]:
        return id(self.file.scopes[-1]), frame.value, column


def _loops_over_rows(loop: cst.For, frame: str, row: cst.BaseExpression) -> bool:
    if not isinstance(row, cst.Name):
        return False
    target, iterated = loop.target, loop.iter
    if isinstance(target, cst.Tuple) and target.elements:
        target = target.elements[0].value
    if not (isinstance(target, cst.Name) and target.value == row.value):
        return False
    if isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Attribute):
        owner = iterated.func.value
        return iterated.func.attr.value == "iterrows" and isinstance(owner, cst.Name) and owner.value == frame
    if isinstance(iterated, cst.Attribute):
        return iterated.attr.value == "index" and isinstance(iterated.value, cst.Name) and iterated.value.value == frame
    if isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Name) and iterated.func.value == "range":
        bound = iterated.args[-1].value if iterated.args else None
        return (
            isinstance(bound, cst.Call)
            and isinstance(bound.func, cst.Name)
            and bound.func.value == "len"
            and len(bound.args) == 1
            and isinstance(bound.args[0].value, cst.Name)
            and bound.args[0].value.value == frame
        )
    return False


def _column_of(target: cst.BaseExpression) -> tuple[cst.Name, str] | None:
    """The frame variable and the column of a whole-column write: `df["col"] = ...`."""
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return None
    key = target.slice[0].slice
    if isinstance(target.value, cst.Name) and isinstance(key, cst.Index) and isinstance(key.value, cst.SimpleString):
        return target.value, str(key.value.evaluated_value)
    return None


def _cell_of(target: cst.BaseExpression) -> tuple[cst.Name, cst.BaseExpression, str] | None:
    """The frame variable, row and column of a one-cell write: `df.at[i, "col"] = ...`,
    `df.loc[i, "col"] = ...` or `df["col"][i] = ...`."""
    if not isinstance(target, cst.Subscript):
        return None
    keys = [element.slice.value for element in target.slice if isinstance(element.slice, cst.Index)]
    value = target.value
    if isinstance(value, cst.Attribute) and value.attr.value in _CELL_INDEXERS and len(keys) == 2:
        frame, row, column = value.value, keys[0], keys[1]
    elif isinstance(value, cst.Subscript) and len(keys) == 1 and len(target.slice) == 1:
        whole = _column_of(value)
        return None if whole is None else (whole[0], keys[0], whole[1])
    else:
        return None
    if isinstance(frame, cst.Name) and isinstance(column, cst.SimpleString):
        return frame, row, str(column.evaluated_value)
    return None


def _is_placeholder(expr: cst.BaseExpression) -> bool:
    """`0`, `0.0` or `""`."""
    if isinstance(expr, cst.Integer | cst.Float):
        return expr.evaluated_value == 0
    return isinstance(expr, cst.SimpleString) and expr.evaluated_value == ""


def _is_constant(expr: cst.BaseExpression) -> bool:
    """A literal number, string or boolean: a flag, not a computed value."""
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    return isinstance(expr, cst.Integer | cst.Float | cst.SimpleString) or (
        isinstance(expr, cst.Name) and expr.value in ("True", "False", "None")
    )


def _mentions(expr: cst.BaseExpression, column: str) -> bool:
    """Whether the value reads the column it is written to (a counter, an accumulation):
    judged from the string literals directly inside it."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleString) and node.evaluated_value == column:
            return True
        stack.extend(node.children)
    return False
