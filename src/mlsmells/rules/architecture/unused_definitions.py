"""MLS402: functions and classes that nothing in the repository uses, kept after the
experiment that needed them ended (IND-3.7-dead-experimental-codepaths, SLR-CM28).

The file pass records each file's definitions and every identifier it mentions; the
repository pass unions the identifiers and reports the definitions no file mentions.
Matching is by identifier, not by resolved binding: a name mentioned anywhere (a call, an
import, an attribute, a keyword, a word in a string) keeps every definition of that name.
That misses some dead code, and never reports code that something names.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

import libcst as cst

from mlsmells.engine.names import dotted_name
from mlsmells.findings import Family, Severity
from mlsmells.rule import Option, RepositoryReport, Rule

#: Words that mark a name as a leftover of an experiment: `old_loss`, `train_legacy`,
#: `BackupModel`, `tmp_plot`, `unused_head`.
_EXPERIMENT_WORDS = ("old", "legacy", "backup", "bak", "unused", "tmp", "wip", "draft", "obsolete")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The words of a name: `_old_collate` -> old, collate; `ResNetV2Tmp` -> res, net, v2, tmp.
_WORD = re.compile(r"[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*(?![a-z])|[0-9]+")
_VERSION = re.compile(r"v[0-9]+")


@functools.lru_cache(maxsize=1 << 16)
def name_words(name: str) -> tuple[str, ...]:
    """The lowercase words of an identifier, split at underscores and case changes.

    Cached: the same identifiers come back in every file of a repository.
    """
    return tuple(word.lower() for part in name.split("_") for word in _WORD.findall(part))


def experiment_mark(name: str, words: frozenset[str]) -> str | None:
    """What makes `name` look like an experiment left behind, or None.

    A listed word anywhere in the name; a `test_` prefix (definitions in test files are
    never judged: there pytest collects them); a version as its last word (`loss_v2`,
    `ResNetV3`). `exp_` is not a mark: in ML code it means exponential (`exp_decay`).
    """
    split = name_words(name)
    if not split:
        return None
    for word in split:
        if word in words:
            return word
    if name.startswith(("test_", "_test_")):
        return "test"
    if len(split) > 1 and _VERSION.fullmatch(split[-1]):
        return split[-1]
    return None


class UnusedExperiment(Rule):
    """
    A function or class that nothing in the repository uses, and whose name marks it as a
    leftover of an experiment: its name is mentioned by no file checked together with it
    (Python files and notebooks alike), neither called, imported, passed, subclassed, listed
    in `__all__`, nor written in a string (`getattr(model, "old_head")`, a `setup.py` entry
    point). A name looks experimental when one of its words is `old`, `legacy`, `backup`,
    `bak`, `unused`, `tmp`, `wip`, `draft` or `obsolete` (`old_collate`, `train_legacy`,
    `BackupNet`), when it starts with `test_` outside test files, or when it ends in a
    version (`loss_v2`, `ResNetV3`). Module-level functions and classes and the
    methods of classes count.

    Unused names without such a mark are reported only when configured: `report-private`
    adds private module-level names (`_scale_logits`), `report-public` every module-level
    name. A library's public functions are meant for users no repository shows, so public
    names of modules re-exported with `from .module import *`, and of a `hubconf.py`, are
    never reported.
    Decorated definitions (registered, overloaded, wrapped), classes with a metaclass or
    whose base class registers its subclasses (`__init_subclass__`), dunders, definitions
    in test files, `test_` methods (framework hooks such as `test_step`) and nested
    functions are never reported. A name built at run time from a literal head or tail
    (`getattr(self, f"_build_{kind}")`, `kind + "_old"`) keeps every definition it could
    name.
    """

    code = "MLS402"
    name = "unused-experiment"
    family = Family.ARCHITECTURE
    severity = Severity.WARNING
    needs_whole_repository = True
    summary = "A function or class that nothing in the repository uses, left over from an experiment."
    challenges = ("IND-3.7-dead-experimental-codepaths", "SLR-CM28")
    options = (
        Option(
            "experiment-words",
            "list[str]",
            list(_EXPERIMENT_WORDS),
            "Words (lowercase) that mark a name as an experiment left behind, matched against the "
            "words of the name (`old_loss`, `ResNetLegacy`).",
        ),
        Option(
            "report-private",
            "bool",
            False,
            "Also report private module-level functions and classes (`_name`) that nothing in the "
            "repository uses. Off by default: of 20 in the transformers, timm and lightning wheels, half "
            "were kept on purpose (backward compatibility, debugging helpers, tests not shipped).",
        ),
        Option(
            "report-public",
            "bool",
            False,
            "Also report public (and private) module-level names that nothing in the repository uses: "
            "right for an application, a research repository or notebooks, wrong for a library, whose "
            "users call functions no repository shows.",
        ),
    )
    why = (
        "Experiments leave code behind: the loss that was replaced, the model before the refactor, "
        "the plotting helper of a notebook that moved on. Nobody dares delete it, readers cannot tell "
        "which version is live, and it keeps being edited, type-checked and imported. Salehi's "
        "industry survey (IND-3.7) names dead experimental codepaths among the anti-patterns of ML "
        "systems, and the systematic review (SLR-CM28) lists redundant experimental code paths as a "
        "cause of hard-to-maintain ML code. Version control keeps the old code; the working tree "
        "should hold what runs."
    )
    bad = (
        '''
        # file: churn/losses.py
        import torch.nn.functional as F

        def focal_loss(logits, target, gamma=2.0):
            ce = F.cross_entropy(logits, target, reduction="none")
            return ((1 - (-ce).exp()) ** gamma * ce).mean()

        def focal_loss_old(logits, target):
            ^^^^^^^^^^^^^^
            return F.cross_entropy(logits, target)
        # file: churn/train.py
        from churn.losses import focal_loss

        loss = focal_loss(model(batch), labels)
        ''',
        '''
        # file: churn/model.py
        from torch import nn

        class ChurnNet(nn.Module):
            def __init__(self, features):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(features, 64), nn.ReLU(), nn.Linear(64, 1))

            def forward(self, x):
                return self.body(x)

            def forward_legacy(self, x):
                ^^^^^^^^^^^^^^
                return self.body(x.float()).sigmoid()
        # file: churn/train.py
        from churn.model import ChurnNet

        model = ChurnNet(features=12)
        ''',
    )
    good = (
        '''
        # file: churn/losses.py
        import torch.nn.functional as F

        __all__ = ["focal_loss", "focal_loss_v2"]

        def focal_loss(logits, target, gamma=2.0):
            ce = F.cross_entropy(logits, target, reduction="none")
            return ((1 - (-ce).exp()) ** gamma * ce).mean()

        def focal_loss_v2(logits, target, gamma=2.0, alpha=0.25):
            return alpha * focal_loss(logits, target, gamma)
        # file: churn/train.py
        from churn import losses

        loss = getattr(losses, config.loss_name)(model(batch), labels)
        ''',
        '''
        # file: churn/models.py
        from torch import nn

        MODELS = {}

        def register(fn):
            MODELS[fn.__name__] = fn
            return fn

        @register
        def resnet_legacy(num_classes):
            return build_resnet(num_classes, stem="7x7")

        def build_resnet(num_classes, stem):
            return nn.Sequential(make_stem(stem), nn.LazyLinear(num_classes))
        # file: churn/train.py
        from churn.models import MODELS

        model = MODELS[config.model](num_classes=2)
        ''',
    )
    use_instead = (
        "Delete the unused version: version control keeps it. If an experiment must stay selectable, "
        "register it (a dictionary of named variants, a decorator, a configuration entry) so that "
        "something names it."
    )
    notebook_behavior = (
        "Notebooks are users like any other file: a function a notebook calls is used. A function "
        "defined in a notebook and called nowhere is reported at its `def`; names in `%timeit` "
        "statements and other magic lines count as mentions."
    )
    limitations = (
        "The repository is the set of files checked together, and the rule only reports when "
        "mlsmells was given directories (`mlsmells check .`): a run on named files, as pre-commit "
        "makes with the changed ones, cannot see the files that use them, so it reports nothing; "
        "run the rule on the whole repository, in CI. A function used only by a file that was not "
        "checked (excluded, unparsable, or outside the directory given) is reported. "
        "Uses outside Python are not seen: entry points in `pyproject.toml` or `setup.cfg` (those of "
        "`setup.py` are), `_target_`/`target:` paths in YAML configurations (Hydra, OmegaConf), names "
        "built at run time without a literal head or tail; silence such a definition with "
        "`# noqa: MLS402` on its line. A mention of the name anywhere, even of something else with "
        "the same name, keeps a definition, and code used only by dead code is not reported. Base "
        "classes outside the repository are not read: a method with such a name that overrides a "
        "library's hook (none was found on the corpora below) would be reported. "
        "What was measured: with the default options, the transformers, timm, lightning and "
        "sentence-transformers wheels, pytorch/examples, nanoGPT, PyTorch-GAN, ML-From-Scratch, "
        "DETR, guided-diffusion and latent-diffusion give no finding, and 1,270 Kaggle notebooks "
        "(each checked alone) and their 1,733 scripts give 7 distinct ones, all dead code. "
        "`report-private` gave 20 findings on the wheels, half of them kept on purpose (backward "
        "compatibility, debugging helpers, tests that are not shipped); `report-public` reports a "
        "library's API (transformers' `set_verbosity_debug`) and, in latent-diffusion, classes "
        "named only by its YAML configurations, hence both are off by default."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.words = frozenset(word.lower() for word in self.settings["experiment-words"])
        self.report_private = self.settings["report-private"] or self.settings["report-public"]
        self.report_public = self.settings["report-public"]
        self.mentioned: set[str] = set()
        #: Literal heads and tails of names built at run time: `f"_build_{kind}"` -> `_build_`.
        self.prefixes: set[str] = set()
        self.suffixes: set[str] = set()
        #: Candidates: (name node, kind, what makes it reportable, base class names).
        self.candidates: list[tuple[cst.Name, str, str, list[str]]] = []
        #: Classes defined here that register their subclasses (`__init_subclass__`).
        self.registering: set[str] = set()
        self.defining: cst.Name | None = None
        #: Modules this file re-exports with `from .models import *` (their last component).
        self.star_imported: set[str] = set()
        #: A torch.hub entry file: its public functions are loaded by name from outside.
        self.hub_entry = posixpath.basename(file.path.replace("\\", "/")) == "hubconf.py"

    # Definitions ------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._define(node, "function")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if any(keyword.keyword.value == "metaclass" for keyword in node.keywords if keyword.keyword):
            self.defining = node.name  # a metaclass may register the class
            return
        self._define(node, "class")

    def _define(self, node: cst.FunctionDef | cst.ClassDef, kind: str) -> None:
        self.defining = node.name  # its own name is not a mention
        scope = self.file.scopes[-1].node
        if node.name.value == "__init_subclass__" and isinstance(scope, cst.ClassDef):
            self.registering.add(scope.name.value)
        if node.decorators and not all(_plain_method_decorator(d) for d in node.decorators):
            return
        name = node.name.value
        if name.startswith("__") and name.endswith("__") or self.file.in_tests:
            return
        if self.hub_entry and not name.startswith("_"):
            return
        if isinstance(scope, cst.ClassDef):
            mark = experiment_mark(name, self.words)
            if mark is not None and mark != "test":  # `test_step`: a framework hook
                self.candidates.append((node.name, "method", mark, []))
            return
        if not self.file.in_module_scope:
            return
        mark = experiment_mark(name, self.words)
        if mark is None and name.startswith("_") and self.report_private:
            mark = "private"
        elif mark is None and not name.startswith("_") and self.report_public:
            mark = "public"
        if mark is not None:
            bases = [_last_name(base.value) for base in node.bases] if isinstance(node, cst.ClassDef) else []
            self.candidates.append((node.name, kind, mark, [base for base in bases if base]))

    # Mentions ---------------------------------------------------------------------------

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar) and node.module is not None:
            self.star_imported.add(dotted_name(node.module).rsplit(".", 1)[-1])

    def visit_Name(self, node: cst.Name) -> None:
        if node is not self.defining:
            self.mentioned.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """`getattr(model, "old_head")`, `__all__ = ["f"]`, `"pkg.cli:main"`: words of strings count."""
        self.mentioned.update(_IDENTIFIER.findall(node.value))

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        parts = node.parts
        for part in parts:
            if isinstance(part, cst.FormattedStringText):
                self.mentioned.update(_IDENTIFIER.findall(part.value))
        if len(parts) > 1 and isinstance(parts[0], cst.FormattedStringText):
            self.prefixes.add(_head(parts[0].value))
        if len(parts) > 1 and isinstance(parts[-1], cst.FormattedStringText):
            self.suffixes.add(_tail(parts[-1].value))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        """`"_build_" + kind` and `kind + "_legacy"` name definitions by a literal head or tail."""
        if not isinstance(node.operator, cst.Add):
            return
        if isinstance(node.left, cst.SimpleString):
            self.prefixes.add(_head(_string_text(node.left)))
        if isinstance(node.right, cst.SimpleString):
            self.suffixes.add(_tail(_string_text(node.right)))

    def end_file(self) -> None:
        """Notebooks: IPython lines, and cells that did not parse (left out of the module,
        so never walked), are read as words, so that what they call stays used."""
        notebook = self.file.notebook
        if notebook is None:
            return
        for magic in notebook.magics:
            self.mentioned.update(_IDENTIFIER.findall(magic.command))
        analysed = {cell for cell, _, _ in notebook.line_map}
        for cell in notebook.cells:
            if cell.is_python and cell.number not in analysed:
                self.mentioned.update(_IDENTIFIER.findall(cell.source))

    # The repository pass ----------------------------------------------------------------

    def file_facts(self) -> Any:
        """The definitions this file could lose, and the mentions that could save any.

        Only mentions that could name a candidate anywhere are kept (with the default
        options, experimental and private names), which keeps the facts small.
        """
        definitions = [
            [node.value, kind, reason, bases, self.hold(node, "")]
            for node, kind, reason, bases in self.candidates
            if node.value not in self.mentioned and not _built(node.value, self.prefixes, self.suffixes)
        ]
        return {
            "notebook": self.file.notebook is not None,
            "star_imported": sorted(self.star_imported),
            "registering": sorted(self.registering),
            "definitions": definitions,
            "mentioned": sorted(name for name in self.mentioned if self._could_be_candidate(name)),
            "prefixes": sorted(prefix for prefix in self.prefixes if prefix),
            "suffixes": sorted(suffix for suffix in self.suffixes if suffix),
        }

    def _could_be_candidate(self, name: str) -> bool:
        if self.report_public or (self.report_private and name.startswith("_")):
            return True
        return experiment_mark(name, self.words) is not None

    @classmethod
    def check_repository(cls, facts: Mapping[str, Any]) -> Iterable[RepositoryReport]:
        """Definitions no file mentions. Linear: one set of mentions for the repository."""
        mentioned: set[str] = set()
        prefixes: set[str] = set()
        suffixes: set[str] = set()
        star_imported: set[str] = set()
        registering: set[str] = set()
        for file_facts in facts.values():
            mentioned.update(file_facts["mentioned"])
            star_imported.update(file_facts["star_imported"])
            registering.update(file_facts["registering"])
            prefixes.update(file_facts["prefixes"])
            suffixes.update(file_facts["suffixes"])
        checked = len(facts)
        for path, file_facts in facts.items():
            for name, kind, reason, bases, held in file_facts["definitions"]:
                if name in mentioned or _built(name, prefixes, suffixes) or registering.intersection(bases):
                    continue  # mentioned, built at run time, or registered by its base class
                if not name.startswith("_") and _module_stem(path) in star_imported:
                    continue  # re-exported by `from .module import *`: public API
                yield RepositoryReport(path, held, _message(name, kind, reason, checked))


def _message(name: str, kind: str, reason: str, checked: int) -> str:
    files = "the one file checked" if checked == 1 else f"the {checked} files checked"
    where = f"{kind} `{name}` is used nowhere: 0 mentions in {files}"
    if reason == "private":
        return f"{where}, and it is private: delete it (version control keeps it)"
    if reason == "test":
        return f"{where}, and a `test_` function outside the tests is a check run once: delete it, or move it to the tests"
    if reason == "public":
        return f"{where}: delete it (version control keeps it), unless code outside the repository uses it"
    return (
        f"{where}, and its name (`{reason}`) marks it as an experiment left behind: delete it "
        "(version control keeps it), or register it where the experiment is chosen"
    )


def _last_name(expr: cst.BaseExpression) -> str:
    """`nn.Module` -> Module, `Task` -> Task; "" for other base expressions."""
    name = dotted_name(expr)
    return name.rsplit(".", 1)[-1] if name else ""


def _module_stem(path: str) -> str:
    """`pkg/models/resnet.py` -> resnet; a package's `__init__.py` -> the package."""
    parts = path.replace("\\", "/").rsplit("/", 2)
    stem = posixpath.splitext(parts[-1])[0]
    return parts[-2] if stem == "__init__" and len(parts) > 1 else stem


def _plain_method_decorator(decorator: cst.Decorator) -> bool:
    """`@staticmethod` and `@classmethod` change how a method is called, not whether it is
    found: every other decorator may register or wrap the definition."""
    return isinstance(decorator.decorator, cst.Name) and decorator.decorator.value in ("staticmethod", "classmethod")


def _built(name: str, prefixes: set[str], suffixes: set[str]) -> bool:
    """Whether a name built at run time from one of these heads or tails could be `name`."""
    return any(name[:end] in prefixes for end in range(2, len(name))) or any(
        name[start:] in suffixes for start in range(1, len(name) - 1)
    )


def _string_text(node: cst.SimpleString) -> str:
    """The text inside the quotes (escapes left alone: only identifier characters matter)."""
    return node.value[len(node.prefix) + len(node.quote):-len(node.quote)]


def _head(text: str) -> str:
    """The identifier characters that end a literal prefix: `"model._build_"` -> `_build_`."""
    match = re.search(r"[A-Za-z0-9_]*$", text)
    return match.group() if match else ""


def _tail(text: str) -> str:
    """The identifier characters that start a literal suffix: `"_legacy()"` -> `_legacy`."""
    match = re.match(r"[A-Za-z0-9_]*", text)
    return match.group() if match else ""
