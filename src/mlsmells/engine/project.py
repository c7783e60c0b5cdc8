"""The project's own functions, within a file and across its modules.

One file cannot say whether `set_seeds()`, imported from the project's `helpers.py`, seeds
NumPy, whether `train(seed=0)` returns a metric, or whether `proj.utils.np` is NumPy.
`Project` answers from *summaries* of the project's modules, made with CPython's `ast`
(about a tenth of libcst's cost): for each function, the calls it makes (with the shape of
each argument: `None`, a value, or one of its own parameters) and the calls whose result
it returns. `ProjectView` follows them from a call in the file being checked, through the
project's functions and re-exports, to the library calls they end in.

Laziness is the point: a module is found and indexed only when a rule asks about a name
it defines, and its functions are summarised only when one of them is asked about; both
are kept for the rest of the worker's files. A file that asks nothing pays nothing. Each
lookup a file's analysis made is recorded with a digest of the module's bytes
(`ProjectView.dependencies`); a cached result is reused only while every lookup still
finds the same bytes (`Project.still_valid`), so a result for `b.py` is analysed again
when the `a.py` it imports changes.

Files that are not modules (a requirements file, `.git/config`) and directory listings
are read through `ProjectView.project_file` and `ProjectView.project_listing`, which record
them the same way: a cached result that read a requirements file is analysed again when it
changes, or when a new one appears next to it.

Bounded: lookups follow at most `MAX_DEPTH` re-exports or calls deep, and each function
is expanded once per question, so import cycles and recursion end.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlsmells.reading import RefusedFile, read_bytes
from mlsmells.sources import SourceError, decode_python_source

#: How many re-exports or calls deep a question is followed.
MAX_DEPTH = 8
#: A project file that is not a module is read up to this size (metadata, requirements).
MAX_PROJECT_FILE_BYTES = 1_000_000
#: Dependency origins of a project file's bytes and of a directory's listing; a module
#: lookup's origin is a path ending in `.py`, or "" for the file itself.
_FILE, _LISTING = "<file>", "<listing>"
#: How many star imports deep a package's bindings are looked for: a package whose
#: `__init__` star-imports its subpackages (transformers) would otherwise have every such
#: check walk the whole package.
_STAR_DEPTH = 2

#: Shapes of an argument as a summary records it; a parameter is `$name`.
NONE = "none"
VALUE = "value"

#: Builtins that keep the value of what they wrap: `return float(accuracy_score(...))`.
#: (Not `round`: a rounded value is one a test may compare exactly.)
_TRANSPARENT = frozenset({"float", "abs"})
_LOCAL = "#"  # prefix of a callee defined in the same module: `#helper`, `#Trainer.fit`
METHOD_PREFIX = "?."  # prefix of a method called on a value no summary knows: `?.score`


@dataclass(frozen=True)
class CallSite:
    """A call a function makes: its callee as the module names it (`?.predict` for a
    method of one of its parameters), and the shape of each argument (`NONE`, `VALUE` or
    `$param`)."""

    callee: str
    args: tuple[str, ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FunctionSummary:
    """What one function does, as far as the project's questions go."""

    params: tuple[str, ...]
    #: Parameters with a default, and the shape of the default.
    defaults: tuple[tuple[str, str], ...]
    calls: tuple[CallSite, ...]
    #: Callees of the calls whose result the function returns (`?.score` for a method),
    #: down method chains: `pd.read_csv(path).dropna()` returns `?.dropna` and `pandas.read_csv`.
    returns: tuple[str, ...]
    #: Whether the function asserts or raises anything: it may check what it returns.
    checks: bool = False


