"""MLS201: paths that exist on one machine only. A home directory (`/home/ana/...`,
`~/Documents`), a Windows drive or a Google Drive mounted in Colab, opened by the code or
stored under a name that holds a location, ties the program to the machine it was
written on: where data lives is configuration (IND-3.4-configuration-debt, META-B3)."""

from __future__ import annotations

import re
from pathlib import PurePath

import libcst as cst

from mlsmells.engine.calls import callee_name
from mlsmells.engine.names import Scope
from mlsmells.engine.walker import descendants
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.named_literals import (
    assignments,
    dict_entries,
    literal_string,
    short_text,
    target_name,
    words,
)
from mlsmells.knowledge.string_values import ValueRule
from mlsmells.rule import Option


def _under(text: str, directory: str) -> bool:
    top = directory.rstrip("/")
    return text == directory or text == top or text.startswith(top + "/")


def _leading_text(node: cst.CSTNode) -> str | None:
    """The text a string literal starts with: all of a plain string, the part of an
    f-string before its first `{}` field."""
    if isinstance(node, cst.ConcatenatedString):
        whole = literal_string(node)
        return whole if whole is not None else _leading_text(node.left)
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else ""
    return literal_string(node)


#: First components of absolute paths that every machine of a platform has.
_SYSTEM_ROOTS = frozenset(
    {
        "tmp", "dev", "etc", "proc", "sys", "usr", "bin", "sbin", "lib", "lib32", "lib64", "opt", "var", "run",
        "srv", "private", "System", "Library", ".dockerenv",
    }
)
#: Calls that ask whether a path exists: code that asks copes with a machine without it.
_PROBES = frozenset({"os.path.exists", "os.path.lexists", "os.path.isdir", "os.path.isfile", "os.access"})
_PROBE_METHODS = frozenset({"exists", "is_dir", "is_file"})
_WINDOWS_SYSTEM = ("windows", "program files", "programdata")
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_POSIX_ABSOLUTE = re.compile(r"/([\w.-]+)(/?)")
#: Paths meant to be replaced by the reader: `/path/to/data`, `/Users/yourname/...`, `<dir>`.
_PLACEHOLDER_PATH = re.compile(r"(^|/)(abs)?path/to(/|$)|(^|/)(your\w*|username|some/path)(/|$)|[<>]", re.IGNORECASE)


#: Keywords and keys naming a path inside a container: `mount_path=`, `mountPath`,
#: `remote_path=` (Modal), `container_path`.
_CONTAINER_PATH_KEYS = re.compile(r"mount_?path|remote_?path|container_?path|mountpoint", re.IGNORECASE)
#: Module names that say the module is the project's configuration.
_CONFIGURATION_MODULE = re.compile(r"(^|_)(config|configs|configuration|settings)(_|$)", re.IGNORECASE)


#: Calls and values that say which machine or platform the code runs on.
_ENVIRONMENT_PROBES = frozenset(
    {
        "os.environ", "os.getenv", "os.name", "sys.platform", "sys.modules", "platform.system", "platform.node",
        "socket.gethostname", "getpass.getuser",
    }
)
#: Words of flags and strings that name an environment: `IS_KAGGLE`, `kernel_mode`, `on_cluster`.
_ENVIRONMENT_WORDS = frozenset(
    {
        "colab", "kaggle", "kernel", "cluster", "remote", "server", "env", "environment",
        "machine", "host", "hostname", "platform", "docker", "container", "slurm", "cloud", "sagemaker", "user",
        "username",
    }
)
_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def _words_of(node: cst.CSTNode) -> list[str]:
    """The words of a name, an attribute or a string in an `if` test."""
    if isinstance(node, cst.Name):
        return words(node.value)
    if isinstance(node, cst.Attribute):
        return words(node.attr.value)
    if isinstance(node, _STRINGS):
        return words(_leading_text(node) or "")
    return []


def _names_a_container_path(key: str) -> bool:
    return _CONTAINER_PATH_KEYS.search(key) is not None


def _is_configuration_module(path: str) -> bool:
    """`config.py`, `settings.py`, `train_config.py`, or any module under `config/`."""
    parts = PurePath(path).parts
    stem = PurePath(path).stem
    return _CONFIGURATION_MODULE.search(stem) is not None or any(
        part.lower() in ("config", "configs", "configuration", "settings") for part in parts[:-1]
    )


