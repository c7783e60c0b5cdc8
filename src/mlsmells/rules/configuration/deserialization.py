"""MLS207: deserialization that runs code, of what comes from outside the project.
Unpickling (`pickle`, `joblib`, `torch.load` without `weights_only`,
`np.load(allow_pickle=True)`) and PyYAML's full loaders run whatever code the file they
load holds. That matters when someone else chose the file: one downloaded, named on the
command line, typed in, or sent with a web request. The rule
follows the loaded value back through the file's assignments (engine/dataflow.py), the
file's own functions and the calls of them, and reports a load only when it reaches such
a source: checkpoints and pickles the project writes and reads back under paths of its
own are not reported. `trust_remote_code=True` runs the code of a Hub repository, outside
the project by nature, and is reported unless the repository is pinned to a commit or is
a directory of the repository (META-E4)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import libcst as cst

from mlsmells.engine.calls import (
    has_double_star,
    is_none,
    is_true,
    keyword_arg,
    keyword_literal,
)
from mlsmells.engine.dataflow import Definition, Kind
from mlsmells.engine.names import Scope
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.string_values import (
    HOLE,
    PATH_JOINS,
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
_LOADED_KEYWORDS = ("file", "f", "filename", "filepath_or_buffer", "path", "fname", "stream", "data")
#: PyYAML loaders that build arbitrary Python objects. FullLoader has refused to since PyYAML 5.4.
_UNSAFE_YAML_LOADERS = frozenset(
    f"yaml.{module}{loader}"
    for module in ("", "loader.", "cyaml.")
    for loader in ("Loader", "UnsafeLoader", "CLoader", "CUnsafeLoader")
)
_YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_YAML_UNSAFE_LOADS = frozenset({"yaml.unsafe_load", "yaml.unsafe_load_all"})
#: Keywords that name the model whose code `trust_remote_code=True` runs, most specific first.
_MODEL_KEYWORDS = (
    "pretrained_model_name_or_path", "model_name_or_path", "model_id_or_path", "model_id", "repo_id", "model", "path"
)

# Where values come from outside the project ------------------------------------------------

#: Downloads that return the path of the file they fetched: name -> (URL position, keywords).
_DOWNLOADS = {
    "urllib.request.urlretrieve": (0, ("url",)),
    "urllib.urlretrieve": (0, ("url",)),
    "wget.download": (0, ("url",)),
    "gdown.download": (0, ("url",)),
    "gdown.cached_download": (0, ("url",)),
    "keras.utils.get_file": (1, ("origin",)),
    "tensorflow.keras.utils.get_file": (1, ("origin",)),
    "huggingface_hub.hf_hub_download": (0, ("repo_id",)),
    "huggingface_hub.file_download.hf_hub_download": (0, ("repo_id",)),
    "huggingface_hub.snapshot_download": (0, ("repo_id",)),
    "huggingface_hub._snapshot_download.snapshot_download": (0, ("repo_id",)),
    "huggingface_hub.cached_download": (0, ("url",)),
    "huggingface_hub.file_download.cached_download": (0, ("url",)),
}
#: Downloads into a file they are given: name -> (URL position, keywords, target position, keywords).
_DOWNLOADS_TO = {
    "urllib.request.urlretrieve": (0, ("url",), 1, ("filename",)),
    "urllib.urlretrieve": (0, ("url",), 1, ("filename",)),
    "wget.download": (0, ("url",), 1, ("out",)),
    "gdown.download": (0, ("url",), 1, ("output",)),
    "torch.hub.download_url_to_file": (0, ("url",), 1, ("dst",)),
}
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
#: HTTP requests, whose responses hold what a server sent.
_HTTP_GETS = frozenset({"requests.get", "requests.post", "requests.request", "httpx.get", "urllib.request.urlopen", "urllib2.urlopen"})
#: What only says where a file is, or opens it: the file stays the one its argument names.
_SAME_FILE = frozenset(
    {
        "builtins.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open", "fsspec.open",
        "smart_open.open", "tensorflow.io.gfile.GFile", "tensorflow.gfile.GFile", "tensorflow.gfile.Open",
        "builtins.str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath",
        "os.path.expanduser", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "io.BytesIO",
        "zipfile.ZipFile", "tarfile.open",
    }
)
#: Methods whose result comes from the object they are called on (`f.read()`, `upload.file.read()`).
_SAME_FILE_METHODS = frozenset(
    {"read", "read_bytes", "read_text", "open", "resolve", "absolute", "expanduser", "getvalue", "get_data", "get", "extractfile"}
)
#: Command-line parsers whose decorated functions take their parameters from the command line.
_CLI_DECORATOR_MODULES = ("click.", "typer.", "asyncclick.")
#: Calls that run a function with parameters filled from the command line: `fire.Fire(main)`.
_CLI_RUNNERS = frozenset({"fire.Fire", "typer.run", "click.command"})
#: Methods of argparse and optparse parsers that return the options given.
_PARSES = frozenset({"parse_args", "parse_known_args"})
_CLI_NAMESPACES = re.compile(r"(^|\.)flags\.FLAGS$")
#: By convention the argparse namespace a script hands to its functions.
_ARGS_PARAMETER = "args"
_UPLOADS = frozenset({"fastapi.UploadFile", "starlette.datastructures.UploadFile", "fastapi.File", "fastapi.params.File"})
_WEB_REQUESTS = frozenset({"flask.request", "quart.request", "sanic.request"})
_REQUEST_PARAMETERS = frozenset({"request", "req"})
_MAX_DEPTH = 10

#: A check of what a file holds before it is loaded: `_check_integrity()`, a `checksum`,
#: `hashlib.md5(...)`. A file whose digest is compared first is the one its author
#: published, whoever downloaded it. (Not `check_hash=True`: that keyword verifies the
#: download of another call, not a file loaded from a path.)
_VERIFIES = re.compile(r"integrity|checksum|\bhashlib\.", re.IGNORECASE)

#: The definitions each name read by an expression had where it was read.
Reach = dict[str, tuple[Definition, ...]]


class _Origin(NamedTuple):
    """Where a loaded value comes from outside the project, as messages say it."""

    what: str
    #: A download: a path inside it (`os.path.join(snapshot_download(...), "model.pkl")`)
    #: is downloaded too. A directory named on the command line is not: programs write there.
    tree: bool = False


class _Site(NamedTuple):
    """An expression and what its names meant where it was: to be followed later."""

    expr: cst.BaseExpression
    scopes: tuple[Scope, ...]
    reach: Reach


class UnsafeDeserialization(ValueRule):
    """
    Code that can run arbitrary code from a file or repository that comes from outside the
    project:

    - unpickling: `pickle.load`/`loads`/`Unpickler` (and `_pickle`, `cPickle`, `dill`,
      `cloudpickle`), `joblib.load`, `pandas.read_pickle`;
    - `torch.load` without `weights_only=True` (torch before 2.6 defaults to unpickling
      anything) or with `weights_only=False`;
    - `np.load(..., allow_pickle=True)`;
    - `yaml.load`/`load_all` without a Loader or with `yaml.Loader`, `UnsafeLoader`,
      `CLoader`, and `yaml.unsafe_load`;

    of a file whose origin is known to be outside the project:

    - a download: what `urllib.request.urlretrieve`, `wget.download`, `gdown.download`,
      `keras.utils.get_file`, `hf_hub_download`/`snapshot_download` return or write,
      `torch.hub.download_url_to_file` writes, `requests.get(...).content`,
      `urlopen(...).read()`, a file a response was written to, a URL (`https://`, `s3://`,
      `gs://`...) given directly;
    - what the user gives: `sys.argv`, standard input, an argparse option (`args.resume`
      where `args = parser.parse_args()`, or a parameter named `args`), absl `FLAGS`, a
      parameter of a click or typer command or of a function run by `fire.Fire`,
      `input()`;
    - what a web client sends: `flask.request` (`request.files[...]`, `request.data`), a
      handler's `request` parameter, a FastAPI `UploadFile`;
    - a function of the file that returns one of these, or a parameter of one that some
      call in the file passes one of these.

    Also `trust_remote_code=True`, which runs the Python files shipped with a Hub model or
    dataset, unless the model is a directory of the repository or pinned with a literal
    `revision=` commit.
    """

    code = "MLS207"
    name = "unsafe-deserialization"
    family = Family.CONFIGURATION
    severity = Severity.ADVICE
    #: Security: loading a file from outside the project runs its code.
    security_severity = "8.0"
    summary = "A file or Hub repository from outside the project is loaded in a way that can run the code it holds."
    challenges = ("META-E4",)
    required_modules = frozenset(
        {
            "pickle", "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "sklearn", "pandas", "torch",
            "numpy", "yaml", "transformers", "datasets", "diffusers", "sentence_transformers", "peft", "vllm",
        }
    )
    uses_dataflow = True
    why = (
        "A pickle is a program: loading one runs whatever its author put in it, and so do "
        "`torch.load` before `weights_only`, `np.load(allow_pickle=True)`, PyYAML's full "
        "loaders and `trust_remote_code=True`. A checkpoint downloaded, named on the command "
        "line or uploaded is whatever its sender made it; models travel between teams, buckets "
        "and hubs, so loading one this way hands its author the machine. META-E4 names security "
        "among the system qualities teams have no practice for assessing, and often assume the "
        "tools provide."
    )
    bad = (
        '''
        import argparse
        import pickle
        import urllib.request

        import torch

        def load_checkpoint(path):
            return torch.load(path, map_location="cpu")
                   ^^^^^^^^^^

        parser = argparse.ArgumentParser()
        parser.add_argument("--resume")
        args = parser.parse_args()
        state = load_checkpoint(args.resume)
        vocab_path, _ = urllib.request.urlretrieve("https://example.com/models/vocab.pkl")
        with open(vocab_path, "rb") as f:
            vocab = pickle.load(f)
                    ^^^^^^^^^^^
        ''',
        '''
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained("acme/chat-7b", trust_remote_code=True)
                                                                     ^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import argparse
        import pickle

        import joblib
        import torch
        import yaml

        def load_checkpoint(path):
            return torch.load(path, map_location="cpu")

        def train(model, features, labels, args):
            joblib.dump(model.fit(features, labels), f"{args.output_dir}/model.joblib")
            return joblib.load(f"{args.output_dir}/model.joblib")

        parser = argparse.ArgumentParser()
        parser.add_argument("--config")
        args = parser.parse_args()
        with open(args.config) as stream:
            config = yaml.safe_load(stream)
        state = torch.load(args.resume, map_location="cpu", weights_only=True)
        with open(config["vocab"], "rb") as f:
            vocab = pickle.load(f)
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
        "safetensors); unpickle only files your own project wrote, or check a downloaded file's "
        "digest before loading it; pin a reviewed `revision=` commit before `trust_remote_code=True`."
    )
    limitations = (
        "Only loads whose source is known to come from outside the project are reported. Where "
        "a value comes from is followed within the file: a parameter is followed to the calls "
        "of its function in the same file, so a loading helper called from other modules, or "
        "not at all, is not reported, nor is a value read from a configuration file, built "
        "from a project setting or only known at run time. A path joined onto a directory "
        "named on the command line (`os.path.join(args.output_dir, "
        "'last.pt')`) is taken to be the program's own output and is not reported; one "
        "inside a downloaded directory is. A parameter named `args` is taken to be the "
        "argparse namespace, and one named `request` a web request. A file downloaded to a "
        "path is matched to its later load by the path's text or template, and so is a file the "
        "program writes itself (`pickle.dump`, `torch.save`...): loading it back is not reported, "
        "so a module whose save and load helpers both take `path` is taken to read back what it "
        "writes. A path from an environment variable is not reported: whoever sets a "
        "deployment's environment already controls the process. Notebook shell downloads (`!wget`) are not followed. Downloads the "
        "project wraps in functions of other modules, and cloud storage clients "
        "(`blob.download_as_string()`), are not followed. A `weights_only=` or `Loader=` "
        "given as a variable, a Loader class defined in the project, and calls passing "
        "`**kwargs` are not reported. `yaml.FullLoader` is not reported: it stopped building "
        "arbitrary objects in PyYAML 5.4. On torch 2.6 and later a bare `torch.load(path)` is "
        "safe; it is still reported, since the code does not say which torch it runs on. A "
        "load in a function, or a method of a class, that also checks a digest "
        "(`_check_integrity()`, `hashlib.md5`, a checksum) is taken to load the published "
        "file; whether the digest guards this very load is not checked. `trust_remote_code=True` "
        "is reported whatever the origin of the model id, unless it is pinned or a literal "
        "directory of the repository, or a parameter every call of which in the file passes one."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: (node to report, what is loaded, message maker).
        self.loads: list[tuple[cst.CSTNode, _Site, object]] = []
        #: `trust_remote_code=True` flags: (flag, the model named, message maker).
        self.remote_code: list[tuple[cst.Arg, _Site, object]] = []
        #: Calls of the file's own functions and methods, by name: (call, site, through `self.`).
        self.calls: dict[str, list[tuple[cst.Call, _Site, bool]]] = {}
        #: What the file's functions return, by function name.
        self.returns: dict[str, list[_Site]] = {}
        #: Functions run with their parameters filled from the command line (`fire.Fire(main)`).
        self.cli_functions: set[str] = set()
        #: Files downloads wrote: (path, the URL or the data written, and whether that is a URL).
        self.download_targets: list[tuple[_Site, _Site, bool]] = []
        #: Paths of downloaded files, by their text and template -> where they came from.
        self.downloaded: dict[str, _Origin] = {}
        #: Paths the file writes with `pickle.dump`, `torch.save`...: what it reads back there is its own.
        self.written: list[_Site] = []
        self.own_files: set[str] = set()
        self._following: set[tuple[int, str]] = set()

    def _site(self, expr: cst.BaseExpression) -> _Site:
        """`expr` with the definitions its names have here, to be followed once the walk is over."""
        return _Site(expr, self.scopes, _grouped(self.file.flow.sources(expr)))

    # -- recording ----------------------------------------------------------------------

    def visit_Return(self, node: cst.Return) -> None:
        function = self.scopes[-1].node if self.scopes else None
        if node.value is not None and isinstance(function, cst.FunctionDef):
            self.returns.setdefault(function.name.value, []).append(self._site(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        remote_code = keyword_arg(node, "trust_remote_code")
        if remote_code is not None and is_true(remote_code.value):
            self._check_remote_code(node, remote_code)
        func = node.func
        names = self.file.qualified_names(func)
        self._note_call(node, names)
        for name in names:
            if name in _CLI_RUNNERS and node.args and isinstance(node.args[0].value, cst.Name):
                self.cli_functions.add(node.args[0].value.value)
            if name in _DOWNLOADS_TO:
                url_at, url_keywords, target_at, target_keywords = _DOWNLOADS_TO[name]
                url, target = argument(node, url_at, *url_keywords), argument(node, target_at, *target_keywords)
                if url is not None and target is not None:
                    self.download_targets.append((self._site(target), self._site(url), True))
            if name in _SERIALIZERS and (written := argument(node, *_SERIALIZERS[name])) is not None:
                self.written.append(self._site(written))
            if name == "shutil.copyfileobj" and len(node.args) >= 2:
                self.download_targets.append((self._site(node.args[1].value), self._site(node.args[0].value), False))
            message = self._problem(node, name, func)
            if message is not None:
                source = argument(node, 0, *_LOADED_KEYWORDS)
                if source is not None:
                    self.loads.append((func, self._site(source), message))
                return
        if not names and isinstance(func, cst.Attribute) and func.attr.value == "to_pickle" and node.args:
            self.written.append(self._site(node.args[0].value))
        if not names and isinstance(func, cst.Attribute) and func.attr.value == "write" and len(node.args) == 1:
            self.download_targets.append((self._site(func.value), self._site(node.args[0].value), False))

    def _note_call(self, call: cst.Call, names: tuple[str, ...]) -> None:
        """Remember calls that may be of the file's own functions (`load(path)`,
        `self.load(path)`): what they pass is where those functions' parameters come from."""
        func = call.func
        if isinstance(func, cst.Name) and not names:
            self.calls.setdefault(func.value, []).append((call, self._site(call), False))
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            self.calls.setdefault(func.attr.value, []).append((call, self._site(call), True))

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
                f"`{short_code(self.file, func)}` {how}can build any Python object from {what}, running code as it does; "
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
            return "without a Loader (the unsafe loader before PyYAML 5.1) "
        if any(name in _UNSAFE_YAML_LOADERS for name in self.file.qualified_names(loader)):
            return f"with `Loader={short_code(self.file, loader)}` "
        return None

    def _check_remote_code(self, call: cst.Call, flag: cst.Arg) -> None:
        version = keyword_arg(call, "version")  # the `kernels` library pins with version=
        if revision_problem(call) is None or (version is not None and not is_none(version.value)):
            return  # pinned (or perhaps pinned through **kwargs)
        names = self.file.qualified_names(call.func)
        if any(name in PIPELINES for name in names):
            model = argument(call, 1, "model")
        else:
            model = next((arg.value for key in _MODEL_KEYWORDS if (arg := keyword_arg(call, key)) is not None), None)
            if model is None and (names or (isinstance(call.func, cst.Attribute) and call.func.attr.value == "from_pretrained")):
                model = argument(call, 0)  # a library's loader: the model comes first
        if model is None:
            return

        def message(what: str) -> str:
            return (
                f"`trust_remote_code=True` runs the Python files that come with {what} on this machine, "
                "whatever they hold on the day of the run; review them and pin their commit with "
                "revision=\"<commit sha>\", or vendor the code into the repository"
            )

        self.remote_code.append((flag, self._site(model), message))

    # -- judging ------------------------------------------------------------------------

    def end_file(self) -> None:
        self.own_files = {key for site in self.written if (path := self._opened(site, 0)) is not None for key in self._keys(path)}
        self._note_downloaded_files()
        for node, site, message in self.loads:
            origin = self._origin(site, 0)
            if origin is not None and not self._verified_first(site.scopes):
                self.report(node, message(origin.what))
        for flag, site, message in self.remote_code:
            value = self.string(site.expr, site.scopes)
            if self._local_directory(value) or self._given_local_directories(site):
                continue
            self.report(flag, message(_describe_model(self.file, site.expr, value)))

    def _note_downloaded_files(self) -> None:
        """The paths downloads wrote to: `urlretrieve(url, path)`, and a file opened for
        writing that a response is written to (`open(path, "wb").write(response.content)`)."""
        for target, data, is_address in self.download_targets:
            if is_address:
                url = self.string(data.expr, data.scopes)
                origin = _Origin(f"the file downloaded from {shown(url)}" if url else f"the file downloaded from `{short_code(self.file, data.expr)}`")
            else:
                origin = self._origin(data, 0)
                if origin is None or not origin.what.startswith("the file downloaded"):
                    continue
            path = self._opened(target, 0)
            if path is not None:
                for key in self._keys(path):
                    self.downloaded.setdefault(key, origin)

    def _opened(self, site: _Site, depth: int) -> _Site | None:
        """The path of the file a handle writes to: `f` of `with open(path, "wb") as f`,
        `open(path, "wb")`, `Path(path).open("wb")`; a path itself for anything else."""
        expr = site.expr
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            for definition in site.reach.get(expr.value, ()):
                if definition.kind is Kind.ASSIGN and definition.index is None and definition.value is not None:
                    return self._opened(_Site(definition.value, definition.scopes, _grouped(definition.sources)), depth + 1)
            return site
        if isinstance(expr, cst.Call):
            names = self.file.qualified_names(expr.func, site.scopes)
            if any(name in _SAME_FILE for name in names):
                opened = argument(expr, 0, "file", "filename", "name", "urlpath", "uri")
                return site._replace(expr=opened) if opened is not None else None
            if not names and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "open":
                return site._replace(expr=expr.func.value)
            return None
        return site

    def _keys(self, site: _Site) -> Iterator[str]:
        """How a path is recognised when it is read back: its text, and its template when
        some of it is known (`f"data/{name}.pkl"`)."""
        yield " ".join(self.file.module.code_for_node(site.expr).split())
        template = self.string(site.expr, site.scopes, holes=True)
        if template.strip(HOLE):
            yield template

    def _local_directory(self, value: str | None) -> bool:
        return value is not None and not hub_repo_id(value) and inside_repository(value, self.file.project.depth)

    def _given_local_directories(self, site: _Site) -> bool:
        """`def load(model_dir): AutoModel.from_pretrained(model_dir, trust_remote_code=True)`
        called only with directories of the repository."""
        if not isinstance(site.expr, cst.Name):
            return False
        params = [d for d in site.reach.get(site.expr.value, ()) if d.kind is Kind.PARAM]
        given = [arg for param in params for arg in self._given(param)]
        return bool(params) and len(given) > 0 and all(
            arg is not None and self._local_directory(self.string(arg.expr, arg.scopes)) for arg in given
        )

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

    # -- where a value comes from -------------------------------------------------------

    def _origin(self, site: _Site, depth: int) -> _Origin | None:
        """Where the value of `site` comes from outside the project, or None if that is not
        known: a download, the command line, typed input, a web client."""
        expr = site.expr
        if depth > _MAX_DEPTH:
            return None
        if self.downloaded or self.own_files:
            for key in self._keys(site):
                if key in self.own_files:
                    return None  # `torch.save(state, args.out)` ... `torch.load(args.out)`
                if key in self.downloaded:
                    return self.downloaded[key]
        template = self.string(expr, site.scopes, holes=True)
        if is_url(template):
            return _Origin(f"the file downloaded from {shown(template.replace(HOLE, '*'))}", tree=True)
        if isinstance(expr, cst.Await):
            return self._origin(site._replace(expr=expr.expression), depth + 1)
        if isinstance(expr, cst.Name):
            return self._name_origin(site, depth)
        if isinstance(expr, cst.Attribute | cst.Subscript):
            return self._part_origin(site, depth)
        if isinstance(expr, cst.Call):
            return self._call_origin(site, depth)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide | cst.Add):
            return _inside(self._origin(site._replace(expr=expr.left), depth + 1))
        if isinstance(expr, cst.FormattedString) and expr.parts and isinstance(expr.parts[0], cst.FormattedStringExpression):
            return _inside(self._origin(site._replace(expr=expr.parts[0].expression), depth + 1))
        return None

    def _name_origin(self, site: _Site, depth: int) -> _Origin | None:
        name = site.expr.value
        # A function may read a module-level name bound after it (under `if __name__ ...`):
        # then the module's last bindings of it are what it sees when it runs.
        definitions = site.reach.get(name) or self.file.flow.reaching(name, site.scopes)
        if not definitions:
            qualified = self.file.qualified_names(site.expr, site.scopes)
            return _Origin(f"what `{name}` holds") if any(q in _WEB_REQUESTS for q in qualified) else None
        for definition in definitions:
            origin = self._definition_origin(definition, depth + 1)
            if origin is not None:
                return origin
        return None

    def _definition_origin(self, definition: Definition, depth: int) -> _Origin | None:
        if definition.kind is Kind.PARAM:
            return self._parameter_origin(definition, depth)
        if definition.kind not in (Kind.ASSIGN, Kind.LOOP) or definition.value is None:
            return None
        value = _Site(definition.value, definition.scopes, _grouped(definition.sources))
        if definition.index is None:
            return self._origin(value, depth)
        if definition.index == 0 and isinstance(definition.value, cst.Call):
            names = self.file.qualified_names(definition.value.func, definition.scopes)
            if any(name in _DOWNLOADS for name in names):  # `path, headers = urlretrieve(url)`
                return self._origin(value, depth)
        return None

    def _part_origin(self, site: _Site, depth: int) -> _Origin | None:
        """`sys.argv[1]`, `args.resume`, `request.files["model"]`,
        `response.content`: an element or attribute of what comes from outside."""
        expr = site.expr
        qualified = self.file.qualified_names(expr, site.scopes)
        code = short_code(self.file, expr)
        if any(name == "sys.argv" or name.startswith("sys.argv.") for name in qualified):
            return _Origin(f"the file named on the command line (`{code}`)")
        if "sys.stdin" in qualified:
            return _Origin("what is piped to the program (`sys.stdin`)")
        base = expr.value
        base_names = self.file.qualified_names(base, site.scopes)
        if "sys.argv" in base_names:
            return _Origin(f"the file named on the command line (`{code}`)")
        if isinstance(expr, cst.Attribute) and self._is_cli_namespace(site._replace(expr=base), depth + 1):
            return _Origin(f"the file named on the command line (`{code}`)")
        if self._is_web_request(site._replace(expr=_root(base))):
            return _Origin(f"what a web client sent (`{code}`)")
        return self._origin(site._replace(expr=base), depth + 1)

    def _call_origin(self, site: _Site, depth: int) -> _Origin | None:
        call = site.expr
        func = call.func
        names = self.file.qualified_names(func, site.scopes)
        for name in names:
            if name in _DOWNLOADS:
                at, keywords = _DOWNLOADS[name]
                source = argument(call, at, *keywords)
                value = self.string(source, site.scopes) if source is not None else None
                place = (
                    f"the Hub repository '{value}'" if value and hub_repo_id(value)
                    else shown(value) if value
                    else f"`{short_code(self.file, source or call)}`"
                )
                return _Origin(f"the file downloaded from {place}", tree=True)
            if name in _HTTP_GETS:
                source = argument(call, 0, "url")
                value = self.string(source, site.scopes) if source is not None else None
                return _Origin(f"the file downloaded from {shown(value) if value else f'`{short_code(self.file, call)}`'}")
            if name == "builtins.input":
                return _Origin(f"the file the user types in (`{short_code(self.file, call)}`)")
            if name in _SAME_FILE or name in PATH_JOINS:
                first = argument(call, 0, "file", "filename", "name", "urlpath", "uri", "initial_bytes")
                if first is None:
                    return None
                origin = self._origin(site._replace(expr=first), depth + 1)
                joined = name in PATH_JOINS and len(call.args) > 1
                return _inside(origin) if joined or (name not in _SAME_FILE) else origin
        if isinstance(func, cst.Attribute) and not names and func.attr.value in _SAME_FILE_METHODS:
            return self._origin(site._replace(expr=func.value), depth + 1)
        if isinstance(func, cst.Attribute) and func.attr.value == "joinpath":
            return _inside(self._origin(site._replace(expr=func.value), depth + 1))
        if isinstance(func, cst.Name) and not names:
            return self._returned_origin(func.value, depth)
        return None

    def _returned_origin(self, function: str, depth: int) -> _Origin | None:
        """What a function of the file returns: `def fetch_weights(): return hf_hub_download(...)`."""
        for returned in self.returns.get(function, ()):
            origin = self._origin(returned, depth + 1)
            if origin is not None:
                return origin
        return None

    def _parameter_origin(self, param: Definition, depth: int) -> _Origin | None:
        """A parameter filled from outside (a click option, an `UploadFile`), or one some
        call in the file passes such a value."""
        function = param.scopes[-1].node
        if not isinstance(function, cst.FunctionDef) or not isinstance(param.node, cst.Param):
            return None
        name = param.name
        if self._is_cli_function(function, param.scopes[:-1]):
            return _Origin(f"the file named on the command line (`{name}`)")
        annotation = param.node.annotation.annotation if param.node.annotation is not None else None
        default = param.node.default
        marks = [expr.func if isinstance(expr, cst.Call) else expr for expr in (annotation, default) if expr is not None]
        if any(q in _UPLOADS for mark in marks for q in self.file.qualified_names(mark, param.scopes[:-1])):
            return _Origin(f"the uploaded file `{name}`")
        key = (id(function), name)
        if key in self._following:
            return None
        self._following.add(key)
        try:
            for given in self._given(param):
                origin = self._origin(given, depth + 1) if given is not None else None
                if origin is not None:
                    return origin._replace(what=f"{origin.what}, given to `{function.name.value}`")
        finally:
            self._following.discard(key)
        return None

    def _given(self, param: Definition) -> Iterator[_Site | None]:
        """What each call of the parameter's function in the file passes for it (None when
        a call passes nothing, leaving the default): `load(path)` for a function,
        `self.load(path)` for a method, `Predictor(path)` for `__init__`."""
        function = param.scopes[-1].node
        assert isinstance(function, cst.FunctionDef)
        owner = param.scopes[-2].node if len(param.scopes) > 1 else None
        method = isinstance(owner, cst.ClassDef)
        positional = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
        calls = [(call, site) for call, site, through_self in self.calls.get(function.name.value, ()) if through_self == method]
        if method and function.name.value == "__init__":
            calls += [(call, site) for call, site, through_self in self.calls.get(owner.name.value, ()) if not through_self]
        for call, site in calls:
            position = positional.index(param.name) - method if param.name in positional else None
            passed = argument(call, position, param.name)
            yield site._replace(expr=passed) if passed is not None else None

    def _is_cli_function(self, function: cst.FunctionDef, scopes: Sequence[Scope]) -> bool:
        """A click or typer command (`@click.option(...)`, `@app.command()` of a
        `typer.Typer()`), or a function given to `fire.Fire`/`typer.run`."""
        if function.name.value in self.cli_functions:
            return True
        for decorator in function.decorators:
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if any(name.startswith(_CLI_DECORATOR_MODULES) for name in self.file.qualified_names(expr, scopes)):
                return True
            if isinstance(expr, cst.Attribute) and expr.attr.value in ("command", "callback"):
                app = self.bindings.value(expr.value.value, scopes) if isinstance(expr.value, cst.Name) else None
                if app is not None and isinstance(app[0], cst.Call):
                    if any(name.startswith(_CLI_DECORATOR_MODULES) for name in self.file.qualified_names(app[0].func, app[1])):
                        return True
        return False

    def _is_cli_namespace(self, site: _Site, depth: int) -> bool:
        """Whether `site` holds parsed command-line options: `parser.parse_args()`,
        `parse_known_args()[0]`, absl's `FLAGS`, a parameter named `args`, or a parameter
        some call in the file passes one of these."""
        expr = site.expr
        if depth > _MAX_DEPTH:
            return False
        if any(_CLI_NAMESPACES.search(name) for name in self.file.qualified_names(expr, site.scopes)):
            return True
        if isinstance(expr, cst.Subscript):
            expr = expr.value  # `parser.parse_known_args()[0]`
            if not isinstance(expr, cst.Call):
                return False
        if isinstance(expr, cst.Call):
            return isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _PARSES
        if not isinstance(expr, cst.Name):
            return False
        return any(self._defines_cli_namespace(definition, depth + 1) for definition in site.reach.get(expr.value, ()))

    def _defines_cli_namespace(self, definition: Definition, depth: int) -> bool:
        """`args = parser.parse_args()`, `options, rest = optparser.parse_args()`, `args.cuda =
        ...` of such a namespace, or a parameter holding one."""
        if depth > _MAX_DEPTH:
            return False
        if definition.kind is Kind.PARAM:
            return definition.name == _ARGS_PARAMETER or any(
                given is not None and self._is_cli_namespace(given, depth + 1) for given in self._given(definition)
            )
        if definition.kind is Kind.UPDATE:  # `args.device = ...`: still the namespace it was
            return any(
                self._defines_cli_namespace(earlier, depth + 1) for earlier in definition.sources if earlier.name == definition.name
            )
        value = definition.value
        if definition.kind is not Kind.ASSIGN or value is None or definition.index not in (None, 0):
            return False
        if definition.index == 0:  # `(options, args) = parser.parse_args()` of optparse
            return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _PARSES
        return self._is_cli_namespace(_Site(value, definition.scopes, _grouped(definition.sources)), depth)

    def _is_web_request(self, site: _Site) -> bool:
        """`flask.request`, or a parameter named `request` (a web handler's)."""
        expr = site.expr
        if not isinstance(expr, cst.Name):
            return False
        if any(name in _WEB_REQUESTS for name in self.file.qualified_names(expr, site.scopes)):
            return True
        return expr.value in _REQUEST_PARAMETERS and any(d.kind is Kind.PARAM for d in site.reach.get(expr.value, ()))


def _grouped(definitions: Iterable[Definition]) -> Reach:
    grouped: dict[str, list[Definition]] = {}
    for definition in definitions:
        grouped.setdefault(definition.name, []).append(definition)
    return {name: tuple(found) for name, found in grouped.items()}


def _root(expr: cst.BaseExpression) -> cst.BaseExpression:
    """What an attribute or element is taken from: `request` in `request.files["model"]`."""
    while isinstance(expr, cst.Attribute | cst.Subscript):
        expr = expr.value
    return expr


def _inside(origin: _Origin | None) -> _Origin | None:
    """The origin of a path inside `origin`: downloaded if that was a downloaded directory."""
    return origin if origin is not None and origin.tree else None


def _describe_model(file, model: cst.BaseExpression, value: str | None) -> str:
    """How a message names the model `trust_remote_code=True` loads: its id when the code
    says it, else the expression, never a guess."""
    if value is None:
        return f"`{short_code(file, model)}`"
    if hub_repo_id(value):
        return f"the Hub repository '{value}'"
    return f"'{shown(value)}', which is not a directory inside this repository"
