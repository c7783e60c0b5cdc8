"""MLS314: code that serves predictions re-learns a data transformation on the data it
is asked about, so the model sees features scaled differently than in training (META-D3,
SLR-CS08)."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from mlsmells.engine.calls import callee_name, keyword_arg
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.ml_api import PREDICTION_METHODS
from mlsmells.knowledge.serving_code import (
    HANDLER_DECORATORS,
    ROUTE_METHODS,
    decorator_names,
    serving_methods,
)
from mlsmells.rule import Rule

#: Names that make a plain function an inference entry point when it also predicts
#: (`handler` for AWS Lambda, `predict_fn`/`transform_fn` for SageMaker).
_ENTRY_POINT_NAMES = frozenset(
    {"handler", "lambda_handler", "handle", "predict", "predict_fn", "transform_fn", "infer", "inference", "serve"}
)
#: Prefixes of functions that make, load or train a model rather than run one.
_MODEL_FACTORY_PREFIXES = ("load", "get", "build", "create", "make", "save", "init", "train", "fit", "set", "_load", "_get", "_build")
#: Methods that learn a transformation from the data they are given.
_TRANSFORMER_FITS = frozenset({"fit", "fit_transform"})


@dataclass
class _Function:
    """A function being walked: why it serves (or None), and what it calls."""

    node: cst.FunctionDef
    serves: str | None
    fits: list[cst.Call] = field(default_factory=list)
    predicts: bool = False
    trains: bool = False


class FitInInferencePath(Rule):
    """
    A function that serves predictions fits a data transformation on the data it is
    asked to predict: `scaler.fit_transform(features)` or `encoder.fit(features)` in a
    function that also calls `predict`/`predict_proba`/`decision_function` or a model
    (`model(x)`, `self.model(x)`), when the function is a request handler or a serving
    entry point: a Flask, FastAPI, Starlette or blueprint route (`@app.route`,
    `@app.post`, `@router.get`), a Django REST framework or Django view, the `predict`
    method of an MLflow `PythonModel`, a KServe `Model` or a LitServe `LitAPI`, a method of
    a Ray Serve deployment or a BentoML service, or a module-level function named
    `handler`, `lambda_handler`, `predict`, `predict_fn`, `transform_fn`, `infer`,
    `inference` or `serve`.
    """

    code = "MLS314"
    name = "fit-in-inference-path"
    family = Family.DATA
    severity = Severity.WARNING
    summary = "Serving code fits a transformation on the data it is asked to predict."
    challenges = ("META-D3", "SLR-CS08")
    required_modules = frozenset(
        {
            "flask", "fastapi", "starlette", "django", "rest_framework", "bentoml", "ray", "mlflow",
            "kserve", "litserve", "functions_framework", "modal", "sklearn", "joblib",
        }
    )
    why = (
        "A scaler, encoder or vectorizer fitted at serving time learns its statistics from the "
        "request (often a single row), not from the training data: the model receives "
        "features on a different scale or with different categories than it was trained on, "
        "and its predictions are silently wrong. This is training-serving skew, common and rarely "
        "detected (META-D3); SLR-CS08 names the rework of training pipelines for serving as a "
        "challenge, and a transformation fitted in the serving code is that rework gone wrong."
    )
    bad = (
        '''
        import joblib
        import pandas as pd
        from flask import Flask, request
        from sklearn.preprocessing import StandardScaler

        app = Flask(__name__)
        model = joblib.load("churn-model.joblib")

        @app.route("/predict", methods=["POST"])
        def predict_churn():
            features = pd.DataFrame(request.get_json()["customers"])
            scaled = StandardScaler().fit_transform(features)
                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            return {"churn": model.predict(scaled).tolist()}
        ''',
    )
    good = (
        '''
        import joblib
        import pandas as pd
        from flask import Flask, request

        app = Flask(__name__)
        scaler = joblib.load("churn-scaler.joblib")  # fitted on the training data
        model = joblib.load("churn-model.joblib")

        @app.route("/predict", methods=["POST"])
        def predict_churn():
            features = pd.DataFrame(request.get_json()["customers"])
            return {"churn": model.predict(scaler.transform(features)).tolist()}
        ''',
        '''
        from fastapi import FastAPI
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        app = FastAPI()

        @app.post("/retrain")
        def retrain(batch: TrainingBatch):
            scaler = StandardScaler().fit(batch.features)
            model = LogisticRegression().fit(scaler.transform(batch.features), batch.labels)
            store(scaler, model)
            return {"train_accuracy": model.score(scaler.transform(batch.features), batch.labels)}
        ''',
    )
    use_instead = (
        "Fit transformations once, on the training data, and ship them with the model: save a "
        "fitted `Pipeline` (or the fitted scaler/encoder next to the model) and call only "
        "`transform`/`predict` when serving."
    )
    limitations = (
        "Serving code is recognised by its decorators, base classes and the entry-point names "
        "above, within one function: a handler that calls a helper which fits is not "
        "reported. A function that also trains a model (a `fit` with labels) is taken to be a "
        "training endpoint and left alone. Model calls are recognised by the callee's name "
        "containing `model`."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.functions: list[_Function] = []
        #: For each enclosing class: the methods of it that serve, or None.
        self.classes: list[frozenset[str] | None] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(serving_methods(self.file, node) or None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(_Function(node, self._serves(node)))

    def _serves(self, node: cst.FunctionDef) -> str | None:
        """Why `node` serves predictions, as the finding will say it, or None."""
        name = node.name.value
        for decorator in node.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            if HANDLER_DECORATORS.intersection(decorator_names(self.file, decorator)):
                return "this request handler"
            if (
                isinstance(expr, cst.Call)
                and isinstance(func, cst.Attribute)
                and func.attr.value in ROUTE_METHODS
                and isinstance(func.value, cst.Name | cst.Attribute)
            ):
                return "this route handler"
        in_class = self.file.scopes and isinstance(self.file.scopes[-1].node, cst.ClassDef)
        if in_class:
            serving_methods = self.classes[-1] if self.classes else None
            if serving_methods is not None and name in serving_methods:
                return f"`{name}`, which serves requests,"
            return None
        if name in _ENTRY_POINT_NAMES and self.file.in_module_scope:
            return f"the inference entry point `{name}`"
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if not self.functions or self.functions[-1].serves is None:
            return
        function = self.functions[-1]
        method = callee_name(node.func)
        if method in PREDICTION_METHODS and isinstance(node.func, cst.Attribute) or self._calls_a_model(node.func):
            function.predicts = True
        elif method in _TRANSFORMER_FITS and isinstance(node.func, cst.Attribute):
            if _learns_from_labels(node):
                function.trains = True
            else:
                function.fits.append(node)

    def _calls_a_model(self, func: cst.BaseExpression) -> bool:
        """`model(x)`, `self.model(x)`, `self.text_model(x)`: a model held in a variable,
        not a function that makes or loads one (`load_model`, `build_model`)."""
        name = callee_name(func)
        return (
            name is not None
            and "model" in name.lower()
            and not name.lower().startswith(_MODEL_FACTORY_PREFIXES)
            and not self.file.qualified_names(func)
        )

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        function = self.functions.pop()
        if function.serves is None or not function.predicts or function.trains:
            return
        for call in function.fits:
            method = callee_name(call.func)
            self.report(
                call,
                f"{function.serves} calls `{method}`, re-learning the transformation on the data "
                "it predicts for (training-serving skew); fit it on the training data and load it "
                "fitted, calling only `transform` here",
            )


def _learns_from_labels(call: cst.Call) -> bool:
    """`model.fit(X, y)`, `fit(X, y=y)`: supervised training, not a transformation."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return len(positional) >= 2 or keyword_arg(call, "y") is not None