def machine_path(text: str, allowed: tuple[str, ...] = ()) -> str | None:
    """What makes `text` a location that exists on one machine only ("a path in a user's
    home directory", ...), or None if it is not one: relative paths, system directories, the
    home directory itself and its hidden per-user folders (`~/.cache/...`), placeholders
    such as `/path/to/data`, and paths under the `allowed` prefixes, except a Google Drive
    mounted in Colab, which holds one user's files."""
    if not text or "\n" in text or _PLACEHOLDER_PATH.search(text):
        return None
    if text.startswith("~"):
        user, _, rest = text[1:].replace("\\", "/").partition("/")
        if user:
            return "a path in a user's home directory"
        if not rest or rest.startswith("."):
            return None  # `~` itself and `~/.cache/tool` are where per-user data belongs
        return "a path in the home directory"
    if _WINDOWS_DRIVE.match(text):
        top = re.split(r"[\\/]+", text[3:], maxsplit=1)[0].lower()
        return None if top.startswith(_WINDOWS_SYSTEM) else "a path on a Windows drive"
    match = _POSIX_ABSOLUTE.match(text)
    if match is None or match.group(1) in _SYSTEM_ROOTS:
        return None
    top, rest = match.group(1), text[match.end():]
    if top == "root" and rest.startswith("."):
        return None  # root's `~/.cache`, as on Colab and in containers
    if text == "/content/drive" or text.startswith("/content/drive/"):
        return "a path on a Google Drive mounted in Colab"  # one user's files, even on Colab
    if any(text == prefix or text.startswith(prefix.rstrip("/") + "/") for prefix in allowed):
        return None
    if top in ("home", "Users", "root"):
        return "a path in a user's home directory"
    return "an absolute path"


#: First components of absolute paths where data volumes are mounted.
_MOUNT_ROOTS = re.compile(
    r"/(mnt|media|Volumes|data\w*|datasets?|scratch\w*|work\w*|storage|shared?|nfs|gpfs|lustre|net|export|"
    r"projects?|raid\d*|ssd\d*|hdd\d*|disk\d*|nvme\w*|cache|kaggle|content)/"
)


def clearly_a_location(text: str) -> bool:
    """Whether `text` is a file system location by its shape alone, without a file call to
    say so: in a home directory, on a drive, inside a mounted volume. `/v1/chat/completions`
    under a name such as `new_path` is a URL route, and a bare `/data` is the mount point
    containers are set up with."""
    if not text.startswith("/"):
        return True
    mount = _MOUNT_ROOTS.match(text)
    return bool(mount and text[mount.end():].strip("/")) or text.startswith(("/home/", "/Users/", "/root/"))


#: Calls that turn a string into a concrete location: path objects, `~` expanded.
_PATH_MAKERS = frozenset(
    {
        "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath", "os.path.expanduser", "os.path.abspath", "os.path.realpath",
    }
)
#: Calls that build a path from their first argument.
_PATH_BUILDERS = _PATH_MAKERS | {
    "os.path.join", "os.path.normpath", "os.path.expandvars", "os.fspath", "posixpath.join", "ntpath.join",
    "builtins.str",
}
#: Methods that derive a path from the string or path they are called on.
_PATH_METHODS = frozenset({"format", "joinpath", "expanduser", "resolve", "absolute", "with_suffix", "with_name"})

