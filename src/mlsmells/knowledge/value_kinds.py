"""What a value is, one answer for every rule: a pandas object, a PyTorch module, a
scikit-learn-compatible estimator or a PyTorch optimizer. No rules live here.

A rule that judges a call by its receiver asks `file.shared(ValueKinds).kind(expr)`:
`.values` is a smell on a DataFrame and correct on anything else, `model.forward(x)` only
on a module. The kind is never guessed from a name. A value has a kind when it was made
by a call that makes one (`pd.read_csv(...)`, `nn.Linear(...)`, a class of the file
that subclasses `nn.Module`, a project function of this file or another module that
returns such a call), derived from
one by indexing or by a method that keeps the kind (`df.dropna()`, `net.to(device)`,
`clf.fit(X, y)`), split out of a frame by `train_test_split`, or declared by an
annotation (a parameter `model: nn.Module`, a variable `frame: pd.DataFrame = ...`). A
variable has a kind when every definition that reaches the place asked about agrees
(engine/dataflow.py); `self.encoder` has one when every value the class assigns to it
does. Everything else is unknown (None), and rules stay quiet about unknown values.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from mlsmells.engine.dataflow import Definition, Kind
from mlsmells.engine.names import Scope
from mlsmells.engine.project import METHOD_PREFIX
from mlsmells.engine.walker import descendants
from mlsmells.knowledge.pandas_objects import CONSTRUCTORS, FRAME_METHODS, NOT_PANDAS_ATTRIBUTES, SPLITTERS
from mlsmells.knowledge.torch_models import RETURNS_MODULE, is_torch_module_class

if TYPE_CHECKING:
    from mlsmells.engine.context import FileContext


class ValueKind(enum.Enum):
    PANDAS = "a pandas DataFrame, Series or Index"
    TORCH_MODULE = "a PyTorch module"
    ESTIMATOR = "a scikit-learn-compatible estimator"
    OPTIMIZER = "a PyTorch optimizer"


PANDAS, TORCH_MODULE, ESTIMATOR, OPTIMIZER = ValueKind

#: Methods that return their receiver's kind: pandas methods returning pandas objects,
#: `nn.Module` methods returning the module, an estimator's `fit` returning the estimator.
_KEEPING = {
    PANDAS: FRAME_METHODS,
    TORCH_MODULE: RETURNS_MODULE,
    ESTIMATOR: frozenset({"fit", "set_params", "set_output"}),
}
#: Kinds whose items are of the same kind: `df[cols]`, `layers[0]` of an `nn.ModuleList`.
_INDEXED = frozenset({PANDAS, TORCH_MODULE})
#: Annotations and base classes that name a kind outright.
_DECLARED = {
    "pandas.DataFrame": PANDAS,
    "pandas.Series": PANDAS,
    "pandas.Index": PANDAS,
    "torch.nn.Module": TORCH_MODULE,
    "pytorch_lightning.LightningModule": TORCH_MODULE,
    "lightning.LightningModule": TORCH_MODULE,
    "lightning.pytorch.LightningModule": TORCH_MODULE,
    "transformers.PreTrainedModel": TORCH_MODULE,
    "sklearn.base.BaseEstimator": ESTIMATOR,
}
#: scikit-learn's modules of models (a capitalised name there is an estimator class),
#: and the estimator classes of the libraries that follow its API.
_ESTIMATOR_MODULES = tuple(
    f"sklearn.{name}."
    for name in "linear_model ensemble svm tree neighbors naive_bayes neural_network gaussian_process "
    "discriminant_analysis kernel_ridge cluster pipeline".split()
)
_ESTIMATOR_PREFIXES = ("xgboost.XGB", "lightgbm.LGBM", "catboost.CatBoost")
_MAX_DEPTH = 24


def constructed_kind(qualified: str) -> ValueKind | None:
    """The kind of what calling a library callable makes, by its qualified name."""
    if qualified in CONSTRUCTORS:
        return PANDAS
    if qualified in _DECLARED:
        return _DECLARED[qualified]
    if is_torch_module_class(qualified):
        return TORCH_MODULE
    package, _, name = qualified.rpartition(".")
    if package == "torch.optim" and name[:1].isupper() and name != "Optimizer":
        return OPTIMIZER
    if name[:1].isupper() and (qualified.startswith(_ESTIMATOR_MODULES) or qualified.startswith(_ESTIMATOR_PREFIXES)):
        return ESTIMATOR
    if qualified in ("sklearn.pipeline.make_pipeline", "imblearn.pipeline.make_pipeline"):
        return ESTIMATOR
    return None


class ValueKinds:
    """Answers `kind` for the expressions of one file, remembering each definition's kind.
    Shared by every rule of the file: `file.shared(ValueKinds)`."""

    def __init__(self, file: FileContext) -> None:
        self._file = file
        self._known: dict[int, ValueKind | None] = {}
        #: The file's classes by name: their bases, and each `self.<attribute>`'s values.
        self._classes: dict[str, list[cst.ClassDef]] | None = None
        self._class_kinds: dict[str, ValueKind | None] = {}
        #: Per class (by id): the values its methods assign to each `self.<attribute>`.
        self._self_values: dict[int, dict[str, list[cst.BaseExpression]]] = {}

    def kind(self, expr: cst.BaseExpression, scopes: Sequence[Scope] | None = None) -> ValueKind | None:
        """What `expr` certainly holds where the walk is (or in `scopes`), or None."""
        return self._expression(expr, tuple(self._file.scopes if scopes is None else scopes), 0)

    def holds(self, expr: cst.BaseExpression, kind: ValueKind, scopes: Sequence[Scope] | None = None) -> bool:
        return self.kind(expr, scopes) is kind

    # Expressions -----------------------------------------------------------------------

    def _expression(
        self,
        expr: cst.BaseExpression,
        scopes: tuple[Scope, ...],
        depth: int,
        sources: tuple[Definition, ...] | None = None,
    ) -> ValueKind | None:
        """`sources`: when `expr` is (part of) a definition's value, that definition's
        sources, which say what its names held then; where the walk is, the live ones."""
        if depth > _MAX_DEPTH:
            return None
        depth += 1
        if isinstance(expr, cst.Name):
            if sources is not None:
                definitions = tuple(source for source in sources if source.name == expr.value)
            else:
                flow = self._file.flow
                definitions = flow.reaching(expr.value, scopes) if flow is not None else ()
            return _agreed(self._definition(d, depth) for d in definitions)
        if isinstance(expr, cst.Subscript):
            kind = self._expression(expr.value, scopes, depth, sources)
            return kind if kind in _INDEXED else None
        if isinstance(expr, cst.Attribute):
            if isinstance(expr.value, cst.Name) and expr.value.value == "self":
                return self._attribute(expr.attr.value, scopes)
            kind = self._expression(expr.value, scopes, depth, sources)
            return kind if kind is PANDAS and expr.attr.value not in NOT_PANDAS_ATTRIBUTES else None
        if isinstance(expr, cst.Call):
            return self._call(expr, scopes, depth, sources)
        return None

    def _call(self, call: cst.Call, scopes: tuple[Scope, ...], depth: int, sources) -> ValueKind | None:
        func = call.func
        qualified = self._file.qualified_names(func, scopes)
        if qualified:
            if "pandas.read_excel" in qualified and _reads_many_sheets(call):
                return None  # a dict of frames, one per sheet
            kind = _agreed(constructed_kind(name) for name in qualified)
            return kind if kind is not None else self._returned_kind(call, scopes)
        if isinstance(func, cst.Attribute):
            kind = self._expression(func.value, scopes, depth, sources)
            return kind if kind is not None and func.attr.value in _KEEPING.get(kind, ()) else None
        if isinstance(func, cst.Name):
            return self._class_kind(func.value, set(), scopes[:1]) or self._returned_kind(call, scopes)
        return None

    def _returned_kind(self, call: cst.Call, scopes: tuple[Scope, ...]) -> ValueKind | None:
        """What a project function returns: `build()` returning `nn.Sequential(...)`, or
        `load(path)` returning `pd.read_csv(path).dropna()` (every method on the way keeping
        the kind)."""
        function = self._file.called_function(call, scopes)
        if function is None:
            return None
        returned = self._file.project.returned(function)
        methods = {callee.removeprefix(METHOD_PREFIX) for callee in returned if callee.startswith(METHOD_PREFIX)}
        kind = _agreed(constructed_kind(callee) for callee in returned if not callee.startswith(METHOD_PREFIX))
        return kind if kind is not None and methods <= _KEEPING.get(kind, frozenset()) else None

    # Definitions -----------------------------------------------------------------------

    def _definition(self, definition: Definition, depth: int) -> ValueKind | None:
        key = id(definition)
        if key not in self._known:
            self._known[key] = None  # a cycle through this definition proves nothing
            self._known[key] = self._decide(definition, depth)
        return self._known[key]

    def _decide(self, definition: Definition, depth: int) -> ValueKind | None:
        node = definition.node
        annotation = node.annotation if isinstance(node, cst.Param | cst.AnnAssign) else None
        if annotation is not None:
            declared = self._annotated(annotation.annotation, definition.scopes)
            if declared is not None or definition.kind is Kind.PARAM:
                return declared
        if definition.kind is Kind.UPDATE:  # `df["x"] = ...` changes `df`, not what it is
            earlier = [source for source in definition.sources if source.name == definition.name]
            return _agreed(self._definition(source, depth) for source in earlier)
        if definition.kind is not Kind.ASSIGN or definition.value is None:
            return None
        value = definition.value
        # `df = df.dropna()`: the `df` it reads is the earlier one, among its sources; the
        # live definitions would be this one, a cycle that proves nothing.
        if definition.index is None:
            return self._expression(value, definition.scopes, depth, definition.sources)
        part = self._split_input(value, definition.index, definition.scopes)
        return self._expression(part, definition.scopes, depth, definition.sources) if part is not None else None

    def _annotated(self, annotation: cst.BaseExpression, scopes: tuple[Scope, ...]) -> ValueKind | None:
        if isinstance(annotation, cst.Name) and not self._file.qualified_names(annotation, scopes):
            return self._class_kind(annotation.value, set(), scopes[:1])
        return _agreed(
            _DECLARED.get(name) or (TORCH_MODULE if is_torch_module_class(name) else None)
            for name in self._file.qualified_names(annotation, scopes)
        )

    def _split_input(self, value: cst.BaseExpression, index: int, scopes: tuple[Scope, ...]) -> cst.BaseExpression | None:
        """For `train, test = train_test_split(df)`: the input whose part output `index` is."""
        if not isinstance(value, cst.Call) or not SPLITTERS.intersection(self._file.qualified_names(value.func, scopes)):
            return None
        arrays = [arg.value for arg in value.args if arg.keyword is None and not arg.star]
        return arrays[index // 2] if index // 2 < len(arrays) else None

    # The file's classes -----------------------------------------------------------------

    def _class_kind(self, name: str, seen: set[str], module: tuple[Scope, ...]) -> ValueKind | None:
        """The kind of an instance of the file's class `name`: its bases' (every class of
        that name agreeing, if several), resolved in the `module` scope."""
        if name in self._class_kinds:
            return self._class_kinds[name]
        classes = self._file_classes().get(name)
        if not classes or name in seen:
            return None
        seen.add(name)
        kinds = []
        for node in classes:
            bases = [arg.value for arg in node.bases if arg.keyword is None]
            kinds.append(_first(self._base_kind(base, module, seen) for base in bases))
        kind = _agreed(kinds)
        if module:  # asked with no scope to resolve in, the answer is not the class's
            self._class_kinds[name] = kind
        return kind

    def _base_kind(self, base: cst.BaseExpression, scopes: tuple[Scope, ...], seen: set[str]) -> ValueKind | None:
        qualified = self._file.qualified_names(base, scopes)
        if qualified:
            return _agreed(_DECLARED.get(name) or constructed_kind(name) for name in qualified)
        return self._class_kind(base.value, seen, scopes) if isinstance(base, cst.Name) else None

    def _attribute(self, attribute: str, scopes: tuple[Scope, ...]) -> ValueKind | None:
        """`self.encoder` inside a class: the kind every value the class assigns to it makes."""
        owner = next((scope.node for scope in reversed(scopes) if isinstance(scope.node, cst.ClassDef)), None)
        if owner is None:
            return None
        if id(owner) not in self._self_values:
            self._self_values[id(owner)] = _assigned_to_self(owner)
        values = self._self_values[id(owner)].get(attribute, [])
        return _agreed(self._constructed(value, scopes[:1]) for value in values)

    def _constructed(self, value: cst.BaseExpression, scopes: tuple[Scope, ...]) -> ValueKind | None:
        """The kind of a value made by a call written out (`nn.Linear(...)`, `Net().to(d)`)."""
        if not isinstance(value, cst.Call):
            return None
        return self._call(value, scopes, 0, ())

    def _file_classes(self) -> dict[str, list[cst.ClassDef]]:
        if self._classes is None:
            self._classes = {}
            for node in descendants(self._file.module):
                if isinstance(node, cst.ClassDef):
                    self._classes.setdefault(node.name.value, []).append(node)
        return self._classes


def _assigned_to_self(owner: cst.ClassDef) -> dict[str, list[cst.BaseExpression]]:
    """The values the methods of a class assign to each `self.<attribute>`, in one walk."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for node in descendants(owner.body):
        if isinstance(node, cst.Assign):
            targets = [target.target for target in node.targets]
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        for target in targets:
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
                found.setdefault(target.attr.value, []).append(node.value)
    return found


def _reads_many_sheets(call: cst.Call) -> bool:
    """`pd.read_excel(path, sheet_name=None)` or with a list of sheets returns a dict of
    DataFrames, not a DataFrame: `sheets[name]` is a dict lookup."""
    sheet = next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == "sheet_name"), None)
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if sheet is None and len(positional) > 1:
        sheet = positional[1]
    return isinstance(sheet, cst.List | cst.Tuple) or (isinstance(sheet, cst.Name) and sheet.value == "None")


def _agreed(kinds: Iterable[ValueKind | None]) -> ValueKind | None:
    """The one kind all of `kinds` are, or None (also when there are none)."""
    found = set(kinds)
    return found.pop() if len(found) == 1 else None


def _first(kinds: Iterable[ValueKind | None]) -> ValueKind | None:
    return next((kind for kind in kinds if kind is not None), None)
