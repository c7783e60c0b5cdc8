"""Where the data a model learns from came from: which loads of files, tables or datasets
reach a fit, a prediction, a split or a training loop, followed through the file's
assignments (engine/dataflow.py) and the project's loading functions (engine/project.py).
No rules live here.

"A DataFrame read from disk that reaches a model" is one call:

    for definition, load in loads_reaching(file, call, dataset_classes):
        ...  # `load` is `pd.read_csv(...)` (or a project function returning one), held by `definition`

MLS301 (unvalidated data), MLS302 and MLS303 ask it; `data_ancestry` and `loader_call`
answer the same questions one step at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import libcst as cst

from mlsmells.engine.dataflow import Definition, Kind, ancestry
from mlsmells.knowledge.ml_api import (
    CROSS_VALIDATION,
    DATA_WRAPPERS,
    DATASET_BASES,
    FIT_METHODS,
    LOADERS,
    PREDICT_METHODS,
    SPLIT_FUNCTIONS,
    first_argument,
    is_loader,
    method_call,
)

#: Cross-validation helpers that are functions taking (estimator, X, y): classes such as
#: `GridSearchCV` take only the estimator and train through `.fit`.
_CROSS_VALIDATION_FUNCTIONS = frozenset(name for name in CROSS_VALIDATION if not name.endswith("CV"))

#: Libraries whose every call given data validates it.
VALIDATION_LIBRARIES = ("pandera", "great_expectations", "jsonschema", "tensorflow_data_validation", "deepchecks")
#: Parts of a function's name that say it validates its arguments: `validate_frame`,
#: `check_array`, `verify_schema`, `expect_column_values_to_not_be_null`.
_VALIDATING_WORDS = ("validat", "check", "verify", "expect", "ensure", "assert", "sanitiz", "sanitis")
#: In-memory buffers: reading from them loads nothing from outside.
_BUFFERS = frozenset({"io.StringIO", "io.BytesIO"})
#: Keyword arguments that carry the data itself, not options about it.
_DATA_KEYWORDS = frozenset({"X", "x", "data", "dataset", "frame", "df"})


def data_names(expr: cst.CSTNode) -> set[str]:
    """The variables whose contents `expr` is made of: not those that only pick parts of
    it (`df[config["features"]]`, `data[idx]`) or set options (`drop(columns=cols)`)."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute | cst.Subscript):
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            if node.keyword is None or node.keyword.value in _DATA_KEYWORDS:
                stack.append(node.value)
        elif isinstance(node, cst.Lambda):
            continue
        else:
            stack.extend(node.children)
    return found


def data_ancestry(
    definitions: Iterable[Definition],
    stop: Callable[[Definition], bool] = lambda definition: False,
    limit: int = 2000,
) -> Iterator[Definition]:
    """`definitions` and the definitions their contents came from, nearest first: like
    `dataflow.ancestry`, but not through names that only index or configure the data, nor
    past a definition `stop` accepts."""

    def follow(definition: Definition) -> Iterable[Definition]:
        if stop(definition):
            return ()
        if definition.kind is Kind.ASSIGN and definition.value is not None:
            names = data_names(definition.value)
            return [source for source in definition.sources if source.name in names]
        return definition.sources

    return ancestry(definitions, follow, limit)


def loader_call(file, definition: Definition) -> cst.Call | None:
    """The loading call a definition's value is made by: `pd.read_csv(...)` in
    `df = pd.read_csv(path).dropna()[cols]`, or None."""
    if definition.kind is not Kind.ASSIGN:
        return None
    value = definition.value
    while value is not None:
        if isinstance(value, cst.Call):
            if is_loader(file, value, definition.scopes) or _project_loader(file, value, definition.scopes):
                return value
            value = value.func.value if isinstance(value.func, cst.Attribute) else None
        elif isinstance(value, cst.Subscript | cst.Attribute):
            value = value.value
        else:
            return None
    return None


def _project_loader(file, call: cst.Call, scopes) -> bool:
    """Whether `call` runs a project function (of this file or another module) that returns
    what a loader read (`return pd.read_csv(path).dropna()`) without checking it: no
    `assert` or `raise` in it, and no validating call on the way (`schema.validate(df)`)."""
    function = file.called_function(call, scopes)
    if function is None or function.summary.checks or not LOADERS.intersection(file.project.returned(function)):
        return False
    return not any(validating_name(made.callee) for made in file.project.calls_made(function, (), {}))


def validating_name(callee: str) -> bool:
    """A call that checks data, by its library or its name: `pandera.DataFrameSchema`,
    `?.validate`, `helpers.check_columns`."""
    last = callee.rpartition(".")[2].lower()
    return callee.split(".")[0] in VALIDATION_LIBRARIES or any(word in last for word in _VALIDATING_WORDS)


def training_data(file, call: cst.Call, dataset_classes: set[str]) -> list[cst.BaseExpression]:
    """The data a call trains or predicts on, if it is such a call; `dataset_classes` are
    the `torch.utils.data.Dataset` subclasses the file defines."""
    if method_call(call, FIT_METHODS | PREDICT_METHODS):
        if any(name.startswith("scipy.") for name in file.qualified_names(call.func.value)):
            return []  # `scipy.stats.norm.fit(sample)` fits a distribution, not a model
        data = first_argument(call)
        return [data] if data is not None else []
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if isinstance(call.func, cst.Name) and call.func.value in dataset_classes:
        return positional
    qualified = set(file.qualified_names(call.func))
    if qualified & (SPLIT_FUNCTIONS | DATA_WRAPPERS):
        return positional[:1] if "torch.utils.data.DataLoader" in qualified else positional
    if qualified & _CROSS_VALIDATION_FUNCTIONS:
        return positional[1:]
    return []


def loads_reaching(file, call: cst.Call, dataset_classes: set[str]) -> Iterator[tuple[Definition, cst.Call]]:
    """The loads whose data a call trains or predicts on: each definition that holds a
    load, with its loading call. What the loader was given (a path) is not followed."""
    for data in training_data(file, call, dataset_classes):
        names = data_names(data)
        sources = [d for d in file.flow.sources(data) if d.name in names]
        for definition in data_ancestry(sources, stop=lambda d: loader_call(file, d) is not None):
            load = loader_call(file, definition)
            if load is not None and not _from_memory(file, load, definition):
                yield definition, load


def _from_memory(file, load: cst.Call, definition: Definition) -> bool:
    """Whether a load reads an in-memory buffer (`pd.read_csv(io.StringIO(text))`)."""
    source = first_argument(load, "filepath_or_buffer")
    return isinstance(source, cst.Call) and bool(_BUFFERS.intersection(file.qualified_names(source.func, definition.scopes)))


def is_dataset_class(file, node: cst.ClassDef) -> bool:
    """Whether a class the file defines is a `torch.utils.data.Dataset`."""
    return any(DATASET_BASES.intersection(file.qualified_names(base.value)) for base in node.bases)