#: Calls that read, write or list the file system.
_IO_CALLS = _PATH_MAKERS | {
    "builtins.open", "io.open", "codecs.open", "os.open", "os.listdir", "os.scandir", "os.walk",
    "os.makedirs", "os.mkdir", "os.chdir", "os.remove", "os.unlink", "os.rename", "os.stat",
    "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.getsize",
    "glob.glob", "glob.iglob", "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree",
    "shutil.move", "shutil.rmtree", "shutil.make_archive", "shutil.unpack_archive",
    "sys.path.append", "sys.path.insert", "zipfile.ZipFile", "tarfile.open", "sqlite3.connect",
    "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "numpy.save", "numpy.savez",
    "numpy.savez_compressed", "numpy.savetxt", "numpy.fromfile", "numpy.memmap",
    "torch.load", "torch.save", "torch.jit.load", "torch.jit.save", "joblib.load", "joblib.dump",
    "PIL.Image.open", "cv2.imread", "cv2.imwrite", "cv2.VideoCapture", "imageio.imread", "imageio.imwrite",
    "skimage.io.imread", "skimage.io.imsave", "matplotlib.pyplot.imread", "matplotlib.pyplot.imsave",
    "matplotlib.pyplot.savefig", "matplotlib.image.imread", "scipy.io.loadmat", "scipy.io.savemat",
    "h5py.File", "tensorflow.keras.models.load_model", "keras.models.load_model", "keras.saving.load_model",
    "tensorflow.saved_model.load", "tensorflow.saved_model.save", "tensorflow.io.read_file",
    "tensorflow.data.TFRecordDataset", "tensorflow.summary.create_file_writer",
    "tensorflow.keras.utils.image_dataset_from_directory", "keras.utils.image_dataset_from_directory",
    "tensorflow.keras.preprocessing.image_dataset_from_directory",
    "torchvision.datasets.ImageFolder", "torchvision.datasets.DatasetFolder", "torchvision.io.read_image",
    "torch.utils.tensorboard.SummaryWriter", "tensorboardX.SummaryWriter",
    "datasets.load_dataset", "datasets.load_from_disk", "sklearn.datasets.load_files",
    "sklearn.datasets.load_svmlight_file",
}
_IO_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_", "modin.pandas.read_")
#: Methods that read or write files, whatever they are called on (`frame.to_csv`, `fig.savefig`).
_IO_METHODS = frozenset(
    {
        "to_csv", "to_parquet", "to_pickle", "to_excel", "to_json", "to_hdf", "to_feather", "to_stata",
        "savefig", "save", "save_weights", "load_weights", "save_model", "load_model", "save_pretrained",
        "from_pretrained", "load", "open", "imread", "imwrite", "read_csv", "read_parquet", "read_pickle",
        "read_excel", "read_json", "read_hdf", "read_feather", "read_table",
    }
)
#: Words of a variable or keyword name that hold a location.
_PATH_WORDS = frozenset(
    {
        "path", "paths", "dir", "dirs", "directory", "directories", "folder", "folders", "file", "files",
        "filename", "filenames", "fname", "fnames", "root", "home", "location", "loc", "ckpt", "checkpoint",
    }
)
_PATH_WORD_ENDINGS = ("dir", "path", "file", "folder", "root")
#: Words that make a name about URLs, not files.
_NOT_PATH_WORDS = frozenset(
    {
        "url", "urls", "uri", "route", "routes", "endpoint", "api", "http", "https", "prefix", "profile", "xpath",
    }
)


def is_path_name(name: str) -> bool:
    """`data_dir`, `TRAIN_PATH`, `imgFile`, `output_root`: a name that holds a location."""
    parts = words(name)
    if any(part in _NOT_PATH_WORDS for part in parts):
        return False
    return any(part in _PATH_WORDS or part.endswith(_PATH_WORD_ENDINGS) for part in parts)


