"""MLS311 to MLS313 and MLS315: leakage between the data a model learns from and the data
it is judged on, and the scaling that belongs in the same pipeline. A preprocessor fitted
before the split, or anything fitted on the held-out part, lets test rows shape training,
and the reported score flatters the model (SLR-CM06, ZHANG22-21, META-E1); a
scale-sensitive model trained without a scaler learns mostly from the widest feature
(ZHANG22-10).

The rules follow values with the def-use layer (engine/dataflow.py) and agree on the
ML APIs through knowledge/ml_api.py: which calls split data, which classes are preprocessors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from mlsmells.engine.calls import argument, callee_name, keyword_arg, keyword_literal
from mlsmells.engine.dataflow import Definition, Kind, ancestry, names_read
from mlsmells.engine.project import METHOD_PREFIX
from mlsmells.engine.walker import descendants
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.data_origins import loader_call
from mlsmells.knowledge.ml_api import (
    CROSS_VALIDATION,
    LEARNING_FUNCTIONS,
    PREDICTION_METHODS,
    PIPELINES,
    PREPROCESSORS,
    RESAMPLING_FUNCTIONS,
    SPLIT_FUNCTIONS,
    SPLITTER_CLASSES,
    STATISTIC_FUNCTIONS,
    STATISTIC_METHODS,
    constructed_classes,
    first_argument,
    is_loader,
    method_call,
)
from mlsmells.knowledge.string_values import HOLE, PATH_JOINS, SAME_PATH
from mlsmells.rule import Rule

#: Methods that learn from the data they are given (`partial_fit` and `fit_predict` are
#: left out: streaming updates and clustering a set are not what these rules are about).
_LEARNING = frozenset({"fit", "fit_transform", "fit_resample"})
#: What a project function returns when it fits a preprocessor and hands back its output.
_HELPER_FITS = frozenset({METHOD_PREFIX + "fit_transform", METHOD_PREFIX + "fit_resample"})
#: Methods by which a fitted preprocessor applies what it learned.
_APPLYING = frozenset({"transform", "resample"})
#: Methods whose result is a model's output, not the data it was given: a calibrator or a
#: stacked model fitted on held-out predictions is the usual, correct design.
_PREDICTIONS = PREDICTION_METHODS | {"score", "evaluate"}
#: Preprocessors that learn nothing from the rows they are fitted on: they work row by
#: row or only count the input features.
_STATELESS = frozenset(
    {
        *(
            f"sklearn.preprocessing.{name}"
            for name in ("Normalizer", "Binarizer", "FunctionTransformer", "PolynomialFeatures")
        ),
        "sklearn.feature_extraction.text.HashingVectorizer",
        # Random undersampling only drops rows: nothing learned from them reaches the others.
        "imblearn.under_sampling.RandomUnderSampler",
    }
)
#: Estimators that chain or combine preprocessors: they learn what their steps learn.
_COMPOSITES = PIPELINES | frozenset(
    {
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.make_union",
        "sklearn_pandas.DataFrameMapper",
    }
)
#: Label encoders are meant for the target: encoding the whole target before a split
#: learns its classes, nothing about the features.
_LABEL_ENCODERS = frozenset(
    f"sklearn.preprocessing.{name}" for name in ("LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer")
)
#: Encoders that only learn a vocabulary or a list of categories unless told to drop rare
#: ones (the keywords): a word or category seen only in test rows gets a column that is
#: zero in every training row, so fitting them before the split changes no model.
_VOCABULARY_ONLY = {
    "sklearn.feature_extraction.text.CountVectorizer": frozenset({"max_features", "min_df", "max_df"}),
    "sklearn.feature_extraction.DictVectorizer": frozenset(),
    "sklearn.preprocessing.OneHotEncoder": frozenset({"min_frequency", "max_categories"}),
    "sklearn.preprocessing.OrdinalEncoder": frozenset({"min_frequency", "max_categories"}),
}
#: Keras' image generator learns statistics in `fit` only when asked to (the keywords).
_IMAGE_GENERATORS = frozenset(
    {
        "keras.preprocessing.image.ImageDataGenerator",
        "tensorflow.keras.preprocessing.image.ImageDataGenerator",
        "keras.src.legacy.preprocessing.image.ImageDataGenerator",
    }
)
_IMAGE_STATISTICS = frozenset({"featurewise_center", "featurewise_std_normalization", "zca_whitening"})
#: Functions that build an array from a shape: `np.empty((len(X_val), 3))` holds none of
#: `X_val`'s values.
_FROM_SHAPE = frozenset(
    f"numpy.{name}"
    for name in ("empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like", "full_like")
)


def _short(qualified: str) -> str:
    return qualified.rpartition(".")[2]


#: Methods whose statistics are per window or per group, not over the rows as a whole.
_WINDOWS = frozenset({"rolling", "expanding", "ewm", "resample", "groupby"})


def _per_row_or_window(call: cst.Call, axis_position: int | None) -> bool:
    """A statistic along rows (`axis=1`) or per window or group (`df.x.rolling(7).mean()`,
    `df.groupby("store").sales.mean()`): it learns nothing about the other rows as a whole,
    or is a feature of its own (a per-group aggregate), so it is left alone.
    `axis_position` is where a function takes `axis` positionally (methods: keyword only)."""
    axis = keyword_arg(call, "axis")
    value = axis.value if axis is not None else None
    if value is None and axis_position is not None:
        value = argument(call, axis_position, "axis")
    if value is not None and not (
        _integer(value) == 0 or (isinstance(value, cst.SimpleString) and value.evaluated_value == "index")
    ):
        return True
    receiver = call.func
    while isinstance(receiver, cst.Attribute | cst.Call | cst.Subscript):
        if isinstance(receiver, cst.Call) and method_call(receiver, _WINDOWS):
            return True
        receiver = receiver.func if isinstance(receiver, cst.Call) else receiver.value
    return False


def _brief(code: str, width: int = 40) -> str:
    """Code for a message, cut to `width` characters on one line."""
    code = " ".join(code.split())
    return code if len(code) <= width else code[: width - 3] + "..."


def _data_names(expr: cst.BaseExpression) -> set[str] | None:
    """The variables whose data a chain of subscripts, attributes and method calls reads:
    `X` in `X[cols].values.reshape(-1, 1)` (not `cols`, which only picks columns), `scaler`
    and `X` in `scaler.transform(X)`. None when the chain does not start at a variable."""
    names: set[str] = set()
    while True:
        if isinstance(expr, cst.Name):
            names.add(expr.value)
            return names
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            names.update(name.value for arg in expr.args for name in names_read(arg.value))
            expr = expr.func.value
        elif isinstance(expr, cst.Attribute | cst.Subscript):
            expr = expr.value
        else:
            return None


def _integer(expr: cst.BaseExpression) -> int | None:
    """The value of an integer literal such as `1` or `-1`."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        value = _integer(expr.expression)
        return None if value is None else -value
    return int(expr.value) if isinstance(expr, cst.Integer) and expr.value.isdigit() else None


def _one_feature(expr: cst.BaseExpression) -> bool:
    """Whether `expr` selects a single feature, which no scale can outweigh:
    `df[["gdp"]]`, `df[["gdp"]].values` or `x.reshape(-1, 1)`."""
    while True:
        if isinstance(expr, cst.Subscript):
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                index = expr.slice[0].slice.value
                if isinstance(index, cst.List) and len(index.elements) == 1:
                    return True
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value == "reshape" and [_integer(arg.value) for arg in expr.args] == [-1, 1]:
                return True
            expr = expr.func.value
        elif isinstance(expr, cst.Attribute):
            expr = expr.value
        else:
            return False


