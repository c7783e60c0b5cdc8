"""MLS422 and MLS423: what happens when the model fails. A model that cannot be loaded,
trained or asked for a prediction must say so where someone will see it; code that
catches everything and moves on, or reports only through `print`, hides the failure
until users notice wrong answers (META-E2, META-B4, COLLAB-7.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from mlsmells.engine.calls import callee_name, code_of
from mlsmells.engine.names import dotted_name
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.ml_api import (
    FIT_METHODS,
    PREDICTION_METHODS,
    PREPROCESSORS,
    method_call,
)
from mlsmells.knowledge.serving_code import (
    HANDLER_DECORATORS,
    ROUTE_METHODS,
    WEB_APPS,
    decorator_names,
    serving_methods,
)
from mlsmells.rule import Rule

#: Packages whose objects are models: a receiver made by one of them is a model.
_ML_PACKAGES = frozenset(
    {
        "sklearn", "xgboost", "lightgbm", "catboost", "tensorflow", "keras", "torch",
        "transformers", "statsmodels", "prophet", "fbprophet", "sentence_transformers", "imblearn",
        "gensim", "pycaret", "autogluon", "h2o", "lightning", "pytorch_lightning", "skorch",
        "fastai", "mlflow", "spacy", "onnxruntime", "diffusers", "peft", "timm", "ultralytics",
    }
)
#: Words that name a model in a variable (`clf`, `text_model`, `gbm`, `grid_search`).
_MODEL_WORDS = frozenset(
    {
        "model", "models", "clf", "classifier", "classifiers", "regressor", "estimator",
        "estimators", "pipeline", "pipe", "net", "network", "learner", "booster", "bst", "gbm",
        "xgb", "lgb", "lgbm", "catboost", "svm", "svc", "svr", "knn", "forest", "rf", "lr",
        "logreg", "grid", "search", "gs", "ensemble", "stacker", "automl", "trainer", "predictor",
        "detector",
    }
)
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
#: Methods that run a model, whatever it is held in: the method name is the evidence.
_PREDICTIONS = PREDICTION_METHODS | {"predict_on_batch"}
#: Methods that train or run a model only when called on something known to be one.
_MODEL_METHODS = {
    **dict.fromkeys(FIT_METHODS | {"train", "fit_generator"}, "train"),
    **dict.fromkeys({"score", "evaluate", "transform", "generate", "forward", "predict_generator"}, "predict"),
}
#: Method and function names that load a model or its weights, on any receiver.
_LOADING_NAMES = frozenset({"load_model", "from_pretrained", "load_state_dict", "load_weights", "load_from_checkpoint"})
#: Library functions and classes that load a model.
_MODEL_LOADERS = frozenset(
    {
        "torch.jit.load",
        "tensorflow.saved_model.load",
        "onnx.load",
        "onnxruntime.InferenceSession",
        "safetensors.torch.load_file",
        "sentence_transformers.SentenceTransformer",
        "spacy.load",
    }
)
#: Deserialisers that load anything: a model only when the file or the variable says so.
_DESERIALISERS = frozenset(
    {"pickle.load", "pickle.loads", "dill.load", "cloudpickle.load", "joblib.load", "torch.load"}
)
_MODEL_FILE = re.compile(
    r"model|clf|classifier|regressor|estimator|pipeline|checkpoint|ckpt|weights|state_dict|\.pth?\b|\.h5\b|\.onnx\b",
    re.IGNORECASE,
)
#: First words of functions that do something to a model rather than hold one.
_VERBS = frozenset(
    {
        "load", "get", "build", "create", "make", "init", "set", "try", "save", "train", "fit",
        "update", "reset", "register", "prepare", "setup", "compile", "freeze", "wrap", "to", "run",
        "eval", "evaluate", "test", "check", "export", "convert", "download", "upload", "print",
        "show", "plot", "log", "fetch", "_load", "_get", "_build", "_set", "_init", "_create",
    }
)
#: Exception types that catch every error a model can raise.
_BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})


def model_named(name: str | None) -> bool:
    """`clf`, `text_model`, `gridSearch`, `bestModel`: a variable that holds a model."""
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return "model" in last.lower() or any(part.lower() in _MODEL_WORDS for part in _NAME_PARTS.findall(last))


@dataclass
class _Try:
    """A `try` being walked: its first model call, while the walk is in its body."""

    depth: int
    #: The statements of the block the `try` sits in: what comes before and after it.
    block: tuple[cst.BaseStatement, ...] = ()
    in_body: bool = True
    model_call: cst.Call | None = None
    action: str = ""


class SwallowedModelError(Rule):
    """
    A `try` whose body loads a model, trains one or asks it for predictions, with an
    `except:`, `except Exception:` or `except BaseException:` (alone or in a tuple) whose
    body only passes, continues, is `...`, or prints. Model calls are:

    - loading: `torch.jit.load`, `tf.saved_model.load`, `onnxruntime.InferenceSession`,
      `SentenceTransformer(...)`, `spacy.load`, anything named `load_model`,
      `from_pretrained`, `load_state_dict`, `load_weights` or `load_from_checkpoint`; and
      `pickle.load`, `joblib.load`, `torch.load`, `dill.load` when the file (in the call or
      the enclosing `with open(...)`) or the variable names a model or checkpoint
      (`"clf.pkl"`, `model = joblib.load(path)`);
    - predicting: `predict`, `predict_proba`, `predict_log_proba`, `decision_function` on
      any receiver, and calling a variable named like a model (`self.model(batch)`);
    - training and evaluating: `fit`, `fit_transform`, `partial_fit`, `train`, `score`,
      `evaluate`, `transform`, `generate` on a receiver that is a model: made by an ML
      library (`LogisticRegression().fit`, `clf = XGBClassifier(); clf.fit`) or named like
      one (`model`, `clf`, `pipeline`, `gbm`, `grid_search`, `trainer`).

    Handlers that catch a specific exception (`except FileNotFoundError:`), log
    (`logger.exception(...)`), re-raise, return or assign a fallback, or set a flag are
    not reported: they decide what a failure means. Nor is a handler that only prints when
    the code around the `try` supplies the fallback: a value other than None assigned
    before the `try` to a name the `try` assigns (`score = 0.5`, then
    `try: score = model.predict_proba(x)[0, 1]`), or a `return` of a value right after it.
    A call given a model (`unwrap_model(model)`, `export(model)`) acts on the model and
    is not a model call.
    """

    code = "MLS422"
    name = "swallowed-model-error"
    family = Family.ARCHITECTURE
    severity = Severity.WARNING
    summary = "A broad `except` silently swallows errors of loading, training or running a model."
    challenges = ("META-E2",)
    why = (
        "When loading the model, training it or predicting fails, `except Exception: pass` "
        "turns the failure into silence: the program goes on with no model, a stale one, or "
        "missing predictions, and nobody learns why results are wrong or absent. A `print` "
        "is hardly better in a service or a scheduled job, where standard output goes "
        "unread. META-E2 reports that error handling around the model is rarely tested and "
        "causes system failures; a handler that hides every error cannot be tested at all."
    )
    bad = (
        '''
        import joblib

        def score_batch(rows):
            try:
                model = joblib.load("models/churn-clf.joblib")
                return model.predict(rows)
            except Exception: pass
            ^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        from sklearn.ensemble import RandomForestClassifier

        for params in candidate_params:
            forest = RandomForestClassifier(**params)
            try:
                forest.fit(X_train, y_train)
            except: continue
            ^^^^^^^^^^^^^^^^
            scores.append(forest.score(X_valid, y_valid))
        ''',
    )
    good = (
        '''
        import logging

        import joblib

        logger = logging.getLogger(__name__)

        def score_batch(rows):
            try:
                model = joblib.load("models/churn-clf.joblib")
            except FileNotFoundError:
                logger.error("no trained churn model yet; run train.py first")
                raise
            try:
                return model.predict(rows)
            except Exception:
                logger.exception("churn model failed on a batch of %d rows", len(rows))
                return None
        ''',
        '''
        results = []
        for config in configs:
            try:
                results.append(run_experiment(config))
            except Exception:
                continue
        ''',
    )
    use_instead = (
        "Catch only the errors you expect and can handle (`FileNotFoundError`, `ValueError`), "
        "log them with `logger.exception(...)` so the traceback is kept, and re-raise or return "
        "an explicit fallback that callers can see."
    )
    limitations = (
        "Only calls written in the `try` body count, not calls inside functions it calls. "
        "`fit`, `train`, `score`, `evaluate`, `transform` and `generate` count only on a "
        "receiver made by an ML library in this file or named like a model, so a model held "
        "under another name (`m.fit(X, y)`) is missed. Handlers that `return None` or `break` "
        "without logging are not reported, nor is a loop that returns the first candidate that "
        "loads and continues past the others. Loops that try many models or hyperparameters and "
        "skip the ones that fail (`except Exception: continue`) are reported: catching the errors "
        "expected (`ValueError`, `LinAlgError`) keeps the unexpected ones visible. A default "
        "assigned before the `try` or a value returned after it counts as a deliberate fallback "
        "whatever that value is, as long as it is not None."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.tries: list[_Try] = []
        self.functions = 0
        #: Variables assigned a call into an ML library anywhere in the file.
        self.models: set[str] = set()
        #: The target names of the assignments being walked.
        self.targets: list[list[str]] = []
        #: The source of the `with` items being walked: `open("clf.pkl", "rb") as f`.
        self.opened: list[str] = []
        #: Functions the module defines: `median_model(df)` runs code, not a held model.
        self.defined = {s.name.value for s in file.module.body if isinstance(s, cst.FunctionDef)}
        #: The statements of the blocks being walked, innermost last.
        self.blocks: list[tuple[cst.BaseStatement, ...]] = []

    def visit_Module(self, node: cst.Module) -> None:
        self.blocks.append(tuple(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(tuple(node.body))

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.functions += 1

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.functions -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        names = [name for target in node.targets if (name := dotted_name(target.target))]
        self.targets.append(names)
        value = node.value
        if isinstance(value, cst.Call) and self._from_ml_library(value) and not self._makes_preprocessor(value):
            self.models.update(names)

    def leave_Assign(self, node: cst.Assign) -> None:
        self.targets.pop()

    def visit_With(self, node: cst.With) -> None:
        self.opened.append(" ".join(code_of(item.item) for item in node.items))

    def leave_With(self, node: cst.With) -> None:
        self.opened.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append(_Try(self.functions, self.blocks[-1] if self.blocks else ()))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.tries[-1].in_body = False

    def visit_Call(self, node: cst.Call) -> None:
        if not self.tries:
            return
        watching = [t for t in self.tries if t.in_body and t.depth == self.functions and t.model_call is None]
        if not watching:
            return
        action = self._model_action(node)
        if action:
            for frame in watching:
                frame.model_call, frame.action = node, action

    def leave_Try(self, node: cst.Try) -> None:
        frame = self.tries.pop()
        if frame.model_call is None or _fallback_around(node, frame.block):
            return
        for handler in node.handlers:
            silence = self._silence(handler) if self._catches_everything(handler) else None
            if silence and not ("continues" in silence and _leaves_on_success(node)):
                caught = "except:" if handler.type is None else f"except {code_of(handler.type)}:"
                self.report(
                    handler,
                    f"`{caught}` around `{_short(frame.model_call)}` only {silence}: when the model "
                    f"fails to {frame.action}, the error vanishes and the program goes on without "
                    "it; catch the specific exception, log it with `logger.exception(...)`, or let it propagate",
                )

    def _catches_everything(self, handler: cst.ExceptHandler) -> bool:
        if handler.type is None:
            return True
        caught = [e.value for e in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
        return any(_BROAD_EXCEPTIONS.intersection(self.file.qualified_names(expr)) for expr in caught)

    def _model_action(self, call: cst.Call) -> str | None:
        """"load", "predict" or "train" when `call` does that to a model, else None."""
        names = self.file.qualified_names(call.func)
        method = callee_name(call.func)
        if _MODEL_LOADERS.intersection(names) or method in _LOADING_NAMES:
            return "load"
        if _DESERIALISERS.intersection(names):
            target_names = self.targets[-1] if self.targets else []
            opened = self.opened[-1:]
            evidence = " ".join([*target_names, *opened, *(code_of(arg.value) for arg in call.args)])
            return "load" if _MODEL_FILE.search(evidence) else None
        if method_call(call, _PREDICTIONS):
            return "predict"
        if isinstance(call.func, cst.Attribute) and method in _MODEL_METHODS:
            return _MODEL_METHODS[method] if self._is_model(call.func.value) else None
        if not names and _calls_held_model(call.func) and callee_name(call.func) not in self.defined:
            return None if self._given_a_model(call) else "predict"
        return None

    def _given_a_model(self, call: cst.Call) -> bool:
        """`unwrap_model(model)`, `accelerator.unwrap_model(self.model)`: a call given a model
        does something to it; a model is given data."""
        return any(self._is_model(arg.value) for arg in call.args if not isinstance(arg.value, cst.Call))

    def _is_model(self, receiver: cst.BaseExpression) -> bool:
        if isinstance(receiver, cst.Call):
            return self._from_ml_library(receiver) and not self._makes_preprocessor(receiver)
        name = dotted_name(receiver)
        return name is not None and (name in self.models or model_named(name))

    def _from_ml_library(self, call: cst.Call) -> bool:
        return any(name.split(".", 1)[0] in _ML_PACKAGES for name in self.file.qualified_names(call.func))

    def _makes_preprocessor(self, call: cst.Call) -> bool:
        """`LabelEncoder()`, `StandardScaler()`: data preparation, not a model."""
        return bool(PREPROCESSORS.intersection(self.file.qualified_names(call.func)))

    def _silence(self, handler: cst.ExceptHandler) -> str | None:
        """What a handler does if it only swallows the error: "passes", "continues", "prints"."""
        if not isinstance(handler.body, cst.IndentedBlock):
            statements = list(handler.body.body)
        else:
            statements = []
            for line in handler.body.body:
                if not isinstance(line, cst.SimpleStatementLine):
                    return None
                statements.extend(line.body)
        does = set()
        for statement in statements:
            if isinstance(statement, cst.Pass) or _is_placeholder(statement):
                does.add("passes")
            elif isinstance(statement, cst.Continue):
                does.add("continues")
            elif self._is_print(statement):
                does.add("prints")
            else:
                return None
        if "prints" in does:
            return "prints" if "continues" not in does else "prints and continues"
        return "continues" if "continues" in does else "passes"

    def _is_print(self, statement: cst.BaseSmallStatement) -> bool:
        return (
            isinstance(statement, cst.Expr)
            and isinstance(statement.value, cst.Call)
            and self.file.qualified_names(statement.value.func) == ("builtins.print",)
        )


def _calls_held_model(func: cst.BaseExpression) -> bool:
    """`model(batch)`, `self.text_model(x)`: a model held in a variable, called to predict;
    not a class being constructed (`TextModel(config)`) or a function that acts on a model
    (`build_model()`, `self.try_to_set_base_model()`)."""
    name = dotted_name(func)
    parts = name.rsplit(".", 1)[-1].split("_") if name else [""]
    return parts[-1] == "model" and len(parts) <= 3 and parts[0] not in _VERBS


def _fallback_around(node: cst.Try, block: tuple[cst.BaseStatement, ...]) -> bool:
    """Whether the code around a `try` supplies a value when it fails: a default assigned
    before it to a name the `try` assigns, or a `return` of a value right after it."""
    if node not in block:
        return False
    position = block.index(node)
    following = block[position + 1] if position + 1 < len(block) else None
    if following is not None and any(_returns_value(small) for small in _simple(following)):
        return True
    assigned = {name for statement in node.body.body for name, _ in _assignments(statement)}
    return any(
        name in assigned and not _is_none(value)
        for statement in block[:position]
        for name, value in _assignments(statement)
    )


def _simple(statement: cst.BaseStatement) -> tuple[cst.BaseSmallStatement, ...]:
    return tuple(statement.body) if isinstance(statement, cst.SimpleStatementLine) else ()


def _assignments(statement: cst.BaseStatement) -> list[tuple[str, cst.BaseExpression]]:
    """The names a simple statement assigns (`score = 0.5`, `self.model = m`), with their values."""
    found = []
    for small in _simple(statement):
        if isinstance(small, cst.Assign):
            found.extend((name, small.value) for target in small.targets if (name := dotted_name(target.target)))
        elif isinstance(small, cst.AnnAssign) and small.value is not None and (name := dotted_name(small.target)):
            found.append((name, small.value))
    return found


def _returns_value(statement: cst.BaseSmallStatement) -> bool:
    return isinstance(statement, cst.Return) and statement.value is not None and not _is_none(statement.value)


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _leaves_on_success(node: cst.Try) -> bool:
    """`for path in candidates: try: return load(path) except Exception: continue`: a
    search for the first alternative that works, whose end the loop handles."""
    return any(
        isinstance(line, cst.SimpleStatementLine) and isinstance(line.body[-1], cst.Return | cst.Break)
        for line in node.body.body
    )


def _is_placeholder(statement: cst.BaseSmallStatement) -> bool:
    """`...` or a string standing in for a comment."""
    return isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Ellipsis | cst.SimpleString)


def _short(call: cst.Call) -> str:
    text = code_of(call.func) + "(...)" if call.args else code_of(call)
    return text if len(text) <= 60 else text[:57] + "..."


# MLS423 ------------------------------------------------------------------------------------

#: Libraries whose calls record what a service does: logging and metrics.
_MONITORING_PACKAGES = frozenset(
    {
        "logging", "loguru", "structlog", "prometheus_client", "statsd", "datadog", "sentry_sdk",
        "opentelemetry", "wandb", "mlflow", "evidently", "whylogs",
    }
)
_LOG_LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
#: Methods of metric clients: `REQUESTS.inc()`, `LATENCY.observe(t)`, `statsd.increment(...)`.
_METRIC_METHODS = frozenset({"inc", "observe", "increment", "timing", "gauge", "histogram"})


@dataclass
class _Handler:
    """A function being walked: why it serves requests (or None), and how it reports."""

    serves: str | None
    prints: list[cst.Call]
    monitored: bool = False


class PrintMonitoring(Rule):
    """
    Serving code that reports what it predicts, or how it failed, only through `print`:
    a request handler or model-server method that calls `print` and makes no `logging`
    call (`logger.info`, `logging.exception`, `app.logger.error`, loguru, structlog) and
    no metrics call (`prometheus_client` counters and histograms, statsd, Sentry, MLflow or
    W&B logging). Serving code is a Flask, FastAPI, Starlette, Quart or Sanic route (the
    decorator's object must be made by one of these frameworks in the file, or imported),
    a function decorated with `bentoml.api`, `functions_framework.http` or Django REST
    framework's `api_view`, the `handle`/`preprocess`/`inference`/`postprocess` methods of a
    TorchServe `BaseHandler`, the `predict` method of an MLflow `PythonModel`, a KServe
    `Model`, an MLServer `MLModel` or a LitServe `LitAPI`, and the `__call__`/`predict`
    methods of a Ray Serve deployment or a BentoML service.
    """

    code = "MLS423"
    name = "print-monitoring"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    precision = "medium"
    summary = "Serving code reports predictions or errors only through `print`."
    challenges = ("META-B4", "COLLAB-7.3-no-online-testing-monitoring")
    required_modules = frozenset(
        {
            "flask", "fastapi", "starlette", "quart", "sanic", "bentoml", "ray", "mlflow", "kserve",
            "kfserving", "mlserver", "litserve", "ts", "functions_framework", "modal", "rest_framework",
        }
    )
    why = (
        "A deployed model is monitored through what its server records: which requests came "
        "in, what it predicted, what failed. `print` writes unstructured lines to standard "
        "output with no level, timestamp or request context, which process managers and "
        "containers often drop, and no dashboard or alert can use. META-B4 reports that "
        "monitoring is considered only after launch, leaving ad-hoc logging; COLLAB-7.3 finds "
        "that telemetry and monitoring of deployed models are rarely planned. Logging through "
        "`logging` (or counting in a metrics client) is the first step to both."
    )
    bad = (
        '''
        import joblib
        from fastapi import FastAPI

        app = FastAPI()
        model = joblib.load("models/sentiment.joblib")

        @app.post("/predict")
        def predict(review: Review):
            label = model.predict([review.text])[0]
            print("prediction:", label)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^
            return {"label": label}
        ''',
    )
    good = (
        '''
        import logging

        import joblib
        from fastapi import FastAPI

        logger = logging.getLogger(__name__)
        app = FastAPI()
        model = joblib.load("models/sentiment.joblib")

        @app.post("/predict")
        def predict(review: Review):
            label = model.predict([review.text])[0]
            logger.info("prediction %s for a review of %d characters", label, len(review.text))
            return {"label": label}

        def main():
            print("serving on port 8000")
        ''',
    )
    use_instead = (
        "Log through the `logging` module (`logger = logging.getLogger(__name__)`; "
        "`logger.info`, `logger.exception`) or a structured logger, and count predictions, "
        "latencies and errors with a metrics client so that dashboards and alerts can watch them."
    )
    limitations = (
        "The rule looks at each serving function alone: a handler whose helper logs for it, or "
        "a server that logs in middleware, is still reported when the handler prints. Route "
        "decorators on an object that is neither made by a web framework in the file nor "
        "imported are not recognised, nor are handlers registered with `app.add_url_rule`."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.handlers: list[_Handler] = []
        #: For each enclosing class: the methods of it that serve requests.
        self.classes: list[frozenset[str]] = []
        #: Variables that hold a web application or router (`app = FastAPI()`).
        self.apps: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if isinstance(value, cst.Call) and WEB_APPS.intersection(self.file.qualified_names(value.func)):
            self.apps.update(name for target in node.targets if (name := dotted_name(target.target)))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(serving_methods(self.file, node))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.handlers.append(_Handler(self._serves(node), []))

    def _serves(self, node: cst.FunctionDef) -> str | None:
        """Why `node` serves requests, as the finding says it, or None."""
        for decorator in node.decorators:
            if HANDLER_DECORATORS.intersection(decorator_names(self.file, decorator)):
                return f"the request handler `{node.name.value}`"
            if self._is_route(decorator.decorator):
                return f"the route handler `{node.name.value}`"
        in_class = isinstance(self.file.scopes[-1].node, cst.ClassDef)
        if in_class and self.classes and node.name.value in self.classes[-1]:
            return f"the serving method `{node.name.value}`"
        return None

    def _is_route(self, decorator: cst.BaseExpression) -> bool:
        """`@app.post("/predict")` on an app made by a web framework here, or imported."""
        if not (
            isinstance(decorator, cst.Call)
            and isinstance(decorator.func, cst.Attribute)
            and decorator.func.attr.value in ROUTE_METHODS
        ):
            return False
        app = decorator.func.value
        return dotted_name(app) in self.apps or bool(self.file.qualified_names(app))

    def visit_Call(self, node: cst.Call) -> None:
        if not self.handlers or self.handlers[-1].serves is None:
            return
        handler = self.handlers[-1]
        names = self.file.qualified_names(node.func)
        if names == ("builtins.print",):
            handler.prints.append(node)
        elif self._monitors(node.func, names):
            handler.monitored = True

    def _monitors(self, func: cst.BaseExpression, names: tuple[str, ...]) -> bool:
        if any(name.split(".", 1)[0] in _MONITORING_PACKAGES for name in names):
            return True
        if not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        receiver = (dotted_name(func.value) or "").rsplit(".", 1)[-1].lower()
        return method in _METRIC_METHODS or method in _LOG_LEVELS and "log" in receiver

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        handler = self.handlers.pop()
        if handler.serves is None or handler.monitored or not handler.prints:
            return
        count = len(handler.prints)
        calls = "one `print` call" if count == 1 else f"{count} `print` calls"
        self.report(
            handler.prints[0],
            f"{handler.serves} reports only through `print` ({calls}, no logging or metrics call): "
            "a server's standard output has no level, time or request context and is often "
            "dropped; log with `logging` (`logger.info`, `logger.exception`) or count with a "
            "metrics client so predictions and failures can be monitored",
        )
