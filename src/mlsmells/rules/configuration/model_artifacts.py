"""MLS208: model artifacts. A model saved to the same fixed path on every run, with no
version in the path and no experiment tracker recording it, is only ever the last model:
nothing ties the file to the code, data and settings that made it (SLR-CM23, META-D4)."""

from __future__ import annotations

import re

import libcst as cst

from mlsmells.engine.calls import (
    assigned_name,
    callee_name,
    is_true,
    keyword_arg,
    unwrap_method_chain,
)
from mlsmells.engine.names import Scope
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.string_values import (
    ValueRule,
    argument,
    is_url,
    short_code,
    shown,
)
from mlsmells.rule import DEFAULT_NOTEBOOK_BEHAVIOR

#: Functions that save an object to a path: qualified name -> ((position, keywords) of the
#: object, (position, keywords) of the path).
_MODEL_SAVERS = {
    **{
        f"{module}.dump": ((0, ("obj",)), (1, ("file",)))
        for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")
    },
    "joblib.dump": ((0, ("value",)), (1, ("filename",))),
    "torch.save": ((0, ("obj",)), (1, ("f",))),
    "tensorflow.saved_model.save": ((0, ("obj",)), (1, ("export_dir",))),
    "keras.models.save_model": ((0, ("model",)), (1, ("filepath",))),
    "keras.saving.save_model": ((0, ("model",)), (1, ("filepath",))),
    "tensorflow.keras.models.save_model": ((0, ("model",)), (1, ("filepath",))),
}
#: Model methods that save to a path: method -> keywords of the path (always first).
_MODEL_SAVE_METHODS = {"save": ("filepath", "path"), "save_pretrained": ("save_directory",), "save_model": ("output_dir", "fname")}
#: Words in a variable's name that say it holds a model.
_MODEL_WORDS = frozenset(
    {
        "model", "models", "net", "network", "clf", "classifier", "regressor", "estimator", "learner",
        "generator", "discriminator", "encoder", "decoder", "autoencoder", "vae", "gan", "cnn", "rnn", "lstm",
        "gru", "mlp", "transformer", "booster", "bst", "gbm", "xgb", "lgbm", "svm", "svc", "knn", "forest",
        "pipeline", "pipe", "policy", "agent",
    }
)
#: What else has a `state_dict()`: optimizers, schedulers, gradient scalers.
_TRAINING_STATE = ("optim", "sched", "scaler")
#: Words in a file name that say it holds a model.
_MODEL_FILE_WORDS = _MODEL_WORDS | {"checkpoint", "ckpt", "weights", "state"}
_MODEL_FILE = re.compile(r"\.(pth|ckpt|h5|hdf5|keras|safetensors|onnx|tflite)$", re.IGNORECASE)
#: Libraries whose objects, created in the file, are models whatever their variable's name.
_MODEL_LIBRARIES = (
    "keras.", "tensorflow.keras.", "transformers.", "diffusers.", "peft.", "sentence_transformers.",
    "gensim.models.", "xgboost.", "lightgbm.", "catboost.",
)
#: A version, run or epoch number, a date or a hash in a path.
_VERSION_IN_PATH = re.compile(
    r"(?<![a-z])(?:v|run|exp|epoch|ep|step|iter|version|fold|trial|rev)[-_]?\d+|\d+\.\d+"
    r"|(?<![0-9a-f])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![0-9a-f])",
    re.IGNORECASE,
)
#: Experiment tracker calls that record a model or artifact: last names, on any object.
_TRACKER_METHODS = frozenset(
    {"log_model", "log_artifact", "log_artifacts", "log_state_dict", "add_file", "add_dir", "link_model", "push_to_hub"}
)
_TRACKER_FUNCTIONS = frozenset({"mlflow.autolog", "wandb.save", "wandb.Artifact", "wandb.log_model"})
#: Importing these versions saved artifacts (DVC) or records them automatically (ClearML).
_TRACKING_PACKAGES = frozenset({"dvc", "dvclive", "clearml"})