class HardCodedPath(ValueRule):
    """
    An absolute or user-specific path written into the code, so that it runs only on the
    machine it was written on: `/home/<user>/...`, `/Users/...`, `C:\\...`, `~/Documents/...`,
    a Google Drive mounted in Colab (`/content/drive/...`) or any other absolute path outside
    the system directories (`/tmp`, `/dev`, `/etc`, `/usr`, `/opt`, `/var`, ...). It is
    reported when the path reaches a call that reads, writes or lists files (`open`,
    `pathlib.Path`, `pd.read_*`, `np.load`, `torch.load`, `joblib.load`, `.to_csv`,
    `.savefig`, `sys.path.append`, `os.chdir`, ...), directly, through `os.path.join`,
    `Path(...) / ...`, `+`, `%`, `.format()` and f-strings, or through a variable assigned
    once from it; and when it is stored under a name that holds a location
    (`DATA_DIR = "/home/ana/data"`, `self.output_path = ...`, `{"train_file": ...}`,
    `TrainingArguments(output_dir=...)`), provided it is clearly a location by itself (a
    home directory, a drive, a mount point such as `/mnt`, `/media`, `/data`, `/scratch`):
    `new_path = "/v1/chat/completions"` is a URL route.

    Not reported: paths built from configuration, environment variables, command-line
    arguments or `__file__`; defaults of `argparse` options, of function parameters and of
    `os.environ.get` (the places meant to be overridden); paths in docstrings, messages
    and comparisons; paths chosen per environment (`"/content/drive/x" if IN_COLAB else
    "data/x"`, or in the branches of `if IN_KAGGLE:`, `if kernel_mode:`, `if
    socket.gethostname() == ...`); names joined after a root (`filename = "/yes/a.wav"` read as `root +
    filename`); `~` and its hidden per-user folders (`~/.cache/...`, the standard place for
    caches); placeholders such as `/path/to/data`; in test code, everything but real file
    access (fixture paths for path logic); and paths under the `allowed-prefixes` option: by
    default Kaggle's `/kaggle` and Colab's `/content`, which every copy of a Kaggle or Colab
    notebook sees the same way, and `/mnt/models`, where KServe and Seldon mount the model
    into every serving container; paths the file itself declares inside a container
    (`mount_path=`, `mountPath`, Modal's `remote_path=`); and anything in a module whose
    name says it is the project's configuration (`config.py`, `settings.py`,
    `train_config.py`, modules under `config/`), which is where locations are meant to be
    written. A Google Drive mounted in Colab holds one user's files and
    is always reported.
    """

    code = "MLS201"
    name = "hard-coded-path"
    family = Family.CONFIGURATION
    severity = Severity.ADVICE
    summary = "A path that exists on one machine only is written into the code."
    challenges = ("IND-3.4-configuration-debt", "META-B3")
    options = (
        Option(
            "allowed-prefixes",
            "list[str]",
            ["/kaggle", "/content", "/mnt/models"],
            "Absolute path prefixes that every machine running this code has, such as a cluster's "
            "shared mount (`/datasets`) or a platform's data folder; paths under them are not reported.",
        ),
    )
    why = (
        "A path such as `/home/ana/data/train.csv` works on Ana's laptop and nowhere else: a "
        "colleague, the CI runner, the training cluster and the serving container all fail with "
        "`FileNotFoundError`, or worse, silently read a different copy. Where data lives is "
        "configuration, and configuration that is scattered through code is the configuration debt "
        "of IND-3.4; META-B3 names the gap between the development machine and the environments "
        "a model has to run in."
    )
    bad = (
        '''
        import pandas as pd
        from pathlib import Path

        train = pd.read_csv("/home/ana/projects/churn/data/train.csv")
                            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        CHECKPOINTS = Path("C:/Users/ana/checkpoints")
                           ^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        import torch

        weights = "/content/drive/MyDrive/churn/best.pt"
                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        model.load_state_dict(torch.load(weights))
        ''',
    )
    good = (
        '''
        import argparse
        import os
        from pathlib import Path

        import pandas as pd

        PROJECT_ROOT = Path(__file__).resolve().parent
        DATA_DIR = Path(os.environ.get("CHURN_DATA", PROJECT_ROOT / "data"))

        parser = argparse.ArgumentParser()
        parser.add_argument("--checkpoints", default="/mnt/shared/checkpoints")
        args = parser.parse_args()

        train = pd.read_csv(DATA_DIR / "train.csv")
        cache = Path("~/.cache/churn").expanduser()
        with open("/tmp/metrics.json", "w") as report:
            report.write("{}")
        ''',
    )
    use_instead = (
        "Read locations from configuration, an environment variable or a command-line argument, or "
        "build them from the project (`Path(__file__).parent / \"data\"`), and keep paths relative."
    )
    notebook_behavior = (
        "The code cells of a notebook are analysed as one module, in cell order, so a path assigned "
        "in one cell and opened in another is found; findings name the cell and the line within it."
    )
    limitations = (
        "Only the start of a path counts: `os.path.join(base, \"/home/x\")` is not reported. A variable "
        "is followed only when it is assigned exactly once in its scope; values passed through "
        "function calls, containers or other modules are not followed. Configuration classes and "
        "dictionaries written in code (`class CFG: data_dir = ...`) count as code and are reported. "
        "Paths inside an `if` on the machine or platform (`if IN_KAGGLE:`, `if kernel_mode:`, `if "
        "socket.gethostname() == ...`, `if \"COLAB_GPU\" in os.environ:`) are not reported: the code "
        "already switches them per environment, though by hand; the environment is recognised by the "
        "names and calls in the test, so a switch on a flag named otherwise is still reported."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.allowed = tuple(self.settings["allowed-prefixes"])
        self.reported: set[cst.CSTNode] = set()
        #: The literal machine path each assigned value starts with (`self.bindings` says
        #: which value a name holds).
        self.literal_of: dict[cst.BaseExpression, cst.CSTNode] = {}
        #: Names passed to file calls: (scopes seen from the call, name, callee shown).
        self.uses: list[tuple[tuple[Scope, ...], str, str]] = []
        #: Literal paths assigned to path-like variables, reported unless the variable is a suffix.
        self.named: list[tuple[cst.CSTNode, str]] = []
        #: Names appended to another path (`root + name`, `join(root, name)`): they hold a
        #: suffix such as "/images/cat.png", not an absolute path.
        self.suffixes: set[str] = set()
        #: Literals whose existence the code checks (`os.path.exists("/.dockerenv")`).
        self.probed: set[cst.CSTNode] = set()
        #: For each `if` being walked, the paths its test checks exist: locations under
        #: them are used only on a machine that has them.
        self.guards: list[tuple[str, ...]] = []
        #: Strings inside an `if` on the machine or platform (`if IN_KAGGLE: ... else: ...`):
        #: locations already switched per environment, by hand.
        self.per_environment: set[cst.CSTNode] = set()
        #: For each `if` being walked, whether it switches on the environment.
        self.environment_ifs: list[bool] = []
        #: Paths inside a container this file describes (`mount_path=MNT_PATH`,
        #: `remote_path="/root/model"`): literals, and names holding one.
        self.container_literals: set[cst.CSTNode] = set()
        self.container_names: set[str] = set()
        #: A module whose name says it is the project's configuration (`config.py`,
        #: `settings.py`, `configs/paths.py`) is where locations are meant to be written.
        self.configuration = _is_configuration_module(self.file.path)

    # Assignments ------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        self._check_assignment(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        super().visit_AnnAssign(node)
        self._check_assignment(node)

    def _check_assignment(self, node: cst.Assign | cst.AnnAssign) -> None:
        for target, value in assignments(node):
            source = self._path_source(value)
            if source is None or not self._machine_kind(source):
                continue
            self.literal_of[value] = source
            name = target_name(target)
            if name is not None and is_path_name(name):
                self.named.append((source, name))

    # Uses -------------------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        probes = [self._probed_literal(call) for call in descendants(node.test) if isinstance(call, cst.Call)]
        self.guards.append(tuple(text for text in map(_leading_text, filter(None, probes)) if text))
        switches = self._tests_environment(node.test)
        if switches and not any(self.environment_ifs):  # an outer switch already holds these strings
            self.per_environment.update(part for part in descendants(node) if isinstance(part, _STRINGS))
        self.environment_ifs.append(switches)

    def _tests_environment(self, test: cst.BaseExpression) -> bool:
        """Whether an `if` chooses by the machine or platform: `if IN_COLAB:`, `if
        kernel_mode:`, `if socket.gethostname() == ...`, `if "KAGGLE_URL_BASE" in os.environ:`."""
        for part in descendants(test):
            if isinstance(part, cst.Name | cst.Attribute) and _ENVIRONMENT_PROBES.intersection(
                self.file.qualified_names(part)
            ):
                return True
            if _ENVIRONMENT_WORDS.intersection(_words_of(part)):
                return True
        return False

    def leave_If(self, original_node: cst.If) -> None:
        self.guards.pop()
        self.environment_ifs.pop()

    def visit_Call(self, node: cst.Call) -> None:
        probed = self._probed_literal(node)
        if probed is not None:
            self.probed.add(probed)
            return
        if any(name in _PATH_BUILDERS for name in self.file.qualified_names(node.func)):
            self.suffixes.update(arg.value.value for arg in node.args[1:] if isinstance(arg.value, cst.Name))
        consumer = self._file_call(node.func)
        for arg in node.args:
            if arg.star:
                continue
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword is not None and _names_a_container_path(keyword):
                self._note_container_path(arg.value)
            if consumer is not None:
                source = self._path_source(arg.value)
                if isinstance(source, cst.Name):
                    self.uses.append((tuple(self.file.scopes), source.value, consumer))
                elif source is not None:
                    self._report(source, f"reaches `{consumer}`")
            elif keyword is not None and is_path_name(keyword):
                source = self._path_source(arg.value)
                if source is not None and not isinstance(source, cst.Name):
                    self._report(source, f"is passed as `{keyword}=`", by_name=True)

    def visit_Dict(self, node: cst.Dict) -> None:
        for key, value in dict_entries(node):
            if _names_a_container_path(key):
                self._note_container_path(value)
            if is_path_name(key):
                source = self._path_source(value)
                if source is not None and not isinstance(source, cst.Name):
                    self._report(source, f"is stored under `{key!r}`", by_name=True)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Add | cst.Divide) and isinstance(node.right, cst.Name):
            self.suffixes.add(node.right.value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        for part in node.parts[1:]:
            if isinstance(part, cst.FormattedStringExpression) and isinstance(part.expression, cst.Name):
                self.suffixes.add(part.expression.value)

    def _note_container_path(self, value: cst.BaseExpression) -> None:
        source = self._path_source(value)
        if isinstance(source, cst.Name):
            self.container_names.add(source.value)
        elif source is not None:
            self.container_literals.add(source)

    def end_file(self) -> None:
        for literal, name in self.named:
            if name not in self.suffixes and name not in self.container_names:
                self._report(literal, f"is assigned to `{name}`", by_name=True)
        for scopes, name, consumer in self.uses:
            bound = self.bindings.value(name, scopes)
            literal = self.literal_of.get(bound[0]) if bound else None
            if literal is not None and name not in self.container_names:
                self._report(literal, f"reaches `{consumer}` through `{name}`")

    # Questions about expressions --------------------------------------------------------

    def _file_call(self, func: cst.BaseExpression) -> str | None:
        """How to name `func` in a message if it reads, writes or lists files, else None."""
        names = self.file.qualified_names(func)
        for name in names:
            if self.file.in_tests and name in _PATH_MAKERS:
                continue  # `Path("/home/user/x")` in a test is a fixture for path logic
            if name in _IO_CALLS or name.startswith(_IO_PREFIXES):
                return name.removeprefix("builtins.")
        if names:
            return None
        method = callee_name(func)
        if isinstance(func, cst.Attribute) and method in _IO_METHODS:
            return f".{method}()"
        return None

    def _path_source(self, expr: cst.BaseExpression) -> cst.CSTNode | None:
        """Where the path `expr` builds starts: a string literal, or a name to follow.

        `os.path.join(ROOT, "x")`, `Path(ROOT) / "x"`, `ROOT + "/x"`, `f"{ROOT}/x"`-style
        strings and `"...{}".format(x)` all start at ROOT or at their first literal.
        """
        while True:
            if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString | cst.Name):
                return expr
            if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add | cst.Divide | cst.Modulo):
                expr = expr.left
            elif isinstance(expr, cst.Call):
                names = self.file.qualified_names(expr.func)
                positional = [arg for arg in expr.args if arg.keyword is None and not arg.star]
                if any(name in _PATH_BUILDERS for name in names) and positional:
                    expr = positional[0].value
                elif not names and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _PATH_METHODS:
                    expr = expr.func.value
                else:
                    return None
            else:
                return None

    def _probed_literal(self, call: cst.Call) -> cst.CSTNode | None:
        """The literal path `call` checks the existence of, if it is such a check."""
        if any(name in _PROBES for name in self.file.qualified_names(call.func)):
            checked = call.args[0].value if call.args and not call.args[0].star else None
        elif isinstance(call.func, cst.Attribute) and call.func.attr.value in _PROBE_METHODS:
            checked = call.func.value
        else:
            return None
        source = self._path_source(checked) if checked is not None else None
        return source if source is not None and not isinstance(source, cst.Name) else None

    def _machine_kind(self, literal: cst.CSTNode) -> str | None:
        text = _leading_text(literal)
        return machine_path(text, self.allowed) if text is not None else None

    def _report(self, literal: cst.CSTNode, how: str, by_name: bool = False) -> None:
        """Report a literal path; `by_name`: only a name says it is a path, so it must look
        like a location by itself, and test fixtures are left alone."""
        if literal in self.reported or literal in self.probed or isinstance(literal, cst.Name):
            return
        if self.configuration or literal in self.container_literals or literal in self.per_environment:
            return
        text = _leading_text(literal)
        if text is not None and any(_under(text, guard) for guards in self.guards for guard in guards):
            return  # inside `if os.path.isdir(guard):`
        kind = machine_path(text, self.allowed) if text is not None else None
        if kind is None or (by_name and (self.file.in_tests or not clearly_a_location(text))):
            return
        self.reported.add(literal)
        self.report(
            literal,
            f"`{short_text(text)}` is {kind} and {how}: the code runs only on the machine it was "
            "written on; take the location from configuration, an environment variable or a "
            "command-line argument, or build it from the project root",
        )
