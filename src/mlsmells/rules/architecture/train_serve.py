"""MLS421: the same data-transformation code written twice, once where a model is trained
and once where it serves predictions, so that the two copies can drift apart and the
model is served features it was never trained on (META-D3, SLR-CS08).

The file pass turns each run of consecutive simple statements of training or serving
code into normalised text (local names renamed in order of appearance, literals replaced
by their kinds, imported names spelled out), hashes every window of `window` consecutive
statements that holds enough data transformations, and holds a finding at its first
statement. The repository pass indexes windows by hash and side: dictionaries, linear in
the number of windows, never a comparison of every pair of files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import libcst as cst

from mlsmells.engine.positions import FALLBACK
from mlsmells.engine.walker import children_of
from mlsmells.findings import Family, Severity
from mlsmells.rule import Option, RepositoryReport, Rule

TRAINING = "training"
SERVING = "serving"
#: The token of a string literal; its text follows it, for the windows that keep it.
_STRING = "<string>"

#: Words of a file, directory, function or class name that put it on the training side.
_TRAINING_WORDS = frozenset({"train", "training", "trainer", "retrain", "pretrain", "finetune", "fit"})
#: Words of a file or directory name that put it on the serving side.
_SERVING_FILE_WORDS = frozenset(
    {
        "serve", "serving", "server", "service", "inference", "infer", "predict", "predictor",
        "prediction", "predictions", "api", "app", "handler", "endpoint", "deploy", "deployment",
    }
)
#: Words of a function or class name that put it on the serving side. Narrower than for
#: files: in library code `infer_dtype`, `call_api` and `app_name` are not about serving.
_SERVING_FUNCTION_WORDS = frozenset(
    {"serve", "serving", "inference", "predict", "predictor", "prediction", "predictions", "handler", "endpoint"}
)
#: Words of function names that score predictions against labels.
_EVALUATION_WORDS = frozenset(
    {"loss", "metric", "metrics", "valid", "validation", "validate", "evaluate", "evaluation", "accuracy", "auc", "rmse"}
)
#: Packages that make a module serving code: web frameworks and model servers.
_SERVING_PACKAGES = frozenset(
    {
        "flask", "fastapi", "starlette", "bentoml", "kserve", "litserve", "seldon_core", "mlserver",
        "gradio", "streamlit", "sagemaker_inference", "triton_python_backend_utils", "functions_framework",
    }
)
_SERVING_MODULE_PREFIXES = ("ray.serve", "ts.torch_handler")

#: Functions that transform data values: numeric feature engineering, encoding, text cleaning.
_TRANSFORM_FUNCTIONS = frozenset(
    {
        "numpy.log", "numpy.log1p", "numpy.log2", "numpy.log10", "numpy.exp", "numpy.expm1", "numpy.sqrt",
        "numpy.cbrt", "numpy.square", "numpy.power", "numpy.clip", "numpy.where", "numpy.round", "numpy.around",
        "numpy.abs", "numpy.absolute", "numpy.floor", "numpy.ceil", "numpy.sign", "numpy.digitize",
        "numpy.nan_to_num", "numpy.interp",
        "pandas.get_dummies", "pandas.cut", "pandas.qcut", "pandas.to_datetime", "pandas.to_numeric",
        "pandas.to_timedelta", "pandas.factorize",
        "sklearn.preprocessing.scale", "sklearn.preprocessing.normalize", "sklearn.preprocessing.minmax_scale",
        "sklearn.preprocessing.robust_scale", "sklearn.preprocessing.maxabs_scale",
        "sklearn.preprocessing.label_binarize", "sklearn.preprocessing.binarize",
        "re.sub", "re.subn", "re.findall", "re.split", "unicodedata.normalize",
        "nltk.word_tokenize", "nltk.tokenize.word_tokenize", "nltk.sent_tokenize",
    }
)
#: Methods that transform a DataFrame, Series, array or string (pandas-style feature
#: engineering and text cleaning). `transform` and `predict` are not among them: calling a
#: fitted transformer on both sides is the shared transformation this rule asks for.
_TRANSFORM_METHODS = frozenset(
    {
        "fillna", "dropna", "astype", "map", "apply", "applymap", "replace", "clip", "round", "abs",
        "get_dummies", "rename", "drop", "drop_duplicates", "interpolate", "cumsum", "diff", "pct_change",
        "shift", "rolling", "explode", "melt", "pivot", "pivot_table", "merge", "groupby", "agg", "isin",
        "between", "log", "log1p", "sqrt", "reshape", "lower", "upper", "strip", "lstrip", "rstrip", "split",
        "findall", "sub", "translate", "normalize", "tokenize", "encode_plus",
    }
)
_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)
#: Expression statements that report rather than compute: left out of the runs, so that a
#: training script's progress messages do not hide a copy of the serving code.
_REPORTING_CALLS = frozenset({"print", "info", "debug", "warning", "warn", "error", "log", "display", "write"})


def name_words(name: str) -> list[str]:
    """`train_model` -> [train, model]; `ChurnPredictor` -> [churn, predictor]."""
    return [word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", name)]


def side_of_words(words: list[str], serving_words: frozenset[str]) -> str | None:
    """The side a name puts code on: its first or last word says it (`train_eta`,
    `churn_app`, `predict`); a side word inside a longer name (`pp_ocrv5_server_rec`,
    `AlbertForPreTrainingOutput`) names a variant or a type, not a side. None when
    the name says neither or both."""
    ends = {words[0], words[-1]} if words else set()
    training, serving = bool(ends & _TRAINING_WORDS), bool(ends & serving_words)
    if training == serving:
        return None
    return TRAINING if training else SERVING


def side_of_path(path: str) -> str | None:
    """The side of a file from its name (`train_model.py`), else from its directory's
    (`serving/features.py`); None when the name that speaks says neither or both."""
    words = _deciding_words(path)
    return side_of_words(words, _SERVING_FILE_WORDS) if words else None


def _deciding_words(path: str) -> list[str]:
    """The words of the file's name if it starts or ends with a side word, else those of
    its directory if it does, else none."""
    pure = PurePosixPath(path.replace("\\", "/"))
    for part in (pure.stem, pure.parent.name):
        words = name_words(part)
        if words and {words[0], words[-1]} & (_TRAINING_WORDS | _SERVING_FILE_WORDS):
            return words
    return []


@dataclass
class _Statement:
    """A simple statement, normalised: its tokens, with local names left as `$name`, and
    whether it transforms data."""

    node: cst.BaseSmallStatement
    tokens: list[str] = field(default_factory=list)
    transforms: bool = False


@dataclass
class _Frame:
    """A file, class or function body: its side, name and the class it belongs to."""

    side: str | None
    where: str
    owner: str
    #: Whether the side comes from this function's or class's own name, not its file's.
    named: bool = False


class TrainServeDuplication(Rule):
    """
    The same data transformation is written twice: once on the training side and once
    on the serving side of a repository, as a near-duplicate sequence of consecutive
    statements that transforms data (pandas-style column work such as `fillna`,
    `astype`, `map`, `get_dummies`, `pd.cut`, arithmetic on columns, NumPy math such as
    `np.log1p` and `np.clip`, text cleaning with `lower`/`split`/`re.sub`, `reshape`, ...).

    Sides: a file is on the training side when its name (or, if its name says nothing,
    its directory's) starts or ends with the word `train`, `training`, `trainer`, `fit`,
    `retrain`, `pretrain` or `finetune`, and on the serving side when it starts or ends
    with `serve`, `serving`, `server`, `service`, `inference`, `infer`, `predict`,
    `predictor`, `prediction`, `api`, `app`, `handler`, `endpoint` or `deploy`
    (`train_model.py`, `serving/features.py`, `churn_app.py`); a file whose name says
    neither is serving code when it imports a web framework or model server (Flask,
    FastAPI, Starlette, BentoML, KServe, LitServe, Seldon, MLServer, Gradio, Streamlit, Ray
    Serve, TorchServe, SageMaker inference). A function or class whose name starts or ends
    with one of the training words or `serve`, `serving`, `inference`, `predict`,
    `predictor`, `prediction`, `handler` or `endpoint` puts its body on that side, whatever
    its file. A side word inside a longer name (`pp_ocrv5_server_rec`,
    `AlbertForPreTrainingOutput`) names a model variant or a type, not a side; a name with
    words of both sides (`train_and_serve.py`) or of neither has no side; test files are
    never looked at.

    Duplicates: statements are compared after renaming local variables in order of
    appearance, replacing literals by their kind (number, string) and spelling imported
    names in full, so `df["age"] = df["age"].fillna(40)` matches
    `frame["income"] = frame["income"].fillna(0)`. A finding is made when a window of
    `window` consecutive statements (default 3) with at least `min-transformations` data
    transformations (default 2) appears on both sides; each copy is reported, naming the
    other. Methods of one class (an estimator's `fit` and `predict`) are one unit and are
    not compared with each other.
    """

    code = "MLS421"
    name = "train-serve-duplication"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    summary = "Training and serving code each carry their own copy of a data transformation."
    challenges = ("META-D3", "SLR-CS08")
    required_modules = frozenset(
        {"numpy", "pandas", "polars", "sklearn", "scipy", "torch", "torchvision", "tensorflow", "keras", "nltk", "spacy", "cv2", "PIL"}
    )
    options = (
        Option(
            "window",
            "int",
            3,
            "Consecutive statements compared. Default 3: window 4 missed a real 3-statement copy "
            "of a tokenizer (python-machine-learning-book, ch08 into ch09's web app); window 2 "
            "added more chance matches than copies.",
        ),
        Option(
            "min-transformations",
            "int",
            2,
            "Data transformations a window must hold. Default 2: with 1, the extra matches in "
            "handson-ml2 and the machine-learning books were plotting helpers with one `reshape`.",
        ),
    )
    why = (
        "When the feature code of a model is written once in the training script and again in "
        "the prediction service, the copies drift: someone fixes the training side's missing "
        "values or adds a category, and the service keeps computing the old features. The "
        "model then scores inputs unlike anything it was trained on and nothing fails loudly: "
        "training-serving skew, common and rarely detected (META-D3). SLR-CS08 names the rework "
        "of training pipelines for serving as a lasting cost of ML systems; a hand-copied "
        "transformation is that rework done by duplication."
    )
    bad = (
        '''
        # file: churn/train.py
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        customers = pd.read_csv("customers.csv")
        customers["tenure"] = customers["tenure"].fillna(0)
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        customers["plan"] = customers["plan"].str.lower()
        customers["charges_per_month"] = customers["charges"] / (customers["tenure"] + 1)
        model = LogisticRegression().fit(customers[FEATURES], customers["churned"])
        # file: churn/app.py
        import pandas as pd
        from fastapi import FastAPI

        app = FastAPI()

        @app.post("/predict")
        def predict(customer: Customer):
            frame = pd.DataFrame([customer.dict()])
            frame["tenure"] = frame["tenure"].fillna(0)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            frame["plan"] = frame["plan"].str.lower()
            frame["charges_per_month"] = frame["charges"] / (frame["tenure"] + 1)
            return {"churn": float(model.predict_proba(frame[FEATURES])[0, 1])}
        ''',
    )
    good = (
        '''
        # file: churn/features.py
        def add_features(frame):
            frame["tenure"] = frame["tenure"].fillna(0)
            frame["plan"] = frame["plan"].str.lower()
            frame["charges_per_month"] = frame["charges"] / (frame["tenure"] + 1)
            return frame
        # file: churn/train.py
        import pandas as pd
        from churn.features import add_features

        customers = add_features(pd.read_csv("customers.csv"))
        model = LogisticRegression().fit(customers[FEATURES], customers["churned"])
        # file: churn/app.py
        import pandas as pd
        from churn.features import add_features

        @app.post("/predict")
        def predict(customer: Customer):
            frame = add_features(pd.DataFrame([customer.dict()]))
            return {"churn": float(model.predict_proba(frame[FEATURES])[0, 1])}
        ''',
    )
    use_instead = (
        "Write the transformation once and call it from both sides: a function in a shared "
        "module, or better a fitted scikit-learn `Pipeline`/`ColumnTransformer` (or a "
        "`tf.keras` preprocessing layer) saved with the model, so that serving calls only "
        "`predict` on what training produced."
    )
    notebook_behavior = (
        "A notebook takes its side from its name like a module (`train_churn.ipynb`); its code "
        "cells are one module in cell order, and findings name the cell and line of both copies."
    )
    limitations = (
        "Functions named for scoring predictions against labels (`calc_valid_log_loss`, "
        "`compute_metrics`) are left out: serving never runs them. "
        "Sides are recognised by names and imports only, file by file: a neutral module that "
        "only a Flask app imports (`vectorizer.py` beside `app.py`) has no side, nor has a "
        "training notebook called `ch08.ipynb`; Azure ML's `score.py` is not recognised. Only "
        "files importing a data or ML library (NumPy, pandas, Polars, scikit-learn, SciPy, "
        "PyTorch, TensorFlow, Keras, NLTK, spaCy, OpenCV, Pillow) are read. Copies must match "
        "statement for statement: one that reorders steps, merges them into one expression, "
        "puts a loop or `if` between them, or has already drifted in every window is not found, "
        "and a single long statement (a duplicated `transforms.Compose([...])`) is shorter than "
        "a window. Defaults: with sides given to files at random, so that every repeated window "
        "counts, window 3 with 2 transformations matched only code copied between files: "
        "2 places in handson-ml2, 5 in python-machine-learning-book (among them ch08's "
        "tokenizer copied into ch09's web app), 47 in kubeflow/examples (notebooks kept in three "
        "versions), 23 in 350 Kaggle kernels (kernels copied from one another), none in "
        "pytorch/examples or machine-learning-book. One transformation let plotting helpers "
        "with a single `reshape` match; window 4 lost the 3-statement tokenizer copy. With the "
        "real sides the defaults report nothing on the transformers, timm, "
        "sentence-transformers and lightning wheels, nanoGPT, ML-From-Scratch, handson-ml2/3, "
        "the two machine-learning books or kubeflow/examples."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.window: int = max(1, self.settings["window"])
        self.min_transformations: int = self.settings["min-transformations"]
        if file.in_tests:
            side = None
        elif _deciding_words(file.path):  # `train_and_serve.py` has no side, whatever it imports
            side = side_of_path(file.path)
        else:
            side = self._serving_by_imports()
        self.frames: list[_Frame] = [_Frame(side, "", "")]
        #: Runs of consecutive statements, innermost block last; each a list of statements.
        self.runs: list[list[_Statement]] = []
        #: Finished runs worth hashing: (frame, statements).
        self.finished: list[tuple[_Frame, list[_Statement]]] = []

    def _serving_by_imports(self) -> str | None:
        if self.file.imported_packages & _SERVING_PACKAGES:
            return SERVING
        module_scope = self.file.names.scope_of(self.file.module)
        imported = module_scope.imports.values() if module_scope is not None else ()
        if any(name.startswith(_SERVING_MODULE_PREFIXES) for names in imported for name in names):
            return SERVING
        return None

    # Scopes and blocks ----------------------------------------------------------------

    def _enter(self, name: str, is_class: bool) -> None:
        outer = self.frames[-1]
        words = name_words(name)
        own = None if self.file.in_tests else side_of_words(words, _SERVING_FUNCTION_WORDS)
        where = f"{outer.where}.{name}" if outer.where else name
        owner = outer.owner or (where if is_class else "")
        if not is_class and _EVALUATION_WORDS.intersection(words):
            # `calc_valid_log_loss`, `compute_metrics`: scoring predictions against labels,
            # which serving never does, so a copy cannot make the two sides disagree.
            self.frames.append(_Frame(None, where, owner, named=True))
        elif own is None:
            self.frames.append(_Frame(outer.side, where, owner, outer.named))
        else:
            self.frames.append(_Frame(own, where, owner, named=True))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._break_run()
        self._enter(node.name.value, is_class=False)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._break_run()
        self._enter(node.name.value, is_class=True)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.frames.pop()

    def visit_Module(self, node: cst.Module) -> None:
        self.runs.append([])

    def leave_Module(self, node: cst.Module) -> None:
        self._close_run()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.runs.append([])

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._close_run()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.runs.append([])

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._close_run()

    def visit_BaseCompoundStatement(self, node: cst.BaseCompoundStatement) -> None:
        """A loop, `if` or `with` between statements ends the run they were part of."""
        self._break_run()

    def _break_run(self) -> None:
        if self.runs:
            self._close_run()
            self.runs.append([])

    def _close_run(self) -> None:
        run = self.runs.pop()
        frame = self.frames[-1]
        if frame.side is not None and len(run) >= self.window:
            self.finished.append((frame, run))

    # Statements -----------------------------------------------------------------------

    def visit_BaseSmallStatement(self, node: cst.BaseSmallStatement) -> None:
        if self.frames[-1].side is None or not self.runs:
            return
        if isinstance(node, cst.Import | cst.ImportFrom | cst.Pass | cst.Global | cst.Nonlocal | cst.Assert):
            return
        if isinstance(node, cst.Expr):
            value = node.value
            if isinstance(value, cst.SimpleString | cst.ConcatenatedString):
                return  # a docstring
            if isinstance(value, cst.Call) and _callee(value.func) in _REPORTING_CALLS:
                return
        statement = _Statement(node)
        self._normalise(statement)
        if isinstance(node, cst.Assign | cst.AugAssign) and isinstance(node.value, cst.BinaryOperation | cst.Call):
            targets = [target.target for target in node.targets] if isinstance(node, cst.Assign) else [node.target]
            statement.transforms |= any(_is_column(target) for target in targets)
        self.runs[-1].append(statement)

    def _normalise(self, statement: _Statement) -> None:
        """Write the statement's tokens in source order and note whether it transforms data.

        Only statements of training or serving code are read, once each, here: most files
        have none, and reading every node of them as the walk passes would cost more.
        """
        tokens = statement.tokens
        stack: list[cst.CSTNode] = [statement.node]
        while stack:
            node = stack.pop()
            children: list[cst.CSTNode] | None = None
            if isinstance(node, cst.Name):
                qualified = self.file.qualified_names(node)
                tokens.append(qualified[0] if len(qualified) == 1 else "$" + node.value)
            elif isinstance(node, cst.Attribute):
                qualified = self.file.qualified_names(node)
                if len(qualified) == 1:
                    tokens.append(qualified[0])  # `np.log1p` -> numpy.log1p
                else:
                    tokens.append("." + node.attr.value)
                    children = [node.value]
            elif isinstance(node, cst.Integer | cst.Float | cst.Imaginary):
                tokens.append("<number>")
            elif isinstance(node, cst.SimpleString):
                tokens.append(_STRING + node.value)
            elif isinstance(node, cst.ConcatenatedString | cst.FormattedString):
                tokens.append(_STRING)
            elif isinstance(node, cst.Arg) and node.keyword is not None:
                tokens.append(node.keyword.value + "=")
                children = [node.value]
            elif isinstance(node, cst.Annotation):
                tokens.append("Annotation")  # a type, not a computation: `x: Tensor | None`
            elif isinstance(node, cst.Call):
                tokens.append("Call")
                statement.transforms |= self._transforms(node)
                if isinstance(node.func, cst.Name) and not self.file.qualified_names(node.func):
                    tokens.append(node.func.value)  # a function of the project: the same one on both sides
                    children = list(node.args)
                else:
                    children = [node.func, *node.args]
            else:
                operator = getattr(node, "operator", None)
                tokens.append(type(node).__name__ + (":" + type(operator).__name__ if operator is not None else ""))
                if (
                    isinstance(node, cst.BinaryOperation)
                    and isinstance(node.operator, _ARITHMETIC)
                    and (isinstance(node.left, cst.Subscript) or isinstance(node.right, cst.Subscript))
                ):
                    statement.transforms = True  # arithmetic on columns
                children = children_of(node)
            if children:
                stack.extend(reversed(children))

    def _transforms(self, call: cst.Call) -> bool:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _TRANSFORM_METHODS:
            return True
        return bool(_TRANSFORM_FUNCTIONS.intersection(self.file.qualified_names(func)))

    # The repository pass -------------------------------------------------------------

    def file_facts(self) -> Any:
        """Each hashed window: [hash, side, owning class, held finding, where it is, hash of the
        window before it in its run (or None), transformations in it, whether its first
        statement is one, whether its side comes from its function's or class's name]."""
        found = []
        for frame, run in self.finished:
            previous = None
            for start in range(len(run) - self.window + 1):
                statements = run[start:start + self.window]
                transformations = sum(statement.transforms for statement in statements)
                digest = _window_hash(statements) if transformations >= self.min_transformations else None
                if digest is not None:
                    found.append((frame, statements[0], digest, previous, transformations))
                previous = digest
        if not found:
            return None
        places = self._places([statement.node for _, statement, *_ in found])
        windows = [
            [
                digest, frame.side, frame.owner, self.hold(first.node, ""),
                places[first.node] + (f", in `{frame.where}`" if frame.where else ""),
                previous, transformations, first.transforms, frame.named,
            ]
            for frame, first, digest, previous, transformations in found
        ]
        return {"window": self.window, "min": self.min_transformations, "windows": windows}

    def _places(self, nodes: list[cst.CSTNode]) -> dict[cst.CSTNode, str]:
        """Where each node is, as a reader finds it: `line 12`, or `cell 4, line 2`.

        Positions are computed only inside the top-level statements holding the nodes,
        anchored at the lines of CPython's tree, as the engine locates findings: positions
        for a whole module cost several times its parse.
        """
        spans = self.file.spans_near(nodes)
        places = {}
        for node in nodes:
            span = spans.get(node, FALLBACK)
            if self.file.notebook is None:
                places[node] = f"line {span.line}"
            else:
                cell, line, _ = self.file.notebook.locate(span.line, span.column)
                places[node] = f"cell {cell}, line {line}"
        return places

    @classmethod
    def check_repository(cls, facts: Mapping[str, Any]) -> Iterable[RepositoryReport]:
        """Every window whose hash also occurs on the other side, outside its own class.

        Overlapping windows of one longer copy are reported once, at the first: a window
        is left out when the window before it in its run is a copy too. Each copy names
        the first copy on the other side, so a window found in many places costs one
        report per place, never one per pair.
        """
        by_side: dict[tuple[str, str], list[tuple[str, list]]] = {}  # (hash, side) -> places
        in_file: dict[tuple[str, str, str], list[list]] = {}  # (hash, side, path) -> windows
        for path, file_facts in facts.items():
            for window in file_facts["windows"]:
                by_side.setdefault((window[0], window[1]), []).append((path, window))
                in_file.setdefault((window[0], window[1], path), []).append(window)

        def copies(path: str, window: list) -> tuple[int, tuple[str, list] | None]:
            """How many windows on the other side have the same hash, and the first: in
            another file, or in this one when both functions name their sides and are not
            methods of one class. Costs the copies in this file, not all of them."""
            other = SERVING if window[1] == TRAINING else TRAINING
            places = by_side.get((window[0], other), [])
            here = in_file.get((window[0], other, path), [])
            alike = [
                (path, copy) for copy in here
                if window[8] and copy[8] and not (window[2] and copy[2] == window[2])
            ]
            elsewhere = len(places) - len(here)
            first = next((place for place in places if place[0] != path), None) if elsewhere else None
            return elsewhere + len(alike), first or (alike[0] if alike else None)

        for path, file_facts in facts.items():
            windows = file_facts["windows"]
            for index, window in enumerate(windows):
                count, first = copies(path, window)
                if first is None:
                    continue
                previous = window[5]
                if previous is not None and index > 0 and windows[index - 1][0] == previous and copies(path, windows[index - 1])[0]:
                    continue  # the same copy, reported where it starts
                statements, transformations = file_facts["window"], window[6]
                following = index + 1
                while (
                    following < len(windows)
                    and windows[following][5] == windows[following - 1][0]
                    and copies(path, windows[following])[0]
                ):
                    statements += 1
                    transformations += windows[following][6] - windows[following - 1][6] + windows[following - 1][7]
                    following += 1
                other_path, other_window = first
                more = f" (and {count - 1} other places)" if count > 1 else ""
                yield RepositoryReport(
                    path,
                    window[3],
                    f"these {statements} consecutive statements, {transformations} of them data transformations "
                    f"(thresholds: window {file_facts['window']}, min-transformations {file_facts['min']}), repeat "
                    f"the {other_window[1]} code in {other_path}, {other_window[4]}{more}; move the transformation "
                    "into one function or fitted pipeline that training and serving both call, so that the copies "
                    "cannot drift apart",
                )


def _window_hash(statements: list[_Statement]) -> str:
    """A hash of the normalised text of consecutive statements.

    Local names are renamed in order of first appearance, so that copies using other names
    hash alike, and numbers and strings count by kind. A window in which a statement shape
    repeats (`re.sub` called twice, `astype` on two columns) keeps its strings: such
    shapes are idioms many unrelated cleaners share, the strings say which cleaning it is.
    """
    shapes = [tuple(_STRING if token.startswith(_STRING) else token for token in statement.tokens) for statement in statements]
    repetitive = len(set(shapes)) < len(shapes)
    renamed: dict[str, str] = {}
    text = []
    for statement, shape in zip(statements, shapes):
        for token in statement.tokens if repetitive else shape:
            text.append(renamed.setdefault(token, f"${len(renamed)}") if token.startswith("$") else token)
        text.append(";")
    return hashlib.blake2b(" ".join(text).encode(), digest_size=12).hexdigest()


def _callee(func: cst.BaseExpression) -> str:
    """`info` for `logger.info(...)`, `print` for `print(...)`."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _is_column(target: cst.BaseExpression) -> bool:
    """`df["ratio"]`: a feature column, assigned a computed value (a label written into a
    results table, `scores["model"] = name`, is bookkeeping, not a transformation)."""
    return isinstance(target, cst.Subscript) and any(
        isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.SimpleString)
        for element in target.slice
    )
