"""Which expressions hold a pandas DataFrame, Series or Index, known from the file's own
assignments (engine/dataflow.py). No rules live here.

Several data rules judge a call by its receiver: `.values` is a smell on a DataFrame and
correct on anything else; `df[a][b] = v` loses the write only on a pandas object. The
receiver's type is never guessed from its name: it is pandas when it was built by pandas
(`pd.read_csv(...)`, `pd.DataFrame(...)`, `pd.concat(...)`), derived from such a value by
indexing or by a method that returns a pandas object, split out of one by
`train_test_split`, or a parameter annotated `pd.DataFrame`. Everything else is unknown,
and rules stay quiet about unknown receivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from mlsmells.engine.dataflow import Definition, Kind
from mlsmells.engine.names import Scope

if TYPE_CHECKING:
    from mlsmells.engine.context import FileContext

#: pandas functions that return a DataFrame, Series or Index.
CONSTRUCTORS = frozenset(
    f"pandas.{name}"
    for name in ["DataFrame", "Series", "Index", "read_csv", "read_table", "read_parquet", "read_json", "read_excel", "read_sql", "read_sql_query", "read_sql_table", "read_feather", "read_pickle", "read_hdf", "read_orc", "read_stata", "read_sas", "read_spss", "read_fwf", "read_html", "read_xml", "read_clipboard", "concat", "merge", "merge_asof", "merge_ordered", "get_dummies", "pivot", "pivot_table", "crosstab", "melt", "wide_to_long", "json_normalize", "to_datetime", "to_numeric", "to_timedelta", "cut", "qcut", "date_range", "DataFrame.from_dict", "DataFrame.from_records"]
)

#: Methods of a pandas object whose result is again a pandas object (or a scalar from a
#: Series, which code never treats as a frame: only frame-shaped uses are asked about).
FRAME_METHODS = frozenset(
    ["abs", "add", "agg", "aggregate", "align", "all", "any", "append", "apply", "applymap", "assign", "astype", "bfill", "clip", "copy", "corr", "count", "cov", "cummax", "cummin", "cumprod", "cumsum", "describe", "diff", "div", "drop", "drop_duplicates", "droplevel", "dropna", "dtypes", "duplicated", "eq", "explode", "ffill", "fillna", "filter", "first", "get", "groupby", "head", "idxmax", "idxmin", "infer_objects", "interpolate", "isin", "isna", "isnull", "join", "last", "map", "mask", "max", "mean", "median", "melt", "merge", "min", "mod", "mode", "mul", "ne", "nlargest", "notna", "notnull", "nsmallest", "nunique", "pct_change", "pipe", "pivot", "pivot_table", "pow", "prod", "quantile", "query", "rank", "reindex", "rename", "rename_axis", "reorder_levels", "replace", "resample", "reset_index", "rolling", "round", "sample", "select_dtypes", "set_axis", "set_index", "shift", "skew", "sort_index", "sort_values", "squeeze", "stack", "std", "sub", "sum", "swaplevel", "tail", "take", "transform", "transpose", "truncate", "tz_convert", "tz_localize", "unique", "unstack", "value_counts", "var", "where", "xs"]
)

#: Attributes of a pandas object that are not pandas objects themselves.
NOT_PANDAS_ATTRIBUTES = frozenset(
    ["shape", "size", "ndim", "empty", "values", "array", "name", "nbytes", "memory_usage", "is_unique", "hasnans", "is_monotonic_increasing", "is_monotonic_decreasing", "flags", "attrs"]
)

#: Splitters whose outputs are parts of their inputs, in the order they return them.
SPLITTERS = frozenset({"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"})

_ANNOTATIONS = frozenset({"pandas.DataFrame", "pandas.Series", "pandas.Index"})
_MAX_DEPTH = 24


class PandasObjects:
    """Answers `holds_pandas` for the expressions of one file, remembering each variable."""

    def __init__(self, file: FileContext) -> None:
        self._file = file
        self._known: dict[int, bool] = {}

    def holds_pandas(self, expr: cst.BaseExpression, scopes: Sequence[Scope] | None = None) -> bool:
        """Whether `expr` certainly holds a pandas object where the walk is (or in `scopes`)."""
        return self._expression(expr, tuple(self._file.scopes if scopes is None else scopes), 0)

    def _expression(
        self,
        expr: cst.BaseExpression,
        scopes: tuple[Scope, ...],
        depth: int,
        sources: tuple[Definition, ...] | None = None,
    ) -> bool:
        """`sources`: when `expr` is (part of) a definition's value, that definition's
        sources, which say what its names held then; where the walk is, the live ones."""
        if depth > _MAX_DEPTH:
            return False
        depth += 1
        if isinstance(expr, cst.Name):
            if sources is not None:
                definitions = tuple(source for source in sources if source.name == expr.value)
            else:
                flow = self._file.flow
                definitions = flow.reaching(expr.value, scopes) if flow is not None else ()
            return bool(definitions) and all(self._definition(d, depth) for d in definitions)
        if isinstance(expr, cst.Subscript):
            return self._expression(expr.value, scopes, depth, sources)
        if isinstance(expr, cst.Attribute):
            return expr.attr.value not in NOT_PANDAS_ATTRIBUTES and self._expression(expr.value, scopes, depth, sources)
        if isinstance(expr, cst.Call):
            func = expr.func
            if any(name in CONSTRUCTORS for name in self._file.qualified_names(func, scopes)):
                return True
            return (
                isinstance(func, cst.Attribute)
                and func.attr.value in FRAME_METHODS
                and self._expression(func.value, scopes, depth, sources)
            )
        return False

    def _definition(self, definition: Definition, depth: int) -> bool:
        key = id(definition)
        known = self._known.get(key)
        if known is None:
            self._known[key] = False  # a cycle through this definition proves nothing
            known = self._known[key] = self._decide(definition, depth)
        return known

    def _decide(self, definition: Definition, depth: int) -> bool:
        if definition.kind is Kind.PARAM:
            annotation = definition.node.annotation if isinstance(definition.node, cst.Param) else None
            return annotation is not None and bool(
                _ANNOTATIONS.intersection(self._file.qualified_names(annotation.annotation, definition.scopes))
            )
        if definition.kind is Kind.UPDATE:  # `df["x"] = ...` changes `df`, not what it is
            earlier = [source for source in definition.sources if source.name == definition.name]
            return bool(earlier) and all(self._definition(source, depth) for source in earlier)
        if definition.kind is not Kind.ASSIGN or definition.value is None:
            return False
        value = definition.value
        # `df = df.dropna()`: the `df` it reads is the earlier one, among its sources; the
        # live definitions would be this one, a cycle that proves nothing.
        if definition.index is None:
            return self._expression(value, definition.scopes, depth, definition.sources)
        part = self._split_input(value, definition.index, definition.scopes)
        return part is not None and self._expression(part, definition.scopes, depth, definition.sources)

    def _split_input(self, value: cst.BaseExpression, index: int, scopes: tuple[Scope, ...]) -> cst.BaseExpression | None:
        """For `train, test = train_test_split(df)`: the input whose part output `index` is."""
        if not isinstance(value, cst.Call) or not SPLITTERS.intersection(self._file.qualified_names(value.func, scopes)):
            return None
        arrays = [arg.value for arg in value.args if arg.keyword is None and not arg.star]
        return arrays[index // 2] if index // 2 < len(arrays) else None