def _identifier_words(name: str) -> list[str]:
    """`bestModel_v2` -> best, model, v2."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[\W_]+", spaced.lower()) if word]


def _names_a_model(name: str, words: frozenset[str]) -> bool:
    return any(word in words or word.endswith(("model", "net")) for word in _identifier_words(name))


def path_names_a_version(path: str) -> bool:
    """Whether a save path has a version, run, epoch or step number, a date or a hash in it."""
    return bool(_VERSION_IN_PATH.search(path)) or any(word.isdigit() for word in re.split(r"[^A-Za-z0-9]+", path))


class UnversionedModelArtifact(ValueRule):
    """
    A model is saved to a fixed path that names no version, run id, timestamp or hash, and
    nothing in the file records it with an experiment tracker: every run overwrites the
    last model and nothing tells which code, data and settings made the file on disk.

    Saving calls: `torch.save`, `joblib.dump`, `pickle.dump` (and `dill`, `cloudpickle`),
    `tf.saved_model.save`, `keras.models.save_model`, and the methods `.save(path)`,
    `.save_pretrained(path)` and `.save_model(path)`. The saved object must plausibly be
    a model: a `state_dict()`, a variable whose name says so (`model`, `clf`, `net`,
    `generator`, `best_model`...), a dict with a `model` or `state_dict` key, or a file
    name that says so (`checkpoint.pt`, `weights.h5`, `.pth`, `.ckpt`, `.keras`...). For
    `.save` and `.save_pretrained` the object they are called on must be a model by its
    name or be created in the file by keras, transformers, diffusers, PEFT,
    sentence-transformers, gensim, XGBoost, LightGBM or CatBoost; `.save_model` says so
    itself. The path must be constant: a literal, a constant, or paths joined from them.

    The file counts as tracked when it calls `mlflow.*.log_model`, `mlflow.log_artifact(s)`,
    `mlflow.autolog`, `wandb.log_artifact`/`wandb.save`/`wandb.Artifact`, any
    `.log_model`/`.log_artifact`/`.add_file`/`.push_to_hub` method, or imports DVC,
    dvclive or ClearML.
    """

    code = "MLS208"
    name = "unversioned-model-artifact"
    family = Family.CONFIGURATION
    severity = Severity.ADVICE
    precision = "medium"
    summary = "A model is saved to a fixed path, with no version in it and no experiment tracker."
    challenges = ("SLR-CM23", "META-D4")
    required_modules = frozenset(
        {
            "torch", "joblib", "pickle", "_pickle", "cPickle", "dill", "cloudpickle", "tensorflow", "keras",
            "transformers", "diffusers", "peft", "sentence_transformers", "gensim", "xgboost", "lightgbm", "catboost",
        }
    )
    why = (
        "`model.pt` written by every run is only ever the last model, and nothing ties it to "
        "the commit, data and hyperparameters that produced it: a regression cannot be traced, "
        "a good model cannot be found again, and the deployed file may come from any run. "
        "SLR-CM23 names tracking model artifacts and their dependencies as a governance "
        "challenge; META-D4 names the missing versioning and provenance of what a model is "
        "made from."
    )
    bad = (
        '''
        import joblib
        import torch

        def save(model, clf):
            torch.save(model.state_dict(), "checkpoints/model.pt")
            ^^^^^^^^^^
            joblib.dump(clf, "artifacts/classifier.joblib")
            ^^^^^^^^^^^
        ''',
        '''
        from tensorflow import keras

        autoencoder = keras.Sequential([keras.layers.Dense(32), keras.layers.Dense(784)])
        autoencoder.save("autoencoder.keras")
        ^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import time

        import joblib
        import torch

        def save(model, clf, run_id, epoch):
            torch.save(model.state_dict(), f"checkpoints/{run_id}/model-epoch{epoch}.pt")
            joblib.dump(clf, "artifacts/classifier-v3.joblib")
            torch.save(model.state_dict(), f"checkpoints/model-{time.strftime('%Y%m%d-%H%M%S')}.pt")
        ''',
        '''
        import mlflow
        import torch

        def save(model):
            torch.save(model.state_dict(), "model.pt")
            mlflow.log_artifact("model.pt")
        ''',
        '''
        import torch

        def save(embeddings, image):
            torch.save(embeddings, "embeddings.pt")
            image.save("preview.png")
        ''',
    )
    use_instead = (
        "Name each saved model after what made it (a run id, a timestamp, a version: "
        "`models/{run_id}/model.pt`), and record it with an experiment tracker or data "
        "version control: `mlflow.pytorch.log_model`, `wandb.log_artifact`, `dvc add`."
    )
    notebook_behavior = (
        DEFAULT_NOTEBOOK_BEHAVIOR + " A `!dvc` line in the notebook counts as versioning its artifacts."
    )
    limitations = (
        "Advice: off unless selected. Versioning that happens outside the file is not seen: "
        "a DVC stage whose `dvc.yaml` declares the output, a CI job that uploads the file, a "
        "tracker called from another module. Whether an object is a model is judged by its "
        "name and where it was made, so a model in a variable called `m` is missed. Any "
        "number in a path counts as a version. A rolling checkpoint that training overwrites "
        "on purpose, to resume from, is reported like a final model."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.saves: list[tuple[cst.CSTNode, tuple[Scope, ...], cst.BaseExpression, bool]] = []
        #: Variables holding objects a model library created: (scope, name).
        self.library_models: set[tuple[Scope, str]] = set()
        self.handles: dict[tuple[Scope, str], cst.BaseExpression] = {}
        self.tracked = bool(self.file.imported_packages & _TRACKING_PACKAGES)

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        name = assigned_name(node)
        if name is None:
            return
        value = unwrap_method_chain(node.value)  # `AutoModel.from_pretrained(x).to(device)`
        if isinstance(value, cst.Call) and any(
            qualified.startswith(_MODEL_LIBRARIES) for qualified in self.file.qualified_names(value.func)
        ):
            self.library_models.add((self.file.scopes[-1], name))

    def visit_With(self, node: cst.With) -> None:
        super().visit_With(node)
        for item in node.items:
            call = item.item
            if (
                item.asname is not None
                and isinstance(item.asname.name, cst.Name)
                and isinstance(call, cst.Call)
                and "builtins.open" in self.file.qualified_names(call.func)
            ):
                opened = argument(call, 0, "file")
                if opened is not None:
                    self.handles[(self.file.scopes[-1], item.asname.name.value)] = opened

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        names = self.file.qualified_names(func)
        if isinstance(func, cst.Attribute) and (
            func.attr.value in _TRACKER_METHODS
            or any(name.startswith("mlflow.") and name.endswith(("log_model", "log_artifact", "log_artifacts")) for name in names)
        ):
            self.tracked = True
        if any(name in _TRACKER_FUNCTIONS or name.endswith(".autolog") and name.startswith("mlflow.") for name in names):
            self.tracked = True
        push = keyword_arg(node, "push_to_hub")
        if push is not None and is_true(push.value):
            self.tracked = True
        for name in names:
            if name in _MODEL_SAVERS:
                (obj_index, obj_keywords), (path_index, path_keywords) = _MODEL_SAVERS[name]
                obj, path = argument(node, obj_index, *obj_keywords), argument(node, path_index, *path_keywords)
                if obj is not None and path is not None:
                    self._note_save(node, self._opened(path), self._holds_model(obj))
                return
        if not names and isinstance(func, cst.Attribute) and func.attr.value in _MODEL_SAVE_METHODS:
            method = func.attr.value
            if method == "save_model" or self._is_model(func.value):
                path = argument(node, 0, *_MODEL_SAVE_METHODS[method])
                if path is not None:
                    self._note_save(node, path, True)

    def _note_save(self, node: cst.Call, path: cst.BaseExpression, holds_model: bool) -> None:
        self.saves.append((node.func, self.scopes, path, holds_model))

    def _opened(self, path: cst.BaseExpression) -> cst.BaseExpression:
        """`pickle.dump(obj, f)` inside `with open(p, "wb") as f:` saves to `p`."""
        if isinstance(path, cst.Name):
            return self.handles.get((self.file.scopes[-1], path.value), path)
        if isinstance(path, cst.Call) and "builtins.open" in self.file.qualified_names(path.func):
            return argument(path, 0, "file") or path
        return path

    def _is_model(self, receiver: cst.BaseExpression) -> bool:
        name = callee_name(receiver)
        if name is None:
            return False
        if isinstance(receiver, cst.Name) and any(
            (scope, name) in self.library_models for scope in (self.file.scopes[-1], self.file.scopes[0])
        ):
            return True
        return _names_a_model(name, _MODEL_WORDS)

    def _holds_model(self, obj: cst.BaseExpression) -> bool:
        """Whether a saved object is plausibly a model (or its weights)."""
        if isinstance(obj, cst.Call):
            if isinstance(obj.func, cst.Attribute) and obj.func.attr.value == "state_dict":
                owner = callee_name(obj.func.value) or ""
                return not any(part in owner.lower() for part in _TRAINING_STATE)
            if "builtins.dict" in self.file.qualified_names(obj.func):
                return any(arg.keyword is not None and _names_a_model(arg.keyword.value, _MODEL_FILE_WORDS) for arg in obj.args)
            return False
        if isinstance(obj, cst.Dict):
            return any(
                isinstance(element, cst.DictElement)
                and isinstance(element.key, cst.SimpleString)
                and _names_a_model(str(element.key.evaluated_value), _MODEL_FILE_WORDS | {"state_dict"})
                for element in obj.elements
            )
        return self._is_model(obj)

    def end_file(self) -> None:
        notebook = self.file.notebook
        if notebook is not None and any(magic.command.lstrip().startswith("dvc ") for magic in notebook.magics):
            self.tracked = True
        if self.tracked:
            return
        for node, scopes, path_expr, holds_model in self.saves:
            path = self.string(path_expr, scopes)
            if path is None or is_url(path) or path_names_a_version(path):
                continue
            file_name = path.rstrip("/").rsplit("/", 1)[-1]
            if holds_model or _MODEL_FILE.search(file_name) or _names_a_model(file_name.split(".")[0], _MODEL_FILE_WORDS):
                self.report(
                    node,
                    f"`{short_code(self.file, node)}` writes a model to '{shown(path)}', the same path on every "
                    "run, and nothing in this file records it with an experiment tracker, so each run "
                    "overwrites the last and no one can tell which run made it; put a run id or timestamp in "
                    "the path, or log it (mlflow log_model, wandb.log_artifact, dvc add)",
                )