class _LeakageRule(Rule):
    """What the leakage rules share: knowing split outputs and where data came from."""

    family = Family.DATA
    uses_dataflow = True
    required_modules = frozenset({"sklearn", "imblearn"})

    def _split_part(self, definition: Definition) -> str | None:
        """"test" or "train" when `definition` is an output of `train_test_split`
        unpacked into names (`X_train, X_test, y_train, y_test = ...`), else None."""
        value = definition.value
        if definition.kind is not Kind.ASSIGN or definition.index is None or not isinstance(value, cst.Call):
            return None
        if not self._splits(value, definition.scopes):
            return None
        return "test" if definition.index % 2 else "train"

    def _splits(self, call: cst.Call, scopes=None) -> bool:
        """Whether `call` is `train_test_split`, or a project function returning what it
        returns (`def split(df): return train_test_split(...)`)."""
        if SPLIT_FUNCTIONS.intersection(self.file.qualified_names(call.func, scopes)):
            return True
        function = self.file.called_function(call, scopes)
        return function is not None and bool(SPLIT_FUNCTIONS & self.file.project.returned(function))

    def lineage(self, definitions: Iterable[Definition], limit: int = 2000) -> Iterator[Definition]:
        """`definitions` and the definitions holding the data they were computed from, like
        `dataflow.ancestry` but along the data only: `X_train[cols]` comes from `X_train`, not
        from `cols`; an output of `train_test_split` from the array it splits. Not through a
        model's predictions (`model.predict(X_test)` is new data), arrays built from a shape
        (`np.zeros(len(X_test))`) or loop variables (`for X in (X_train, X_test)` does not say
        which one an iteration holds)."""
        return ancestry(definitions, self._data_sources, limit)

    def _data_sources(self, definition: Definition) -> tuple[Definition, ...]:
        """The sources of `definition` that its data comes from (see `lineage`)."""
        if definition.kind is Kind.LOOP:
            return ()
        value = definition.value
        if value is None or definition.kind not in (Kind.ASSIGN, Kind.UPDATE):
            return definition.sources
        if isinstance(value, cst.Call) and (
            method_call(value, _PREDICTIONS)
            or _FROM_SHAPE.intersection(self.file.qualified_names(value.func, definition.scopes))
        ):
            if definition.kind is Kind.ASSIGN:
                return ()
            # `preds[:, i] = model.predict(X_val)` keeps only what `preds` held before.
            return tuple(source for source in definition.sources if source.name == definition.name)
        if definition.kind is Kind.UPDATE:
            return definition.sources
        if isinstance(value, cst.Call) and self._split_part(definition) is not None:
            arrays = [arg.value for arg in value.args if arg.keyword is None and not arg.star]
            index = definition.index // 2
            if not SPLIT_FUNCTIONS.intersection(self.file.qualified_names(value.func, definition.scopes)):
                return definition.sources  # a project function that splits: its arguments, as a whole
            if index >= len(arrays):
                return ()
            names = {name.value for name in names_read(arrays[index])}
            return tuple(source for source in definition.sources if source.name in names)
        if isinstance(value, cst.Subscript | cst.Attribute | cst.Call):
            names = _data_names(value)
            if names is not None:
                return tuple(source for source in definition.sources if source.name in names)
        return definition.sources

    def _constructors(self, receiver: cst.BaseExpression) -> list[cst.Call]:
        """The calls that made the object `receiver` holds: itself, or its variable's values."""
        if isinstance(receiver, cst.Call):
            return [receiver]
        if isinstance(receiver, cst.Name) and self.file.flow is not None:
            return [d.value for d in self.file.flow.reaching(receiver.value) if isinstance(d.value, cst.Call)]
        return []

    def _constructor_keywords(self, receiver: cst.BaseExpression) -> set[str]:
        """The keywords the object `receiver` holds was constructed with."""
        return {arg.keyword.value for call in self._constructors(receiver) for arg in call.args if arg.keyword is not None}

    def _leaky_preprocessor(self, receiver: cst.BaseExpression, classes: Iterable[str]) -> str | None:
        """The short class name when `receiver` is a preprocessor whose fit on held-out rows
        changes what it does to training rows; None for anything else, label encoders,
        stateless preprocessors and vocabulary-only encoders. A pipeline or union answers
        for its steps: "`make_pipeline` with `StandardScaler`"."""
        classes = tuple(classes)
        composite = _COMPOSITES.intersection(classes)
        if composite:
            step = self._leaky_step(receiver)
            return f"{_short(min(composite))}` with `{step}" if step else None
        preprocessors = [name for name in classes if name in PREPROCESSORS]
        if not preprocessors or _LABEL_ENCODERS.intersection(classes) or self._learns_nothing(receiver, classes):
            return None
        rare_options = _VOCABULARY_ONLY.get(preprocessors[0])
        if rare_options is not None and not self._constructor_keywords(receiver) & rare_options:
            return None
        return _short(preprocessors[0])

    def _leaky_step(self, composite: cst.BaseExpression, depth: int = 0) -> str | None:
        """A leaky preprocessor among the steps a pipeline or union was built with,
        written in place (`make_pipeline(StandardScaler(), SVC())`) or named
        (`("scale", scaler)`)."""
        for constructor in self._constructors(composite):
            for node in descendants(constructor):
                if node is constructor or not isinstance(node, cst.Call | cst.Name):
                    continue
                classes = constructed_classes(self.file, node)
                if _COMPOSITES.intersection(classes):
                    # Written in place, its steps are among these descendants; named, follow it.
                    step = self._leaky_step(node, depth + 1) if isinstance(node, cst.Name) and depth < 3 else None
                else:
                    step = self._leaky_preprocessor(node, classes)
                if step is not None:
                    return step
        return None

    def _learns_nothing(self, receiver: cst.BaseExpression, classes: Iterable[str]) -> bool:
        """Whether fitting the object on test rows could not change what it does to others."""
        classes = set(classes)
        if classes & _STATELESS:
            return True
        if classes & _IMAGE_GENERATORS:
            return not self._constructor_keywords(receiver) & _IMAGE_STATISTICS
        return False

    def _data_definitions(self, expr: cst.BaseExpression) -> tuple[Definition, ...]:
        """The definitions of the variable holding the data `expr` passes on: `X` for `X`,
        `df[cols]`, `X.values` or `np.asarray(X)`."""
        flow = self.file.flow
        while flow is not None:
            found = flow.definitions(expr)
            if found or not (isinstance(expr, cst.Call) and expr.args) or expr.args[0].keyword or expr.args[0].star:
                return found
            expr = expr.args[0].value
        return ()

    def _where(self, node: cst.CSTNode) -> str:
        """Where the walk is, for naming a place in a message: a cell or a line."""
        if self.file.notebook is not None and self.file.cell is not None:
            return f"cell {self.file.cell}"
        return f"line {self.file.span_of(node).line}"


# MLS312: test sets loaded from their own file ------------------------------------------------