class ModuleSummary:
    """The names a module binds that other modules can import, and its functions.

    Most lookups only need the imports, so each function is summarised when it is first
    read from `functions`, from the tree `reload()` reads again (a module's tree is not kept:
    a worker may look into thousands of modules).
    """

    def __init__(self, tree: ast.Module, reload: Callable[[], ast.Module | None] | None = None) -> None:
        imports: dict[str, str] = {}
        stars: list[str] = []
        assigned: set[str] = set()
        keys: list[str] = []
        classes: set[str] = set()
        literal_bindings: Counter[str] = Counter()
        other_bindings: set[str] = set()
        for statement in _top_level(tree.body):
            if isinstance(statement, ast.Import | ast.ImportFrom):
                stars.extend(_bind_imports(statement, imports))
            elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                assigned.add(statement.name)
                keys.append(statement.name)
            elif isinstance(statement, ast.ClassDef):
                assigned.add(statement.name)
                classes.add(statement.name)
                keys.extend(f"{statement.name}.{method.name}" for method in _methods(statement))
            elif isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = [name for target in targets for name in _bound(target)]
                if isinstance(statement, ast.Assign | ast.AnnAssign) and _is_literal(statement.value):
                    literal_bindings.update(names)
                else:
                    other_bindings.update(names)
                assigned.update(names)
        # A name both imported and assigned at module level is ambiguous: it is neither.
        self.imports: Mapping[str, str] = {name: target for name, target in imports.items() if name not in assigned}
        self.star_imports = tuple(stars)
        self.classes = frozenset(classes)
        #: Names the module binds once, at its top level, to a literal string or number
        #: (`TABLE = "events"`): constants, whatever module reads them.
        self.constants = frozenset(
            name for name, count in literal_bindings.items() if count == 1 and name not in other_bindings
        )
        self.functions: Mapping[str, FunctionSummary] = _Functions(keys, self, tree if reload is None else None, reload)


