"""MLS510, MLS511 and MLS513: how a model is configured and judged. A score computed on
the rows the model was fitted on measures memorisation (META-E1, IND-4.6-correctness); a
classifier judged only at one decision threshold hides how well it ranks (ZHANG22-22,
META-A2); an estimator built entirely from library defaults was never configured for its
problem (ZHANG22-11).

MLS513 follows data with the def-use layer (engine/dataflow.py): "the same data" means
the same expression reading the same definitions, so `X` rebound between the fit and the
score is different data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from mlsmells.engine.calls import argument, code_of, keyword_literal
from mlsmells.engine.dataflow import Kind, ancestry
from mlsmells.engine.project import METHOD_PREFIX, FunctionSummary
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.ml_api import (
    CROSS_VALIDATION,
    PREDICTION_METHODS,
    SPLIT_FUNCTIONS,
    SPLITTER_CLASSES,
)
from mlsmells.rule import Rule

#: Calls that hold data out of training: a split, a splitter, or cross-validation.
_HELD_OUT = SPLIT_FUNCTIONS | SPLITTER_CLASSES | CROSS_VALIDATION
#: Keywords of `fit` that evaluate on held-out data while training (Keras, XGBoost, LightGBM, CatBoost).
_VALIDATION_KEYWORDS = frozenset({"validation_data", "validation_split", "eval_set"})
#: Methods that score a model on data and labels.
_SCORING = frozenset({"score", "evaluate"})



@dataclass(frozen=True)
class _Key:
    """What an expression computes at one point of the walk: its text and the definitions
    of the names it reads. Equal keys mean the same data."""

    text: str
    sources: frozenset[int]


@dataclass(frozen=True)
class _Fit:
    """`model.fit(data, target)`: a supervised fit."""

    model: _Key
    data: _Key
    target: _Key


def _is_cv_estimator(name: str) -> bool:
    """`sklearn.linear_model.RidgeCV` and its kin choose their settings by cross-validation."""
    return name.startswith("sklearn.") and name.endswith("CV")


def _has_keyword(call: cst.Call, names: frozenset[str]) -> bool:
    return any(arg.keyword is not None and arg.keyword.value in names for arg in call.args)


class TrainEvalSameData(Rule):
    """
    A supervised model is scored on the very data it was fitted on, and nothing in the
    module or notebook evaluates it on held-out data: `model.fit(X, y)` followed by
    `model.score(X, y)`, Keras' `model.evaluate(X, y)`, or a `sklearn.metrics` function
    comparing `y` with `model.predict(X)` (written in place or through a variable). "The
    same data" means the same expression reading the same definitions, followed through
    assignments: `X` rebound between the fit and the score is other data, and
    `X[:800]` is not `X[800:]`.

    Nothing is reported when the module holds data out anywhere: `train_test_split`, a
    cross-validation splitter, `cross_val_score` and the other cross-validation helpers,
    a grid search, an estimator that cross-validates itself (`RidgeCV`,
    `LogisticRegressionCV`), a forest given `oob_score=True`, a `fit` given
    `validation_data`/`validation_split`/`eval_set`, a score of the same model on other
    data, or its predictions on other data set against anything (`rmse(y_val, pred)`,
    `(pred == y_val).mean()`): a training score printed next to a test score is fine.
    Predictions on other data that are only written out (a competition submission) are
    not an evaluation. A project function that scores or predicts on the data and labels it
    is given (`evaluate(model, X, y)`, in this file or another module) scores the model
    on what it is passed.
    """

    code = "MLS513"
    name = "train-eval-same-data"
    family = Family.TRAINING
    #: Advice since the precision benchmark: on unseen code a training score was a smoke
    #: test, a demonstration or an in-sample statistic on purpose, not a quality claim.
    severity = Severity.ADVICE
    precision = "low"
    summary = "A model is scored on the data it was fitted on, with no held-out evaluation."
    challenges = ("META-E1", "IND-4.6-correctness")
    required_modules = frozenset({"sklearn", "keras", "tensorflow", "xgboost", "lightgbm", "catboost"})
    uses_dataflow = True
    why = (
        "A model that has seen the rows it is scored on is graded on memory: a deep decision "
        "tree scores 1.0 on its training set whatever it learnt. A score computed this way says "
        "nothing about new data, yet it is reported and compared like one. IND-4.6 states that "
        "correctness must be measured on data held out from training, and META-E1 names "
        "evaluation that does not show how a model fails as a quality-assurance challenge."
    )
    bad = (
        '''
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.metrics import accuracy_score

        frame = pd.read_csv("churn.csv")
        X, y = frame.drop(columns="churned"), frame["churned"]
        forest = RandomForestClassifier(n_estimators=300, random_state=0)
        forest.fit(X, y)
        print("accuracy:", forest.score(X, y))
                           ^^^^^^^^^^^^^^^^^^
        predicted = forest.predict(X)
        print(accuracy_score(y, predicted))
              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.model_selection import train_test_split

        frame = pd.read_csv("churn.csv")
        X, y = frame.drop(columns="churned"), frame["churned"]
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
        forest = RandomForestClassifier(n_estimators=300, random_state=0).fit(X_train, y_train)
        print("train:", forest.score(X_train, y_train), "test:", forest.score(X_test, y_test))
        ''',
        '''
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        # Unsupervised: there are no labels to hold out, the fit is the analysis.
        kmeans = KMeans(n_clusters=4, n_init=10, random_state=0).fit(points)
        print(silhouette_score(points, kmeans.labels_), kmeans.score(points))
        ''',
    )
    use_instead = (
        "Hold data out before training (`train_test_split(X, y, stratify=y)`) and report the "
        "score on it, or cross-validate (`cross_val_score(model, X, y, cv=5)`). A training "
        "score is useful next to a held-out score, to see overfitting, never alone."
    )
    limitations = (
        "Advice (off by default; select it where training scores are reported as results): on "
        "repositories nobody here had read, none of the 7 findings judged on the evaluation half "
        "(5 of them unit tests, since excluded) was a real problem to its maintainers: an "
        "environment smoke test fitting six literal points, a documented bootstrap of the "
        "in-sample R^2, unit tests of a `score` method. Whether a training-set score misleads "
        "depends on what the text around it claims, which the code does not show. "
        "Only supervised fits (a `fit` given a target) count: a clustering model, a density "
        "model or an outlier detector scored on the data it describes is ordinary unsupervised "
        "evaluation. Held-out evaluation is looked for in the same module or notebook only: "
        "a script that trains and prints its training score while another file evaluates the "
        "saved model is reported. Data split by hand in another way than slicing the same "
        "variable (loading `train.csv` and `test.csv` and never predicting on the second) is "
        "not recognised as held out. Test files are not checked: a unit test that a model can "
        "fit its training data asserts exactly that score."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self._fits: list[_Fit] = []
        #: `model.fit(X, y)` calls by id, for `model.fit(X, y).score(X, y)`.
        self._fit_calls: dict[int, _Fit] = {}
        #: Predictions by the id of their call: the model and the data they were made on.
        self._predictions: dict[int, tuple[_Key, _Key]] = {}
        #: Predictions on data the model was not fitted on, by call id: model text.
        self._unseen: dict[int, str] = {}
        #: Models of the unseen predictions in the statement being walked, and the
        #: definitions that hold such predictions (by id): model text.
        self._pending: list[str] = []
        self._holders: dict[int, str] = {}
        #: Models evaluated on data they were not fitted on.
        self._evaluated_elsewhere: set[str] = set()
        #: Scores on training data: (node, model text, message), reported in `end_file`.
        self._candidates: list[tuple[cst.Call, str, str]] = []
        self._held_out = False

    def _key(self, expr: cst.BaseExpression) -> _Key:
        flow = self.file.flow
        sources = flow.sources(expr) if flow is not None else ()
        return _Key(code_of(expr), frozenset(id(source) for source in sources))

    def leave_Call(self, node: cst.Call) -> None:
        func = node.func
        names = self.file.qualified_names(func)
        out_of_bag = keyword_literal(node, "oob_score") not in (None, False)
        if _HELD_OUT.intersection(names) or out_of_bag or any(map(_is_cv_estimator, names)):
            self._held_out = True
            return
        if self._holders or self._unseen:
            self._note_comparison(arg.value for arg in node.args)
        metric = next((name for name in names if name.startswith("sklearn.metrics.")), None)
        if metric is not None:
            self._metric_call(node, metric)
        elif isinstance(func, cst.Attribute):
            self._method_call(node, func)
        if self._fits:
            self._helper_evaluation(node)

    def leave_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self._holders or self._unseen:
            self._note_comparison((node.left, node.right))

    def leave_Comparison(self, node: cst.Comparison) -> None:
        if self._holders or self._unseen:
            self._note_comparison((node.left, *(target.comparator for target in node.comparisons)))

    def _note_comparison(self, operands: Iterable[cst.BaseExpression]) -> None:
        """Predictions on unseen data set against anything else (`rmse(y_val, pred)`,
        `(pred == y_val).mean()`, `pred - y_val`) are taken as a held-out evaluation."""
        operands = list(operands)
        if len(operands) < 2:
            return
        for operand in operands:
            model = self._unseen_prediction(operand)
            if model is not None:
                self._evaluated_elsewhere.add(model)

    def _unseen_prediction(self, expr: cst.BaseExpression) -> str | None:
        if isinstance(expr, cst.Call) and id(expr) in self._unseen:
            return self._unseen[id(expr)]
        flow = self.file.flow
        if not self._holders or flow is None:
            return None
        for definition in ancestry(flow.sources(expr), limit=200):
            if id(definition) in self._holders:
                return self._holders[id(definition)]
        return None

    def leave_Assign(self, node: cst.Assign) -> None:
        self._hold_pending(node)
        fit = self._fit_calls.get(id(node.value))
        if fit is not None and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            # `clf = SVC().fit(X, y)`: `fit` returns the model, now known as `clf`.
            self._fits.append(_Fit(self._key(node.targets[0].target), fit.data, fit.target))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._hold_pending(node)

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._pending.clear()

    def _hold_pending(self, node: cst.CSTNode) -> None:
        """`pred = model.predict(X_val)`: remember that `pred` holds an unseen prediction."""
        flow = self.file.flow
        if self._pending and flow is not None:
            for definition in flow.defined_by(node):
                self._holders[id(definition)] = self._pending[0]
        self._pending.clear()

    def _method_call(self, node: cst.Call, func: cst.Attribute) -> None:
        method = func.attr.value
        if method not in {"fit", *_SCORING, *PREDICTION_METHODS}:
            return
        data = argument(node, 0, "X" if method != "evaluate" else "x")
        if data is None:
            return
        receiver = func.value
        fit = self._fit_calls.get(id(receiver))
        model = fit.model if fit is not None else self._key(receiver)
        if method == "fit":
            self._fit(node, model, data)
            return
        data_key = self._key(data)
        unseen = not any(fit.model.text == model.text and fit.data == data_key for fit in self._fits)
        if method in PREDICTION_METHODS:
            self._predictions[id(node)] = (model, data_key)
            if unseen:
                self._unseen[id(node)] = model.text
                self._pending.append(model.text)
            return
        target = argument(node, 1, "y")
        if target is None:
            return
        if unseen:
            self._evaluated_elsewhere.add(model.text)
        elif self._fitted_on(model, data_key, self._key(target)):
            self._candidates.append((node, model.text, f"`{model.text}.{method}(...)`"))

    def _fit(self, node: cst.Call, model: _Key, data: cst.BaseExpression) -> None:
        if _has_keyword(node, _VALIDATION_KEYWORDS):
            self._held_out = True
        target = argument(node, 1, "y")
        if target is None:  # unsupervised: the data is all there is
            return
        fit = _Fit(model, self._key(data), self._key(target))
        self._fits.append(fit)
        self._fit_calls[id(node)] = fit

    def _metric_call(self, node: cst.Call, name: str) -> None:
        """`accuracy_score(y, model.predict(X))`, or through `predicted = model.predict(X)`."""
        truth = argument(node, 0, "y_true")
        if truth is None:
            return
        for arg in node.args:
            if arg.value is truth or arg.star:
                continue
            prediction = self._prediction(arg.value)
            if prediction is None:
                continue
            model, data = prediction
            if self._fitted_on(model, data, self._key(truth)):
                self._candidates.append((node, model.text, f"`{name.rpartition('.')[2]}` of `{model.text}`"))
                return

    def _prediction(self, expr: cst.BaseExpression) -> tuple[_Key, _Key] | None:
        """The model and data of a prediction `expr` is, or holds through assignments."""
        if isinstance(expr, cst.Call):
            return self._predictions.get(id(expr))
        flow = self.file.flow
        if not isinstance(expr, cst.Name) or flow is None:
            return None
        found = set()
        for definition in flow.reaching(expr.value):
            if definition.kind is not Kind.ASSIGN or definition.index is not None:
                return None
            prediction = self._predictions.get(id(definition.value))
            if prediction is None:
                return None
            found.add(prediction)
        return found.pop() if len(found) == 1 else None

    def _helper_evaluation(self, node: cst.Call) -> None:
        """`evaluate(model, X, y)` where the project's `evaluate` predicts or scores on its
        `X` and compares with its `y`, after `model.fit(X, y)`: a score on training data.
        Given other data, it evaluates the model on held-out rows."""
        function = self.file.called_function(node)
        if function is None:
            return
        pairs = _scored_parameters(function.summary)
        if not pairs:
            return
        params = function.summary.params[1:] if function.bound else function.summary.params
        passed = dict(zip(params, (arg.value for arg in node.args if arg.keyword is None and not arg.star)))
        passed.update((arg.keyword.value, arg.value) for arg in node.args if arg.keyword is not None)
        models = {code_of(value) for value in passed.values()}
        for data, target in pairs:
            if data not in passed or target not in passed:
                continue
            data_key, target_key = self._key(passed[data]), self._key(passed[target])
            for fit in self._fits:
                if fit.model.text not in models:
                    continue
                if fit.data == data_key and fit.target == target_key:
                    self._candidates.append((node, fit.model.text, f"The score of `{fit.model.text}` in `{function.key}(...)`"))
                    return
                self._evaluated_elsewhere.add(fit.model.text)  # scored on other data

    def _fitted_on(self, model: _Key, data: _Key, target: _Key) -> bool:
        return any(fit.model == model and fit.data == data and fit.target == target for fit in self._fits)

    def end_file(self) -> None:
        if self._held_out or self.file.in_tests:
            return
        for node, model, what in self._candidates:
            if model in self._evaluated_elsewhere:
                continue
            self.report(
                node,
                f"{what} is computed on the data `{model}` was fitted on, and nothing in this "
                "module evaluates it on held-out data: the score measures memorisation. Split off "
                "a test set (`train_test_split`) or cross-validate (`cross_val_score`).",
            )


def _scored_parameters(summary: FunctionSummary) -> list[tuple[str, str]]:
    """The (data, target) parameters a function scores a model on: `?.score($X, $y)`, or a
    metric given `$y` in a function that predicts on `$X`."""
    def parameter(shape: str) -> str | None:
        return shape[1:] if shape.startswith("$") else None

    pairs, predicted, compared = [], [], []
    for site in summary.calls:
        first, second = (parameter(shape) for shape in (site.args + ("", ""))[:2])
        method = site.callee.removeprefix(METHOD_PREFIX) if site.callee.startswith(METHOD_PREFIX) else None
        if method in _SCORING and first and second:
            pairs.append((first, second))
        elif method in PREDICTION_METHODS and first:
            predicted.append(first)
        elif site.callee.startswith("sklearn.metrics.") and first:
            compared.append(first)
    pairs.extend((data, target) for data in predicted for target in compared if data != target)
    return pairs


def _metrics(names: str) -> frozenset[str]:
    return frozenset(f"sklearn.metrics.{name}" for name in names.split())


#: `sklearn.metrics` functions and displays that judge hard predictions: the classifier's
#: scores cut at one decision threshold.
_THRESHOLD_DEPENDENT = _metrics(
    "accuracy_score balanced_accuracy_score f1_score fbeta_score precision_score recall_score "
    "precision_recall_fscore_support jaccard_score matthews_corrcoef cohen_kappa_score classification_report "
    "confusion_matrix ConfusionMatrixDisplay zero_one_loss hamming_loss"
)
#: Metrics that only exist for a binary problem unless told to `average` over classes.
_BINARY_BY_DEFAULT = _metrics("f1_score fbeta_score precision_score recall_score jaccard_score")
#: Metrics, curves and displays that judge the scores themselves, at every threshold.
_THRESHOLD_INDEPENDENT = _metrics(
    "roc_auc_score average_precision_score log_loss brier_score_loss roc_curve precision_recall_curve "
    "det_curve auc RocCurveDisplay PrecisionRecallDisplay DetCurveDisplay plot_roc_curve "
    "plot_precision_recall_curve"
) | {"sklearn.calibration.calibration_curve", "sklearn.calibration.CalibrationDisplay"}
#: Methods that show a model is trained or applied in the module.
_MODEL_METHODS = frozenset({"fit", "predict", "fit_predict", "predict_classes"})
#: The same, as `scoring=` strings, Keras metric names and boosting libraries' `eval_metric`s.
_THRESHOLD_INDEPENDENT_NAMES = frozenset(
    {
        "roc_auc", "roc_auc_ovr", "roc_auc_ovo", "roc_auc_ovr_weighted", "roc_auc_ovo_weighted",
        "average_precision", "neg_log_loss", "neg_brier_score", "auc", "AUC", "aucpr", "pr_auc",
        "logloss", "binary_logloss", "binary_crossentropy",
    }
)


class ThresholdDependentMetricOnly(Rule):
    """
    A binary classifier is evaluated in a module or notebook that trains or applies a model
    (a `fit` or `predict` call) only with metrics that judge
    its hard predictions at one decision threshold (`accuracy_score`, `f1_score`,
    `precision_score`, `recall_score`, `confusion_matrix`, `classification_report`, ...)
    and never with one that judges its scores at every threshold: `roc_auc_score`,
    `average_precision_score`, `log_loss`, `brier_score_loss`, `roc_curve`,
    `precision_recall_curve`, `RocCurveDisplay`/`PrecisionRecallDisplay`, a calibration
    curve, or such a metric requested by name (`scoring="roc_auc"`, Keras `metrics=["AUC"]`,
    `eval_metric="auc"`). Metrics are matched by qualified name, so `from sklearn import
    metrics` and aliases work.

    The problem is taken to be binary only when the module says so: `f1_score`,
    `precision_score`, `recall_score`, `fbeta_score` or `jaccard_score` called without
    `average=` (their default, `"binary"`, fails on more classes), with
    `average="binary"`, or with `pos_label=`. Accuracy alone on digits or iris is
    ordinary multi-class practice and is not reported; regression metrics never are.
    Predictions made inside a loop over thresholds (`(scores > t).astype(int)` for each
    `t`) explore the trade-off by hand and count as a threshold-independent evaluation.
    One finding per module, at the first threshold-dependent metric call.
    """

    code = "MLS511"
    name = "threshold-dependent-metric-only"
    family = Family.TRAINING
    severity = Severity.ADVICE
    precision = "medium"
    summary = "A binary classifier is judged only at one decision threshold (accuracy, F1), never by ROC or PR AUC."
    challenges = ("ZHANG22-22", "META-A2", "IND-4.4-evaluation-metrics-selection")
    required_modules = frozenset({"sklearn"})
    uses_dataflow = True
    why = (
        "Accuracy, precision, recall and F1 grade the predictions a classifier makes at one "
        "threshold, usually 0.5. They change when the threshold moves, hide how well the model "
        "ranks positives above negatives, and on imbalanced data a model that always answers "
        "the majority class scores well. ROC AUC and PR AUC judge the scores at every "
        "threshold, and log loss or the Brier score judge the probabilities: with one of them "
        "next to the threshold metrics, models can be compared and a threshold chosen on "
        "purpose. ZHANG22-22 (Threshold-Dependent Validation) catalogues the smell; META-A2 "
        "and IND-4.4 name choosing evaluation metrics as a challenge."
    )
    bad = (
        '''
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score

        model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
        predicted = model.predict(X_test)
        print("accuracy", accuracy_score(y_test, predicted))
                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        print("f1", f1_score(y_test, predicted))
        ''',
    )
    good = (
        '''
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

        model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
        scores = model.predict_proba(X_test)[:, 1]
        print("ROC AUC", roc_auc_score(y_test, scores), "PR AUC", average_precision_score(y_test, scores))
        print("f1 at 0.5", f1_score(y_test, scores > 0.5))
        ''',
        '''
        from sklearn.metrics import accuracy_score, f1_score

        # Ten digit classes: macro F1 and accuracy are the usual measures.
        predicted = classifier.predict(test_images)
        print(accuracy_score(test_labels, predicted), f1_score(test_labels, predicted, average="macro"))
        ''',
    )
    use_instead = (
        "Report a threshold-independent metric next to the threshold-dependent ones: "
        "`roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])`, "
        "`average_precision_score` (PR AUC, better when positives are rare), or `log_loss` "
        "for the quality of the probabilities; then pick the threshold on purpose, e.g. from "
        "`precision_recall_curve`."
    )
    limitations = (
        "Whether the problem is binary is read from the metric calls only: a binary "
        "classifier judged by accuracy alone is not reported, and metrics computed in another "
        "module (an evaluation script, a callback) are not seen. A model that has no scores "
        "to rank by (a hard-voting ensemble) is reported although AUC cannot be computed for it."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self._first: tuple[cst.Call, str] | None = None
        self._binary = False
        self._ranked = False
        self._model = False

    def visit_Call(self, node: cst.Call) -> None:
        if self._ranked:
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _MODEL_METHODS:
            self._model = True
        names = self.file.qualified_names(node.func)
        if _THRESHOLD_INDEPENDENT.intersection(names):
            self._ranked = True
            return
        if isinstance(node.func, cst.Attribute):  # `ConfusionMatrixDisplay.from_predictions(...)`
            names = (*names, *self.file.qualified_names(node.func.value))
            if _THRESHOLD_INDEPENDENT.intersection(names):
                self._ranked = True
                return
        dependent = _THRESHOLD_DEPENDENT.intersection(names)
        if not dependent:
            return
        if any(self._sweeps_thresholds(arg.value) for arg in node.args):
            self._ranked = True  # the threshold trade-off is explored by hand
            return
        if self._first is None:
            self._first = (node, min(dependent).rpartition(".")[2])
        self._binary |= _says_binary(node, default=bool(_BINARY_BY_DEFAULT.intersection(names)))

    def _sweeps_thresholds(self, expr: cst.BaseExpression) -> bool:
        """`(scores > t).astype(int)` with `t` a loop variable, in place or through a
        variable: predictions made at every threshold of a sweep, a curve drawn by hand."""
        flow = self.file.flow
        if flow is None:
            return False
        values = [expr]
        if isinstance(expr, cst.Name):
            values.extend(definition.value for definition in flow.reaching(expr.value) if definition.value is not None)
        for value in values:
            while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                value = value.func.value  # `(...).astype(int)`
            if isinstance(value, cst.Comparison) and any(
                definition.kind is Kind.LOOP for definition in flow.sources(value)
            ):
                return True
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node.raw_value in _THRESHOLD_INDEPENDENT_NAMES:
            self._ranked = True

    def end_file(self) -> None:
        if self._ranked or not (self._binary and self._model) or self._first is None:
            return
        node, metric = self._first
        self.report(
            node,
            f"this binary classifier is evaluated only at one decision threshold (`{metric}` and the "
            "like) and never by a threshold-independent metric: add `roc_auc_score`, "
            "`average_precision_score` or `log_loss` on the predicted probabilities.",
        )


def _says_binary(call: cst.Call, default: bool) -> bool:
    """Whether a metric call treats its problem as binary: `pos_label=`, `average="binary"`,
    or no `average=` at all for the metrics whose default is binary."""
    for arg in call.args:
        if arg.keyword is None:
            continue
        if arg.keyword.value == "pos_label":
            return True
        if arg.keyword.value == "average":
            return isinstance(arg.value, cst.SimpleString) and arg.value.raw_value == "binary"
    return default


def _family(module: str, names: str, deciding: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {f"{module}.{name}": deciding for name in names.split()}


#: Estimators and optimizers, and the hyperparameters that decide how they behave: the
#: capacity of a model, or the step of an optimizer. Creating one with none of them
#: given takes every one from the library's defaults.
_DECIDING = {
    **_family(
        "sklearn.ensemble",
        "RandomForestClassifier RandomForestRegressor ExtraTreesClassifier ExtraTreesRegressor",
        ("n_estimators", "max_depth", "min_samples_leaf", "min_samples_split", "max_leaf_nodes", "max_features"),
    ),
    **_family(
        "sklearn.ensemble",
        "GradientBoostingClassifier GradientBoostingRegressor",
        ("n_estimators", "learning_rate", "max_depth", "max_leaf_nodes", "min_samples_leaf"),
    ),
    **_family(
        "sklearn.tree",
        "DecisionTreeClassifier DecisionTreeRegressor",
        ("max_depth", "min_samples_leaf", "min_samples_split", "max_leaf_nodes", "ccp_alpha"),
    ),
    **_family("sklearn.svm", "SVC SVR", ("C", "kernel", "gamma")),
    **_family("sklearn.neighbors", "KNeighborsClassifier KNeighborsRegressor", ("n_neighbors",)),
    **_family("torch.optim", "SGD Adam AdamW", ("lr",)),
    "torch.utils.data.DataLoader": ("batch_size", "batch_sampler"),
}
#: How many positional arguments come before the deciding ones (an optimizer's
#: parameters, a loader's dataset); any positional argument after them gives one.
_LEADING_POSITIONALS = {"torch.optim.SGD": 1, "torch.optim.Adam": 1, "torch.optim.AdamW": 1,
                        "torch.utils.data.DataLoader": 1}
#: Hyperparameter searches: a module that runs one sets the estimators' settings there.
_SEARCHES = frozenset(
    {
        *(
            f"sklearn.model_selection.{name}"
            for name in ("GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV")
        ),
        "skopt.BayesSearchCV",
        "tune_sklearn.TuneSearchCV",
        "tune_sklearn.TuneGridSearchCV",
    }
)
#: Packages whose only purpose is tuning hyperparameters (Optuna, Ray Tune, Hyperopt, ...).
_TUNING_PACKAGES = frozenset({"optuna", "ray", "hyperopt", "skopt", "keras_tuner", "kerastuner", "nevergrad"})


class DefaultHyperparameters(Rule):
    """
    An estimator or optimizer is created with none of the hyperparameters that decide its
    behaviour, so every one of them is the library's default:

    | class | deciding hyperparameters |
    | --- | --- |
    | `RandomForest*`, `ExtraTrees*` | `n_estimators`, `max_depth`, `min_samples_leaf`, `min_samples_split`, `max_leaf_nodes`, `max_features` |
    | `GradientBoosting*` | `n_estimators`, `learning_rate`, `max_depth`, `max_leaf_nodes`, `min_samples_leaf` |
    | `DecisionTree*` | `max_depth`, `min_samples_leaf`, `min_samples_split`, `max_leaf_nodes`, `ccp_alpha` |
    | `SVC`, `SVR` | `C`, `kernel`, `gamma` |
    | `KNeighbors*` | `n_neighbors` |
    | `torch.optim.SGD`, `Adam`, `AdamW` | `lr` |
    | `torch.utils.data.DataLoader` | `batch_size` (or `batch_sampler`) |

    Giving any one of them, as a keyword or positionally, is enough. Classes are matched
    by qualified name, so aliases and `from` imports work. Nothing is reported in a module
    that runs a hyperparameter search (`GridSearchCV`, `RandomizedSearchCV`, the halving
    searches, `BayesSearchCV`), calls `set_params`, or imports a tuning library (Optuna,
    Ray, Hyperopt, scikit-optimize, Keras Tuner, Nevergrad); nor for a call passing
    `*args` or `**kwargs`, nor in test files.
    """

    code = "MLS510"
    name = "default-hyperparameters"
    family = Family.TRAINING
    severity = Severity.ADVICE
    precision = "medium"
    summary = "An estimator or optimizer is created with none of the hyperparameters that decide its behaviour."
    challenges = ("ZHANG22-11", "SLR-CM15")
    required_modules = frozenset({"sklearn", "torch"})
    why = (
        "Library defaults are a starting point chosen to work somewhere, not a decision about "
        "this problem: a random forest grows every tree to full depth, an SVC uses `C=1.0` on "
        "features of any scale, a `DataLoader` feeds one example per step, and Adam's `lr=1e-3` "
        "is tuned for none of your models. Leaving them implicit hides the choice from readers "
        "and from experiment records, and a library upgrade that changes a default changes the "
        "model silently (scikit-learn did so for `n_estimators` and `gamma`). ZHANG22-11 "
        "(Hyperparameter not Explicitly Set) catalogues the smell; SLR-CM15 (tuning is "
        "time-consuming and computationally intensive) is why defaults are so often left in place."
    )
    bad = (
        '''
        import torch
        from sklearn.ensemble import RandomForestClassifier
        from torch.utils.data import DataLoader

        forest = RandomForestClassifier(random_state=0)
                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        optimizer = torch.optim.Adam(net.parameters())
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        batches = DataLoader(train_set, shuffle=True)
                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import torch
        from sklearn.ensemble import RandomForestClassifier
        from torch.utils.data import DataLoader

        forest = RandomForestClassifier(n_estimators=500, min_samples_leaf=5, random_state=0)
        optimizer = torch.optim.Adam(net.parameters(), lr=3e-4)
        batches = DataLoader(train_set, batch_size=64, shuffle=True)
        ''',
        '''
        from sklearn.model_selection import GridSearchCV
        from sklearn.svm import SVC

        # The search sets C and gamma.
        search = GridSearchCV(SVC(), {"C": [0.1, 1, 10], "gamma": ["scale", 0.01]}, cv=5)
        search.fit(X_train, y_train)
        ''',
    )
    use_instead = (
        "Write the hyperparameters that decide the model's capacity or the optimizer's step "
        "explicitly, ideally from one configuration (`RandomForestClassifier(n_estimators=cfg.trees, "
        "min_samples_leaf=cfg.leaf)`, `Adam(params, lr=cfg.lr)`, `DataLoader(ds, batch_size=cfg.batch)`), "
        "or tune them with a search that sets them."
    )
    limitations = (
        "The table is deliberately short: other estimators and optimizers are not checked. "
        "A search in another module that tunes this module's model is not seen; a module that "
        "runs any search is skipped as a whole, even for models the search does not touch. A "
        "`DataLoader` over a dataset that already yields whole batches is reported although "
        "one item per step is what it needs; pass `batch_size=None` to say so."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self._candidates: list[tuple[cst.Call, str]] = []
        self._tuned = bool(_TUNING_PACKAGES.intersection(file.imported_packages)) or file.in_tests

    def visit_Call(self, node: cst.Call) -> None:
        if self._tuned:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "set_params":
            self._tuned = True
            return
        names = self.file.qualified_names(func)
        if _SEARCHES.intersection(names):
            self._tuned = True
            return
        for name in names:
            deciding = _DECIDING.get(name)
            if deciding is not None and not _gives_any(node, deciding, _LEADING_POSITIONALS.get(name, 0)):
                self._candidates.append((node, name))
                return

    def end_file(self) -> None:
        if self._tuned:
            return
        for node, name in self._candidates:
            deciding = ", ".join(f"`{parameter}`" for parameter in _DECIDING[name][:3])
            short = name.rpartition(".")[2]
            self.report(
                node,
                f"`{short}` is created with none of the hyperparameters that decide its behaviour "
                f"({deciding}...): every one is the library default. Set them explicitly, from "
                "configuration, or tune them with a search.",
            )


def _gives_any(call: cst.Call, deciding: tuple[str, ...], leading: int) -> bool:
    """Whether `call` passes one of `deciding`, positionally after `leading` arguments, or
    may pass it through `*args`/`**kwargs`."""
    positional = 0
    for arg in call.args:
        if arg.star:
            return True
        if arg.keyword is None:
            positional += 1
        elif arg.keyword.value in deciding:
            return True
    return positional > leading
