"""MLS205 and MLS206, the supply chain: what a program downloads and installs should be
named at a fixed version, not decided by whatever a server, hub or package index holds on
the day of the run. Both read the references the code writes out (a URL, a Hugging Face
Hub id, an install command) and ask whether anything in them pins a version
(IND-2.5-unstable-data-dependencies, SLR-CM21, META-D4)."""

from __future__ import annotations

import itertools
import posixpath
import re
import shlex

import libcst as cst

from mlsmells.engine.calls import has_double_star, is_none, keyword_arg
from mlsmells.engine.names import Scope
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.string_values import (
    ValueRule,
    argument,
    is_url,
    short_code,
    shown,
)
from mlsmells.rule import Rule

_INSTALLERS = ("pip", "pip3", "conda", "mamba", "micromamba")
#: Options that take a value, which is not a package.
_OPTIONS_WITH_VALUES = frozenset(
    "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links "
    "-t --target --prefix --root --src --channel --name -n -p --python-version --platform".split()
)
#: Short options that take a value; in a cluster (`-qr requirements.txt`) only the last may.
_SHORT_OPTIONS_WITH_VALUES = frozenset("rceiftnp")
#: pip's options before the command (`pip -q install`, `pip --proxy HOST install`) that take a value.
_GLOBAL_OPTIONS_WITH_VALUES = frozenset(
    "--proxy --retries --timeout --log --cache-dir --exists-action --trusted-host --cert --client-cert".split()
)
#: `==1.2`, `===1.2`, `~=1.2`, and conda's `=1.2`.
_PINNED = re.compile(r"===?|~=|(?<![<>!=~])=(?!=)\d")
_VCS = ("git+", "hg+", "svn+", "bzr+")
#: Options whose value is where packages come from: a page or index URL may name a version.
_INDEX_OPTIONS = frozenset({"-f", "--find-links", "-i", "--index-url", "--extra-index-url"})
_TOOLING = frozenset({"pip", "setuptools", "wheel"})
_SUBPROCESS_CALLS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"}
)


# Facts about the project on disk, read through the project view --------------------------------

#: Files that may name the project's own GitHub repository.
_IDENTITY_FILES = (".git/config", "pyproject.toml", "setup.cfg", "setup.py", "mkdocs.yml")
#: A line that gives the project's own address (a git remote, `url =`, `Homepage =`,
#: `repo_url:`), as opposed to one that names a dependency (`git+https://github.com/...`).
_IDENTITY_LINE = re.compile(
    r"""^\s*["']?(?:url|repo_url|home_?page|repository|source|source[ _-]code|code|github)["']?\s*[=:]""",
    re.IGNORECASE,
)
_GITHUB_REPOSITORY = re.compile(r"github\.com[:/]([A-Za-z0-9-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?(?=[/\s\"'#),]|$)")
#: Files that declare an environment (requirement and constraint files, Dockerfiles, conda
#: environments), whose `==` pins show the project fixes its versions.
_REQUIREMENT_FILE = re.compile(
    r"(requirements|constraints)[\w.-]*\.(txt|in)$|^Dockerfile[\w.-]*$|^environment[\w.-]*\.ya?ml$", re.IGNORECASE
)
#: `torch==2.3.1`, `numpy~=1.26.0`, `"pandas===2.2.2"`: a package at one version.
_PINNED_REQUIREMENT = re.compile(r"(?<![\w.-])[A-Za-z][\w.-]*(?:\[[\w,.-]*\])?\s*(?:===?|~=)\s*\d")


def own_github_repositories(view) -> frozenset[tuple[str, str]]:
    """The GitHub repositories (owner, name), lowercased, that the project says it is: its
    git remotes, and the addresses its packaging or documentation metadata give for it.
    Read from disk through the project view (the cached result depends on them); nothing is
    executed."""
    repositories = set()
    for name in _IDENTITY_FILES:
        for line in _text(view.project_file(name)).splitlines():
            if _IDENTITY_LINE.search(line) or "project_urls" in line:
                repositories.update(
                    (owner.lower(), repository.lower()) for owner, repository in _GITHUB_REPOSITORY.findall(line)
                )
    return frozenset(repositories)


def pinning_requirement_file(view, directory: str) -> str | None:
    """The path of a requirement, constraint, Docker or conda environment file in the
    project directory `directory` that pins a package with `==`, `===` or `~=`; None if
    there is none."""
    for name in view.project_listing(directory):
        if _REQUIREMENT_FILE.search(name):
            path = posixpath.join(directory, name)
            if _PINNED_REQUIREMENT.search(_uncommented(_text(view.project_file(path)))):
                return path
    return None


def _text(data: bytes | None) -> str:
    """A project file's text; "" when it is missing or unreadable: these facts are only
    ever evidence for staying quiet, or for a finding's stated reason."""
    return "" if data is None else data.decode("utf-8", "replace")


