"""What the data rules know about ML library APIs: which calls load data from outside,
which train or predict, which split data, and which classes are preprocessors. No rules
live here.

MLS301 (unvalidated data), MLS303 (read without dtype) and the leakage rules MLS311 to
MLS315 follow data from where it is loaded or split to where a model learns from it;
they agree on those places through these tables. Method names (`fit`, `predict`) are
matched on any receiver, as every scikit-learn-compatible library spells them so;
functions and classes are matched by qualified name, so aliases and `from` imports work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from mlsmells.engine.calls import argument
from mlsmells.engine.dataflow import Kind, ancestry
from mlsmells.engine.names import Scope

if TYPE_CHECKING:
    from mlsmells.engine.context import FileContext

#: Functions that read a dataset from outside the program.
LOADERS = frozenset(
    {
        *(
            f"pandas.{name}"
            for name in "read_csv read_table read_parquet read_json read_excel read_sql read_sql_query "
            "read_sql_table read_feather read_orc read_hdf read_pickle read_fwf".split()
        ),
        "numpy.load",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "json.load",
        "datasets.load_dataset",
        "datasets.load_from_disk",
        "polars.read_csv",
        "polars.read_parquet",
        "polars.read_json",
    }
)
#: Methods of `spark.read` (and `spark.read.format(...)`) that load a dataset.
SPARK_READERS = frozenset({"csv", "parquet", "json", "table", "load", "orc", "text"})

#: Constructors that wrap data for a training loop: their arguments are what it trains on.
DATA_WRAPPERS = frozenset(
    {
        "torch.utils.data.DataLoader",
        "torch.utils.data.TensorDataset",
        "torch.utils.data.dataloader.DataLoader",
        "tensorflow.data.Dataset.from_tensor_slices",
        "tensorflow.data.Dataset.from_tensors",
        "datasets.Dataset.from_pandas",
        "datasets.Dataset.from_dict",
    }
)
#: Base classes of datasets a project defines itself (`class Reviews(Dataset)`).
DATASET_BASES = frozenset({"torch.utils.data.Dataset", "torch.utils.data.IterableDataset"})
#: Methods that make a model learn from their first argument.
FIT_METHODS = frozenset({"fit", "fit_transform", "partial_fit", "fit_resample", "fit_predict"})
#: Methods whose result is a model's predictions.
PREDICTION_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function"})
#: Methods that run a trained model on their first argument.
PREDICT_METHODS = PREDICTION_METHODS | {"score", "transform", "evaluate"}

#: Functions that split data into training and held-out parts (`train_test_split` returns
#: train, test, train, test...: odd outputs are held out).
SPLIT_FUNCTIONS = frozenset({"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"})
#: Cross-validation splitters, whose `.split(X)` yields index pairs.
SPLITTER_CLASSES = frozenset(
    f"sklearn.model_selection.{name}"
    for name in "KFold StratifiedKFold GroupKFold RepeatedKFold RepeatedStratifiedKFold ShuffleSplit "
    "StratifiedShuffleSplit GroupShuffleSplit TimeSeriesSplit LeaveOneOut LeavePOut LeaveOneGroupOut "
    "StratifiedGroupKFold PredefinedSplit".split()
)
#: Functions and classes that cross-validate an estimator on data they are given.
CROSS_VALIDATION = frozenset(
    f"sklearn.model_selection.{name}"
    for name in "cross_val_score cross_validate cross_val_predict GridSearchCV RandomizedSearchCV "
    "HalvingGridSearchCV HalvingRandomSearchCV learning_curve validation_curve permutation_test_score".split()
)

_PREPROCESSING = (
    "StandardScaler MinMaxScaler MaxAbsScaler RobustScaler Normalizer QuantileTransformer "
    "PowerTransformer OneHotEncoder OrdinalEncoder LabelEncoder LabelBinarizer MultiLabelBinarizer "
    "TargetEncoder KBinsDiscretizer PolynomialFeatures SplineTransformer Binarizer FunctionTransformer"
)
#: Classes that learn a data transformation from the data they are fitted on.
PREPROCESSORS = frozenset(
    {
        *(f"sklearn.preprocessing.{name}" for name in _PREPROCESSING.split()),
        *(f"sklearn.impute.{name}" for name in "SimpleImputer KNNImputer IterativeImputer MissingIndicator".split()),
        *(
            f"sklearn.feature_selection.{name}"
            for name in "SelectKBest SelectPercentile VarianceThreshold RFE RFECV SelectFromModel "
            "SequentialFeatureSelector GenericUnivariateSelect SelectFpr SelectFdr SelectFwe".split()
        ),
        *(
            f"sklearn.decomposition.{name}"
            for name in "PCA KernelPCA IncrementalPCA TruncatedSVD FastICA NMF FactorAnalysis "
            "SparsePCA LatentDirichletAllocation".split()
        ),
        *(
            f"sklearn.feature_extraction.text.{name}"
            for name in "TfidfVectorizer CountVectorizer TfidfTransformer HashingVectorizer".split()
        ),
        "sklearn.feature_extraction.DictVectorizer",
        *(
            f"imblearn.over_sampling.{name}"
            for name in "SMOTE RandomOverSampler ADASYN BorderlineSMOTE SVMSMOTE KMeansSMOTE SMOTENC".split()
        ),
        *(
            f"imblearn.under_sampling.{name}"
            for name in "RandomUnderSampler NearMiss TomekLinks EditedNearestNeighbours".split()
        ),
        "imblearn.combine.SMOTEENN",
        "imblearn.combine.SMOTETomek",
    }
)
#: Functions that learn statistics from their input and apply them in one call: the
#: function forms of the scalers (`preprocessing.scale(X)`), and `pd.qcut`'s quantile bins.
#: (`normalize` is left out: it works row by row.)
LEARNING_FUNCTIONS = frozenset(
    {
        *(
            f"sklearn.preprocessing.{name}"
            for name in "scale minmax_scale maxabs_scale robust_scale quantile_transform power_transform".split()
        ),
        "pandas.qcut",
    }
)
#: `sklearn.utils.resample` draws rows with replacement unless told `replace=False`.
RESAMPLING_FUNCTIONS = frozenset({"sklearn.utils.resample"})
#: Methods that compute a statistic over every row they are called on, by hand.
STATISTIC_METHODS = frozenset({"mean", "median", "std", "var", "quantile", "min", "max", "mode", "value_counts"})
#: NumPy's functions for the same statistics.
STATISTIC_FUNCTIONS = frozenset(
    f"numpy.{name}"
    for name in "mean median std var quantile percentile min max amin amax nanmean nanmedian nanstd "
    "nanvar nanmin nanmax nanquantile nanpercentile".split()
)
#: Classes that chain preprocessing and a model so they are fitted together, per fold.
PIPELINES = frozenset(
    {
        "sklearn.pipeline.Pipeline",
        "sklearn.pipeline.make_pipeline",
        "imblearn.pipeline.Pipeline",
        "imblearn.pipeline.make_pipeline",
        "sklearn.compose.ColumnTransformer",
        "sklearn.compose.make_column_transformer",
        "sklearn.compose.TransformedTargetRegressor",
    }
)


def method_call(call: cst.Call, methods: frozenset[str]) -> str | None:
    """`recv.fit(...)` -> "fit" when the method is one of `methods`."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in methods:
        return func.attr.value
    return None