class _Functions(Mapping[str, FunctionSummary]):
    """A module's functions by key (`fit`, `Trainer.fit`), each summarised when first read."""

    def __init__(self, keys: list[str], module: ModuleSummary, tree: ast.Module | None,
                 reload: Callable[[], ast.Module | None] | None) -> None:
        self._keys = dict.fromkeys(keys)
        self._module = module
        self._tree = tree
        self._reload = reload
        self._summaries: dict[str, FunctionSummary] = {}

    def __getitem__(self, key: str) -> FunctionSummary:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._summaries:
            self._summarize_all()
        return self._summaries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._keys  # without summarising anything

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def _summarize_all(self) -> None:
        """Summarise every function of the module at once: one tree per module read."""
        tree = self._tree if self._tree is not None else (self._reload() if self._reload else None)
        found: dict[str, FunctionSummary] = {}
        if tree is not None:
            imports = self._module.imports
            local = {s.name for s in _top_level(tree.body) if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
            for statement in _top_level(tree.body):
                if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[statement.name] = _summarize_function(statement, imports, local, None)
                elif isinstance(statement, ast.ClassDef):
                    methods = {method.name for method in _methods(statement)}
                    for method in _methods(statement):
                        key = f"{statement.name}.{method.name}"
                        found[key] = _summarize_function(method, imports, local, (statement.name, methods))
        # A module changed or gone since it was indexed answers nothing about its functions.
        self._summaries = {key: found.get(key, _UNKNOWN) for key in self._keys}


#: What an unreadable function is: no parameters, calls or results known.
_UNKNOWN = FunctionSummary((), (), (), ())


@dataclass(frozen=True)
class Function:
    """A project function found for a name: its module's file (None for the file being
    checked), its key in that module, and its summary."""

    module: Path | None
    key: str
    #: The module's functions, summarised when a summary is first asked for: a rule that
    #: only needs to know a call reaches the project's own code reads no function body.
    functions: Mapping[str, FunctionSummary] = field(repr=False, compare=False)
    #: Called on an instance (`self.fit()`): the first parameter is already bound.
    bound: bool = False

    @property
    def summary(self) -> FunctionSummary:
        return self.functions[self.key]


@dataclass(frozen=True)
class MadeCall:
    """A library call a project function makes, with argument shapes as the caller's
    arguments make them."""

    callee: str
    args: tuple[str, ...]
    keywords: Mapping[str, str]

    def argument(self, position: int, keyword: str) -> str | None:
        """The shape of the argument given at `position` or as `keyword`, if given."""
        if position < len(self.args):
            return self.args[position]
        return self.keywords.get(keyword)


# -- summaries ------------------------------------------------------------------------


def summarize(tree: ast.Module) -> ModuleSummary:
    """The summary of a module's tree (kept, for its functions)."""
    return ModuleSummary(tree)


def _is_literal(value: ast.expr | None) -> bool:
    """A string or number written out: `"events"`, `3`, `"a" "b"`, `-1`, `"a" + "b"`."""
    if isinstance(value, ast.UnaryOp):
        value = value.operand
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _is_literal(value.left) and _is_literal(value.right)
    return isinstance(value, ast.Constant) and isinstance(value.value, str | int | float) and not isinstance(value.value, bool)


def _methods(statement: ast.ClassDef) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    return (node for node in statement.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those under `if`/`try` (`try: import x`)."""
    stack = list(reversed(body))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, ast.If | ast.Try | ast.With):
            blocks = [statement.body, getattr(statement, "orelse", []), getattr(statement, "finalbody", [])]
            blocks += [handler.body for handler in getattr(statement, "handlers", [])]
            for block in reversed(blocks):
                stack.extend(reversed(block))


def _bind_imports(statement: ast.Import | ast.ImportFrom, imports: dict[str, str]) -> list[str]:
    """Record what an import binds; returns the modules it star-imports."""
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                imports[top] = top
        return []
    base = "." * statement.level + (statement.module or "")
    prefix = base if base.endswith(".") else base + "."
    stars = []
    for alias in statement.names:
        if alias.name == "*":
            stars.append(base)
        else:
            imports[alias.asname or alias.name] = prefix + alias.name
    return stars


def _bound(target: ast.expr) -> Iterator[str]:
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Tuple | ast.List):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of the functions, classes and lambdas in it."""
    stack: list[ast.AST] = list(reversed(function.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _summarize_function(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    module_imports: Mapping[str, str],
    module_functions: set[str],
    owner: tuple[str, set[str]] | None,
) -> FunctionSummary:
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    params = tuple(arg.arg for arg in positional)
    every = {*params, *(arg.arg for arg in arguments.kwonlyargs)}
    every.update(arg.arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None)
    defaults = [
        (arg.arg, NONE if _is_none(default) else VALUE)
        for arg, default in zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults)
    ]
    defaults += [
        (arg.arg, NONE if _is_none(default) else VALUE)
        for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults)
        if default is not None
    ]
    nodes = list(_own_nodes(function))
    local_imports: dict[str, str] = {}
    bound: set[str] = set(every)
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            _bind_imports(node, local_imports)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(name for target in targets for name in _bound(target))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            bound.update(_bound(node.optional_vars))
    resolver = _Resolver(module_imports, local_imports, bound, module_functions, owner, every)
    calls = tuple(resolver.call_site(node) for node in nodes if isinstance(node, ast.Call))
    returns: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Return) and node.value is not None:
            returns.extend(_returned_callees(node.value, nodes, (node.lineno, node.col_offset), resolver))
    return FunctionSummary(
        params,
        tuple(defaults),
        tuple(call for call in calls if call.callee),
        tuple(dict.fromkeys(returns)),
        any(isinstance(node, ast.Assert | ast.Raise) for node in nodes),
    )


def _returned_callees(value: ast.expr, nodes: list[ast.AST], before: tuple[int, int], resolver: _Resolver) -> Iterator[str]:
    """The callees whose results a returned expression is: the call itself and, down a
    method chain or a name's last binding, the calls it was made from."""
    for _ in range(MAX_DEPTH):
        value = _unwrapped(value)
        if isinstance(value, ast.Name):
            bound = _last_binding(nodes, value.id, before)
            if bound is None:
                return
            before, value = bound
            continue
        if isinstance(value, ast.Subscript):
            value = value.value  # `df[df.duration > 0]`: rows or columns of what `df` holds
            continue
        if not isinstance(value, ast.Call):
            return
        callee = resolver.callee(value.func, methods=True)
        if callee:
            yield callee
        if not isinstance(value.func, ast.Attribute):
            return
        value = value.func.value


def _last_binding(nodes: list[ast.AST], name: str, before: tuple[int, int]) -> tuple[tuple[int, int], ast.expr] | None:
    """Where and to what `name` was last bound before a position, if a plain `name = value`
    was the last binding (in source order; a branch is not told from the code after it)."""
    last: tuple[tuple[int, int], ast.expr | None] | None = None
    for node in nodes:
        if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        position = (node.lineno, node.col_offset)
        if position >= before or name not in {bound for target in targets for bound in _bound(target)}:
            continue
        simple = isinstance(node, ast.Assign) and len(targets) == 1 and isinstance(targets[0], ast.Name)
        if last is None or position > last[0]:
            last = (position, _unwrapped(node.value) if simple else None)
    return last if last is not None and last[1] is not None else None


def _unwrapped(value: ast.expr) -> ast.expr:
    while (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
        and value.func.id in _TRANSPARENT and value.args
    ):
        value = value.args[0]
    return value


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


@dataclass
class _Resolver:
    """Names callees inside one function: imports (its own, then the module's), the
    module's functions (`#name`), its class's methods through `self` (`#Class.name`)."""

    module_imports: Mapping[str, str]
    local_imports: Mapping[str, str]
    bound: set[str]
    module_functions: set[str]
    owner: tuple[str, set[str]] | None
    params: set[str]

    def callee(self, func: ast.expr, methods: bool = False) -> str:
        parts: list[str] = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return METHOD_PREFIX + parts[0] if methods and parts else ""
        name, rest = func.id, list(reversed(parts))
        if name in self.local_imports:
            return ".".join([self.local_imports[name], *rest])
        if self.owner is not None and name == "self" and len(rest) == 1 and rest[0] in self.owner[1]:
            return f"{_LOCAL}{self.owner[0]}.{rest[0]}"
        if name in self.bound:
            return METHOD_PREFIX + rest[-1] if methods and rest else ""
        if name in self.module_imports:
            return ".".join([self.module_imports[name], *rest])
        if name in self.module_functions and not rest:
            return _LOCAL + name
        return METHOD_PREFIX + rest[-1] if methods and rest else ""

    def call_site(self, call: ast.Call) -> CallSite:
        args = tuple(self.shape(arg) for arg in call.args if not isinstance(arg, ast.Starred))
        keywords = tuple((kw.arg, self.shape(kw.value)) for kw in call.keywords if kw.arg is not None)
        callee = self.callee(call.func)
        func = call.func
        if not callee and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.params:
            callee = METHOD_PREFIX + func.attr  # a method of a parameter: `model.predict(X)`
        return CallSite(callee, args, keywords)

    def shape(self, value: ast.expr) -> str:
        if _is_none(value):
            return NONE
        if isinstance(value, ast.Name) and value.id in self.params:
            return "$" + value.id
        return VALUE


# -- finding modules ----------------------------------------------------------------------


@dataclass
class Project:
    """The project's modules, found and summarised on demand, kept for the worker's life.

    `root` is the project root; `allowed` are the directories a symbolic link may lead
    into (as for every read); `max_bytes` caps each module read.
    """

    root: Path
    allowed: tuple[Path, ...] = ()
    max_bytes: int = 10_000_000
    _summaries: dict[Path, ModuleSummary | None] = field(default_factory=dict)
    _located: dict[tuple[Path, str, bool], tuple[Path, tuple[str, ...]] | None] = field(default_factory=dict)
    _tops: dict[tuple[Path, str], bool] = field(default_factory=dict)
    _digests: dict[Path, str] = field(default_factory=dict)
    _bindings: dict[tuple[Path, str, int], bool] = field(default_factory=dict)
    #: `ProjectView.calls_made` answers about this project's functions, with their lookups.
    answers: dict[tuple, tuple[list[MadeCall], dict[tuple[str, str], str]]] = field(default_factory=dict)
    _nesting: int = 0
    _files: dict[Path, bytes | None] = field(default_factory=dict)
    _listings: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    _file_digests: dict[tuple[str, str], str] = field(default_factory=dict)

    def file_bytes(self, path: Path) -> bytes | None:
        """A project file that is not a module, read once: None if it is absent, unreadable,
        too large or behind a link out of the project."""
        if path not in self._files:
            try:
                self._files[path] = read_bytes(path, MAX_PROJECT_FILE_BYTES, self.allowed)
            except (OSError, RefusedFile, ValueError, MemoryError):
                self._files[path] = None
        return self._files[path]

    def listing(self, directory: Path) -> tuple[str, ...]:
        """The sorted names in a project directory, read once; empty if it cannot be listed."""
        if directory not in self._listings:
            try:
                self._listings[directory] = tuple(sorted(os.listdir(directory)))
            except (OSError, ValueError):
                self._listings[directory] = ()
        return self._listings[directory]

    def dependency_digest(self, origin: str, relative: str) -> str:
        """The digest a `project_file` or `project_listing` dependency has now, computed
        once per worker however many files read it."""
        key = (origin, relative)
        if key not in self._file_digests:
            if origin == _FILE:
                data = self.file_bytes(self.root / relative)
            else:
                data = "\0".join(self.listing(self.root / relative)).encode("utf-8", "surrogateescape")
            self._file_digests[key] = _digest_of(data)
        return self._file_digests[key]

    def summary(self, path: Path) -> ModuleSummary | None:
        """The summary of the module at `path`; None if it cannot be read or parsed."""
        if path not in self._summaries:
            self._summaries[path] = self._summarize(path)
        return self._summaries[path]

    def _summarize(self, path: Path) -> ModuleSummary | None:
        tree = self._read(path)
        return ModuleSummary(tree, reload=lambda: self._reread(path)) if tree is not None else None

    def _read(self, path: Path) -> ast.Module | None:
        """The module's tree, its digest recorded; None if it cannot be read or parsed."""
        data = self._bytes(path)
        if data is None:
            return None
        try:
            return ast.parse(decode_python_source(data))
        except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def _bytes(self, path: Path) -> bytes | None:
        """The module's bytes, None if unreadable; either way its digest is recorded."""
        try:
            data = read_bytes(path, self.max_bytes, self.allowed)
        except (OSError, RefusedFile, ValueError, MemoryError):
            self._digests[path] = "unreadable"
            return None
        self._digests[path] = hashlib.sha256(data).hexdigest()[:24]
        return data

    def _reread(self, path: Path) -> ast.Module | None:
        """The module's tree again, for its functions; None if it changed since it was read."""
        recorded = self._digests.get(path)
        tree = self._read(path)
        unchanged = self._digests.get(path) == recorded
        if recorded is not None:
            self._digests[path] = recorded  # what the summary was made from
        return tree if unchanged else None

    def locate(self, importer: Path, qualified: str, module: bool = False) -> tuple[Path, tuple[str, ...]] | None:
        """The project module a qualified name (as `importer` spells it: `helpers.seed_all`,
        `.utils.np`) lives in, and the rest of the name inside it; None if no module of
        the project matches (a library, or a module that does not exist). `module`: the
        name is a module's (`from .bert import *`), never a package's binding."""
        key = (importer.parent, qualified, module)
        if key in self._located:
            return self._located[key]
        if self._nesting >= MAX_DEPTH:
            return None  # lookups inside lookups (package bindings through star imports): bounded
        self._located[key] = None  # a lookup that comes back to itself (`from .a import *` in a) finds nothing
        self._nesting += 1
        try:
            self._located[key] = self._locate(importer, qualified, module)
        finally:
            self._nesting -= 1
        return self._located[key]

    def _locate(self, importer: Path, qualified: str, module: bool) -> tuple[Path, tuple[str, ...]] | None:
        level = len(qualified) - len(qualified.lstrip("."))
        parts = tuple(part for part in qualified[level:].split(".") if part)
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        else:
            if not parts or parts[0] in sys.stdlib_module_names:
                return None
            bases = [base for base in self._search_directories(importer) if self._holds(base, parts[0])]
        smallest = 0 if level else 1  # `from . import f` reads the package's `__init__.py`
        for size in range(len(parts), smallest - 1, -1):
            for base in bases:
                found = _module_file(base, parts[:size])
                if found is None:
                    continue
                if size > smallest and size == len(parts) and not module:
                    # `from pkg import name`: what the package binds as `name` wins over a
                    # submodule of that name, as in Python (`from .launch import launch`).
                    # One level of its star imports is looked at: a package whose star
                    # imports reach every module (transformers) would be read whole to
                    # learn that `utils` is `utils/`.
                    package = _module_file(base, parts[: size - 1])
                    if package is not None and self._binds(package, parts[-1], depth=_STAR_DEPTH - 1):
                        return package, parts[-1:]
                return found, parts[size:]
        return None

    def _binds(self, module: Path, name: str, depth: int = 0) -> bool:
        """Whether `module` binds `name`, itself or through its star imports, `depth` star
        imports below the package first asked about (at most `_STAR_DEPTH`)."""
        key = (module, name, depth)
        if key in self._bindings:
            return self._bindings[key]
        self._bindings[key] = False  # a star import that comes back here binds nothing new
        if depth > _STAR_DEPTH:
            return False  # before its summary: a module too deep is not parsed for nothing
        summary = self.summary(module)
        found = summary is not None and (
            name in summary.functions or name in summary.imports or name in summary.classes or any(
                located is not None and not located[1] and self._binds(located[0], name, depth + 1)
                for located in (self.locate(module, star, module=True) for star in summary.star_imports)
            )
        )
        self._bindings[key] = found
        return found

    def _holds(self, base: Path, top: str) -> bool:
        """Whether `base` has a module or package named `top`: most names are libraries'
        (`numpy`), and one answer per directory saves looking for each of their names.
        A directory without `__init__.py` (a namespace package) counts, but only the
        module files in it are the project's: a `datasets/` folder of data does not make
        `datasets.load_dataset` the project's."""
        key = (base, top)
        if key not in self._tops:
            try:
                self._tops[key] = (base / f"{top}.py").is_file() or (base / top).is_dir()
            except OSError:
                self._tops[key] = False
        return self._tops[key]

    def _search_directories(self, importer: Path) -> list[Path]:
        """Where `import a.b` looks from `importer`: its directory (a script's own), the
        directory above its top package, the project root and its `src`."""
        top = importer.parent
        while (top / "__init__.py").is_file() and top != self.root and top.parent != top:
            top = top.parent  # never above the project root: nothing outside it is read
        return list(dict.fromkeys([importer.parent, top, self.root, self.root / "src"]))

    def digest(self, located: tuple[Path, tuple[str, ...]] | None) -> str:
        """What a cached result records of a lookup: the digest of the module's bytes. Only
        the bytes are read: checking a warm cache must not parse the modules it depends on."""
        if located is None:
            return "-"
        if located[0] not in self._digests:
            self._bytes(located[0])
        return self._digests[located[0]]

    def still_valid(self, importer: Path, dependencies: Iterable[tuple[str, str, str]]) -> bool:
        """Whether every lookup a cached result made (`ProjectView.dependencies`) still
        finds a module with the same summary."""
        for origin, qualified, digest in dependencies:
            if origin in (_FILE, _LISTING):
                if self.dependency_digest(origin, qualified) != digest:
                    return False
                continue
            source = importer if origin == "" else self.root / origin
            if self.digest(self.locate(source, qualified)) != digest:
                return False
        return True


def _digest_of(data: bytes | None) -> str:
    return "-" if data is None else hashlib.sha256(data).hexdigest()[:24]


def _module_file(base: Path, parts: tuple[str, ...]) -> Path | None:
    """The file of module `parts` under `base` (no parts: the package `base` itself)."""
    if not parts:
        candidates: tuple[Path, ...] = (base / "__init__.py",)
    else:
        directory = base.joinpath(*parts[:-1])
        candidates = (directory / f"{parts[-1]}.py", directory / parts[-1] / "__init__.py")
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            continue
    return None


# -- one file's questions -----------------------------------------------------------------


class ProjectView:
    """The project seen from the file being checked: what a call there ends up doing.

    `tree` is the file's own CPython tree (for its functions); `project` may be None (a
    file checked on its own, or a test), and then only the file's own functions answer.
    """

    def __init__(self, path: Path | None, tree: ast.Module | None, project: Project | None) -> None:
        self.path = path
        self.project = project
        self.tree = tree
        self._own: ModuleSummary | None = None
        #: Each lookup into another module: (importer relative to the root, or "" for this
        #: file; the name; the digest of what was found).
        self.dependencies: dict[tuple[str, str], str] = {}

    @property
    def own(self) -> ModuleSummary | None:
        if self._own is None and self.tree is not None:
            self._own = summarize(self.tree)
        return self._own

    @cached_property
    def depth(self) -> int:
        """How many directories below the project root the file is (0 when unknown)."""
        if self.path is None or self.project is None:
            return 0
        relative = Path(_relative(self.path, self.project.root))
        return 0 if relative.is_absolute() or relative.parts[:1] == ("..",) else len(relative.parts) - 1

    def packages_behind(self, imported: Iterable[str]) -> set[str]:
        """The libraries whose values the project modules the file imports from hand it:
        `numpy` for `from proj.utils import np`, `pandas` for `from data import load` where
        `load` returns `pd.read_csv(...)`."""
        packages = set()
        for name in imported:
            if name.startswith(".") or self.project is None or self.path is None:
                continue  # absolute imports only, as for `canonical`
            if not self.project.locate(self.path, name):
                continue
            found = self._resolve(None, name, 0)
            if isinstance(found, Function):
                # The libraries whose results it returns: `pandas` for `return pd.read_csv(p)`
                # (not the standard library's: `os.path.join` hands back a string).
                tops = {callee.split(".")[0] for callee in self.returned(found) if not callee.startswith((".", METHOD_PREFIX))}
                packages.update(tops - sys.stdlib_module_names)
            elif isinstance(found, str) and found != name and not found.startswith("."):
                packages.add(found.split(".")[0])
        return packages

    def function(self, qualified: Iterable[str], local_name: str | None = None) -> Function | None:
        """The project function a callee names: one of its `qualified` names (from the
        file's imports), or `local_name` when the callee is a name the file defines."""
        if local_name is not None and self.own is not None and local_name in self.own.functions:
            return Function(None, local_name, self.own.functions)
        for name in qualified:
            found = self._resolve(None, name, 0)
            if isinstance(found, Function):
                return found
        return None

    def constant(self, qualified: str) -> bool:
        """Whether a name the file imports (`config.TABLE`, `from .settings import TABLE`)
        is a literal string or number a project module binds once (`ModuleSummary.constants`)."""
        if self.project is None or self.path is None:
            return False
        located = self.project.locate(self.path, qualified)
        self.dependencies[("", qualified)] = self.project.digest(located)
        summary = self.project.summary(located[0]) if located is not None else None
        return summary is not None and len(located[1]) == 1 and located[1][0] in summary.constants

    def project_file(self, relative: str) -> bytes | None:
        """The bytes of a file of the project that is not a module (`requirements.txt`,
        `.git/config`), by its path from the project root; None if it is absent or cannot
        be read. The cached result depends on them."""
        if self.project is None:
            return None
        key = (_FILE, relative)
        if key not in self.dependencies:
            self.dependencies[key] = self.project.dependency_digest(_FILE, relative)
        return self.project.file_bytes(self.project.root / relative)

    def project_listing(self, relative: str) -> tuple[str, ...]:
        """The names in a directory of the project (`""`: the root), sorted. The cached
        result depends on them: a file appearing there analyses the file again."""
        if self.project is None:
            return ()
        key = (_LISTING, relative)
        if key not in self.dependencies:
            self.dependencies[key] = self.project.dependency_digest(_LISTING, relative)
        return self.project.listing(self.project.root / relative)

    @cached_property
    def relative_directory(self) -> str | None:
        """The file's directory from the project root (`""` at the root); None when the file
        is outside the project or there is no project."""
        if self.project is None or self.path is None:
            return None
        relative = Path(_relative(self.path.parent, self.project.root))
        if relative.is_absolute() or relative.parts[:1] == ("..",):
            return None
        return "" if relative == Path(".") else relative.as_posix()

    def own_package(self, name: str) -> bool:
        """Whether `name` (`mapie`) is a package or module of this project, importable from
        the file: its own notebooks install the project they document."""
        if self.project is None or self.path is None or not name.isidentifier():
            return False
        located = self.project.locate(self.path, name, module=True)
        self.dependencies[("", name)] = self.project.digest(located)
        return located is not None

    def canonical(self, qualified: str) -> str:
        """The library name a project re-export stands for (`proj.utils.np.random.rand` ->
        `numpy.random.rand`); the name itself when it is not the project's.

        Only absolute imports are followed (`from proj.utils import np`): re-exporting a
        library is an application's idiom, while a library's own relative imports
        (`from ...utils import logging`, thousands in transformers) would have every file
        read the modules they name for nothing."""
        if qualified.startswith("."):
            return qualified
        found = self._resolve(None, qualified, 0)
        return found if isinstance(found, str) else qualified

    def calls_made(self, function: Function, args: tuple[str, ...], keywords: Mapping[str, str]) -> list[MadeCall]:
        """The library calls `function` makes when called with arguments of these shapes,
        through the project functions it calls in turn.

        A function of another module answers the same for every file: the answer, and the
        lookups it took (which each asking file records), are kept by the `Project`."""
        if function.module is None or self.project is None:
            return list(self._expand(function, args, keywords, set(), 0))
        key = (function.module, function.key, function.bound, args, tuple(sorted(keywords.items())))
        kept = self.project.answers.get(key)
        if kept is None:
            mine, self.dependencies = self.dependencies, {}
            try:
                made = list(self._expand(function, args, keywords, set(), 0))
            finally:
                mine, self.dependencies = self.dependencies, mine
            kept = self.project.answers[key] = (made, mine)
        self.dependencies.update(kept[1])
        return kept[0]

    def returned(self, function: Function) -> set[str]:
        """The library callees (or `?.method` names) whose result `function` returns,
        through the project functions it returns the result of."""
        found: set[str] = set()
        stack, seen = [(function, 0)], set()
        while stack:
            current, depth = stack.pop()
            if (current.module, current.key) in seen or depth > MAX_DEPTH:
                continue
            seen.add((current.module, current.key))
            for callee in current.summary.returns:
                inner = self._callee(current, callee, depth)
                if isinstance(inner, Function):
                    stack.append((inner, depth + 1))
                elif inner:
                    found.add(inner)
        return found

    def _expand(self, function: Function, args, keywords, seen: set, depth: int) -> Iterator[MadeCall]:
        if (function.module, function.key) in seen or depth > MAX_DEPTH:
            return
        seen.add((function.module, function.key))
        shapes = _bind(function, args, keywords)
        for site in function.summary.calls:
            site_args = tuple(_substitute(shape, shapes) for shape in site.args)
            site_keywords = {name: _substitute(shape, shapes) for name, shape in site.keywords}
            inner = self._callee(function, site.callee, depth)
            if isinstance(inner, Function):
                yield from self._expand(inner, site_args, site_keywords, seen, depth + 1)
            elif inner:
                yield MadeCall(inner, site_args, site_keywords)

    def _callee(self, caller: Function, callee: str, depth: int) -> Function | str | None:
        """What a callee named inside `caller`'s module is."""
        if callee.startswith(METHOD_PREFIX):
            return callee
        if callee.startswith(_LOCAL):
            key = callee[len(_LOCAL):]
            summary = self._module_summary(caller.module)
            if summary is not None and key in summary.functions:
                return Function(caller.module, key, summary.functions, bound="." in key)
            return None
        return self._resolve(caller.module, callee, depth + 1)

    def _module_summary(self, module: Path | None) -> ModuleSummary | None:
        if module is None:
            return self.own
        return self.project.summary(module) if self.project is not None else None

    def _resolve(self, module: Path | None, qualified: str, depth: int) -> Function | str | None:
        """A name as `module` (None: this file) spells it: a project function, the library
        name it stands for, or None (a project name that is not a function)."""
        if self.project is None or self.path is None or depth > MAX_DEPTH:
            return qualified
        importer = self.path if module is None else module
        located = self.project.locate(importer, qualified)
        origin = "" if module is None else _relative(module, self.project.root)
        if located is None and not qualified.startswith("."):
            # Not the project's: it stays so until a module of that top-level name appears.
            top = qualified.split(".")[0]
            if top not in sys.stdlib_module_names:
                self.dependencies[(origin, top)] = "-"
            return qualified
        self.dependencies[(origin, qualified)] = self.project.digest(located)
        if located is None:
            return None
        path, rest = located
        summary = self.project.summary(path)
        if summary is None or not rest:
            return None
        name = rest[0]
        if len(rest) == 1 and name in summary.functions:
            return Function(path, name, summary.functions)
        if len(rest) == 2 and name in summary.classes and ".".join(rest) in summary.functions:
            return Function(path, ".".join(rest), summary.functions)
        if name in summary.imports:
            return self._resolve(path, ".".join([summary.imports[name], *rest[1:]]), depth + 1)
        for star in summary.star_imports:
            prefix = star if star.endswith(".") else star + "."
            found = self._resolve(path, prefix + ".".join(rest), depth + 1)
            if found is not None and found != prefix + ".".join(rest):
                return found
        return None


def _relative(path: Path, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


def _bind(function: Function, args: tuple[str, ...], keywords: Mapping[str, str]) -> dict[str, str]:
    """The shape each parameter has for a call with these arguments."""
    params = function.summary.params[1:] if function.bound else function.summary.params
    shapes = dict(function.summary.defaults)
    shapes.update(zip(params, args))
    shapes.update(keywords)
    return shapes


def _substitute(shape: str, shapes: Mapping[str, str]) -> str:
    if shape.startswith("$"):
        return shapes.get(shape[1:], VALUE)
    return shape