def _uncommented(text: str) -> str:
    """A declaration file's lines but its comments: `# torch==1.4` is a pin no longer used."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def install_words(command: str) -> list[str] | None:
    """The words of an install command from the installer on (`pip`, `-q`, `install`,
    ...), without a trailing shell comment; None if it is not one (or cannot be read)."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    # `python -m pip install`, `sys.executable -m pip install`, `%pip install`
    while words and words[0] not in _INSTALLERS:
        words = words[1:]
    position = 1
    while position < len(words) and words[position].startswith("-"):  # `pip -q install`
        position += 2 if words[position] in _GLOBAL_OPTIONS_WITH_VALUES else 1
    if position >= len(words) or words[position] != "install":
        return None
    return words


def unpinned_packages(command: str) -> list[str]:
    """The packages an install command names without pinning a version, or [] if it is
    not an install command (or cannot be read)."""
    return [word for word, pinned in _requirements(command) if not pinned]


def pins(command: str) -> list[str]:
    """What an install command pins: packages at a version (`transformers==4.11.3`), and
    wheel pages or indexes whose URL names one (`-f .../torch-1.11.0+cu113.html`), which
    fix the framework the rest is built for."""
    words = install_words(command) or []
    pages = [
        value for option, value in itertools.pairwise(words)
        if option in _INDEX_OPTIONS and is_url(value) and url_is_pinned(value)
    ]
    return [word for word, pinned in _requirements(command) if pinned] + pages


def _requirements(command: str) -> list[tuple[str, bool]]:
    """Each package an install command names, with whether it is pinned; [] if it is not
    an install command (or cannot be read). Requirement files, local paths, archives,
    values filled in at run time and the installer itself are not packages here."""
    words = install_words(command)
    if words is None:
        return []
    if "--no-index" in words and any(word in ("-f", "--find-links") or word.startswith("--find-links=") for word in words):
        return []  # only the archives at a local location: fixed content, as a wheel path is
    requirements, skip_next = [], False
    for word in words[words.index("install") + 1:]:
        if skip_next:
            skip_next = False
            continue
        if word in _OPTIONS_WITH_VALUES or _is_short_option_cluster_taking_a_value(word):
            skip_next = True
            continue
        if word.startswith("-") or any(mark in word for mark in "{}$"):
            continue  # a flag, or a value filled in at run time (IPython `{x}`, `$x`, a variable)
        if word.startswith((".", "/", "~")) or word.endswith((".whl", ".tar.gz", ".zip")):
            continue  # a local path or an archive: fixed content
        if word.startswith(_VCS):
            # a repository is pinned by a commit or tag, else it is at whatever its branch points to
            pinned = bool(re.search(r"\.git@\S+$|@[\w.-]+$", word.split("://", 1)[-1].split("#")[0]))
            requirements.append((word, pinned))
            continue
        if _requirement_name(word) in _TOOLING:
            continue  # upgrading the installer itself
        requirements.append((word, bool(_PINNED.search(word))))
    return requirements


def _requirement_name(word: str) -> str:
    """The package a requirement names: `torch` for `Torch>=2.1`, `mapie` for `mapie[all]`."""
    return re.split(r"[<>=!~\[; ]", word, maxsplit=1)[0].lower()


def _is_short_option_cluster_taking_a_value(word: str) -> bool:
    """`-qr`, `-Ur`: flags run together, the last of which takes the next word."""
    return len(word) > 2 and word[0] == "-" and word[1] != "-" and word[1:].isalpha() and (
        word[-1] in _SHORT_OPTIONS_WITH_VALUES
    )


def _message(command: str, packages: list[str], evidence: str) -> str:
    """The command as the shell reads it (no trailing comment), what it leaves unpinned,
    and where the project pins versions otherwise."""
    shown_command = " ".join(install_words(command) or [command])
    names = ", ".join(packages[:5]) + (" and more" if len(packages) > 5 else "")
    return (
        f"`{shown_command[:60]}` installs {names} without a version, though {evidence}: "
        "each run gets whatever is newest on the day it runs; pin them too (`package==1.2.3`, or a "
        "commit for a git URL)"
    )


