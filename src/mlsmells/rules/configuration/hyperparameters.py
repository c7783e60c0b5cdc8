"""MLS202: hyperparameters written as literals where the project's configuration already
holds them, so two places claim to say what a run used, and a change made in one is
silently ignored in the other (IND-3.4-configuration-debt, SCULLEY15-configuration-debt)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

import libcst as cst

from mlsmells.engine.calls import is_main_guard
from mlsmells.engine.names import dotted_name, parameters
from mlsmells.findings import Family, Severity
from mlsmells.rule import Option, RepositoryReport, Rule

#: Spellings of one hyperparameter, under the name messages use.
_SPELLINGS = {
    "lr": "learning rate", "learning_rate": "learning rate",
    "batch_size": "batch size", "train_batch_size": "batch size", "per_device_train_batch_size": "batch size",
    "epochs": "epochs", "num_epochs": "epochs", "n_epochs": "epochs", "max_epochs": "epochs",
    "num_train_epochs": "epochs",
    "n_estimators": "n_estimators", "max_depth": "max_depth", "weight_decay": "weight decay",
    "momentum": "momentum", "dropout": "dropout", "hidden_size": "hidden size", "hidden_dim": "hidden size",
    "num_layers": "number of layers", "n_layers": "number of layers", "warmup_steps": "warmup steps",
}
#: What a training run is configured with, as opposed to what an architecture fixes
#: (a prediction head's `num_layers=3`, attention's `dropout=0.0` at inference).
_TRAINING_HYPERPARAMETERS = frozenset({"learning rate", "batch size", "epochs", "weight decay"})
#: Names under which a function receives its configuration.
_CONFIG_PARAMETERS = frozenset(
    "config cfg conf args opt opts hparams hyperparams hyperparameters settings training_args".split()
)
#: Stems of modules that hold a project's configuration.
_CONFIGURATION_MODULES = frozenset(
    "config configs configuration settings hparams hyperparameters hyperparams params parameters "
    "constants defaults cfg conf".split()
)


def _number(expr: cst.BaseExpression) -> str | None:
    """The text of a numeric literal (`1e-3`, `-0.5`, `64`), normalised, else None."""
    sign = ""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        sign, expr = "-", expr.expression
    if isinstance(expr, cst.Integer | cst.Float):
        try:
            return sign + repr(expr.evaluated_value)
        except (ValueError, OverflowError):
            return None
    return None


class _Function:
    """A function being walked: the configuration it can read, and whether it reads it."""

    __slots__ = ("config_names", "uses_config")

    def __init__(self, config_names: set[str]) -> None:
        self.config_names = config_names
        self.uses_config = False


class ScatteredHyperparameters(Rule):
    """
    A hyperparameter (`lr`/`learning_rate`, `batch_size`, `epochs` and its spellings,
    `n_estimators`, `max_depth`, `weight_decay`, `momentum`, `dropout`, `hidden_size`, ...)
    is written as a literal although the project already has a place for it:

    - in a file that imports one of the project's configuration modules (`config.py`,
      `settings.py`, `hparams.py`, `train_config.py`, ...) where the same hyperparameter is
      defined, as a variable, a dataclass field or a dictionary entry. The finding names
      that module: there are now two sources of truth;
    - as a keyword argument inside a function of an importable module (not a script,
      notebook or test) that receives a configuration (`config`, `cfg`, `args`, `hparams`,
      ..., or `self.config`) and reads other values from it, but not this one. Only the
      training hyperparameters (learning rate, batch size, epochs, weight decay) count
      here: an architecture's constants (`num_layers=3` for a prediction head) are part of
      its design.

    Literals count as keyword arguments (`Adam(params, lr=3e-4)`), variables
    (`LEARNING_RATE = 3e-4`) and dictionary entries (`{"lr": 3e-4}`). A training script that
    simply writes its hyperparameters down, once, is not reported.
    """

    code = "MLS202"
    name = "scattered-hyperparameters"
    family = Family.CONFIGURATION
    severity = Severity.WARNING
    summary = "A hyperparameter is hard-coded where the project's configuration already holds it."
    challenges = ("IND-3.4-configuration-debt", "SCULLEY15-configuration-debt")
    options = (
        Option(
            "hyperparameters",
            "list[str]",
            sorted(_SPELLINGS),
            "Keyword and variable names (lowercase) treated as hyperparameters.",
        ),
    )
    why = (
        "When the learning rate of a model lives in the training script, the fine-tuning script "
        "and the evaluation notebook, changing it means finding every copy; the copies drift, and "
        "no single place says what a run used. Salehi's industry survey (IND-3.4) and Sculley et "
        "al. (SCULLEY15, configuration debt) describe configuration scattered through code as a "
        "lasting maintenance cost of ML systems."
    )
    bad = (
        '''
        # file: churn/config.py
        LEARNING_RATE = 3e-4
        BATCH_SIZE = 256
        # file: churn/finetune.py
        from torch.optim import AdamW
        from churn import config

        loader = make_loader(split="train", batch_size=config.BATCH_SIZE)
        optimizer = AdamW(head.parameters(), lr=1e-4)
                                             ^^^^^^^
        ''',
        '''
        # churn/training.py: an importable module
        import torch

        def make_optimizer(model, cfg):
            decay, no_decay = split_parameters(model, cfg.no_decay_names)
            groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay}]
            return torch.optim.AdamW(groups, lr=5e-5, betas=cfg.betas)
                                             ^^^^^^^
        ''',
    )
    good = (
        '''
        # file: churn/config.py
        LEARNING_RATE = 3e-4
        FINETUNE_LEARNING_RATE = 1e-4
        # file: churn/finetune.py
        from torch.optim import AdamW
        from churn import config

        optimizer = AdamW(head.parameters(), lr=config.FINETUNE_LEARNING_RATE)
        ''',
        '''
        # train.py: a script that writes its hyperparameters down once
        import torch

        EPOCHS = 20
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for epoch in range(EPOCHS):
            train_one_epoch(model, optimizer)
        ''',
    )
    use_instead = (
        "Keep each hyperparameter in one configuration object or file (a dataclass, a YAML file "
        "read by Hydra or OmegaConf, argparse defaults in one module) and read it everywhere else."
    )
    notebook_behavior = (
        "A notebook that imports a configuration module of its project is checked like a "
        "script; findings point at the notebook cell."
    )
    limitations = (
        "Repeated literals with no configuration module in the project (the same `lr=1e-3` in "
        "two scripts) are not reported: on real repositories these were mostly independent "
        "examples and book chapters, not one program's settings. Configuration modules are "
        "recognised by name, and only literal numbers count; test files are ignored."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.spellings = {name: _SPELLINGS.get(name, name) for name in self.settings["hyperparameters"]}
        self.is_program = file.notebook is not None
        #: Every literal hyperparameter: (node, hyperparameter, value, spelling, function),
        #: where `function` is set for keyword arguments inside a function.
        self.places: list[tuple[cst.CSTNode, str, str, str, _Function | None]] = []
        self.functions: list[_Function] = []
        #: The modules this file imports, dotted; relative ones start with a dot
        #: (`from churn import config` -> churn.config, `from .config import LR` -> .config).
        self.imported: set[str] = set()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.imported.add(dotted_name(alias.name) or "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = "." * len(node.relative) + ((dotted_name(node.module) or "") if node.module else "")
        self.imported.add(module)
        if not isinstance(node.names, cst.ImportStar):  # `from churn import config`
            separator = "" if module.endswith(".") else "."
            self.imported.update(
                module + separator + alias.name.value for alias in node.names if isinstance(alias.name, cst.Name)
            )

    def visit_If(self, node: cst.If) -> None:
        if self.file.in_module_scope and is_main_guard(node.test):
            self.is_program = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        names = {param.name.value for param in parameters(node.params) if param.star == ""}
        self.functions.append(_Function(names & _CONFIG_PARAMETERS))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """`cfg.lr`, `self.config.hidden_size`: the function reads its configuration."""
        if not self.functions:
            return
        function = self.functions[-1]
        value = node.value
        if isinstance(value, cst.Name) and value.value in function.config_names:
            function.uses_config = True
        elif (
            isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == "self"
            and value.attr.value in _CONFIG_PARAMETERS
        ):
            function.config_names.add("self." + value.attr.value)
            function.uses_config = True

    def visit_Call(self, node: cst.Call) -> None:
        function = self.functions[-1] if self.functions else None
        for arg in node.args:
            if arg.keyword is not None:
                self._place(arg, arg.keyword.value, arg.value, function)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._place(node, node.targets[0].target.value.lower(), node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """`learning_rate: float = 3e-4`, in a dataclass or at module level."""
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._place(node, node.target.value.lower(), node.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if isinstance(node.key, cst.SimpleString):
            key = node.key.evaluated_value
            if isinstance(key, str):
                self._place(node, key, node.value)

    def _place(
        self, node: cst.CSTNode, spelling: str, value: cst.BaseExpression, function: _Function | None = None
    ) -> None:
        hyperparameter = self.spellings.get(spelling)
        if hyperparameter is None or self.file.in_tests:
            return
        number = _number(value)
        if number is not None:
            self.places.append((node, hyperparameter, number, spelling, function))

    def end_file(self) -> None:
        for node, hyperparameter, number, spelling, function in self.places:
            if self._bypasses_configuration(hyperparameter, number, function):
                configuration = min(function.config_names)
                self.report(
                    node,
                    f"`{spelling}={number}` is hard-coded although `{configuration}` is at hand; read it "
                    "from the configuration, so that experiments change it in one place",
                )

    def _bypasses_configuration(self, hyperparameter: str, number: str, function: _Function | None) -> bool:
        """A training hyperparameter passed inside a library function that reads its configuration.

        Zero (`weight_decay=0.0`) switches a feature off rather than tuning it.
        """
        return (
            function is not None
            and function.uses_config
            and not self.is_program
            and hyperparameter in _TRAINING_HYPERPARAMETERS
            and float(number) != 0
        )

    def file_facts(self) -> Any:
        """Every file tells what it imports: the repository pass matches it to configuration modules."""
        # Only a file importing a configuration module can be reported: only its places are
        # held, since locating them costs a partial code generation.
        reportable = not _is_configuration_module(self.file.path) and any(
            _is_configuration_stem(part) for name in self.imported for part in name.split(".")
        )
        places = []
        for node, hyperparameter, number, spelling, function in self.places:
            bypass = self._bypasses_configuration(hyperparameter, number, function)
            places.append([hyperparameter, number, spelling, self.hold(node, "") if reportable and not bypass else None])
        return {"imports": sorted(self.imported), "places": places}

    @classmethod
    def check_repository(cls, facts: Mapping[str, Any]) -> Iterable[RepositoryReport]:
        """Literals in files that import a configuration module defining the same hyperparameter."""
        defined: dict[str, dict[str, str]] = {}  # configuration module -> hyperparameter -> spelling
        for path, file_facts in facts.items():
            if _is_configuration_module(path):
                defined[path] = {place[0]: place[2] for place in file_facts["places"]}
        # Configuration modules by file stem: a file is only matched against those whose stem
        # it names in an import, so the pass stays linear in the number of files.
        by_stem: dict[str, list[str]] = {}
        order = {source: index for index, source in enumerate(defined)}
        for source in defined:
            by_stem.setdefault(_stem(source), []).append(source)
        for path, file_facts in facts.items():
            if path in defined:
                continue
            named = {part for name in file_facts["imports"] for part in name.lstrip(".").split(".")}
            candidates = {source for stem in named & by_stem.keys() for source in by_stem[stem]}
            sources = sorted(
                (source for source in candidates if _imports(path, file_facts["imports"], source)), key=order.__getitem__
            )
            for hyperparameter, number, spelling, held in file_facts["places"]:
                where = [source for source in sources if hyperparameter in defined[source]]
                if held is None or not where:
                    continue
                name = defined[where[0]][hyperparameter]
                yield RepositoryReport(
                    path,
                    held,
                    f"`{spelling}={number}` is hard-coded, but this file imports {where[0]}, which defines "
                    f"`{name}`; read the {hyperparameter} from there, so that one place says what a run uses",
                )


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path.replace("\\", "/")))[0]


def _is_configuration_module(path: str) -> bool:
    return _is_configuration_stem(_stem(path))


def _is_configuration_stem(stem: str) -> bool:
    stem = stem.lower()
    return stem in _CONFIGURATION_MODULES or stem.startswith(("config_", "configs_")) or stem.endswith(("_config", "_cfg"))


def _imports(path: str, imported: list[str], module: str) -> bool:
    """Whether the file at `path`, importing the dotted names `imported` (`.config` for a
    relative import), imports the module file at `module`."""
    parts = module.replace("\\", "/").split("/")
    stem, package = posixpath.splitext(parts[-1])[0], parts[-2] if len(parts) > 1 else ""
    here = posixpath.dirname(path.replace("\\", "/"))
    for name in imported:
        components = name.lstrip(".").split(".")
        if stem not in components:
            continue
        position = components.index(stem)
        if name.startswith("."):
            if posixpath.dirname(module.replace("\\", "/")).startswith(here):
                return True
        elif position > 0 and components[position - 1] == package:
            return True  # `from churn.config import LR` for churn/config.py
        elif position == 0 and posixpath.dirname(module.replace("\\", "/")) == here:
            return True  # `import config` beside it
    return False
