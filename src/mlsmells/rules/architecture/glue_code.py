"""MLS411 and MLS412, glue code: code whose job is to hold ML libraries together rather
than to do ML. Sculley et al. describe systems where most code moves data in and out of
general-purpose packages (IND-3.7-glue-code, META-B2); code that reaches into a package's
private modules is glue of the most fragile kind, tied to one release (SLR-CM19)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

import libcst as cst

from mlsmells.engine.calls import code_of
from mlsmells.engine.names import Scope, dotted_name
from mlsmells.findings import Family, Severity
from mlsmells.rule import Option, Rule

_CHALLENGES = ("IND-3.7-glue-code", "META-B2", "SLR-CM19")

# MLS411 ------------------------------------------------------------------------------------

#: Libraries whose data representations glue code converts between, as messages name them.
_LIBRARY_TITLES = {
    "numpy": "NumPy",
    "pandas": "pandas",
    "polars": "Polars",
    "torch": "PyTorch",
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "PIL": "Pillow",
}

#: Library functions that turn their first argument into the library's representation;
#: a second library, when given, is what the argument must already be.
_CONVERTING_FUNCTIONS: dict[str, tuple[str, str | None]] = {
    "numpy.array": ("numpy", None),
    "numpy.asarray": ("numpy", None),
    "numpy.asanyarray": ("numpy", None),
    "numpy.ascontiguousarray": ("numpy", None),
    "pandas.DataFrame": ("pandas", None),
    "pandas.Series": ("pandas", None),
    "polars.DataFrame": ("polars", None),
    "polars.from_numpy": ("polars", "numpy"),
    "polars.from_pandas": ("polars", "pandas"),
    "torch.tensor": ("torch", None),
    "torch.as_tensor": ("torch", None),
    "torch.from_numpy": ("torch", "numpy"),
    "tensorflow.convert_to_tensor": ("tensorflow", None),
    "tensorflow.constant": ("tensorflow", None),
    "jax.numpy.array": ("jax", None),
    "jax.numpy.asarray": ("jax", None),
    "jax.device_put": ("jax", None),
    "jax.device_get": ("numpy", "jax"),
    "PIL.Image.fromarray": ("PIL", "numpy"),
}
#: Library functions that only reshape or squeeze their first argument.
_ADJUSTING_FUNCTIONS = frozenset(
    f"{library}.{function}"
    for library in ("numpy", "torch", "tensorflow")
    for function in ("reshape", "squeeze", "expand_dims", "unsqueeze")
)
#: Methods (and `.values`) that produce another representation: the library they produce,
#: or None for Python lists. Their receiver is rarely known, so alone they bridge nothing.
_CONVERTING_METHODS: dict[str, str | None] = {
    "numpy": "numpy",
    "toarray": "numpy",
    "todense": "numpy",
    "to_pandas": "pandas",
    "tolist": None,
    "to_list": None,
}
#: Methods that only change a value's layout or dtype.
_ADJUSTING_METHODS = frozenset({"astype", "reshape", "squeeze", "unsqueeze", "expand_dims"})
#: PyTorch-only methods that lead a tensor out of autograd or off the device: links of a
#: conversion chain (`x.detach().cpu().numpy()`), and no conversion on their own.
_TORCH_LINKS = frozenset({"detach", "cpu"})
#: First arguments that build a value rather than convert one: `np.array([1, 2])`.
_LITERALS = (
    cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp,
    cst.GeneratorExp, cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString,
)


@dataclass
class _Op:
    """One step of a conversion chain: what it produces (a library, None for Python values
    or unknown), what it must be given, and the expression it applies to."""

    kind: str  # "convert", "extract" (a pandas column's array), "adjust" or "link"
    operand: cst.BaseExpression
    produces: str | None = None
    requires: str | None = None
    #: A method call or attribute, whose receiver may be anything.
    method: bool = False


@dataclass
class _Unit:
    """A function body, a module's top level or a notebook cell, as it is being measured."""

    label: str
    anchor: cst.CSTNode | None
    statements: int = 0
    glue_statements: set[cst.CSTNode] = field(default_factory=set)
    conversions: int = 0
    libraries: set[str] = field(default_factory=set)
    current: cst.CSTNode | None = None

    def count_statement(self, node: cst.CSTNode) -> None:
        self.statements += 1
        self.current = node

    def add_glue(self, node: cst.CSTNode) -> None:
        if self.current is not None:
            self.glue_statements.add(self.current)
            if self.anchor is None:
                self.anchor = node


