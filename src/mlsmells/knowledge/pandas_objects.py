"""What pandas's API returns: the functions that make pandas objects, the methods of a
pandas object that return one, and the attributes that do not. No rules live here;
`value_kinds.ValueKinds` uses these tables to know which expressions hold a DataFrame,
Series or Index.
"""

from __future__ import annotations

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