#: Words that name a held-out set in a file name, a directory or a dataset split.
_HELD_OUT_WORDS = frozenset({"test", "testing", "holdout", "eval", "evaluation"})
#: Words that name training, validation or combined data: with one of them a name does not
#: say "test set alone" (`train_test.csv`, `test_val_split.csv`, `all_test_full.csv`).
_TRAINING_WORDS = frozenset({"train", "training", "trn", "dev", "val", "valid", "validation", "full", "all"})
#: Loaders of archives and dataset dictionaries whose items are named by split:
#: `np.load("mnist.npz")["x_test"]`, `load_dataset("imdb")["test"]` (a pandas column
#: named "test" is not a split).
_SPLIT_CONTAINERS = frozenset({"numpy.load", "datasets.load_dataset", "datasets.load_from_disk"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _words(text: str) -> list[str]:
    """The lower-case words of a name, split at anything but letters and at capitals:
    `X_test2` -> x, test; `testData` -> test, data; `latest` and `contest_data` keep
    `latest` and `contest` whole."""
    return [word.lower() for word in _WORD.findall(text)]


def _names_held_out(text: str) -> bool:
    """Whether a split name or a dataset key names a held-out set: `test`, `x_test`,
    `test[:10%]`, not `train_test` (both) or `latest`."""
    words = set(_words(text))
    return bool(words & _HELD_OUT_WORDS) and not words & _TRAINING_WORDS


def _held_out_path(path: str) -> bool:
    """Whether a path names a held-out file: its file name has a held-out word and no
    training word (`data/test.csv`, `X_test.npy`, `holdout_2019.parquet`), or a directory
    on the way is one (`data/test/features.csv`) and the file name is not training data."""
    *directories, name = re.split(r"[/\\]", path)
    stem = name
    while re.search(r"\.[A-Za-z0-9]{1,7}$", stem) and not _names_held_out(stem.rpartition(".")[2]):
        stem = stem.rpartition(".")[0]  # `test.csv.gz` -> `test`
    if set(_words(stem)) & _TRAINING_WORDS:
        return False
    if _names_held_out(stem):
        return True
    return any(directory.lower() in _HELD_OUT_WORDS for directory in directories if HOLE not in directory)


#: Encoders that learn only which categories exist: refitting one on a test file's column
#: gives codes that may not match the training ones, but learns no statistic of its rows.
_CATEGORY_CODERS = frozenset({"sklearn.preprocessing.LabelEncoder", "sklearn.preprocessing.OrdinalEncoder"})


def _only_codes(classes: frozenset[str]) -> bool:
    return bool(classes) and classes <= _CATEGORY_CODERS


def _string_key(subscript: cst.Subscript) -> str | None:
    """The string a subscript indexes by: `"test"` in `splits["test"]`."""
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    key = subscript.slice[0].slice.value
    value = key.evaluated_value if isinstance(key, cst.SimpleString) else None
    return value if isinstance(value, str) else None


class FitOnTest(_LeakageRule):
    """
    `fit`, `fit_transform` or `fit_resample` called on data that came from the held-out
    part of a `train_test_split`: the second (fourth, ...) output it was unpacked into, or
    anything computed from it, such as `scaler.fit_transform(X_test)` or
    `model.fit(X_test, y_test)`. The data is followed through assignments in the same
    module or notebook; a variable merely *named* `X_test` is not enough.

    A test set loaded from its own file counts too: data read by `pd.read_csv`,
    `read_parquet`, `np.load` and the other loaders from a path whose file name has the word
    `test`, `testing`, `holdout`, `eval` or `evaluation` (`data/test.csv`, `X_test.npy`, not
    `latest.csv`) or that lies in a directory so named, a `load_dataset(..., split="test")`,
    or the `"test"` item of a dataset dictionary or `.npz` archive (`splits["test"]`,
    `arrays["x_test"]`), and anything computed from it alone. It is reported only when the
    file also fits the same object, a preprocessor of the same class, or a model on other
    data, which shows the test set is held out.
    """

    code = "MLS312"
    name = "fit-on-test"
    severity = Severity.WARNING
    summary = "A model or preprocessor is fitted on the test or validation part of a split."
    challenges = ("SLR-CM06",)
    why = (
        "The held-out part of a split is there to measure how the model does on data it has "
        "not seen. Fitting anything on it, even a scaler refitted with `fit_transform(X_test)`, "
        "puts test information into the pipeline: the test score is no longer an honest "
        "estimate, and a refitted scaler also maps test rows differently from training rows. "
        "SLR-CM06 names leakage between training and validation data as a challenge."
    )
    bad = (
        '''
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        frame = pd.read_csv("churn.csv")
        X_train, X_test, y_train, y_test = train_test_split(
            frame.drop(columns="churned"), frame["churned"], test_size=0.2, random_state=7
        )
        scaler = StandardScaler()
        X_train = scaler.fit_transform(X_train)
        X_test = scaler.fit_transform(X_test)
                 ^^^^^^^^^^^^^^^^^^^^
        model = LogisticRegression().fit(X_train, y_train)
        print(model.score(X_test, y_test))
        ''',
        '''
        import pandas as pd
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.impute import SimpleImputer

        train = pd.read_csv("data/train.csv")
        test = pd.read_csv("data/test.csv")
        features = ["rooms", "area", "year_built"]
        imputer = SimpleImputer(strategy="median")
        X_train = imputer.fit_transform(train[features])
        X_test = imputer.fit_transform(test[features])
                 ^^^^^^^^^^^^^^^^^^^^^
        model = RandomForestRegressor().fit(X_train, train["price"])
        predictions = model.predict(X_test)
        ''',
    )
    good = (
        '''
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        frame = pd.read_csv("churn.csv")
        X_train, X_test, y_train, y_test = train_test_split(
            frame.drop(columns="churned"), frame["churned"], test_size=0.2, random_state=7
        )
        scaler = StandardScaler()
        X_train = scaler.fit_transform(X_train)
        X_test = scaler.transform(X_test)
        model = LogisticRegression().fit(X_train, y_train)
        print(model.score(X_test, y_test))
        ''',
    )
    use_instead = (
        "Fit on the training part only and apply the fitted object to the held-out part: "
        "`scaler.fit_transform(X_train)` then `scaler.transform(X_test)`. Pass validation "
        "data as such (`validation_data=`, `eval_set=`), never as what is fitted."
    )
    limitations = (
        "Only the outputs of `train_test_split`, or of a project function returning what it "
        "returns, unpacked into names, and test sets loaded from a file or split whose path or "
        "name says so are known as held-out parts; index "
        "arrays from `KFold.split` and manual slicing are not followed. Data that combines both "
        "parts of a split (a vectorizer fitted on train and test text together, a final model "
        "refitted on everything) is not reported, and neither is anything fitted on a model's "
        "predictions for the held-out part (calibration, stacking) or on a target computed from "
        "them (a model of another model's residuals), a calibrator or conformal wrapper of a "
        "model fitted before (`cv=\"prefit\"`, a `FrozenEstimator`, an estimator fitted earlier) "
        "fitted on its calibration part, a model that is fitted on one "
        "half and then predicts the other half (two-fold cross-fitting), a part whose name says "
        "`train` (`df_test, df_train = train_test_split(df, test_size=0.7)`), or a preprocessor "
        "that learns nothing from rows (`PolynomialFeatures`, `Normalizer`, an "
        "`ImageDataGenerator` without feature-wise statistics). A test file counts only when "
        "its path is a literal, or built from literals and names assigned once (not a setting "
        "or a parameter), and only when the file also fits on other data: a script whose only "
        "data is a `test.csv` is not reported, nor is test code (fixtures are often named "
        "`test_*`), data combining the test file with other data (`pd.concat([train, test])`), "
        "data passed through a loop over both sets or a function, a model fitted on "
        "pseudo-labels predicted for the test set, or a `LabelEncoder` or `OrdinalEncoder` "
        "refitted on a test file's column (its codes may differ from the training ones, but "
        "it learns no statistic of the rows)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Fits on a held-out part: (call, method, held-out definition, receiver name).
        self._pending: list[tuple[cst.Call, str, Definition, str | None]] = []
        #: Fits on a test set loaded from its own file: (call, method, loaded definition,
        #: how it was loaded, receiver name, receiver classes).
        self._test_file_fits: list[tuple[cst.Call, str, Definition, str, str | None, frozenset[str]]] = []
        #: Fits on other data: (receiver name, receiver classes, whether it is a model).
        self._trained: list[tuple[str | None, frozenset[str], bool]] = []

    def visit_Call(self, node: cst.Call) -> None:
        method = method_call(node, _LEARNING)
        if method:
            self._check_fit(node, method)

    def leave_Call(self, node: cst.Call) -> None:
        # On leaving, so that in `model.fit(X2, y2).predict(X1)` the fit is seen first.
        if self._pending and method_call(node, _PREDICTIONS):
            self._note_prediction(node)

    def _check_fit(self, node: cst.Call, method: str) -> None:
        data = first_argument(node)
        flow = self.file.flow
        if data is None or flow is None:
            return
        receiver = node.func.value
        if self._learns_nothing(receiver, constructed_classes(self.file, receiver)) or self._calibrates(receiver):
            return
        target = argument(node, 1, "y")
        if target is not None and any(isinstance(n, cst.Call) and method_call(n, _PREDICTIONS) for n in descendants(target)):
            return  # a model of another model's errors (residuals, stacking): the split's purpose
        held_out: Definition | None = None
        splits_with_train: set[int] = set()
        for definition in self.lineage(flow.sources(data)):
            part = self._split_part(definition)
            if part == "test" and held_out is None and "train" not in definition.name.lower():
                # `df_test, df_train = train_test_split(df, test_size=0.7)`: the parts swapped
                held_out = definition
            elif part == "train":
                splits_with_train.add(id(definition.value))
        if held_out is None:
            self._check_test_file_fit(node, method, data)
        elif id(held_out.value) not in splits_with_train:  # else both parts recombined: a final refit
            self._pending.append((node, method, held_out, callee_name(receiver)))

    def _check_test_file_fit(self, node: cst.Call, method: str, data: cst.BaseExpression) -> None:
        """Note a fit on a test set loaded from its own file, and any fit on other data (the
        evidence, at the end of the file, that the test set is held out). Not in test code,
        where a file named `test_data.csv` is a fixture, not a held-out set."""
        if self.file.in_tests:
            return
        receiver = node.func.value
        classes = frozenset(constructed_classes(self.file, receiver))
        origin, other = self._test_file_origin(data)
        if other:
            model = not classes & PREPROCESSORS and (bool(classes) or argument(node, 1, "y") is not None)
            self._trained.append((callee_name(receiver), classes, model))
        elif origin is not None and not self._pseudo_labels(node) and not _only_codes(classes):
            definition, where = origin
            self._test_file_fits.append((node, method, definition, where, callee_name(receiver), classes))

    def _test_file_origin(self, data: cst.BaseExpression) -> tuple[tuple[Definition, str] | None, bool]:
        """Where the test set the data comes from was loaded (its definition and a phrase
        naming the file or split), and whether the data also comes from anything else: a
        file or split that is not a test set, or a part of a `train_test_split`."""
        flow = self.file.flow
        origins: dict[int, str] = {}
        other = False

        def follow(definition: Definition) -> tuple[Definition, ...]:
            nonlocal other
            where = self._loaded_as_test(definition)
            if where is not None:
                origins[id(definition)] = where
                return ()
            if self._split_part(definition) is not None or loader_call(self.file, definition) is not None:
                other = True
            return self._data_sources(definition)

        walked = list(ancestry(flow.sources(data), follow))  # `follow` runs as the walk goes on
        found = next(((d, origins[id(d)]) for d in walked if id(d) in origins), None)
        return found, other

    def _loaded_as_test(self, definition: Definition) -> str | None:
        """How `definition` was loaded as a test set, for a message: "from the test file
        `data/test.csv`", "as the `test` split of `load_dataset(\"imdb\")`"; None when it
        was not (or not directly: `X = test[cols]` is derived, not loaded)."""
        if definition.kind is not Kind.ASSIGN or definition.index is not None:
            return None
        value = definition.value
        while isinstance(value, cst.Subscript | cst.Attribute | cst.Call):
            if isinstance(value, cst.Subscript):
                key = _string_key(value)
                if key is not None and _names_held_out(key) and self._split_container(value.value, definition):
                    return f"as the `{key}` split of `{_brief(self.file.module.code_for_node(value.value))}`"
                value = value.value
            elif isinstance(value, cst.Attribute):
                value = value.value
            elif is_loader(self.file, value, definition.scopes):
                return self._held_out_load(value, definition)
            else:
                value = value.func.value if isinstance(value.func, cst.Attribute) else None
        return None

    def _held_out_load(self, load: cst.Call, definition: Definition) -> str | None:
        """How a loading call reads a test set: by its `split=` or by its path."""
        split = keyword_literal(load, "split")
        if isinstance(split, str):
            return f"as the `{split}` split" if _names_held_out(split) else None
        path = first_argument(load, "filepath_or_buffer")
        text = self._path_text(path, definition.scopes) if path is not None else HOLE
        if not _held_out_path(text):
            return None
        shown = text if HOLE not in text else self.file.module.code_for_node(path)
        return f"from the test file `{_brief(shown, 60)}`"

    def _split_container(self, expr: cst.BaseExpression, definition: Definition) -> bool:
        """Whether `expr` is an archive or dataset dictionary whose keys name splits, made in
        place or held by a variable: `np.load(path)`, `load_dataset("imdb")`."""
        if isinstance(expr, cst.Call):
            return bool(_SPLIT_CONTAINERS.intersection(self.file.qualified_names(expr.func, definition.scopes)))
        if not isinstance(expr, cst.Name) or self.file.flow is None:
            return False
        reaching = self.file.flow.reaching(expr.value, definition.scopes)
        return bool(reaching) and all(
            d.kind is Kind.ASSIGN and isinstance(d.value, cst.Call) and self._split_container(d.value, d) for d in reaching
        )

    def _path_text(self, expr: cst.BaseExpression, scopes, depth: int = 0) -> str:
        """The path `expr` holds, folded from literals, f-strings, `+`, `/`, `os.path.join`
        and `Path(...)` of those, and names assigned once; `HOLE` for what is known only at
        run time (a parameter, a setting)."""
        if depth > 6:
            return HOLE
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            return value if isinstance(value, str) else HOLE
        if isinstance(expr, cst.ConcatenatedString):
            return self._path_text(expr.left, scopes, depth + 1) + self._path_text(expr.right, scopes, depth + 1)
        if isinstance(expr, cst.FormattedString):
            return "".join(part.value if isinstance(part, cst.FormattedStringText) else HOLE for part in expr.parts)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add | cst.Divide):
            joint = "/" if isinstance(expr.operator, cst.Divide) else ""
            return self._path_text(expr.left, scopes, depth + 1) + joint + self._path_text(expr.right, scopes, depth + 1)
        if isinstance(expr, cst.Call):
            names = set(self.file.qualified_names(expr.func, scopes))
            parts = [arg.value for arg in expr.args if arg.keyword is None and not arg.star]
            if names & PATH_JOINS and parts:
                return "/".join(self._path_text(part, scopes, depth + 1) for part in parts)
            if names & SAME_PATH and len(parts) == 1:
                return self._path_text(parts[0], scopes, depth + 1)
            return HOLE
        if isinstance(expr, cst.Name) and self.file.flow is not None:
            reaching = self.file.flow.reaching(expr.value, scopes)
            if len(reaching) == 1 and reaching[0].kind is Kind.ASSIGN and reaching[0].index is None:
                return self._path_text(reaching[0].value, reaching[0].scopes, depth + 1)
        return HOLE

    def _pseudo_labels(self, node: cst.Call) -> bool:
        """Whether the target of a fit comes from a model's predictions (pseudo-labelling the
        test set is a method, not a leak)."""
        target = argument(node, 1, "y")
        if target is None or self.file.flow is None:
            return False
        return any(
            isinstance(n, cst.Call) and method_call(n, _PREDICTIONS)
            for definition in self.lineage(self.file.flow.sources(target))
            if definition.value is not None
            for n in descendants(definition.value)
        )

    def _held_out_by_training(self, receiver: str | None, classes: frozenset[str]) -> bool:
        """Whether the file shows the test set is held out: the same object, or a
        preprocessor of the same class, is fitted on other data, or a model is."""
        return any(
            model or (receiver is not None and name == receiver) or bool(classes & trained)
            for name, trained, model in self._trained
        )

    def _calibrates(self, receiver: cst.BaseExpression) -> bool:
        """Whether `receiver` calibrates a model fitted before: built with `cv="prefit"` (as
        scikit-learn's `CalibratedClassifierCV` and MAPIE's conformal wrappers take it),
        around a `FrozenEstimator`, or given an estimator already fitted (`estimator=est`
        after `est = GaussianNB().fit(...)`). Fitting it on a held-out part is the method."""
        for constructor in self._constructors(receiver):
            if keyword_literal(constructor, "cv") == "prefit":
                return True
            wrapped = argument(constructor, 0, "estimator")
            if wrapped is not None and self._fitted(wrapped):
                return True
            if any(
                isinstance(node, cst.Call) and any(name.endswith(".FrozenEstimator") for name in self.file.qualified_names(node.func))
                for arg in constructor.args
                for node in descendants(arg.value)
            ):
                return True
        return False

    def _fitted(self, estimator: cst.BaseExpression) -> bool:
        """Whether `estimator` holds a model fitted before: `Model().fit(...)`, or a name
        bound to one."""
        values = [estimator]
        if isinstance(estimator, cst.Name) and self.file.flow is not None:
            values = [d.value for d in self.file.flow.reaching(estimator.value)]
        return bool(values) and all(isinstance(value, cst.Call) and method_call(value, _LEARNING) for value in values)

    def _note_prediction(self, node: cst.Call) -> None:
        """A model fitted on one half of a split that then predicts the other half is two-fold
        cross-fitting (`model.fit(X2, y2).predict(X1)`, out-of-fold stacking), not a leak."""
        receiver = node.func.value
        if isinstance(receiver, cst.Call) and method_call(receiver, _LEARNING):
            receiver = receiver.func.value
        name = callee_name(receiver)
        data = first_argument(node)
        if name is None or data is None or self.file.flow is None:
            return
        splits = {
            id(definition.value)
            for definition in self.lineage(self.file.flow.sources(data))
            if self._split_part(definition) == "train"
        }
        self._pending = [
            fit for fit in self._pending if not (fit[3] == name and id(fit[2].value) in splits)
        ]

    def end_file(self) -> None:
        for node, method, held_out, _ in self._pending:
            self.report(
                node.func,
                f"`{method}` learns from data derived from `{held_out.name}`, the held-out part of a "
                "`train_test_split`, so test information leaks into the pipeline; fit on the training "
                f"part and only transform or predict on `{held_out.name}`",
            )
        for node, method, loaded, where, receiver, classes in self._test_file_fits:
            if self._held_out_by_training(receiver, classes):
                self.report(
                    node.func,
                    f"`{method}` learns from data derived from `{loaded.name}`, loaded {where}, while "
                    "this file trains on other data: fitting on the test set learns statistics from the "
                    f"held-out rows; fit on the training data only and use `transform` or `predict` on `{loaded.name}`",
                )


@dataclass
class _Fit:
    """A preprocessor fitted on some data, waiting to see whether that data is split later
    and whether what it learned reaches the model: through the data its fitting statement
    binds (`X = scaler.fit_transform(X)`) or a `transform` by the fitted object, before the
    split or after it (`scaler.transform(X_train)`). A PCA fitted to draw a plot is not a leak."""

    call: cst.Call
    preprocessor: str
    data: frozenset[int]
    #: The binding statement the fit is in, and those of the fitted object's transforms.
    statements: list[cst.CSTNode]
    #: The definitions (by id) holding the fitted object: `scaler` in `scaler.fit(X)`.
    objects: frozenset[int]
    #: The split the data reached, for the message, while no transform has shown yet.
    split: str | None = None
    reported: bool = False


@dataclass
class _Learned:
    """Statistics learned from some rows in one call and written into data: by hand
    (`df["Age"].fillna(df["Age"].median())`, `(X - X.mean()) / X.std()`), by a function-form
    scaler (`preprocessing.scale(X)`), or rows drawn with replacement (`resample(X)`).

    They leak only if they reach the data that is split: through the definitions the
    binding `statement` makes, or the variables an in-place call changes (`carriers`).
    """

    call: cst.Call
    #: What was learned, for the message: "`df['Age'].median()`", "`scale`".
    what: str
    #: The definitions of the rows it was learned from.
    data: frozenset[int]
    statement: cst.CSTNode | None
    carriers: frozenset[int] = frozenset()
    resampled: bool = False
    reported: bool = False


class FitBeforeSplit(_LeakageRule):
    """
    A preprocessor or resampler (a scaler, encoder, imputer, feature selector, PCA or other
    decomposition, a text vectorizer, `SMOTE` and the other imbalanced-learn samplers) is
    fitted with `fit`, `fit_transform` or `fit_resample` on data that is split into train
    and test afterwards, by `train_test_split` or a cross-validation splitter's `.split`.
    The data is followed through assignments, so `X = scaler.fit_transform(X)` followed by
    `train_test_split(X, y)` is found, in one module or across notebook cells. The finding
    is at the fit and names the split. What the preprocessor learned must reach the data
    the model sees: through the data the fitting statement binds, or a `transform` by the
    fitted object before the split or after it (`scaler.transform(X_train)`); a PCA fitted
    on every row to draw a plot is not reported. A `Pipeline`, `make_pipeline`,
    `FeatureUnion`, `ColumnTransformer` or `DataFrameMapper` counts when one of its steps
    would, and so does a project function that returns a preprocessor's `fit_transform`
    (`X = standardize(X)`). Random undersampling only drops rows and is not reported.

    Statistics learned without a preprocessor count too, when what they learn is written
    into the data that is split: a mean, median, mode, quantile, spread, minimum or maximum
    computed over every row (`df["Age"].fillna(df["Age"].median())`, `(X - np.mean(X,
    axis=0)) / np.std(X, axis=0)`, a label cut at the median), the function forms of the
    scalers (`preprocessing.scale(X)`, `minmax_scale`, ...), `pd.qcut`'s bins, and rows
    drawn with replacement by `sklearn.utils.resample` (copies of one row then land on
    both sides of the split).
    """

    code = "MLS311"
    name = "fit-before-split"
    severity = Severity.WARNING
    summary = "A preprocessor is fitted on data that is split into train and test afterwards."
    challenges = ("SLR-CM06", "ZHANG22-21", "META-E1")
    why = (
        "A scaler fitted on all rows learns the mean and spread of the test rows too; an imputer "
        "learns their medians, a feature selector picks features by how they correlate with the "
        "test labels, and SMOTE before the split puts synthetic copies of test rows into "
        "training. The test score then measures a model that has already seen the test data. "
        "SLR-CM06 names leakage between training and validation data as a challenge, ZHANG22-21 "
        "catalogues the smell, and META-E1 covers evaluation that overstates model quality."
    )
    bad = (
        '''
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        frame = pd.read_csv("sensors.csv")
        X = frame.drop(columns="fault")
        X = StandardScaler().fit_transform(X)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        X_train, X_test, y_train, y_test = train_test_split(X, frame["fault"], random_state=0)
        model = SVC().fit(X_train, y_train)
        ''',
    )
    good = (
        '''
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import LabelEncoder, StandardScaler
        from sklearn.svm import SVC

        frame = pd.read_csv("sensors.csv")
        X = frame.drop(columns="fault")
        y = LabelEncoder().fit_transform(frame["fault"])
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        scaler = StandardScaler().fit(X_train)
        model = SVC().fit(scaler.transform(X_train), y_train)
        ''',
    )
    use_instead = (
        "Split first, then fit preprocessors on the training part only, or put them in a "
        "`Pipeline` with the model so that every fit sees training rows only."
    )
    limitations = (
        "Splits by manual slicing (`X[:800]`) and by index arrays are not recognised. Label "
        "encoders (`LabelEncoder`, `LabelBinarizer`) are not reported, because they are meant "
        "for the target, and neither are preprocessors that learn nothing from the rows "
        "(`Normalizer`, `Binarizer`, `FunctionTransformer`, `PolynomialFeatures`, "
        "`HashingVectorizer`) or only a vocabulary or category list (`CountVectorizer`, "
        "`OneHotEncoder`, `OrdinalEncoder`, `DictVectorizer`, unless `min_df`, `max_df`, "
        "`max_features`, `min_frequency` or `max_categories` make them drop rare values): a word or "
        "category seen only in test rows gets a column that is zero in every training row. A fit "
        "is matched with a later split only through the variables of one module or notebook; "
        "fitting on the labelled data of a competition and then splitting it for validation is "
        "reported like any other split. Statistics are followed by variable, not by column: a "
        "column computed from a median and then left out of the split data is still reported. "
        "Statistics per row (`axis=1`), per window (`rolling`, `expanding`, `ewm`) or per group "
        "(`groupby`) are not reported, nor is a statistic that only filters rows "
        "(`df[df.x < df.x.quantile(0.99)]`) or is updated in place through a variable "
        "(`df.x.fillna(m, inplace=True)` after `m = df.x.mean()`)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fits: list[_Fit] = []
        self._learned: list[_Learned] = []
        #: The binding statements being walked, innermost last, and in-place calls
        #: (`fillna(..., inplace=True)`) with the definitions they change.
        self._statements: list[cst.CSTNode] = []
        self._in_place: list[tuple[cst.Call, frozenset[int]]] = []
        #: How many subscript slices the walk is in: `df[df.x < df.x.quantile(.99)]` filters
        #: rows by a statistic, it does not write it into the data.
        self._slices = 0

    def visit_Assign(self, node: cst.Assign) -> None:
        self._statements.append(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._statements.append(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._statements.append(node)

    def leave_Assign(self, node: cst.Assign) -> None:
        self._statements.pop()

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._statements.pop()

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._statements.pop()

    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        self._slices += 1

    def leave_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        self._slices -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if keyword_literal(node, "inplace") is True and isinstance(node.func, cst.Attribute):
            changed = self._data_definitions(node.func.value)
            self._in_place.append((node, frozenset(map(id, changed))))
        if method_call(node, _LEARNING):
            self._note_fit(node)
        elif self._fits and method_call(node, _APPLYING):
            self._note_transform(node)
        else:
            self._note_learned(node)
            self._note_helper_fit(node)
            if self._fits or self._learned:
                splitter, inputs = self._split_inputs(node)
                if inputs:
                    self._check_split(node, splitter, inputs)

    def leave_Call(self, node: cst.Call) -> None:
        if self._in_place and self._in_place[-1][0] is node:
            self._in_place.pop()

    def _note_learned(self, call: cst.Call) -> None:
        """Note statistics computed over rows and written into data (see `_Learned`)."""
        if self._slices or not (self._statements or self._in_place):
            return
        names = self.file.qualified_names(call.func)
        method = method_call(call, STATISTIC_METHODS)
        if method and not names:
            if _per_row_or_window(call, None):
                return
            rows, what = call.func.value, f"`{_brief(self.file.module.code_for_node(call))}`"
        elif STATISTIC_FUNCTIONS.intersection(names):
            if _per_row_or_window(call, 1):
                return
            rows, what = first_argument(call), f"`{_short(names[0])}`"
        elif LEARNING_FUNCTIONS.intersection(names):
            rows, what = first_argument(call), f"`{_short(names[0])}`"
        elif RESAMPLING_FUNCTIONS.intersection(names) and keyword_literal(call, "replace") is not False:
            rows, what = first_argument(call), "`resample`"
        else:
            return
        definitions = self._data_definitions(rows) if rows is not None else ()
        if not definitions:
            return
        statement, carriers = (None, self._in_place[-1][1]) if self._in_place else (self._statements[-1], frozenset())
        self._learned.append(_Learned(
            call, what, frozenset(map(id, definitions)), statement, carriers, resampled=what == "`resample`"
        ))

    def _note_fit(self, call: cst.Call) -> None:
        data = first_argument(call)
        if data is None:
            return
        receiver = call.func.value
        preprocessor = self._leaky_preprocessor(receiver, constructed_classes(self.file, receiver))
        if preprocessor is None:
            return
        definitions = self._data_definitions(data)
        if definitions:
            statements = [self._statements[-1]] if self._statements else []
            objects = frozenset(map(id, self._held_by(receiver)))
            self._fits.append(_Fit(call, preprocessor, frozenset(map(id, definitions)), statements, objects))

    def _note_helper_fit(self, call: cst.Call) -> None:
        """`X = scale(X)` where the project's `scale` returns `StandardScaler().fit_transform(X)`:
        a fit on the helper's first argument, carried into what the statement binds."""
        data = first_argument(call, "")
        if data is None or not self._statements or not isinstance(call.func, cst.Name | cst.Attribute):
            return
        function = self.file.called_function(call)
        if function is None:
            return
        returned = self.file.project.returned(function)
        if not returned & _HELPER_FITS:
            return
        preprocessor = next((name for name in sorted(returned) if self._learns_from_rows(name)), None)
        definitions = self._data_definitions(data)
        if preprocessor is not None and definitions:
            what = f"{_short(preprocessor)}` in `{function.key}"
            self._fits.append(_Fit(call, what, frozenset(map(id, definitions)), [self._statements[-1]], frozenset()))

    @staticmethod
    def _learns_from_rows(name: str) -> bool:
        """Whether a preprocessor class learns from rows whatever it is constructed with."""
        return name in PREPROCESSORS and name not in _LABEL_ENCODERS | _STATELESS | _VOCABULARY_ONLY.keys()

    def _note_transform(self, call: cst.Call) -> None:
        """`scaler.transform(...)` carries what `scaler` learned into the data it binds."""
        objects = {id(definition) for definition in self._held_by(call.func.value)}
        if not objects:
            return
        for fit in self._fits:
            if fit.reported or not (fit.objects & objects or self._binds_object(fit, objects)):
                continue
            if fit.split is not None:
                self._report_fit(fit, fit.split)
            elif self._statements:
                fit.statements.append(self._statements[-1])

    def _held_by(self, receiver: cst.BaseExpression) -> tuple[Definition, ...]:
        """The definitions of the variable an object is called through (`scaler`)."""
        flow = self.file.flow
        return flow.reaching(receiver.value) if flow is not None and isinstance(receiver, cst.Name) else ()

    def _binds_object(self, fit: _Fit, objects: set[int]) -> bool:
        """`scaler = StandardScaler().fit(X)`: the fitting statement binds the object."""
        flow = self.file.flow
        return flow is not None and any(id(d) in objects for s in fit.statements[:1] for d in flow.defined_by(s))

    def _split_inputs(self, call: cst.Call) -> tuple[str, list[cst.BaseExpression]]:
        """The splitter's name and the data a split call divides: the arrays given to
        `train_test_split`, or the `X` of `KFold(...).split(X, y)`."""
        if self._splits(call):
            return "train_test_split", [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        if method_call(call, frozenset({"split"})):
            splitters = SPLITTER_CLASSES.intersection(constructed_classes(self.file, call.func.value))
            data = first_argument(call)
            if splitters and data is not None:
                return f"{_short(min(splitters))}.split", [data]
        return "", []

    def _check_split(self, call: cst.Call, splitter: str, inputs: list[cst.BaseExpression]) -> None:
        flow = self.file.flow
        if flow is None:
            return
        history = {id(definition) for data in inputs for definition in self.lineage(flow.sources(data))}
        for learned in self._learned:
            carriers = learned.carriers or frozenset(map(id, flow.defined_by(learned.statement)))
            if learned.reported or not (learned.data & history and carriers & history):
                continue
            for other in self._learned:  # one finding per statement: `(X - X.mean()) / X.std()`
                if other.statement is learned.statement and other.carriers == learned.carriers:
                    other.reported = True
            where = f"`{splitter}` at {self._where(call)}"
            if learned.resampled:
                message = (
                    f"`resample` draws rows with replacement before the split ({where}), so copies of "
                    "one row land in both train and test; split first and resample the training part only"
                )
            else:
                message = (
                    f"{learned.what} learns from every row, the test rows of the later split ({where}) "
                    "included, and what it learns is written into the data the model sees; compute it "
                    "on the training part only, or use an imputer or scaler fitted in a `Pipeline`"
                )
            self.report(learned.call, message)
        for fit in self._fits:
            if fit.reported or fit.split is not None or not fit.data & history:
                continue
            carriers = {id(d) for statement in fit.statements for d in flow.defined_by(statement)}
            split = f"`{splitter}` at {self._where(call)}"
            if carriers & history:
                self._report_fit(fit, split)
            else:
                fit.split = split  # reported if a later transform applies what it learned

    def _report_fit(self, fit: _Fit, split: str) -> None:
        fit.reported = True
        self.report(
            fit.call,
            f"`{fit.preprocessor}` is fitted on data that is split into train and test later "
            f"({split}), so test rows shape what it learns; split first and fit it on the "
            "training part only, or put it in a `Pipeline`",
        )


#: What a preprocessor's output is produced by.
_TRANSFORMING = frozenset({"transform", "fit_transform", "fit_resample"})
#: Scalers that map each feature through an increasing linear function, and those that map
#: it through any increasing function. Tree models split on the order of values only and
#: Gaussian naive Bayes fits each feature's own mean and spread, so what such a scaler
#: learned from a fold cannot reach them.
_LINEAR_SCALERS = frozenset(
    f"sklearn.preprocessing.{name}" for name in ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
)
_ORDER_PRESERVING = _LINEAR_SCALERS | {
    "sklearn.preprocessing.QuantileTransformer",
    "sklearn.preprocessing.PowerTransformer",
}
_TREE_MODELS = frozenset(
    {
        *(f"sklearn.tree.{name}" for name in ("DecisionTreeClassifier", "DecisionTreeRegressor")),
        *(
            f"sklearn.ensemble.{name}"
            for name in (
                "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
                "GradientBoostingClassifier", "GradientBoostingRegressor",
                "HistGradientBoostingClassifier", "HistGradientBoostingRegressor",
            )
        ),
        "xgboost.XGBClassifier", "xgboost.XGBRegressor", "xgboost.sklearn.XGBClassifier",
        "xgboost.sklearn.XGBRegressor", "lightgbm.LGBMClassifier", "lightgbm.LGBMRegressor",
        "catboost.CatBoostClassifier", "catboost.CatBoostRegressor",
    }
)
_NAIVE_BAYES = frozenset({"sklearn.naive_bayes.GaussianNB"})


class PreprocessingOutsidePipeline(_LeakageRule):
    """
    Data that a fitted preprocessor or resampler produced (`scaler.fit_transform(X)`,
    `selector.transform(X)`, `SMOTE().fit_resample(X, y)`, or anything computed from such
    output) is cross-validated: passed to `cross_val_score`, `cross_validate`,
    `cross_val_predict`, `learning_curve`, `validation_curve` or `permutation_test_score`,
    or to the `fit` of a `GridSearchCV`, `RandomizedSearchCV` or halving search. The
    preprocessor was fitted once, outside the folds, so every fold's held-out rows shaped it.
    """

    code = "MLS313"
    name = "preprocessing-outside-pipeline"
    severity = Severity.ADVICE
    precision = "medium"
    summary = "Preprocessed data is cross-validated instead of a Pipeline that preprocesses per fold."
    challenges = ("ZHANG22-21", "SLR-CM06")
    why = (
        "Cross-validation estimates how a model does on rows it has not learned from. When the "
        "features were scaled, imputed, selected or oversampled before the folds are cut, each "
        "validation fold has already influenced that step, so the scores overstate the model; "
        "with feature selection or oversampling the gap can be large. ZHANG22-21 catalogues "
        "preprocessing outside the pipeline as a leakage smell; SLR-CM06 names leakage between "
        "training and validation data as a challenge."
    )
    bad = (
        '''
        from sklearn.feature_selection import SelectKBest
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score
        from sklearn.preprocessing import StandardScaler

        X, y = load_expression_matrix()
        X_scaled = StandardScaler().fit_transform(X)
        X_selected = SelectKBest(k=20).fit_transform(X_scaled, y)
        scores = cross_val_score(LogisticRegression(), X_selected, y, cv=5)
                 ^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        from sklearn.feature_selection import SelectKBest
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        X, y = load_expression_matrix()
        model = make_pipeline(StandardScaler(), SelectKBest(k=20), LogisticRegression())
        scores = cross_val_score(model, X, y, cv=5)
        ''',
    )
    use_instead = (
        "Put the preprocessing steps and the model in one `Pipeline` (or imbalanced-learn's "
        "`Pipeline` for samplers) and cross-validate or grid-search the pipeline, so that "
        "every step is fitted on the training folds only."
    )
    limitations = (
        "Advice: how much a fold leaks depends on the step (a scaler on many rows leaks little, "
        "feature selection and oversampling leak a lot). Scalers are not reported when the "
        "cross-validated estimator is a tree model (decision trees, forests, gradient boosting, "
        "XGBoost, LightGBM, CatBoost), which only sees the order of values, nor linear scalers "
        "for `GaussianNB`. Only output reached through the "
        "variables of one module or notebook is found; label encoders, vocabulary-only "
        "encoders and preprocessors that learn nothing from rows are not counted."
    )

    def visit_Call(self, node: cst.Call) -> None:
        data, estimator = self._cross_validated(node)
        flow = self.file.flow
        if data is None or flow is None:
            return
        models = set(constructed_classes(self.file, estimator)) if estimator is not None else set()
        unaffected = _ORDER_PRESERVING if models & _TREE_MODELS else _LINEAR_SCALERS if models & _NAIVE_BAYES else ()
        for definition in self.lineage(flow.sources(data)):
            preprocessor = self._preprocessor_output(definition)
            if preprocessor and f"sklearn.preprocessing.{preprocessor}" not in unaffected:
                self.report(
                    node.func,
                    f"cross-validates `{definition.name}`, the output of `{preprocessor}` fitted outside "
                    "the folds, so every validation fold already shaped it; cross-validate a `Pipeline` "
                    f"of `{preprocessor}` and the model instead",
                )
                return

    def _cross_validated(self, call: cst.Call) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None]:
        """The features and the estimator a cross-validation call is given:
        `cross_val_score(model, X, y)`, or `GridSearchCV(model, grid).fit(X, y)`."""
        if CROSS_VALIDATION.intersection(self.file.qualified_names(call.func)):
            return argument(call, 1, "X"), argument(call, 0, "estimator")
        if not method_call(call, frozenset({"fit"})):
            return None, None
        receiver = call.func.value
        if not any(
            name in CROSS_VALIDATION and name.endswith("SearchCV") for name in constructed_classes(self.file, receiver)
        ):
            return None, None
        constructions = self._constructors(receiver)
        estimator = argument(constructions[0], 0, "estimator") if len(constructions) == 1 else None
        return first_argument(call), estimator

    def _preprocessor_output(self, definition: Definition) -> str | None:
        """The preprocessor whose output `definition` holds, also when wrapped in a call
        (`pd.DataFrame(scaler.transform(X))`), or None."""
        value = definition.value
        while isinstance(value, cst.Call) and value.args and self.file.qualified_names(value.func, definition.scopes):
            value = value.args[0].value  # `pd.DataFrame(...)`, `np.asarray(...)`: a library wrapper
        if definition.kind is not Kind.ASSIGN or not isinstance(value, cst.Call):
            return None
        if not method_call(value, _TRANSFORMING):
            return None
        receiver = value.func.value
        if isinstance(receiver, cst.Call):
            classes = self.file.qualified_names(receiver.func, definition.scopes)
        elif isinstance(receiver, cst.Name) and self.file.flow is not None:
            reaching = self.file.flow.reaching(receiver.value, definition.scopes)
            classes = tuple(
                name
                for d in reaching
                if isinstance(d.value, cst.Call)
                for name in self.file.qualified_names(d.value.func, d.scopes)
            )
        else:
            return None
        return self._leaky_preprocessor(receiver, classes)


# MLS315 ------------------------------------------------------------------------------------

#: Estimators whose result depends on the scale of each feature: distances (neighbours,
#: k-means, RBF kernels), a penalty shared by all weights, or gradient steps.
_SCALE_SENSITIVE = frozenset(
    {
        *(f"sklearn.svm.{name}" for name in ("SVC", "SVR", "NuSVC", "NuSVR", "LinearSVC", "LinearSVR")),
        *(
            f"sklearn.neighbors.{name}"
            for name in (
                "KNeighborsClassifier", "KNeighborsRegressor",
                "RadiusNeighborsClassifier", "RadiusNeighborsRegressor",
            )
        ),
        "sklearn.neural_network.MLPClassifier",
        "sklearn.neural_network.MLPRegressor",
        "sklearn.linear_model.SGDClassifier",
        "sklearn.linear_model.SGDRegressor",
        "sklearn.linear_model.LogisticRegression",
        "sklearn.cluster.KMeans",
        "sklearn.cluster.MiniBatchKMeans",
        "sklearn.decomposition.PCA",
    }
)
#: Bundled datasets whose features have very different ranges (others, such as the digits
#: or the already standardised diabetes data, do not need scaling).
_UNSCALED_DATASETS = frozenset(
    f"sklearn.datasets.{name}"
    for name in ("load_breast_cancer", "load_wine", "fetch_california_housing", "fetch_covtype", "load_boston")
)
#: Functions that rescale their argument without a fitted object.
_SCALING_FUNCTIONS = frozenset(
    f"sklearn.preprocessing.{name}"
    for name in ("scale", "minmax_scale", "maxabs_scale", "robust_scale", "normalize", "quantile_transform", "power_transform")
)


class ScalerMissing(_LeakageRule):
    """
    A scale-sensitive estimator (`SVC`/`SVR` and the other SVMs, `KNeighbors*`,
    `RadiusNeighbors*`, `MLP*`, `SGD*`, `LogisticRegression`, `KMeans`, `PCA`) is fitted
    directly, not inside a `Pipeline`, on features that come from a file (`pd.read_csv`,
    `np.load`, ...) or from a bundled dataset with unequal feature ranges
    (`load_breast_cancer`, `load_wine`, `fetch_california_housing`), with no scaling on the
    way: no scaler or other preprocessor output, no `scale`/`normalize` function, and no
    division or subtraction (`X / 255`, `(X - mean) / std`).
    """

    code = "MLS315"
    name = "scaler-missing"
    severity = Severity.ADVICE
    precision = "low"
    summary = "A scale-sensitive estimator is trained on features that were never scaled."
    challenges = ("ZHANG22-10",)
    bad = (
        '''
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.neighbors import KNeighborsClassifier

        patients = pd.read_csv("patients.csv")  # age in years, income in dollars, bmi
        X_train, X_test, y_train, y_test = train_test_split(
            patients[["age", "income", "bmi"]], patients["readmitted"], random_state=3
        )
        knn = KNeighborsClassifier(n_neighbors=7)
        knn.fit(X_train, y_train)
        ^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        patients = pd.read_csv("patients.csv")
        X_train, X_test, y_train, y_test = train_test_split(
            patients[["age", "income", "bmi"]], patients["readmitted"], random_state=3
        )
        knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=7))
        knn.fit(X_train, y_train)
        ''',
    )
    why = (
        "Distances, kernels, a penalty shared by all weights and gradient steps treat every "
        "feature on the same scale: a feature measured in dollars outweighs one measured in "
        "years, and SGD or an MLP converge slowly or not at all. ZHANG22-10 catalogues the "
        "missing scaler before scale-sensitive operations as a code smell."
    )
    use_instead = (
        "Put a scaler before the estimator in a `Pipeline` (`make_pipeline(StandardScaler(), "
        "SVC())`), so that it is also fitted on the training data only."
    )
    limitations = (
        "Advice, and often wrong: some data needs no scaling (all features in the same unit, such "
        "as coordinates or pixel counts, one-hot columns, features already binned into small "
        "integers), and the rule does not know column ranges. A single selected feature "
        "(`df[[\"gdp\"]]`, `x.reshape(-1, 1)`) is not reported. Features whose origin is not a file or a "
        "known dataset (parameters, generated data) are not checked, and scaling done by "
        "helper functions of the project is not recognised unless it divides or subtracts in "
        "the same module."
    )

    def visit_Call(self, node: cst.Call) -> None:
        method = method_call(node, frozenset({"fit", "fit_transform", "fit_predict"}))
        data = first_argument(node) if method else None
        flow = self.file.flow
        if data is None or flow is None:
            return
        estimators = _SCALE_SENSITIVE.intersection(constructed_classes(self.file, node.func.value))
        if not estimators:
            return
        if _one_feature(data):
            return
        origin: str | None = None
        for definition in self.lineage(flow.sources(data)):
            if self._scales(definition) or (definition.value is not None and _one_feature(definition.value)):
                return
            origin = origin or self._unscaled_origin(definition)
        if origin is not None:
            self.report(
                node.func,
                f"`{_short(min(estimators))}` is sensitive to feature scale, but its features come "
                f"from `{origin}` without passing through a scaler; put a `StandardScaler` before it "
                "in a `Pipeline`",
            )

    def _scales(self, definition: Definition) -> bool:
        """Whether `definition`'s value rescales data: preprocessor output, a scaling
        function, or arithmetic that divides or subtracts."""
        value = definition.value
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Divide | cst.Subtract):
            return True
        if isinstance(definition.node, cst.AugAssign) and isinstance(
            definition.node.operator, cst.DivideAssign | cst.SubtractAssign
        ):
            return True
        while isinstance(value, cst.Call):
            names = self.file.qualified_names(value.func, definition.scopes)
            if _SCALING_FUNCTIONS.intersection(names):
                return True
            if method_call(value, _TRANSFORMING):
                return True  # any fitted transformer's output: scaled, encoded or projected
            if not (names and value.args):
                return False
            value = value.args[0].value
        return False

    def _unscaled_origin(self, definition: Definition) -> str | None:
        value = definition.value
        if definition.kind is not Kind.ASSIGN or not isinstance(value, cst.Call):
            return None
        names = self.file.qualified_names(value.func, definition.scopes)
        found = _UNSCALED_DATASETS.intersection(names)
        if found or is_loader(self.file, value, definition.scopes):
            return _short(min(found or names or ("a file",)))
        return None