class GlueCode(Rule):
    """
    A function, a module's top level, or a notebook cell that is mostly glue: most of its
    statements convert data between libraries' representations (`np.asarray(df)`,
    `pd.DataFrame(arr)`, `.tolist()`, `torch.tensor(x)`, `torch.from_numpy`,
    `x.detach().cpu().numpy()`, `tf.convert_to_tensor`, ...), read a pandas column's array
    (`.values`, `.to_numpy()`), or adjust dtype and layout (`.astype`, `reshape`,
    `squeeze`, `expand_dims`, `unsqueeze`), across several libraries. Reported when the
    share of such statements, the number of conversions and the number of libraries
    bridged all reach their thresholds; the message gives the measurement.

    A chain such as `x.detach().cpu().numpy()` or `torch.tensor(df.values)` is one
    conversion. Building a value from literals (`np.array([0.5, 0.5])`) is no conversion.
    Reading a column's array (`df["age"].values`) and reshaping make a statement glue but
    are no conversion on their own: pandas code hands columns to NumPy that way all the
    time. A library counts as bridged when a conversion is a call of one of its functions
    (`np.asarray`; `torch.from_numpy` bridges NumPy and PyTorch) or when the value
    converted is known to come from it (a call of its functions, a name bound to one in
    the same scope, or a chain through PyTorch-only `.detach()`/`.cpu()`). Methods on
    values of unknown origin (`batch.numpy()`, `items.tolist()`) count as conversions but
    never toward the libraries.
    """

    code = "MLS411"
    name = "glue-code"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    precision = "medium"
    summary = "A function or cell consists mostly of conversions between ML libraries' data types."
    challenges = _CHALLENGES
    required_modules = frozenset(_LIBRARY_TITLES)
    options = (
        Option(
            "min-share",
            "float",
            0.5,
            "Smallest share of a unit's statements that are glue. Measured on units with 3+ "
            "conversions across 2+ libraries: 90th percentile 0.30 in the transformers wheel, "
            "0.38 in 3,030 Kaggle kernels; none with 4+ conversions in the transformers, timm, "
            "sentence-transformers or Lightning wheels exceeds 0.33.",
        ),
        Option(
            "min-conversions",
            "int",
            5,
            "Smallest number of conversions (a chain counts once). Measured: 99% of the units "
            "with any conversion have at most 5 in the transformers wheel and 3 in handson-ml2/3; "
            "adapters of 1-4 conversions, often all glue, are the fix, not the smell.",
        ),
        Option(
            "min-libraries",
            "int",
            2,
            "Smallest number of distinct libraries bridged (NumPy included). Measured: 3+ "
            "libraries with 4+ conversions occur only at the top level of 6 long Kaggle scripts, "
            "each at most 21% glue, so 2 is the useful floor.",
        ),
    )
    why = (
        "Sculley et al. name glue code, the mass of code written to get data in and out of "
        "general-purpose packages, as a system-level ML smell (IND-3.7-glue-code, META-B2): "
        "it freezes the system to the peculiarities of each package, makes trying an "
        "alternative expensive, and hides the actual ML among conversions. A function that "
        "mostly shuffles a batch from pandas to NumPy to tensors and back is the place to "
        "introduce one data representation, or one adapter that owns every conversion."
    )
    bad = (
        '''
        import numpy as np
        import pandas as pd
        import torch

        def score_customers(model, frame):
            ^^^^^^^^^^^^^^^
            features = np.asarray(frame[["age", "tenure", "spend"]])
            features = features.astype(np.float32)
            inputs = torch.from_numpy(features)
            scores = model(inputs)
            scores = scores.detach().cpu().numpy()
            scores = np.squeeze(scores, axis=1)
            ranked = pd.DataFrame(scores, index=frame.index, columns=["score"])
            return ranked["score"].values.tolist()
        ''',
    )
    good = (
        '''
        import numpy as np
        import pandas as pd
        import torch

        def to_tensor(frame, columns):
            """The one place a frame becomes model input."""
            return torch.from_numpy(frame[columns].to_numpy(dtype=np.float32))

        def score_customers(model, frame):
            with torch.no_grad():
                scores = model(to_tensor(frame, ["age", "tenure", "spend"])).squeeze(1)
            return pd.Series(scores.numpy(), index=frame.index, name="score")
        ''',
    )
    use_instead = (
        "Keep data in one representation for as long as possible, and move the conversions "
        "into one small adapter (a `Dataset`, a `collate_fn`, a `to_model_input` function, a "
        "scikit-learn transformer) that the rest of the code calls."
    )
    notebook_behavior = (
        "Each code cell is measured on its own (its top-level statements; functions defined in "
        "it are measured as functions), because the cell is the notebook's unit of code: "
        "measuring the whole notebook would dilute a glue cell among plots and prints. The "
        "finding points at the cell's first glue statement."
    )
    limitations = (
        "Types are not inferred: a method conversion on a value of unknown origin "
        "(`outputs.numpy()`) counts as a conversion but bridges no library, so glue between "
        "objects returned by project code is under-counted. Conversions hidden in project "
        "helpers are not seen. Statements count the same whatever their size. The defaults "
        "were measured on the transformers, timm, sentence-transformers and Lightning wheels, "
        "pytorch/examples, nanoGPT, PyTorch-GAN, ML-From-Scratch, handson-ml2/3, "
        "machine-learning-book and 3,030 Kaggle kernels: no unit of the packages, research "
        "code or books reaches them, and 4 Kaggle notebook cells do (tensors built column by "
        "column, arrays rebuilt from frames to feed Keras)."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.min_share = float(self.settings["min-share"])
        self.min_conversions = self.settings["min-conversions"]
        self.min_libraries = self.settings["min-libraries"]
        #: Enclosing functions (None for a class body, whose statements are not measured).
        self.stack: list[_Unit | None] = []
        self.top_level: dict[int | None, _Unit] = {}
        #: Per scope: names bound to a value known to come from a library.
        self.origins: dict[Scope, dict[str, str]] = {}
        self.in_chain: set[cst.CSTNode] = set()
        self.callees: set[cst.CSTNode] = set()

    # Units and statements -----------------------------------------------------------

    def _unit(self) -> _Unit | None:
        if self.stack:
            return self.stack[-1]
        cell = self.file.cell if self.file.notebook is not None else None
        unit = self.top_level.get(cell)
        if unit is None:
            label = "the module's top level" if cell is None else f"cell {cell}"
            unit = self.top_level[cell] = _Unit(label, None)
        return unit

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(_Unit(f"`{node.name.value}`", node.name))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        unit = self.stack.pop()
        if unit is not None:
            self._judge(unit)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_BaseSmallStatement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Import | cst.ImportFrom | cst.Pass | cst.Global | cst.Nonlocal):
            return
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.SimpleString | cst.ConcatenatedString):
            return  # a docstring
        unit = self._unit()
        if unit is not None:
            unit.count_statement(node)

    def visit_BaseCompoundStatement(self, node: cst.BaseCompoundStatement) -> None:
        # The header of `for`/`if`/`while`/`with` is a statement; its body has its own.
        if isinstance(node, cst.For | cst.If | cst.While | cst.With):
            unit = self._unit()
            if unit is not None:
                unit.count_statement(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        origins = self.origins.setdefault(self.file.scopes[-1], {})
        origin = self._produces(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if origin is None:
                    origins.pop(target.target.value, None)
                else:
                    origins[target.target.value] = origin

    def end_file(self) -> None:
        for unit in self.top_level.values():
            self._judge(unit)

    def _judge(self, unit: _Unit) -> None:
        if not unit.statements or unit.anchor is None:
            return
        share = len(unit.glue_statements) / unit.statements
        if (
            share >= self.min_share
            and unit.conversions >= self.min_conversions
            and len(unit.libraries) >= self.min_libraries
        ):
            libraries = sorted(_LIBRARY_TITLES[library] for library in unit.libraries)
            self.report(
                unit.anchor,
                f"{unit.label} is glue code: {len(unit.glue_statements)} of its {unit.statements} "
                f"statements ({share:.0%}) convert or reshape data, with {unit.conversions} "
                f"conversions bridging {len(libraries)} libraries ({', '.join(libraries)}) (thresholds: "
                f"{self.min_share:.0%} of statements, {self.min_conversions} conversions, "
                f"{self.min_libraries} libraries); keep one representation and move the "
                "conversions into one adapter",
            )

    # Conversions --------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        self.callees.add(node.func)
        self._chain(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node not in self.callees:
            self._chain(node)

    def _chain(self, node: cst.CSTNode) -> None:
        """Count the conversion chain that ends at `node`, once, at its outermost step."""
        if node in self.in_chain:
            return
        op = self._op(node)
        if op is None:
            return
        kinds: set[str] = set()
        known: set[str] = set()  # libraries the chain certainly involves
        produced: set[str] = set()  # what its methods produce: bridged only from a known source
        expr: cst.CSTNode = node
        while op is not None:
            kinds.add(op.kind)
            if op.kind == "link":
                known.add("torch")
            elif op.kind in ("convert", "extract"):
                (produced if op.method else known).update(lib for lib in (op.produces, op.requires) if lib)
            self.in_chain.add(expr)
            expr = op.operand
            op = self._op(expr)
        if kinds == {"link"}:
            return  # `loss.detach()`, `model.cpu()`: autograd and devices, not data types
        unit = self._unit()
        if unit is None:
            return
        unit.add_glue(node)
        if "convert" in kinds:  # not "extract" alone: `df["age"].values` feeds NumPy, it bridges nothing
            unit.conversions += 1
            origin = self._origin(expr)
            if origin is not None:
                known.add(origin)
            if known:
                unit.libraries |= known | produced

    def _op(self, node: cst.CSTNode | None) -> _Op | None:
        """The conversion step `node` is, if it is one."""
        if isinstance(node, cst.Attribute):
            if node.attr.value == "values" and node not in self.callees and not _is_self(node.value):
                return _Op("extract", node.value, produces="numpy", method=True)
            return None
        if not isinstance(node, cst.Call):
            return None
        name = self._qualified(node.func)
        if name is not None:
            first = node.args[0] if node.args else None
            if first is None or first.keyword is not None or first.star or isinstance(first.value, _LITERALS):
                return None
            if name in _CONVERTING_FUNCTIONS:
                produces, requires = _CONVERTING_FUNCTIONS[name]
                return _Op("convert", first.value, produces, requires)
            if name in _ADJUSTING_FUNCTIONS:
                return _Op("adjust", first.value)
            return None
        if not isinstance(node.func, cst.Attribute) or _is_self(node.func.value):
            return None
        method, receiver = node.func.attr.value, node.func.value
        if method == "to_numpy":
            return _Op("extract", receiver, produces="numpy", method=True)
        if method in _CONVERTING_METHODS:
            return _Op("convert", receiver, produces=_CONVERTING_METHODS[method], method=True)
        if method in _ADJUSTING_METHODS:
            return _Op("adjust", receiver)
        if method in _TORCH_LINKS and not node.args:
            return _Op("link", receiver)
        return None

    def _qualified(self, expr: cst.BaseExpression) -> str | None:
        for name in self.file.qualified_names(expr):
            if name.split(".")[0] in _LIBRARY_TITLES:
                return name
        return None

    def _produces(self, expr: cst.BaseExpression) -> str | None:
        """The library whose representation `expr` evaluates to, when the code says so."""
        op = self._op(expr)
        if op is not None:
            return op.produces if op.kind in ("convert", "extract") else self._produces(op.operand)
        return self._origin(expr)

    def _origin(self, expr: cst.BaseExpression) -> str | None:
        """The library a value comes from: a call of its functions, or a name bound to one."""
        while isinstance(expr, cst.Subscript):
            expr = expr.value
        if isinstance(expr, cst.Call):
            name = self._qualified(expr.func)
            return name.split(".")[0] if name is not None else None
        if isinstance(expr, cst.Name):
            return self._bound(expr.value)
        return None

    def _bound(self, name: str) -> str | None:
        for scope in reversed(self.file.scopes):
            origins = self.origins.get(scope, {})
            if name in origins:
                return origins[name]
            if name in scope.others or name in scope.imports:
                return None
        return None


def _is_self(expr: cst.BaseExpression) -> bool:
    """`self.values`, `self.reshape(...)`: the class's own attributes and methods."""
    return isinstance(expr, cst.Name) and expr.value in ("self", "cls")


# MLS412 ------------------------------------------------------------------------------------

#: Third-party ML packages whose private modules and attributes are reported.
PRIVATE_API_TARGETS = {
    "sklearn": "scikit-learn",
    "torch": "PyTorch",
    "torchvision": "torchvision",
    "torchaudio": "torchaudio",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "tf_keras": "tf-keras",
    "jax": "JAX",
    "xgboost": "XGBoost",
    "lightgbm": "LightGBM",
    "catboost": "CatBoost",
    "numpy": "NumPy",
    "pandas": "pandas",
    "scipy": "SciPy",
    "transformers": "transformers",
    "datasets": "datasets",
    "accelerate": "accelerate",
    "lightning": "Lightning",
    "pytorch_lightning": "PyTorch Lightning",
    "timm": "timm",
}
#: Submodules private by their package's own rules, without a leading underscore.
_PRIVATE_SUBMODULES = {"tensorflow": "python", "keras": "src", "tf_keras": "src"}
_PRIVATE_SUBPACKAGE_NAMES = frozenset(_PRIVATE_SUBMODULES.values())
#: Underscored names a package documents for users: `torch._assert`, the `torch._foreach_*`
#: ops, `torch._logging` (documented on pytorch.org, marked prototype), and the
#: `torch._check*` assertions the torch.export guide tells users to write.
_DOCUMENTED = ("torch._assert", "torch._foreach_", "torch._logging", "torch._check")
#: The public API of named tuples, which library functions return.
_NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})


def private_part(qualified: str) -> str | None:
    """The private prefix of a qualified name of a target package (`torch._C` for
    `torch._C._get_tracing_state`), or None when every part of it is public."""
    if qualified.startswith(_DOCUMENTED):
        return None
    parts = qualified.split(".")
    if parts[0] not in PRIVATE_API_TARGETS:
        return None
    if len(parts) > 1 and _PRIVATE_SUBMODULES.get(parts[0]) == parts[1]:
        return ".".join(parts[:2])
    for index, part in enumerate(parts[1:], start=1):
        if _is_private(part):
            return ".".join(parts[: index + 1])
    return None


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


#: The test of an `if` that checks a package version (`is_torch_greater_or_equal("2.9")`)
#: or whether a private name exists (`hasattr(torch._C, "_cuda_clearCublasWorkspaces")`).
_GUARD_TEST = re.compile(r"version|greater|less_than|older|newer|hasattr", re.IGNORECASE)
#: Pragmas other linters take to mean a private use is deliberate.
_ACKNOWLEDGED = re.compile(r"#.*(pylint:\s*disable=[\w,-]*protected-access|noqa:[\w, ]*SLF001)")


def _catches_missing_api(handler: cst.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elements if isinstance(caught, cst.Tuple) else [caught] if caught is not None else []
    return any(
        dotted_name(name.value if isinstance(name, cst.Element) else name)
        in ("ImportError", "ModuleNotFoundError", "AttributeError")
        for name in names
    )


@dataclass
class _PrivateUse:
    """The first use of one private module or attribute in a file, and how often it recurs."""

    node: cst.CSTNode
    package: str
    what: str
    #: For an attribute of a library object: its name.
    attribute: str | None = None
    uses: int = 1


class PrivateMlApi(Rule):
    """
    Code that imports or uses private modules and attributes of a third-party ML package:
    a name part starting with `_` (`from sklearn.utils._testing import ...`,
    `sklearn.metrics._scorer`, `torch._C`, `torch._dynamo`, `torch.utils._pytree`,
    `from torch.nn.modules.utils import _pair`), the packages' private trees
    `tensorflow.python` and `keras.src`, and private attributes (`model._modules`,
    `tokenizer._tokenizer`) of objects the same function built with a call of that package.
    One finding per private module or name per file, at its first use, with the count.

    Checked packages: scikit-learn, PyTorch, torchvision, torchaudio, TensorFlow, Keras,
    tf-keras, JAX, XGBoost, LightGBM, CatBoost, NumPy, pandas, SciPy, transformers,
    datasets, accelerate, Lightning, timm. A package's own code (a file under a directory
    named like the package) may use its own private modules, and `torch._assert`, the
    `torch._foreach_*` ops, `torch._logging` and the `torch._check*` assertions are
    documented for users. Uses inside a `try` that handles `ImportError` or
    `AttributeError`, or under an `if` or a conditional expression that checks a version
    or `hasattr`, are compatibility shims with a fallback and are not reported, and so are
    uses on a line that tells other linters the access is deliberate (`# pylint:
    disable=protected-access`, `# noqa: SLF001`).
    """

    code = "MLS412"
    name = "private-ml-api"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    summary = "Code imports or uses a private module or attribute of an ML library."
    challenges = _CHALLENGES
    required_modules = frozenset(PRIVATE_API_TARGETS)
    why = (
        "A private module is the library's implementation, not its interface: it is renamed, "
        "moved or removed in minor releases without a deprecation period (scikit-learn moved "
        "most modules behind `_` in 0.22; PyTorch defines every path with a `_` part as "
        "private). Glue code that reaches into it ties the project to one exact version "
        "(IND-3.7-glue-code, META-B2) and breaks on upgrade, a dependency-management "
        "challenge the review behind SLR-CM19 names."
    )
    bad = (
        '''
        import torch
        from sklearn.utils._testing import assert_allclose
             ^^^^^^^^^^^^^^^^^^^^^^
        from sklearn.ensemble import RandomForestClassifier

        def check_forest(features, labels):
            forest = RandomForestClassifier(n_estimators=50)
            forest.fit(features, labels)
            assert_allclose(forest.predict_proba(features).sum(axis=1), 1.0)
            return forest._validate_X_predict(features)
                   ^^^^^^^^^^^^^^^^^^^^^^^^^^

        def in_trace():
            return torch._C._get_tracing_state() is not None
                   ^^^^^^^^
        ''',
    )
    good = (
        '''
        import numpy as np
        import torch
        from sklearn.ensemble import RandomForestClassifier

        def check_forest(features, labels, estimator):
            forest = RandomForestClassifier(n_estimators=50)
            forest.fit(features, labels)
            np.testing.assert_allclose(forest.predict_proba(features).sum(axis=1), 1.0)
            return forest.n_features_in_, estimator._cache, torch.__version__

        def compiling():
            return torch.compiler.is_compiling()
        ''',
    )
    use_instead = (
        "Use the public API (`numpy.testing`, `torch.compiler.is_compiling()`, "
        "`sklearn.utils.validation`, the documented attributes ending in `_`), or, where there "
        "is none, isolate the private use in one small module behind a version check and a "
        "test that fails when the library changes."
    )
    limitations = (
        "Private attributes are reported only on names bound in the same scope to a call of a "
        "checked package (`forest = RandomForestClassifier()`); objects passed in, stored on "
        "`self` or returned by project code are not followed. A project directory named like "
        "a package (`src/torch/`) is taken to be that package."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        parts = PurePath(file.path.replace("\\", "/")).parts[:-1]
        self.own_packages = frozenset(parts)
        self.uses: dict[str, _PrivateUse] = {}
        self.in_chain: set[cst.CSTNode] = set()
        #: Enclosing `try` statements that handle a missing name, and `if` version checks.
        self.guarded: list[cst.Try | cst.If] = []
        #: Private attributes the file itself sets, on any object.
        self.own_attributes: set[str] = set()
        #: Names imports bind to something private: their uses are counted.
        self.private_names: set[str] = set()
        #: Per scope: names bound to an object a call of a checked package returned.
        self.made_by: dict[Scope, dict[str, str]] = {}

    def _note(self, key: str, package: str, node: cst.CSTNode, what: str, attribute: str | None = None) -> None:
        if package in self.own_packages or self.guarded:
            return  # the package's own code, or a compatibility shim with its fallback
        if self._acknowledged(node):
            return
        use = self.uses.get(key)
        if use is None:
            self.uses[key] = _PrivateUse(node, package, what, attribute)
        else:
            use.uses += 1

    def _acknowledged(self, node: cst.CSTNode) -> bool:
        """Whether the line says the private use is deliberate, as other linters are told:
        `# pylint: disable=protected-access`, `# noqa: SLF001`."""
        return _ACKNOWLEDGED.search(self.file.source_line(self.file.span_of(node).line)) is not None

    def _note_name(self, qualified: str, node: cst.CSTNode) -> None:
        private = private_part(qualified)
        if private is None:
            return
        # Point at the private part of a chain: `torch._C` in `torch._C._get_tracing_state()`.
        for _ in range(qualified.count(".") - private.count(".")):
            if isinstance(node, cst.Attribute):
                node = node.value
        self._note(private, private.split(".")[0], node, f"`{private}`")

    def visit_Try(self, node: cst.Try) -> None:
        if any(_catches_missing_api(handler) for handler in node.handlers):
            self.guarded.append(node)

    def leave_Try(self, node: cst.Try) -> None:
        self._leave_guard(node)

    def visit_If(self, node: cst.If) -> None:
        self._enter_guard(node, node.test)

    def leave_If(self, node: cst.If) -> None:
        self._leave_guard(node)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        # `torch._C._set_mps_enabled(False) if hasattr(torch._C, "_set_mps_enabled") else None`
        self._enter_guard(node, node.test)

    def leave_IfExp(self, node: cst.IfExp) -> None:
        self._leave_guard(node)

    def _enter_guard(self, node: cst.CSTNode, test: cst.BaseExpression) -> None:
        """A branch on a version or `hasattr` test guards the private uses inside it."""
        if _GUARD_TEST.search(code_of(test)):
            self.guarded.append(node)

    def _leave_guard(self, node: cst.CSTNode) -> None:
        if self.guarded and self.guarded[-1] is node:
            self.guarded.pop()

    def visit_Import(self, node: cst.Import) -> None:
        if self.guarded:
            return  # a shim: names it binds are followed no further
        for alias in node.names:
            qualified = dotted_name(alias.name) or ""
            self._imported(alias, qualified)
            self._note_name(qualified, alias.name)

    def _imported(self, alias: cst.ImportAlias, qualified: str) -> None:
        """Names an import binds are not uses; private ones are followed from here on."""
        self.in_chain.add(alias.name)
        if alias.asname is not None:
            self.in_chain.add(alias.asname.name)
            bound = alias.asname.name
        elif isinstance(alias.name, cst.Attribute):
            return  # `import torch._C` binds `torch`
        else:
            bound = alias.name
        if isinstance(bound, cst.Name) and private_part(qualified) is not None:
            self.private_names.add(bound.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or self.guarded:
            return
        module = dotted_name(node.module) or ""
        self.in_chain.add(node.module)
        if private_part(module) is not None:
            self._note_name(module, node.module)
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    self._imported(alias, f"{module}.{dotted_name(alias.name)}")
        elif not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                qualified = f"{module}.{dotted_name(alias.name)}"
                self._imported(alias, qualified)
                self._note_name(qualified, alias.name)

    def visit_Assign(self, node: cst.Assign) -> None:
        made = self.made_by.setdefault(self.file.scopes[-1], {})
        package = self._package_called(node.value)
        for target in node.targets:
            self._assigned(target.target)
            if isinstance(target.target, cst.Name):
                if package is None:
                    made.pop(target.target.value, None)
                else:
                    made[target.target.value] = package

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.private_names and node not in self.in_chain:
            for name in self.file.qualified_names(node):
                self._note_name(name, node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Attribute | cst.Name):
            self.in_chain.add(node.value)  # one chain is one use, seen at its outermost name
        if node in self.in_chain or not self._may_be_private(node):
            return
        qualified = self.file.qualified_names(node)
        if qualified:
            for name in qualified:
                self._note_name(name, node)
            return
        attribute = node.attr.value
        if _is_private(attribute) and attribute not in _NAMEDTUPLE_API:
            package = self._made_by(node.value)
            if package is not None:
                shown = code_of(node)
                what = f"`{shown}` (on an object {PRIVATE_API_TARGETS[package]} made)"
                self._note(f"{package}:{shown}", package, node, what, attribute)

    def _may_be_private(self, chain: cst.Attribute) -> bool:
        """Whether a chain can name something private: a private part, a private
        subpackage (`tf.python`), or a root bound by a private import. Most chains are
        neither, and are not resolved at all (resolving is most of this rule's cost)."""
        expr: cst.BaseExpression = chain
        while isinstance(expr, cst.Attribute):
            if expr.attr.value.startswith("_") or expr.attr.value in _PRIVATE_SUBPACKAGE_NAMES:
                return True
            expr = expr.value
        return isinstance(expr, cst.Name) and expr.value in self.private_names

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._assigned(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._assigned(node.target)

    def _assigned(self, target: cst.BaseExpression) -> None:
        """`estimator._support = ...`: the project's own attribute, set on a library object."""
        if isinstance(target, cst.Attribute) and _is_private(target.attr.value):
            self.own_attributes.add(target.attr.value)

    def _made_by(self, expr: cst.BaseExpression) -> str | None:
        """The checked package whose call made the object `expr` names, if known."""
        if isinstance(expr, cst.Call):
            return self._package_called(expr)
        if isinstance(expr, cst.Name):
            for scope in reversed(self.file.scopes):
                made = self.made_by.get(scope, {})
                if expr.value in made:
                    return made[expr.value]
                if expr.value in scope.others or expr.value in scope.imports:
                    return None
        return None

    def _package_called(self, expr: cst.BaseExpression) -> str | None:
        if not isinstance(expr, cst.Call):
            return None
        for qualified in self.file.qualified_names(expr.func):
            package = qualified.split(".")[0]
            if package in PRIVATE_API_TARGETS:
                return package
        return None

    def end_file(self) -> None:
        for use in self.uses.values():
            if use.attribute in self.own_attributes:
                continue
            times = "" if use.uses == 1 else f" (used {use.uses} times in this file)"
            self.report(
                use.node,
                f"{use.what} is private to {PRIVATE_API_TARGETS[use.package]}{times}: it can change or "
                "disappear in any release; use the public API, or isolate this use behind a version check",
            )