class UnpinnedInstall(Rule):
    """
    Packages installed from code without a pinned version: `!pip install torch`,
    `%pip install transformers`, `%conda install numpy`, `subprocess.run(["pip",
    "install", "x"])` or `os.system("pip install x")`. A package counts as pinned with
    `==`, `===`, `~=` (or conda's `=1.2`), or a VCS URL ending in a commit; requirement
    files (`-r requirements.txt`), constraint files, local paths and archives are fine.

    Reported only where the project shows it fixes versions: the same file pins another
    install (or installs from a wheel page named for a version, `-f .../torch-1.11.0.html`),
    or a requirement, constraint, Docker or conda environment file with `==` pins sits in
    the file's directory or one above it. The unpinned install is then an inconsistency,
    not the project's policy.
    """

    code = "MLS206"
    name = "unpinned-install"
    family = Family.CONFIGURATION
    severity = Severity.ADVICE
    summary = "Packages are installed from code without a pinned version, though the project pins others."
    challenges = ("SLR-CM21", "META-D4")
    why = (
        "An unpinned install takes whatever was released last: the same notebook run next month "
        "trains with another library version, and results change or the code breaks. The "
        "review behind SLR-CM21 names maintaining reproducibility while software is updated as a "
        "deployment challenge; META-D4 covers the missing versioning of what ML products depend on."
    )
    bad = (
        '''
        import os
        import subprocess
        import sys

        os.system("pip install -q transformers datasets==2.19.0")
        ^^^^^^^^^
        subprocess.run([sys.executable, "-m", "pip", "install", "torch"], check=True)
        ^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import subprocess
        import sys

        subprocess.run([sys.executable, "-m", "pip", "install", "-r", "requirements.txt"], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "torch==2.3.1", "-e", "."], check=True)
        subprocess.run(["git", "pull"], check=True)
        ''',
    )
    use_instead = (
        "Pin every package (`pip install torch==2.3.1`), or install from a requirements or lock "
        "file kept in version control."
    )
    notebook_behavior = (
        "`!pip install`, `%pip install` and `%conda install` lines in code cells are checked; "
        "findings point at the cell and line. Commands using IPython variables (`{pkg}`, `$pkg`) "
        "are checked for the packages that are written out."
    )
    limitations = (
        "Commands built at run time (from variables or f-strings) are not read. Version ranges "
        "(`>=`) count as unpinned. Deliberately not reported: unpinned installs in a file whose "
        "project pins nothing that the rule can see (no pinned install in the file, no pinned "
        "requirement, constraint, Docker or conda environment file in its directory or above), "
        "since installing the newest release is then the project's choice; `pyproject.toml`, "
        "`setup.py` and lock files are not read. Installing the project's own package (a "
        "package or module of the repository by that name, as in a library's documentation "
        "notebooks) is not reported. "
        "Whether a package still gets releases is not known."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: (call or notebook magic, command, unpinned packages), reported at the end of the file.
        self.unpinned: list[tuple[object, str, list[str]]] = []
        #: What the file's install commands pin (`transformers==4.11.3`).
        self.pinned: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        command = self._command(node)
        if command:
            self._note(node, command)

    def _note(self, where: object, command: str) -> None:
        """Keep what a command pins and what it leaves unpinned: whether the latter is
        reported depends on the whole file (a pin in a later cell counts)."""
        self.pinned.extend(pins(command))
        packages = self._not_own(unpinned_packages(command))
        if packages:
            self.unpinned.append((where, command, packages))

    def _not_own(self, packages: list[str]) -> list[str]:
        """Leave out the project's own package (`pip install mapie` in MAPIE's notebooks):
        its documentation installs the release it documents, a version the project sets."""
        return [
            package for package in packages
            if not self.file.project.own_package(_requirement_name(package).replace("-", "_"))
        ]

    def _command(self, call: cst.Call) -> str | None:
        names = self.file.qualified_names(call.func)
        if not call.args:
            return None
        first = call.args[0].value
        if "os.system" in names and isinstance(first, cst.SimpleString):
            return first.evaluated_value
        if any(name in _SUBPROCESS_CALLS for name in names):
            if isinstance(first, cst.SimpleString):
                return first.evaluated_value
            if isinstance(first, cst.List | cst.Tuple):
                words = [
                    element.value.evaluated_value if isinstance(element.value, cst.SimpleString) else "$unknown"
                    for element in first.elements
                ]
                return shlex.join(words)
        return None

    def end_file(self) -> None:
        notebook = self.file.notebook
        if notebook is not None:
            for magic in notebook.magics:
                if magic.kind in ("shell", "line-magic"):
                    self._note(magic, magic.command)
        evidence = self._pinning_evidence() if self.unpinned else None
        if evidence is None:
            return
        for where, command, packages in self.unpinned:
            if isinstance(where, cst.Call):
                self.report(where.func, _message(command, packages, evidence))
            else:
                self.file.report_magic(self, where, _message(command, packages, evidence))

    def _pinning_evidence(self) -> str | None:
        """Where the project shows it fixes versions: another install in this file that
        pins one, or a requirement file with pins next to the file or in a directory above
        it. Without either, installing the newest release is the project's own choice."""
        if self.pinned:
            pin = self.pinned[0]
            if is_url(pin):
                page = pin.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
                return f"this file installs from `{page}`, a wheel page named for one version"
            return f"this file pins `{pin[:60]}`"
        view = self.file.project
        directory = view.relative_directory
        while directory is not None:
            found = pinning_requirement_file(view, directory)
            if found is not None:
                return f"`{found}` pins versions"
            directory = None if directory == "" else posixpath.dirname(directory)
        return None


# MLS205 ------------------------------------------------------------------------------------

#: A version (`v2`, `1.0.3`), a year or date, or a commit or content hash in a URL.
_PIN_IN_URL = re.compile(
    r"(?<![a-z0-9])v\d+|\d+\.\d+|(?<!\d)(?:19[89]\d|20[0-4]\d)(?!\d)"
    r"|(?<![0-9a-f])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![0-9a-f])",
    re.IGNORECASE,
)
_PINNING_QUERY_KEYS = frozenset({"version", "versionid", "v", "rev", "revision", "ref", "sha", "commit", "generation"})
_MOVING_REFS = frozenset({"main", "master", "head", "latest"})
#: Files that hold data or models, for generic HTTP clients that also call web APIs.
_DATA_FILE = re.compile(
    r"\.(csv|tsv|txt|json|jsonl|ndjson|parquet|feather|arrow|orc|avro|xlsx?|xml|data|names|arff|libsvm|mat"
    r"|zip|gz|tgz|tar|bz2|xz|7z|npy|npz|pkl|pickle|joblib|pt|pth|bin|ckpt|h5|hdf5|safetensors|onnx|pb|tflite"
    r"|gguf|msgpack|model)$",
    re.IGNORECASE,
)
#: Files of released model weights.
_WEIGHTS_FILE = re.compile(r"\.(pt|pth|ckpt|safetensors|h5|onnx|tflite|gguf)$", re.IGNORECASE)
#: Pictures fetched to show or to try a model on, not data it depends on.
_PICTURE = re.compile(r"\.(png|jpe?g|gif|svg|ico|webp|bmp)$", re.IGNORECASE)


def url_is_pinned(url: str) -> bool:
    """Whether a URL names a fixed version of what it points to: a version, a date, a
    commit or content hash, a numeric record id (Zenodo, OpenML, a TF Hub version), a
    `repo@revision`, or a version query parameter (S3's `versionId`, GCS's `generation`)."""
    _, _, rest = url.partition("://")
    _, _, path = rest.partition("/")
    path, _, query = path.partition("?")
    segments = path.split("/")
    if any(segment.isdigit() for segment in segments):
        return True
    if any("@" in segment and segment.rsplit("@", 1)[1].lower() not in _MOVING_REFS for segment in segments):
        return True
    keys = {pair.partition("=")[0].lower() for pair in query.split("&")}
    return bool(keys & _PINNING_QUERY_KEYS) or bool(_PIN_IN_URL.search(path))


#: Directory names that say a path is local (`outputs/final`), not a Hub `org/name`.
_LOCAL_DIRECTORIES = frozenset(
    {
        "output", "outputs", "out", "checkpoint", "checkpoints", "ckpt", "ckpts", "model",
        "models", "saved_model", "saved_models", "save", "saved", "weights", "pretrained",
        "results", "result", "runs", "run", "tmp", "temp", "cache", "data", "dataset", "datasets",
        "logs", "artifacts", "experiments", "exp", "local"
    }
)
#: Words that make a one-part name a local directory (`checkpoint-500`, `my-model`).
_LOCAL_WORDS = frozenset(
    {
        "output", "outputs", "out", "checkpoint", "checkpoints", "ckpt", "ckpts", "tmp", "temp",
        "save", "saved", "my", "local", "results", "result", "runs", "logs", "cache", "best",
        "last", "final", "model", "models", "weights"
    }
)
_HUB_PART = re.compile(r"[A-Za-z0-9][\w.-]*")
_LOCAL_FILE = re.compile(
    r"\.(json|bin|pt|pth|ckpt|safetensors|h5|model|onnx|msgpack|txt|ya?ml|pkl|gguf|csv|parquet|arrow|jsonl|zip|gz|tar|py)$",
    re.IGNORECASE,
)
#: `load_dataset` builders that read local files given as `data_files`.
_PACKAGED_BUILDERS = frozenset(
    {
        "csv", "json", "parquet", "text", "arrow", "pandas", "imagefolder", "audiofolder",
        "videofolder", "webdataset", "sql", "generator", "spark", "xml", "pdffolder",
        "niftifolder", "cache", "hdf5", "lance"
    }
)


def hub_repo_id(value: str, dataset: bool = False) -> bool:
    """Whether a string names a Hugging Face Hub repository rather than a local path.

    Hub ids are `org/name`, or one name for the old canonical repositories. Anything with
    a path prefix (`./`, `/`, `~`), more than one `/`, a file suffix or a directory name
    that says it is local (`outputs/final`, `checkpoint-500`) is a path. Old canonical
    model names all have a `-` or a digit and no `_` (`bert-base-uncased`, `gpt2`);
    dataset names may be plain words (`imdb`, `ag_news`).
    """
    parts = value.split("/")
    if len(parts) > 2 or not all(_HUB_PART.fullmatch(part) for part in parts) or _LOCAL_FILE.search(value):
        return False
    if parts[0].lower() in _LOCAL_DIRECTORIES:
        return False
    if len(parts) == 2:
        return True
    if any(word in _LOCAL_WORDS for word in re.split(r"[-_.]", value.lower())):
        return False
    return dataset or ("_" not in value and bool(re.search(r"[-\d]", value)))


#: Where the frameworks publish the data files of their own tutorials: thousands of
#: tutorials and books read them, so their publishers keep them as they are.
_TUTORIAL_DATA_STORES = ("download.tensorflow.org/", "download.pytorch.org/tutorial")
#: A file on a branch of a GitHub repository: (owner, repository, path in it).
_GITHUB_FILE = re.compile(
    r"https?://(?:raw\.githubusercontent\.com/([\w.-]+)/([\w.-]+)/[\w.-]+/"
    r"|(?:www\.)?github\.com/([\w.-]+)/([\w.-]+)/(?:raw|blob)/[\w.-]+/)([^?#]+)",
    re.IGNORECASE,
)


def github_file(url: str) -> tuple[str, str, str] | None:
    """The (owner, repository, path) of a file URL on GitHub (`raw.githubusercontent.com/
    o/r/main/data/x.csv`, `github.com/o/r/raw/main/data/x.csv`), owner and repository
    lowercased; None for any other URL."""
    match = _GITHUB_FILE.match(url)
    if match is None:
        return None
    owner, repository = (match[1], match[2]) if match[1] else (match[3], match[4])
    return owner.lower(), repository.lower(), match[5]


def names_frozen_artifact(url: str) -> bool:
    """Whether a URL names something its publisher does not change, though nothing in it
    is a version: a file in an archive (`archive.ics.uci.edu/ml/...`, `web.archive.org`,
    `.../Archives/...`), which exists to keep files as they were, the tutorial data the
    frameworks publish (`download.tensorflow.org/data/...`, `download.pytorch.org/tutorial/...`),
    or released model weights
    (`.pth`, `.ckpt`, `.safetensors`...) outside a moving branch: a published checkpoint is
    what papers and downstream models are pinned to, and is replaced by a new file rather
    than overwritten."""
    _, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    segments = [segment.lower() for segment in path.partition("?")[0].split("/")]
    if any(part.startswith("archive") for part in [*host.lower().split("."), *segments[:-1]]):
        return True
    if rest.lower().removeprefix("storage.googleapis.com/").startswith(_TUTORIAL_DATA_STORES):
        return True
    return bool(_WEIGHTS_FILE.search(segments[-1])) and not _MOVING_REFS.intersection(segments)


def _unpinned_data_url(word: str) -> bool:
    """A word of a shell command that is the URL of a data file, with nothing pinning it."""
    if not is_url(word) or "{" in word or "$" in word:
        return False
    return bool(_DATA_FILE.search(word.partition("?")[0])) and not url_is_pinned(word) and not names_frozen_artifact(word)


def _local_key(path: str) -> str:
    return path.removeprefix("./").rstrip("/")


#: Functions that read a URL they are given: qualified name -> (position, keywords).
_URL_READERS = {
    "urllib.request.urlretrieve": (0, ("url",)),
    "urllib.urlretrieve": (0, ("url",)),
    "wget.download": (0, ("url",)),
    "torch.hub.load_state_dict_from_url": (0, ("url",)),
    "torch.utils.model_zoo.load_url": (0, ("url",)),
    "numpy.loadtxt": (0, ("fname",)),
    "numpy.genfromtxt": (0, ("fname",)),
}
#: Downloads that verify a checksum when given one: qualified name -> (position, keywords, checksum keywords).
_CHECKED_DOWNLOADS = {
    "torch.hub.download_url_to_file": (0, ("url",), (2, "hash_prefix")),
    "keras.utils.get_file": (1, ("origin",), (None, "file_hash", "md5_hash")),
    "tensorflow.keras.utils.get_file": (1, ("origin",), (None, "file_hash", "md5_hash")),
}
#: HTTP clients that also call web APIs: only URLs of data or model files count.
_HTTP_GETS = {
    "requests.get": (0, ("url",)),
    "urllib.request.urlopen": (0, ("url",)),
}
_PANDAS_SOURCES = ("filepath_or_buffer", "path", "io", "path_or_buf", "path_or_buffer")
_HUB_LIBRARIES = ("transformers.", "diffusers.", "peft.", "sentence_transformers.")
_HUB_DOWNLOADS = frozenset(
    {
        "huggingface_hub.hf_hub_download",
        "huggingface_hub.snapshot_download",
        "huggingface_hub.file_download.hf_hub_download",
        "huggingface_hub._snapshot_download.snapshot_download",
    }
)
#: `transformers.pipeline`, whose model is its second argument (MLS207 reads it too).
PIPELINES = frozenset({"transformers.pipeline", "transformers.pipelines.pipeline"})
_SHELL_DOWNLOADERS = frozenset({"wget", "curl"})


def _hub_repo_kind(call: cst.Call) -> str:
    """What kind of Hub repository a call loads, as its `repo_type=` says: `hf_hub_download(...,
    repo_type="dataset")` downloads a dataset's files, not a model."""
    repo_type = keyword_arg(call, "repo_type")
    if repo_type is not None and isinstance(repo_type.value, cst.SimpleString):
        kind = str(repo_type.value.evaluated_value)
        return {"dataset": "dataset repository", "space": "Space"}.get(kind, "model repository")
    return "repository" if repo_type is not None else "model repository"


def revision_problem(call: cst.Call) -> str | None:
    """Why the call's `revision=` does not pin it, or None when it does (or may: a variable
    or `**kwargs`). MLS207 asks it too, of `trust_remote_code=True` loads."""
    if has_double_star(call):
        return None
    arg = keyword_arg(call, "revision")
    if arg is None:
        return "without `revision=`"
    if is_none(arg.value):
        return "with `revision=None`"
    if isinstance(arg.value, cst.SimpleString) and str(arg.value.evaluated_value).lower() in _MOVING_REFS:
        return f"with `revision={arg.value.value}`, a branch that moves"
    return None


class UnpinnedRemoteArtifact(ValueRule):
    """
    Data or a model is pulled from a remote reference that moves, so the same code gets
    different bytes from one run to the next:

    - a data file read from an `http(s)`, `s3`, `gs` or `hf` URL that names no version,
      date, commit or content hash: `pd.read_*`, `np.loadtxt`/`np.genfromtxt`,
      `urllib.request.urlretrieve`, `wget.download`, `torch.hub.load_state_dict_from_url`,
      `torch.hub.download_url_to_file` and `keras.utils.get_file` without their checksum
      argument, and `requests.get`/`urlopen` on the URL of a data or model file (by its
      extension: `.csv`, `.zip`, `.pt`...); also `!wget`/`!curl` lines in notebooks that
      fetch a data or model file. Pictures (`.png`, `.jpg`...) fetched to show or to try
      a model on are left out;
    - a Hugging Face Hub repository loaded without `revision=` (or with a branch such as
      `revision="main"`): `datasets.load_dataset`, `from_pretrained` on any transformers,
      diffusers, PEFT or sentence-transformers class (`AutoModelForCausalLM`,
      `AutoTokenizer`, `BertModel`...), `pipeline(model=...)`, `SentenceTransformer(...)`,
      `hf_hub_download` and `snapshot_download`;
    - `torch.hub.load("owner/repo", ...)` without a `:tag` or `:commit`;
    - `sklearn.datasets.fetch_openml(name)` without `version=` or `data_id=`.

    Only references whose value is known are checked: literals, f-strings, module or
    local constants, and paths joined from them. A name chosen at run time
    (`from_pretrained(args.model_name)`) is the caller's choice and is not reported, nor
    is a local path (`./checkpoints/run3`, `outputs/final`, a directory the file saves a
    model to).
    """

    code = "MLS205"
    name = "unpinned-remote-artifact"
    family = Family.CONFIGURATION
    severity = Severity.ADVICE
    summary = "Data or a model is pulled from a remote reference that can change without notice."
    challenges = ("IND-2.5-unstable-data-dependencies", "META-D4", "SLR-CM11")
    required_modules = frozenset(
        {
            "pandas", "numpy", "urllib", "requests", "wget", "torch", "keras", "tensorflow", "sklearn",
            "datasets", "transformers", "diffusers", "peft", "sentence_transformers", "huggingface_hub",
        }
    )
    why = (
        "A URL without a version and a Hub repository without a revision are moving targets: "
        "the owner fixes a label, re-uploads a checkpoint or changes a tokenizer, and the "
        "same code trains on other data or evaluates another model, with nothing in the "
        "repository showing that anything changed. IND-2.5 (Unstable Data Dependencies) "
        "names inputs that change without notice; META-D4 and SLR-CM11 name the missing "
        "versioning and provenance that let a team tell which data produced a model."
    )
    bad = (
        '''
        import pandas as pd
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        CHECKPOINT = "distilbert/distilbert-base-uncased"
        reviews = pd.read_csv("https://raw.githubusercontent.com/acme/reviews/main/train.csv")
                  ^^^^^^^^^^^
        tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT)
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        model = AutoModelForSequenceClassification.from_pretrained(CHECKPOINT, num_labels=2)
                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        import torch
        from datasets import load_dataset

        squad = load_dataset("rajpurkar/squad", split="train")
                ^^^^^^^^^^^^
        detector = torch.hub.load("ultralytics/yolov5", "yolov5s")
                   ^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import pandas as pd
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        CHECKPOINT = "distilbert/distilbert-base-uncased"
        REVISION = "12040accade4e8a0f71eabdb258fecc2e7e948be"
        reviews = pd.read_csv("https://raw.githubusercontent.com/acme/reviews/3f9c2e1/train.csv")
        tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT, revision=REVISION)
        model = AutoModelForSequenceClassification.from_pretrained(CHECKPOINT, revision=REVISION)
        ''',
        '''
        import torch
        from datasets import load_dataset
        from transformers import AutoModel

        squad = load_dataset("rajpurkar/squad", split="train", revision="7b6d24c")
        detector = torch.hub.load("ultralytics/yolov5:v7.0", "yolov5s")
        finetuned = AutoModel.from_pretrained("./checkpoints/run3")

        def load_backbone(args):
            return AutoModel.from_pretrained(args.model_name)
        ''',
    )
    use_instead = (
        "Pin what you pull: a URL with a version, release tag or commit in it (or verify a "
        "checksum after downloading), `revision=\"<commit sha>\"` for Hub models and "
        "datasets, `owner/repo:<tag>` for `torch.hub.load`, `version=` for OpenML. Or keep "
        "a copy of the data under data version control (DVC, LFS)."
    )
    notebook_behavior = (
        "Code cells are analysed as one module, so a constant defined in one cell is known "
        "in the next; `!wget URL` and `!curl URL` lines are checked when the URL is that of a "
        "data or model file (`.csv`, `.zip`, `.pt`...), not of an installer or a key."
    )
    limitations = (
        "Deliberately not reported, as frozen in practice though nothing pins them: files in an "
        "archive (`archive.ics.uci.edu`, `web.archive.org`, an `Archives/` directory), the "
        "frameworks' tutorial data (`download.tensorflow.org`, `download.pytorch.org/tutorial`), released "
        "model weights (`.pth`, `.ckpt`, `.safetensors`...) at a URL outside a `main`/`master` "
        "branch, and the canonical legacy models of the Hub, named without an organisation "
        "(`bert-base-uncased`, `gpt2`); legacy datasets (`imdb`, `glue`) are still reported, "
        "since their loading scripts and files have been converted. Files on GitHub that the "
        "project's maintainers control are not reported either: those in a repository of the "
        "owner the project names as its own (its `.git/config` remote, or a `url`/`Homepage`/"
        "`repo_url` line of `pyproject.toml`, `setup.cfg`, `setup.py` or `mkdocs.yml`), and those "
        "whose path is a file of the checkout. Test files are not checked: a test that loads "
        "what a remote holds today does so on purpose, and fails visibly when it changes. "
        "URLs built at run time and model names passed in (arguments, configuration) are not "
        "checked. A version, date, hash or numeric id anywhere in a URL's path counts as a "
        "pin, even where a moving branch comes before it. Whether a string names a Hub "
        "repository or a local directory is decided from its shape (`org/name` or an old "
        "canonical name such as `bert-base-uncased`); a local directory named like a Hub id "
        "and never saved to in the same file is reported. `np.load` is not checked: it "
        "cannot open URLs."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: (node to report, scopes, expression, check): `check(value)` returns a message or None.
        self.pending: list[tuple[cst.CSTNode, tuple[Scope, ...], cst.BaseExpression, object]] = []
        #: Directories the file saves models to (`save_pretrained(x)`, `output_dir=x`).
        self.local_directories: list[tuple[cst.BaseExpression, tuple[Scope, ...]]] = []
        self.saved_locally: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if self.file.in_tests:
            return  # a test fetches what the remote holds today on purpose, and fails loudly when it changes
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("save_pretrained", "save_model"):
            self._note_local(argument(node, 0, "save_directory", "output_dir"))
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in ("output_dir", "save_directory"):
                self._note_local(arg.value)
        for name in self.file.qualified_names(func):
            if self._check_call(node, name):
                return

    def _note_local(self, expr: cst.BaseExpression | None) -> None:
        if expr is not None:
            self.local_directories.append((expr, self.scopes))

    def _expect(self, node: cst.Call, expr: cst.BaseExpression | None, check) -> None:
        if expr is not None:
            self.pending.append((node.func, self.scopes, expr, check))

    def _check_call(self, node: cst.Call, name: str) -> bool:
        """Note what to check about a call to `name`; False if `name` is none of ours."""
        callee = node.func
        if name.startswith("pandas.read_") and name.count(".") == 1:
            self._expect(node, argument(node, 0, *_PANDAS_SOURCES), self._url_check(callee, "reads"))
        elif name in _URL_READERS:
            self._expect(node, argument(node, *_URL_READERS[name]), self._url_check(callee, "downloads", pictures=False))
        elif name in _CHECKED_DOWNLOADS:
            index, keywords, (checksum_index, *checksum_keywords) = _CHECKED_DOWNLOADS[name]
            checksum = argument(node, checksum_index, *checksum_keywords)
            if (checksum is None or is_none(checksum)) and not has_double_star(node):
                url = argument(node, index, *keywords)
                self._expect(node, url, self._url_check(callee, "downloads", pictures=False))
        elif name in _HTTP_GETS:
            self._expect(node, argument(node, *_HTTP_GETS[name]), self._url_check(callee, "downloads", data_only=True))
        elif name == "datasets.load_dataset":
            self._check_dataset(node, callee)
        elif name.endswith(".from_pretrained") and name.startswith(_HUB_LIBRARIES):
            # PEFT adapters load on top of a base model: `PeftModel.from_pretrained(base, "org/adapter")`.
            index = 1 if name.split(".")[-2].startswith("PeftModel") else 0
            model = argument(node, index, "pretrained_model_name_or_path", "model_id")
            self._check_hub(node, model, callee)
        elif name in PIPELINES:
            self._check_hub(node, argument(node, 1, "model"), callee)
        elif name == "sentence_transformers.SentenceTransformer":
            self._check_hub(node, argument(node, 0, "model_name_or_path"), callee)
        elif name in _HUB_DOWNLOADS:
            self._check_hub(node, argument(node, 0, "repo_id"), callee)
        elif name == "torch.hub.load":
            self._check_torch_hub(node, callee)
        elif name == "sklearn.datasets.fetch_openml":
            self._check_openml(node, callee)
        else:
            return False
        return True

    def _url_check(self, callee: cst.BaseExpression, verb: str, data_only: bool = False, pictures: bool = True):
        """A check for URLs: `data_only` takes only URLs of data or model files; `pictures`
        False leaves out images, which generic downloaders fetch to show or to try a model on."""

        def check(value: str) -> str | None:
            if not is_url(value) or url_is_pinned(value) or names_frozen_artifact(value) or self._own_file(value):
                return None
            path = value.partition("?")[0]
            if (data_only and not _DATA_FILE.search(path)) or (not pictures and _PICTURE.search(path)):
                return None
            return (
                f"`{short_code(self.file, callee)}` {verb} {shown(value)}, a URL with no version, date, commit or checksum, so "
                "the data can change under this code without notice; use a versioned or commit-pinned "
                "URL, verify a checksum, or keep a versioned copy"
            )

        return check

    def _own_file(self, url: str) -> bool:
        """Whether a URL is a file on GitHub that the project's own maintainers control:
        one in a repository of the owner the project says it is (its git remote or
        metadata), or one whose path is a file of this checkout (`raw.githubusercontent.com/
        o/r/master/data/x.csv` with `data/x.csv` here). Notebooks fetch their own data that
        way to run on Colab; it changes only by the project's own commits."""
        found = github_file(url)
        view = self.file.project
        if found is None or view.project is None:
            return False
        owner, _, path = found
        if any(own_owner == owner for own_owner, _ in own_github_repositories(view)):
            return True
        parts = path.split("/")
        if ".." in parts or "." in parts or "" in parts:
            return False
        return parts[-1] in view.project_listing("/".join(parts[:-1]))

    def _check_dataset(self, node: cst.Call, callee: cst.BaseExpression) -> None:
        files = argument(node, None, "data_files", "data_dir")
        elements = [files]
        if isinstance(files, cst.List | cst.Tuple | cst.Set | cst.Dict):
            elements = [element.value for element in files.elements]
        for element in elements:
            self._expect(node, element, self._url_check(callee, "reads"))
        problem = revision_problem(node)
        if problem is None:
            return

        def check(value: str) -> str | None:
            if value.lower() in _PACKAGED_BUILDERS or not hub_repo_id(value, dataset=True):
                return None
            return self._hub_message(callee, value, problem, "dataset repository")

        self._expect(node, argument(node, 0, "path"), check)

    def _check_hub(self, node: cst.Call, model: cst.BaseExpression | None, callee: cst.BaseExpression) -> None:
        problem = revision_problem(node)
        if problem is None:
            return
        kind = _hub_repo_kind(node)

        def check(value: str) -> str | None:
            if not hub_repo_id(value) or _local_key(value) in self.saved_locally:
                return None
            if kind == "model repository" and "/" not in value:
                return None  # a canonical legacy model (`bert-base-uncased`, `gpt2`): frozen in practice
            return self._hub_message(callee, value, problem, kind)

        self._expect(node, model, check)

    def _hub_message(self, callee: cst.BaseExpression, repo: str, problem: str, kind: str) -> str:
        return (
            f"`{short_code(self.file, callee)}` loads the Hub {kind} '{repo}' {problem}, so it gets whatever the "
            "repository holds when it is downloaded, and a new commit there changes what a fresh run gets; "
            "pin a commit: revision=\"<commit sha>\""
        )

    def _check_torch_hub(self, node: cst.Call, callee: cst.BaseExpression) -> None:
        source = keyword_arg(node, "source")
        if has_double_star(node) or (source is not None and not isinstance(source.value, cst.SimpleString)):
            return
        if source is not None and source.value.evaluated_value == "local":
            return

        def check(value: str) -> str | None:
            repo, _, ref = value.partition(":")
            if ref and ref.lower() not in _MOVING_REFS:
                return None
            where = f"the branch '{ref}'" if ref else "its default branch"
            return (
                f"`{short_code(self.file, callee)}` runs the code of '{repo}' at {where}, so the model it builds "
                f"(and any weights that code downloads) changes whenever that branch does; pin a release tag or "
                f"commit: '{repo}:<tag>'"
            )

        self._expect(node, argument(node, 0, "repo_or_dir"), check)

    def _check_openml(self, node: cst.Call, callee: cst.BaseExpression) -> None:
        name = argument(node, 0, "name")
        version = keyword_arg(node, "version")
        if name is None or keyword_arg(node, "data_id") is not None or has_double_star(node):
            return
        if version is not None and not (isinstance(version.value, cst.SimpleString) and version.value.evaluated_value == "active"):
            return
        self.report(
            node.func,
            f"`{short_code(self.file, callee)}` without `version=` takes whichever version of the dataset OpenML marks active "
            "today, which can change; pass the version you used: version=1",
        )

    def end_file(self) -> None:
        self.saved_locally = {
            _local_key(value)
            for expr, scopes in self.local_directories
            if (value := self.string(expr, scopes)) is not None
        }
        reported: set[cst.CSTNode] = set()
        for node, scopes, expr, check in self.pending:
            value = self.string(expr, scopes)
            message = check(value) if value is not None and node not in reported else None
            if message:
                reported.add(node)
                self.report(node, message)
        self._check_shell_downloads()

    def _check_shell_downloads(self) -> None:
        notebook = self.file.notebook
        if notebook is None or self.file.in_tests:
            return
        for magic in notebook.magics:
            if magic.kind != "shell":
                continue
            try:
                words = shlex.split(magic.command, comments=True)
            except ValueError:
                continue
            if not words or words[0] not in _SHELL_DOWNLOADERS:
                continue
            url = next((word for word in words[1:] if _unpinned_data_url(word) and not self._own_file(word)), None)
            if url is None:
                continue
            message = (
                f"`{words[0]}` downloads {shown(url)}, a URL with no version, date, commit or checksum, "
                "so the data can change under this notebook without notice; use a versioned URL or "
                "verify a checksum"
            )
            self.file.report_magic(self, magic, message)
