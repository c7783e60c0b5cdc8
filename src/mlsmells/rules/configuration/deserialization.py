"""MLS207: deserialization that runs code. Unpickling (`pickle`, `joblib`, `torch.load`
without `weights_only`, `np.load(allow_pickle=True)`), PyYAML's full loaders and
`trust_remote_code=True` all run whatever code the file or Hub repository they load holds,
so what they load must be the project's own: a path inside the repository, a file the
program wrote itself, or a pinned revision (META-E4)."""

from __future__ import annotations

import re

import libcst as cst

from mlsmells.engine.calls import (
    has_double_star,
    is_none,
    is_true,
    keyword_arg,
    keyword_literal,
)
from mlsmells.engine.names import Scope, target_names
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.string_values import (
    HOLE,
    ValueRule,
    argument,
    inside_repository,
    is_url,
    short_code,
    shown,
)
from mlsmells.rules.configuration.supply_chain import (
    PIPELINES,
    hub_repo_id,
    revision_problem,
)

#: Functions that unpickle what they are given.
_UNPICKLERS = frozenset(
    f"{module}.{function}"
    for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")
    for function in ("load", "loads", "Unpickler")
) | {"joblib.load", "sklearn.externals.joblib.load", "pandas.read_pickle"}
_PICKLE_DUMPS = frozenset(f"{module}.dumps" for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle"))
_OPENERS = frozenset(
    {
        "builtins.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open", "fsspec.open",
        "smart_open.open", "tensorflow.io.gfile.GFile", "tensorflow.gfile.GFile", "tensorflow.gfile.Open",
    }
)
_OPENED_KEYWORDS = ("file", "filename", "name", "urlpath", "uri")
_LOADED_KEYWORDS = ("file", "f", "filename", "filepath_or_buffer", "path", "fname", "stream", "data")
#: PyYAML loaders that build arbitrary Python objects. FullLoader has refused to since PyYAML 5.4.
_UNSAFE_YAML_LOADERS = frozenset(
    f"yaml.{module}{loader}"
    for module in ("", "loader.", "cyaml.")
    for loader in ("Loader", "UnsafeLoader", "CLoader", "CUnsafeLoader")
)
_YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_YAML_UNSAFE_LOADS = frozenset({"yaml.unsafe_load", "yaml.unsafe_load_all"})
#: What writes files a program may read back: qualified name -> (position, keywords).
_SERIALIZERS = {
    **{f"{module}.dump": (1, ("file",)) for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")},
    "joblib.dump": (1, ("filename",)),
    "torch.save": (1, ("f",)),
    "numpy.save": (0, ("file",)),
    "numpy.savez": (0, ("file",)),
    "numpy.savez_compressed": (0, ("file",)),
    "pandas.to_pickle": (1, ("filepath_or_buffer", "path")),
    "yaml.dump": (1, ("stream",)),
}
#: Keywords that name the model whose code `trust_remote_code=True` runs.
_MODEL_KEYWORDS = ("pretrained_model_name_or_path", "model_name_or_path", "model", "model_id", "repo_id", "path")
_NOT_A_HANDLE = object()
#: A check of what a file holds before it is loaded: `_check_integrity()`, a `checksum`,
#: `hashlib.md5(...)`. A file whose digest is compared first is the one its author
#: published, whoever downloaded it. (Not `check_hash=True`: that keyword verifies the
#: download of another call, not a file loaded from a path.)
_VERIFIES = re.compile(r"integrity|checksum|\bhashlib\.", re.IGNORECASE)
#: Methods that run while an object is already being unpickled: loading there crosses no
#: new trust boundary (the bytes come from the object's own `__getstate__`/`__reduce__`).
_UNPICKLING_HOOKS = frozenset({"__setstate__", "__reduce__", "__reduce_ex__"})


class UnsafeDeserialization(ValueRule):
    """
    Code that can run arbitrary code from the file or repository it loads, when what it
    loads does not come from a literal path inside the repository:

    - unpickling: `pickle.load`/`loads`/`Unpickler` (and `_pickle`, `cPickle`, `dill`,
      `cloudpickle`), `joblib.load`, `pandas.read_pickle`;
    - `torch.load` without `weights_only=True` (torch before 2.6 defaults to unpickling
      anything) or with `weights_only=False`;
    - `np.load(..., allow_pickle=True)`;
    - `yaml.load`/`load_all` without a Loader or with `yaml.Loader`, `UnsafeLoader`,
      `CLoader`, and `yaml.unsafe_load`;
    - `trust_remote_code=True`, which runs the Python files shipped with a Hub model or
      dataset, unless the model is a local directory in the repository or pinned with a
      literal `revision=` commit.

    A literal path inside the repository is a string known without running the code (a
    literal, a constant, or `os.path.join`/`Path /` of them) that is relative and has no
    `..` part (`"models/clf.joblib"`), or that starts from the analysed file's directory
    (`Path(__file__).parent / "clf.joblib"`). A path built at run time inside a directory
    written out that way counts too (`f"checkpoints/{run}/last.pt"`, `os.path.join("data",
    name, "meta.pkl")`); one whose start is only known at run time does not
    (`os.path.join(args.out_dir, "last.pt")`). A file the same file writes with
    `pickle.dump`, `joblib.dump`, `torch.save`, `np.save`, `yaml.dump` or `.to_pickle`,
    named by the same expression, value or template, counts as the program's own. Files
    opened first (`with open(path, "rb") as f: pickle.load(f)`) are followed to their path.
    """

    code = "MLS207"
    name = "unsafe-deserialization"
    family = Family.CONFIGURATION
    severity = Severity.WARNING
    summary = "A file or Hub repository is loaded in a way that can run the code it holds."
    challenges = ("META-E4",)
    required_modules = frozenset(
        {
            "pickle", "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "sklearn", "pandas", "torch",
            "numpy", "yaml", "transformers", "datasets", "diffusers", "sentence_transformers", "peft", "vllm",
        }
    )
    why = (
        "A pickle is a program: loading one runs whatever its author put in it, and so do "
        "`torch.load` before `weights_only`, `np.load(allow_pickle=True)`, PyYAML's full "
        "loaders and `trust_remote_code=True`. Models and datasets travel between teams, "
        "buckets and hubs, so a checkpoint downloaded or passed on the command line is "
        "untrusted input. META-E4 names security among the system qualities teams have no "
        "practice for assessing, and often assume the tools provide."
    )
    bad = (
        '''
        import pickle
        import torch
        import yaml

        def load_run(checkpoint_path, config_path):
            state = torch.load(checkpoint_path, map_location="cpu")
                    ^^^^^^^^^^
            with open(config_path) as stream:
                config = yaml.load(stream, Loader=yaml.Loader)
                         ^^^^^^^^^
            with open("/mnt/shared/vocab.pkl", "rb") as f:
                vocab = pickle.load(f)
                        ^^^^^^^^^^^
            return state, config, vocab
        ''',
        '''
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained("acme/chat-7b", trust_remote_code=True)
                                                                     ^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pickle
        from pathlib import Path

        import joblib
        import torch
        import yaml

        HERE = Path(__file__).parent

        def load_run(checkpoint_path, config_path):
            state = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
            with open(config_path) as stream:
                config = yaml.safe_load(stream)
            with open("data/vocab.pkl", "rb") as f:
                vocab = pickle.load(f)
            encoder = joblib.load(HERE / "artifacts" / "encoder.joblib")
            return state, config, vocab, encoder
        ''',
        '''
        import joblib

        def train_and_reload(model, features, labels, path):
            joblib.dump(model.fit(features, labels), path)
            return joblib.load(path)
        ''',
        '''
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(
            "acme/chat-7b", trust_remote_code=True, revision="0f3c9a7e21b4d5c6a8e9f0b1c2d3e4f5a6b7c8d9"
        )
        ''',
    )
    use_instead = (
        "Pass `weights_only=True` to `torch.load`; use `yaml.safe_load`; store arrays, tables "
        "and weights in formats without code (`np.save` without objects, Parquet, JSON, "
        "safetensors); load pickles only from files your own project wrote; pin a reviewed "
        "`revision=` commit before `trust_remote_code=True`."
    )
    limitations = (
        "Where a file comes from is judged in this file only: a function of the file that loads "
        "its parameter is not reported when every call of it in the file passes a trusted path, "
        "but one called from other modules is. What a file writes is matched by its text, so a "
        "module whose save and load helpers both take `path` is taken to read back what it "
        "writes, whoever passes the path. A literal relative "
        "path is trusted even though the file at it may have been downloaded, and so is one that "
        "climbs out of the file's directory (`../data/x.pkl`) without leaving the project. A "
        "`weights_only=` or `Loader=` given as a variable, a Loader class defined in the "
        "project, and calls passing `**kwargs` are not reported. `yaml.FullLoader` is not "
        "reported: it stopped building arbitrary objects in PyYAML 5.4. On torch 2.6 and "
        "later a bare `torch.load(path)` is safe; it is still reported, since the code does "
        "not say which torch it runs on. A load in a function, or a method of a class, that "
        "also checks a digest (`_check_integrity()`, `hashlib.md5`, a checksum) is taken to "
        "load the published file; whether the digest guards this very load is not checked. "
        "Loads inside `__setstate__`/`__reduce__` run during an unpickling already under way "
        "and are not reported."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: File handles bound so far: (scope, name) -> the path they opened, or _NOT_A_HANDLE.
        self.handles: dict[tuple[Scope, str], object] = {}
        #: (node to report, scopes, what is loaded, message maker).
        self.loads: list[tuple[cst.CSTNode, tuple[Scope, ...], cst.BaseExpression, object]] = []
        #: Paths the file writes: (expression, scopes).
        self.written: list[tuple[cst.BaseExpression, tuple[Scope, ...]]] = []
        #: Calls of a plain name, by that name: where the file's own helpers are called.
        self.calls_by_name: dict[str, list[tuple[cst.Call, tuple[Scope, ...]]]] = {}

    def visit_With(self, node: cst.With) -> None:
        super().visit_With(node)
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._bind_handle(item.asname.name.value, item.item)

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        for target in node.targets:
            for name in target_names(target.target):
                self._bind_handle(name.value, node.value if isinstance(target.target, cst.Name) else None)

    def _bind_handle(self, name: str, value: cst.BaseExpression | None) -> None:
        if isinstance(value, cst.Name):  # `with handle as f:`
            opened = self._loaded_path(value)
            opened = None if opened is value else opened
        else:
            opened = self._opened_path(value) if value is not None else None
        self.handles[(self.file.scopes[-1], name)] = _NOT_A_HANDLE if opened is None else opened

    def _opened_path(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """The path `open(path)`, `gzip.open(path)` or `Path(...).open()` opens."""
        if not isinstance(expr, cst.Call):
            return None
        names = self.file.qualified_names(expr.func)
        if any(name in _OPENERS for name in names):
            return argument(expr, 0, *_OPENED_KEYWORDS)
        if not names and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "open":
            return expr.func.value
        return None

    def _loaded_path(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """What names the file a loader reads: through file handles, `open(...)`, `f.read()`
        and `Path(...).read_bytes()`; otherwise the expression itself."""
        if isinstance(expr, cst.Name):
            for scope in (self.file.scopes[-1], self.file.scopes[0]):
                handle = self.handles.get((scope, expr.value))
                if handle is not None:
                    return expr if handle is _NOT_A_HANDLE else handle
            return expr
        if isinstance(expr, cst.Call):
            opened = self._opened_path(expr)
            if opened is not None:
                return opened
            func = expr.func
            if isinstance(func, cst.Attribute) and not expr.args:
                if func.attr.value == "read":
                    return self._loaded_path(func.value)
                if func.attr.value in ("read_bytes", "read_text"):
                    return func.value
        return expr

    def visit_Call(self, node: cst.Call) -> None:
        remote_code = keyword_arg(node, "trust_remote_code")
        if remote_code is not None and is_true(remote_code.value):
            self._check_remote_code(node, remote_code)
        func = node.func
        if isinstance(func, cst.Name):
            self.calls_by_name.setdefault(func.value, []).append((node, self.scopes))
        names = self.file.qualified_names(func)
        if not names and isinstance(func, cst.Attribute) and func.attr.value == "to_pickle":
            self._note_written(argument(node, 0, "path"))
        for name in names:
            if name in _SERIALIZERS:
                self._note_written(argument(node, *_SERIALIZERS[name]))
            else:
                message = self._problem(node, name, func)
                if message is not None:
                    source = argument(node, 0, *_LOADED_KEYWORDS)
                    if source is not None and not self._is_pickle_round_trip(source):
                        self.loads.append((func, self.scopes, self._loaded_path(source), message))
                    return

    def _note_written(self, expr: cst.BaseExpression | None) -> None:
        if expr is not None:
            self.written.append((self._loaded_path(expr), self.scopes))

    def _is_pickle_round_trip(self, source: cst.BaseExpression) -> bool:
        """`pickle.loads(pickle.dumps(obj))`, a deep copy."""
        return isinstance(source, cst.Call) and any(name in _PICKLE_DUMPS for name in self.file.qualified_names(source.func))

    def _problem(self, call: cst.Call, name: str, func: cst.BaseExpression):
        """How to describe the danger of this call, given what it loads; None if it is safe."""
        if name in _UNPICKLERS:
            return lambda what: (
                f"`{short_code(self.file, func)}` unpickles {what}, and unpickling runs any code the file was made to hold; "
                "load only files this project wrote, or store the data in a format without code "
                "(JSON, Parquet, safetensors, `np.save`)"
            )
        if name == "torch.load":
            weights_only = keyword_arg(call, "weights_only")
            if weights_only is None and not has_double_star(call):
                return lambda what: (
                    f"`{short_code(self.file, func)}` without `weights_only=True` unpickles {what}, which can run any code the "
                    "file holds: before torch 2.6, `weights_only` defaults to False; pass weights_only=True"
                )
            if keyword_literal(call, "weights_only") is False:
                return lambda what: (
                    f"`{short_code(self.file, func)}` with `weights_only=False` unpickles {what}, which can run any code the "
                    "file holds; pass weights_only=True and keep only tensors and plain containers in checkpoints"
                )
            return None
        if name == "numpy.load":
            allow_pickle = keyword_arg(call, "allow_pickle")
            if allow_pickle is not None and is_true(allow_pickle.value):
                return lambda what: (
                    f"`{short_code(self.file, func)}` with `allow_pickle=True` unpickles the object arrays of {what}, which can run "
                    "any code the file holds; save plain numeric arrays and load them without allow_pickle"
                )
            return None
        how = self._unsafe_yaml(call, name)
        if how is not None:
            return lambda what: (
                f"`{short_code(self.file, func)}` {how} can build any Python object from {what}, running code as it does; "
                "use yaml.safe_load (or Loader=yaml.SafeLoader)"
            )
        return None

    def _unsafe_yaml(self, call: cst.Call, name: str) -> str | None:
        if name in _YAML_UNSAFE_LOADS:
            return ""
        if name not in _YAML_LOADS or has_double_star(call):
            return None
        loader = argument(call, 1, "Loader")
        if loader is None:
            return "without a Loader (an error on PyYAML 6, the unsafe loader before 5.1)"
        if any(name in _UNSAFE_YAML_LOADERS for name in self.file.qualified_names(loader)):
            return f"with `Loader={short_code(self.file, loader)}`"
        return None

    def _check_remote_code(self, call: cst.Call, flag: cst.Arg) -> None:
        version = keyword_arg(call, "version")  # the `kernels` library pins with version=
        if revision_problem(call) is None or (version is not None and not is_none(version.value)):
            return  # pinned (or perhaps pinned through **kwargs)
        if any(name in PIPELINES for name in self.file.qualified_names(call.func)):
            model = argument(call, 1, "model")
        else:
            model = argument(call, 0, *_MODEL_KEYWORDS)
        if model is None:
            return

        def message(what: str) -> str:
            return (
                f"`trust_remote_code=True` runs the Python files that come with {what} on this machine, "
                "whatever they hold on the day of the run; review them and pin their commit with "
                "revision=\"<commit sha>\", or vendor the code into the repository"
            )

        self.loads.append((flag, self.scopes, model, message))

    def end_file(self) -> None:
        # What the file writes to: the expressions, as written, and their known templates
        # (`f"runs/{run}/model.pt"`). An expression is matched by its text wherever it is:
        # a module whose `save(obj, path)` and `load(path)` both take `path` reads back
        # its own format.
        written = {self._code(expr) for expr, _ in self.written}
        written |= {template for expr, scopes in self.written if (template := self.string(expr, scopes, holes=True)) != HOLE}
        for node, scopes, source, message in self.loads:
            value = self.string(source, scopes)
            remote_code = isinstance(node, cst.Arg)
            if self._trusted(source, scopes, written, remote_code) or self._given_trusted(source, scopes, written, remote_code):
                continue
            if not remote_code and (self._in_unpickling_hook(scopes) or self._verified_first(scopes)):
                continue
            self.report(node, message(self._describe(source, value)))

    def _trusted(self, source: cst.BaseExpression, scopes: tuple[Scope, ...], written: set, remote_code: bool) -> bool:
        """Whether what `source` names is the project's own: a file the program writes, or a
        path inside the repository (for `trust_remote_code`, a directory of it)."""
        value = self.string(source, scopes)
        template = value if value is not None else self.string(source, scopes, holes=True)
        if template in written or self._code(source) in written:
            return True
        if remote_code:
            return value is not None and not hub_repo_id(value) and inside_repository(value, self.file.project.depth)
        return inside_repository(template, self.file.project.depth)

    @staticmethod
    def _in_unpickling_hook(scopes: tuple[Scope, ...]) -> bool:
        """`def __setstate__(self, state): self.model = dill.loads(state["model"])`."""
        return any(isinstance(scope.node, cst.FunctionDef) and scope.node.name.value in _UNPICKLING_HOOKS for scope in scopes)

    def _verified_first(self, scopes: tuple[Scope, ...]) -> bool:
        """Whether the function (or the class of the method) that loads also checks the
        file's digest (a copy of torchvision's CIFAR10 calls `_check_integrity()`)."""
        for scope in reversed(scopes):
            if isinstance(scope.node, cst.FunctionDef | cst.ClassDef):
                if _VERIFIES.search(self.file.module.code_for_node(scope.node)):
                    return True
                if isinstance(scope.node, cst.ClassDef):
                    return False
        return False

    def _given_trusted(self, source: cst.BaseExpression, scopes: tuple[Scope, ...], written: set, remote_code: bool) -> bool:
        """`def load_checkpoint(path): ... torch.load(path)` called only as
        `load_checkpoint("checkpoint.pth")` with files the project holds or wrote: whether
        every call of the file's own function passes a trusted value for the parameter."""
        function = scopes[-1].node if scopes else None
        if not (isinstance(source, cst.Name) and isinstance(function, cst.FunctionDef)):
            return False
        if len(scopes) > 1 and isinstance(scopes[-2].node, cst.ClassDef):
            return False  # a method: its calls are not found by its plain name
        params = [param.name.value for param in (*function.params.posonly_params, *function.params.params)]
        keyword_only = {param.name.value for param in function.params.kwonly_params}
        if source.value not in params and source.value not in keyword_only:
            return False
        position = params.index(source.value) if source.value in params else None
        calls = self.calls_by_name.get(function.name.value, [])
        return bool(calls) and all(
            (given := argument(call, position, source.value)) is not None and self._trusted(given, call_scopes, written, remote_code)
            for call, call_scopes in calls
        )

    def _code(self, expr: cst.BaseExpression) -> str:
        return " ".join(self.file.module.code_for_node(expr).split())

    def _describe(self, source: cst.BaseExpression, value: str | None) -> str:
        if value is None:
            return f"`{short_code(self.file, source)}`"
        if is_url(value):
            return f"a file downloaded from {shown(value)}"
        if hub_repo_id(value):
            return f"the Hub repository '{value}'"
        return f"'{shown(value)}', which is not a file inside this repository"