def first_argument(call: cst.Call, keyword: str = "X") -> cst.BaseExpression | None:
    """The data a fit or predict call is given: its first positional argument, or `X=`."""
    return argument(call, 0, keyword)


def is_loader(file: FileContext, call: cst.Call, scopes: Sequence[Scope] | None = None) -> bool:
    """`pd.read_csv(...)`, `np.load(...)`, `load_dataset(...)`, `spark.read.parquet(...)`."""
    if LOADERS.intersection(file.qualified_names(call.func, scopes)):
        return True
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in SPARK_READERS):
        return False
    receiver = func.value
    while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
        receiver = receiver.func.value  # spark.read.format("csv").option(...).load(...)
    return isinstance(receiver, cst.Attribute) and receiver.attr.value == "read"


def constructed_classes(file: FileContext, expr: cst.BaseExpression) -> tuple[str, ...]:
    """The qualified class (or factory function) `expr` was made from where the walk is:
    `scaler` after `scaler = StandardScaler()` -> ("sklearn.preprocessing.StandardScaler",).
    A call written in place answers for itself. Empty when any reaching definition is not
    such a call."""
    if isinstance(expr, cst.Call):
        return file.qualified_names(expr.func)
    flow = file.flow
    if not isinstance(expr, cst.Name) or flow is None:
        return ()
    found: list[str] = []
    for definition in flow.reaching(expr.value):
        value = definition.value
        if definition.kind is not Kind.ASSIGN or definition.index is not None or not isinstance(value, cst.Call):
            return ()
        names = file.qualified_names(value.func, definition.scopes)
        if not names:
            return ()
        found.extend(name for name in names if name not in found)
    return tuple(found)


def derives_from(file: FileContext, expr: cst.BaseExpression, wanted: set[int]) -> bool:
    """Whether the value of `expr` was computed from one of the definitions whose ids are
    in `wanted`, through any chain of assignments."""
    flow = file.flow
    if flow is None:
        return False
    return any(id(definition) in wanted for definition in ancestry(flow.sources(expr)))
