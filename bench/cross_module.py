"""Cross-module answers: mlsmells' summaries against astroid's inference.

    /tmp/venv-astroid/bin/python bench/cross_module.py [--repository PATH ...] \
        [--repeat 2] [--output results.json] [--examples examples.json]
    /tmp/venv-astroid/bin/python bench/cross_module.py --report run1.json run2.json

The question. For a call in file F to a function imported from another module of the same
project (through relative imports, aliases, `import pkg.mod`, re-exports such as `from
.seeding import *` in a package's `__init__.py`):

- Q1: which project function is it?
- Q2: which library calls does it make, through the project functions it calls in turn
  (does `set_seeds()` end up calling `numpy.random.seed`)?
- Q3: which library calls' results does it return (`sklearn.metrics.accuracy_score`)?

Two engines answer:

- *summaries*: `mlsmells.engine.project` (`ProjectView.function`, `calls_made`,
  `returned`), CPython `ast` summaries of the project's modules, made lazily. One
  `Project` is shared by all files of a repository, as in a real run, so a module is
  summarised once per repository.
- *astroid*: `call.func.inferred()` for Q1, then a walk of the function's own calls (each
  callee inferred, project functions followed up to depth 8 with a visited set) for Q2,
  and of its returned expressions for Q3. `astroid.MANAGER` is shared by all files of a
  repository and cleared between repositories. astroid resolves imports on `sys.path`
  only, so while a file is answered the directories Python would search for it go first
  on `sys.path` (its own directory, the one above its top package, the root, `src/`), and
  the file is built under the module name Python would give it (`module_name`). Its
  module cache is keyed by that name: two `train_net.py` scripts in different folders
  are one module to it, as they are to pylint.

Which call sites. The callee is a dotted name (`f(...)`, `m.f(...)`, `pkg.mod.f(...)`)
whose first name the file binds by an import (module level or in an enclosing function,
not shadowed by another binding), and one of whose qualified names (computed here from the
file's imports: `from helpers import f` -> `helpers.f`, `from .utils import f` ->
`.utils.f`, `import pkg.mod as m; m.f()` -> `pkg.mod.f`) has a module part naming a module
file of the repository. That check is this script's own (`repository_module`: Python's
search on the file tree: the importer's directory, the directory above its top package,
the repository root and its `src/`), not the summaries engine's `Project.locate`; how
often `locate` agrees is reported. A bare name a star import of a project module may
provide (`from config import *; f()`) is a separate kind of site ("star"): its candidate
names are `config.f` for each such module. mlsmells' own name resolution gives no name
there today, so for those sites the summaries engine is given names it would not have.

Names of library calls. The libraries are not installed in the astroid venv (as in a
linter's own environment), so astroid cannot infer `np.random.seed`; its name for a library
call is then the name its scope lookup gives the callee's import (`lookup()` on the first
name, `real_name()` of the import, re-exports of project modules followed through
astroid's modules). Where astroid infers a library object of the standard library and no
import names the callee (`logger.info` with `logger = logging.getLogger()`), its
`qname()` is used. Builtins (`print`, `len`, `list.append`) are left out of both engines'
answers. Constructing a project class counts, for astroid, as calling its `__init__`
(project classes only): the summaries engine has no answer for classes.

Timing. CPU time (`time.process_time`) per file, for the files with at least one site
(a file with none costs neither engine anything, since both are asked lazily):
- summaries: building the `ProjectView` and answering every site of the file (Q1-Q3);
  the file's own `ast.parse` is not included, since the linter parses with `ast` anyway
  (its bare cost is reported);
- astroid: building the file's module (`MANAGER.ast_from_file`) and answering every site;
- the bare `libcst.parse_module` and `ast.parse` of every file, as units.
- memoised: the summaries engine again, on a `Project` that computes each module's digest
  once (`MemoisedProject`): what the engine costs once that is cached.
`--repeat N` measures each repository N times (fresh `Project`, cleared `MANAGER`) and
keeps each file's lowest time; `--report` merges several result files the same way.
A file that fails for either engine (exception, or astroid over `--timeout` seconds) is
left out of the comparison and counted.

Comparison. Q1 per site: both engines found the same function (same file, same
`name` or `Class.name`), different ones, only one, or neither (a call that constructs a
project class counts as neither, and as "a project class" when astroid says so). Q2 and
Q3: the library names both give, or only one, summed over sites; again restricted to
third-party names (`third_party`: no standard library, no `?.method`). `--examples`
writes every site where the answers differ, for reading by hand.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import os
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import libcst

from mlsmells.engine.project import Project, ProjectView

CHECKOUTS = Path(__file__).resolve().parent / "precision" / "checkouts"
#: SkafteNicki+dtu_mlops, first chosen, has 8 calls to another module's function: replaced.
DEFAULT_REPOSITORIES = ("amaotone+kaggle-home-credit", "facebookresearch+mae", "facebookresearch+detectron2")
MAX_DEPTH = 8
#: Builtins whose result is the value they wrap (as the summaries engine treats them).
TRANSPARENT = frozenset({"float", "abs"})
METHOD = "?."


class Timeout(BaseException):
    """A file took astroid longer than the per-file limit (not an `Exception`, so that no
    `except Exception` inside astroid swallows it)."""


# -- call sites ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A call whose callee is imported from a module of the repository."""

    line: int
    column: int
    text: str
    #: The callee's qualified names, as the file's imports spell them.
    names: tuple[str, ...]
    #: The callee is a bare name a star import of a project module may provide.
    star: bool = False


@dataclass
class Scope:
    """What one scope (module or function) binds: imports and everything else."""

    imports: dict[str, list[str]] = field(default_factory=dict)
    others: set[str] = field(default_factory=set)
    stars: list[str] = field(default_factory=list)


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a body, without entering nested functions, classes and lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def bound_names(target: ast.AST) -> Iterator[str]:
    """The names an assignment target binds."""
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def scope_of(node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
    """The bindings a module or function makes in its own scope."""
    scope = Scope()
    if not isinstance(node, ast.Module):
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
        scope.others.update(arg.arg for arg in every if arg is not None)
    for child in own_nodes(node.body):
        if isinstance(child, ast.Import):
            for alias in child.names:
                local = alias.asname or alias.name.split(".")[0]
                scope.imports.setdefault(local, []).append(alias.name if alias.asname else local)
        elif isinstance(child, ast.ImportFrom):
            base = "." * child.level + (child.module or "")
            prefix = base if base.endswith(".") else base + "."
            for alias in child.names:
                if alias.name == "*":
                    scope.stars.append(base)
                else:
                    scope.imports.setdefault(alias.asname or alias.name, []).append(prefix + alias.name)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope.others.add(child.name)
        elif isinstance(child, ast.Assign):
            scope.others.update(name for target in child.targets for name in bound_names(target))
        elif isinstance(child, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
            scope.others.update(bound_names(child.target))
        elif isinstance(child, ast.withitem) and child.optional_vars is not None:
            scope.others.update(bound_names(child.optional_vars))
        elif isinstance(child, ast.ExceptHandler) and child.name:
            scope.others.add(child.name)
        elif isinstance(child, ast.comprehension):
            scope.others.update(bound_names(child.target))
    # A name both imported and bound otherwise in one scope has no single meaning: neither.
    for name in scope.others & set(scope.imports):
        del scope.imports[name]
    return scope


def dotted(func: ast.expr) -> tuple[str, list[str]] | None:
    """`a.b.c` -> ("a", ["b", "c"]); None for anything but a dotted name."""
    attributes: list[str] = []
    while isinstance(func, ast.Attribute):
        attributes.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    return func.id, list(reversed(attributes))


def lookup(name: str, chain: list[Scope]) -> tuple[list[str], list[str]]:
    """The qualified names `name` has from `chain` (innermost last), and the star-imported
    modules that may provide it when nothing binds it."""
    for scope in reversed(chain):
        if name in scope.imports:
            return scope.imports[name], []
        if name in scope.others:
            return [], []
    if hasattr(builtins, name):
        return [], []
    return [], [star for scope in chain for star in scope.stars]


def collect_sites(tree: ast.Module, path: Path, repository: Path) -> list[Site]:
    """The file's calls to names imported from the repository's modules."""
    sites: list[Site] = []

    def visit(body: list[ast.stmt], chain: list[Scope]) -> None:
        for node in own_nodes(body):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
                visit([ast.Expr(expr) for expr in [*node.decorator_list, *defaults]], chain)
                visit(node.body, [*chain, scope_of(node)])
            elif isinstance(node, ast.ClassDef):
                visit([ast.Expr(expr) for expr in [*node.decorator_list, *node.bases]], chain)
                visit(node.body, chain)  # a class body's names do not reach its methods
            elif isinstance(node, ast.Lambda):
                visit([ast.Expr(node.body)], chain)
            elif isinstance(node, ast.Call) and (parts := dotted(node.func)) is not None:
                site = site_for(node, parts, chain, path, repository)
                if site is not None:
                    sites.append(site)

    visit(tree.body, [scope_of(tree)])
    return sites


def site_for(call: ast.Call, parts, chain: list[Scope], path: Path, repository: Path) -> Site | None:
    first, rest = parts
    bases, stars = lookup(first, chain)
    names = tuple(".".join([base, *rest]) for base in bases)
    names = tuple(name for name in names if repository_module(repository, path, name) is not None)
    star = False
    if not names and stars and not rest:
        names = tuple(star_base + ("" if star_base.endswith(".") else ".") + first for star_base in stars)
        names = tuple(name for name in names if repository_module(repository, path, name) is not None)
        star = True
    if not names:
        return None
    return Site(call.lineno, call.col_offset, ast.unparse(call.func), names, star)


def repository_module(repository: Path, importer: Path, qualified: str) -> Path | None:
    """The repository's module file a qualified name's module part names (at least one
    name must follow the module), by Python's search on the file tree; None if none."""
    level = len(qualified) - len(qualified.lstrip("."))
    parts = [part for part in qualified[level:].split(".") if part]
    if level:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        bases = [base]
    else:
        bases = search_directories(importer, repository)
    for size in range(len(parts) - 1, 0, -1):
        for base in bases:
            directory = base.joinpath(*parts[: size - 1])
            for candidate in (directory / f"{parts[size - 1]}.py", directory / parts[size - 1] / "__init__.py"):
                if candidate.is_file() and inside(candidate, repository):
                    return candidate
    if level and parts and (bases[0] / "__init__.py").is_file() and inside(bases[0], repository):
        return bases[0] / "__init__.py"
    return None


def search_directories(importer: Path, repository: Path) -> list[Path]:
    """Where `import a.b` looks from `importer`: its own directory (a script's), the
    directory above its top package (not above the repository), the root and `src/`."""
    top = importer.parent
    while (top / "__init__.py").is_file() and top != repository:
        top = top.parent
    return list(dict.fromkeys([importer.parent, top, repository, repository / "src"]))


def attempt(work, default):
    """`work()`, or `default` when it raises: astroid raises far more than InferenceError
    on odd code, and one failed inference must not end a file's answers."""
    try:
        return work()
    except Exception:  # noqa: BLE001 - see the docstring
        return default


def inside(path: Path | str, repository: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(repository))
    except (OSError, ValueError):
        return False


# -- answers -------------------------------------------------------------------------------


@dataclass
class Answer:
    """One engine's answers for one site."""

    #: (path relative to the repository, `name` or `Class.name`), or None.
    function: tuple[str, str] | None = None
    #: What the callee was when it was not a function: "class" (astroid), "" otherwise.
    other: str = ""
    calls: set[str] = field(default_factory=set)
    returns: set[str] = field(default_factory=set)


def relative(path: Path | str, repository: Path) -> str:
    return os.path.relpath(os.path.realpath(path), os.path.realpath(repository))


# -- summaries engine ------------------------------------------------------------------------


def summaries_answers(path: Path, tree: ast.Module, project: Project, sites: list[Site]) -> list[Answer]:
    """The summaries engine's answers for the file's sites."""
    view = ProjectView(path, tree, project)
    return [summaries_answer(view, site, project.root) for site in sites]


def summaries_answer(view: ProjectView, site: Site, repository: Path) -> Answer:
    function = view.function(site.names)
    if function is None:
        return Answer()
    module = view.path if function.module is None else function.module
    return Answer(
        function=(relative(module, repository), function.key),
        calls={made.callee for made in view.calls_made(function, (), {})},
        returns=set(view.returned(function)),
    )


@dataclass
class MemoisedProject(Project):
    """`Project` with each module's digest computed once (a module's summary does not
    change within a run): `Project.digest` recomputes `ModuleSummary.digest` (a dataclass
    `asdict`, JSON and SHA-256 of the whole summary) at every lookup, which is most of the
    summaries engine's time on some repositories. Timed as a second summaries row, to show
    what the engine costs once that is cached; its answers must equal the plain engine's."""

    _digests: dict[Path | None, str] = field(default_factory=dict)

    def digest(self, located):
        key = None if located is None else located[0]
        if key not in self._digests:
            self._digests[key] = super().digest(located)
        return self._digests[key]


# -- astroid engine ---------------------------------------------------------------------------


def module_name(path: Path, repository: Path, relative_imports: bool) -> str:
    """The name Python gives the file: its package path below the repository (or `src/`),
    or its stem for a script outside any package. A file with relative imports in a
    directory without `__init__.py` can only be imported as part of a namespace package:
    it is named by its whole path below the root (`projects.DensePose.tests.test_setup`)."""
    parts = [path.stem] if path.stem != "__init__" else []
    directory = path.parent
    roots = {repository, repository / "src"}
    while directory not in roots and (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    if relative_imports and directory not in roots and directory == path.parent:
        root = repository / "src" if directory.is_relative_to(repository / "src") else repository
        parts = [*directory.relative_to(root).parts, *parts]
    return ".".join(parts) or path.parent.name


class AstroidEngine:
    """astroid's answers, with one `MANAGER` for all files of a repository."""

    def __init__(self, repository: Path) -> None:
        import astroid

        self.astroid = astroid
        self.nodes = astroid.nodes
        self.repository = repository
        self.manager = astroid.MANAGER
        start = time.process_time()
        self.manager.clear_cache()  # also rebuilds astroid's `builtins` module and brains
        #: CPU seconds of that start, paid once per repository (or worker): not in any file's time.
        self.setup = time.process_time() - start
        self._path = list(sys.path)

    def close(self) -> None:
        sys.path[:] = self._path
        self.manager.clear_cache()

    def answers(self, path: Path, sites: list[Site]) -> list[Answer]:
        # astroid searches `sys.path` only (`Module.import_module` passes no context file):
        # the directories Python would search for this file go first while it is answered.
        sys.path[:0] = [str(directory) for directory in search_directories(path, self.repository)]
        try:
            relative_imports = any(site.names[0].startswith(".") for site in sites)
            name = module_name(path, self.repository, relative_imports)
            module = self.manager.ast_from_file(str(path), name, source=True)
            calls = {(node.lineno, node.col_offset): node for node in module.nodes_of_class(self.nodes.Call)}
            return [self.answer(calls.get((site.line, site.column))) for site in sites]
        finally:
            sys.path[:] = self._path

    def answer(self, call) -> Answer:
        if call is None:
            return Answer()
        for target in self.inferred(call.func):
            function = self.project_function(target)
            if function is not None:
                calls: set[str] = set()
                returns: set[str] = set()
                self.library_calls(function, calls, set(), 0)
                self.returned(function, returns, set(), 0)
                return Answer(self.identity(function), "", calls, returns)
            if isinstance(target, self.nodes.ClassDef) and self.in_project(target):
                return Answer(None, "class")
        return Answer()

    # -- inference helpers

    def inferred(self, node) -> list:
        """What `node` may be (Uninferable dropped), at most 8 values; [] on failure."""
        def first_values() -> list:
            values = []
            for value in node.infer():
                if value is not self.astroid.Uninferable:
                    values.append(value)
                if len(values) >= 8:
                    break
            return values

        return attempt(first_values, [])

    def in_project(self, node) -> bool:
        file = getattr(node.root(), "file", None)
        return bool(file) and inside(file, self.repository)

    def project_function(self, target):
        """The project FunctionDef a callee value runs: a function or a method (bound or
        not); None otherwise (classes: see `constructor`)."""
        target = self.unbound(target)
        if isinstance(target, self.nodes.FunctionDef) and self.in_project(target):
            return target
        return None

    def unbound(self, target):
        """The FunctionDef behind a method (a BoundMethod proxies an UnboundMethod)."""
        while isinstance(target, self.astroid.bases.UnboundMethod):
            target = target._proxied
        return target

    def constructor(self, target):
        """A project class's own `__init__`, or one it inherits from a project class."""
        if not isinstance(target, self.nodes.ClassDef) or not self.in_project(target):
            return None
        classes = attempt(lambda: [target, *target.ancestors()], [target])
        for cls in classes:
            if "__init__" in cls.locals:
                init = cls.locals["__init__"][0]
                if isinstance(init, self.nodes.FunctionDef) and self.in_project(init):
                    return init
                return None
        return None

    def identity(self, function) -> tuple[str, str]:
        parent = function.parent
        key = f"{parent.name}.{function.name}" if isinstance(parent, self.nodes.ClassDef) else function.name
        return relative(function.root().file, self.repository), key

    def own(self, function, kind) -> Iterator:
        """The nodes of `kind` in a function's body, not in functions, classes, lambdas in it."""
        stack = list(reversed(function.body))
        while stack:
            node = stack.pop()
            if isinstance(node, kind):
                yield node
            if not isinstance(node, self.nodes.FunctionDef | self.nodes.ClassDef | self.nodes.Lambda):
                stack.extend(reversed(list(node.get_children())))

    # -- naming library callees

    def callees(self, call, methods: bool) -> tuple[list, set[str]]:
        """The project functions a call may run, and otherwise its library names."""
        functions = []
        library_qnames = []
        for target in self.inferred(call.func):
            function = self.project_function(target) or self.constructor(target)
            if function is not None:
                functions.append(function)
            elif not self.in_project(target):
                target = self.unbound(target)
                if isinstance(target, self.nodes.FunctionDef | self.nodes.ClassDef):
                    library_qnames.append(target.qname())
        if functions:
            return functions, set()
        name = self.import_name(call.func)
        if name is not None:
            return [], {name}
        names = {qname for qname in library_qnames if not qname.startswith("builtins.")}
        if names:
            return [], names
        if methods and isinstance(call.func, self.nodes.Attribute):
            return [], {METHOD + call.func.attrname}
        return [], set()

    def import_name(self, func) -> str | None:
        """The library name a dotted callee has through the imports astroid's scope lookup
        finds (re-exports of project modules followed), or None."""
        attributes: list[str] = []
        while isinstance(func, self.nodes.Attribute):
            attributes.append(func.attrname)
            func = func.expr
        if not isinstance(func, self.nodes.Name):
            return None
        scope, assignments = attempt(lambda: func.lookup(func.name), (None, []))
        if scope is None or scope.name == "builtins":
            return None
        name = self.imported(assignments, func.name)
        if name is None:
            return None
        return self.canonical(".".join([name, *reversed(attributes)]), func.root(), 0)

    def imported(self, assignments: list, name: str) -> str | None:
        """The dotted name `name` stands for when all its `assignments` are imports."""
        imports = [a for a in assignments if isinstance(a, self.nodes.Import | self.nodes.ImportFrom)]
        if not imports or len(imports) != len(assignments):
            return None
        statement = imports[0]
        real = attempt(lambda: statement.real_name(name), None)
        if real is None or isinstance(statement, self.nodes.Import):
            return real
        base = attempt(lambda: statement.root().relative_to_absolute_name(statement.modname, statement.level), None)
        return None if base is None else f"{base}.{real}"

    def canonical(self, name: str, context, depth: int) -> str | None:
        """`name`, with a project module's re-export (`utils.np.random.seed`) replaced by
        what that module imports; None for a project name that is not a re-export."""
        parts = name.split(".")
        for size in range(len(parts) - 1, 0, -1):
            load = partial(self.manager.ast_from_module_name, ".".join(parts[:size]), context.file)
            module = attempt(load, None)
            if module is None:
                continue
            if not self.in_project(module):
                return name
            if depth >= MAX_DEPTH or parts[size] not in module.locals:
                return None
            inner = self.imported(module.locals[parts[size]], parts[size])
            if inner is None:
                return None
            return self.canonical(".".join([inner, *parts[size + 1:]]), module, depth + 1)
        return name

    # -- Q2 and Q3

    def library_calls(self, function, found: set[str], seen: set, depth: int) -> None:
        key = self.identity(function)
        if key in seen or depth > MAX_DEPTH:
            return
        seen.add(key)
        for call in self.own(function, self.nodes.Call):
            functions, names = self.callees(call, methods=False)
            found.update(names)
            for inner in functions:
                self.library_calls(inner, found, seen, depth + 1)

    def returned(self, function, found: set[str], seen: set, depth: int) -> None:
        key = self.identity(function)
        if key in seen or depth > MAX_DEPTH:
            return
        seen.add(key)
        for statement in self.own(function, self.nodes.Return):
            if statement.value is None:
                continue
            for call in self.returned_calls(self.unwrapped(statement.value)):
                functions, names = self.callees(call, methods=True)
                found.update(names)
                for inner in functions:
                    self.returned(inner, found, seen, depth + 1)

    def unwrapped(self, value):
        while (
            isinstance(value, self.nodes.Call) and isinstance(value.func, self.nodes.Name)
            and value.func.name in TRANSPARENT and value.args
        ):
            value = value.args[0]
        return value

    def returned_calls(self, value) -> list:
        """The calls whose result a returned expression is: itself, or the calls assigned
        to the returned name that astroid's lookup says may reach the return."""
        if isinstance(value, self.nodes.Call):
            return [value]
        if not isinstance(value, self.nodes.Name):
            return []
        _, assignments = attempt(lambda: value.lookup(value.name), (None, []))
        calls = []
        for assignment in assignments:
            statement = assignment.parent
            if (
                isinstance(assignment, self.nodes.AssignName) and isinstance(statement, self.nodes.Assign)
                and len(statement.targets) == 1 and statement.targets[0] is assignment
            ):
                inner = self.unwrapped(statement.value)
                if isinstance(inner, self.nodes.Call):
                    calls.append(inner)
        return calls


# -- one repository -------------------------------------------------------------------------


@dataclass
class FileResult:
    path: str
    sites: list[Site]
    libcst: float
    ast: float
    summaries: float | None = None
    memoised: float | None = None
    astroid: float | None = None
    summaries_answers: list[Answer] | None = None
    astroid_answers: list[Answer] | None = None
    failed: str = ""
    locate_disagrees: int = 0


def python_files(repository: Path) -> list[Path]:
    return sorted(path for path in repository.rglob("*.py") if path.is_file())


def measure_repository(repository: Path, timeout: int) -> tuple[list[FileResult], float]:
    """Every file's sites, answers and costs, with one Project and one MANAGER; and the
    CPU seconds astroid's start took."""
    projects = (Project(repository), MemoisedProject(repository))
    engine = AstroidEngine(repository)
    results = []
    try:
        for path in python_files(repository):
            results.append(measure_file(path, repository, projects, engine, timeout))
    finally:
        engine.close()
    return results, engine.setup


def measure_file(path: Path, repository: Path, projects, engine: AstroidEngine, timeout: int) -> FileResult:
    name = relative(path, repository)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return FileResult(name, [], 0.0, 0.0, failed=f"read: {type(error).__name__}")
    libcst_seconds, _, _ = timed(lambda: libcst.parse_module(text))
    ast_seconds, tree, error = timed(lambda: ast.parse(text))
    if tree is None:
        return FileResult(name, [], libcst_seconds, ast_seconds, failed=f"ast.parse: {error}")
    sites = collect_sites(tree, path, repository)
    result = FileResult(name, sites, libcst_seconds, ast_seconds)
    if not sites:
        return result
    project, memoised = projects
    result.locate_disagrees = sum(
        1 for site in sites if not any(project.locate(path, name) for name in site.names)
    )
    seconds, answers, error = timed(lambda: summaries_answers(path, tree, project, sites))
    if answers is None:
        result.failed = f"summaries: {error}"
        return result
    result.summaries, result.summaries_answers = seconds, answers
    seconds, again, error = timed(lambda: summaries_answers(path, tree, memoised, sites))
    if again != answers:
        result.failed = f"memoised summaries differ: {error}"
        return result
    result.memoised = seconds
    seconds, answers, error = timed(lambda: engine.answers(path, sites), timeout)
    if answers is None:
        result.failed = f"astroid: {error}"
        return result
    result.astroid, result.astroid_answers = seconds, answers
    return result


def timed(work, timeout: int = 0):
    """(CPU seconds, result, error) of `work()`; the result is None and the error says why
    if it raised or timed out."""
    def expire(signum, frame):
        raise Timeout

    previous = signal.signal(signal.SIGALRM, expire) if timeout else None
    if timeout:
        signal.alarm(timeout)
    start = time.process_time()
    try:
        value, error = work(), ""
    except Timeout:
        return float(timeout), None, "timeout"
    except Exception as exception:  # noqa: BLE001 - hostile input: any failure skips the file
        value, error = None, f"{type(exception).__name__}: {exception}"[:200]
    finally:
        if timeout:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    return time.process_time() - start, value, error


def lowest(runs: list[list[FileResult]]) -> list[FileResult]:
    """The first run's answers, with each file's lowest time over all runs."""
    merged = runs[0]
    for run in runs[1:]:
        for first, other in zip(merged, run, strict=True):
            for attribute in ("libcst", "ast", "summaries", "memoised", "astroid"):
                a, b = getattr(first, attribute), getattr(other, attribute)
                if a is not None and b is not None:
                    setattr(first, attribute, min(a, b))
            if not first.failed and other.failed:
                first.failed = other.failed
    return merged


# -- comparison ---------------------------------------------------------------------------


def compare(results: list[FileResult], setup: float) -> dict:
    """Agreement counts and cost statistics for one repository."""
    usable = [r for r in results if not r.failed and r.sites]
    q1: Counter[str] = Counter()
    sets = {"calls": Counter(), "returns": Counter(), "third-party calls": Counter(), "third-party returns": Counter()}
    kinds: Counter[str] = Counter()
    for result in usable:
        for site, mine, theirs in zip(result.sites, result.summaries_answers, result.astroid_answers):
            kinds["star" if site.star else "import"] += 1
            q1[agreement(mine.function, theirs.function)] += 1
            if theirs.other == "class":
                kinds["astroid: a project class"] += 1
            for attribute, counter in sets.items():
                a, b = getattr(mine, attribute.split()[-1]), getattr(theirs, attribute.split()[-1])
                if attribute.startswith("third-party"):
                    a, b = third_party(a), third_party(b)
                counter["both"] += len(a & b)
                counter["only summaries"] += len(a - b)
                counter["only astroid"] += len(b - a)
                counter["sites equal"] += a == b
                if mine.function is not None and mine.function == theirs.function:
                    counter["same function, sets equal"] += a == b
                    counter["same function"] += 1
    return {
        "files": len(results),
        "files with sites": sum(1 for r in results if r.sites),
        "failed": Counter(r.failed for r in results if r.failed),
        "sites": sum(len(r.sites) for r in usable),
        "kinds": kinds,
        "locate disagrees": sum(r.locate_disagrees for r in usable),
        "q1": q1,
        "q2": sets["calls"],
        "q3": sets["returns"],
        "q2 third-party": sets["third-party calls"],
        "q3 third-party": sets["third-party returns"],
        "cost": costs(results, usable),
        "astroid setup s": setup,
    }


def third_party(names: set[str]) -> set[str]:
    """The names of third-party libraries' callees (`numpy.random.seed`, `torch.tensor`):
    not the standard library's (`logging.Logger.info`), not methods of unknown values
    (`?.fit`), not astroid's stub classes (`.ndarray.astype`, from its numpy brain)."""
    return {
        name for name in names
        if not name.startswith((METHOD, ".")) and name.split(".")[0] not in sys.stdlib_module_names
    }


def agreement(mine, theirs) -> str:
    if mine is None and theirs is None:
        return "neither"
    if mine is None:
        return "only astroid"
    if theirs is None:
        return "only summaries"
    return "both, same" if tuple(mine) == tuple(theirs) else "both, different"


def costs(results: list[FileResult], usable: list[FileResult]) -> dict:
    """CPU milliseconds per file (files with sites), and totals in bare libcst parses."""
    every_libcst = sum(r.libcst for r in results)
    out = {"libcst total s": every_libcst, "ast total s": sum(r.ast for r in results)}
    for engine in ("summaries", "memoised", "astroid", "libcst", "ast"):
        values = [getattr(r, engine) * 1000 for r in usable]
        if not values:
            continue
        units = [getattr(r, engine) / r.libcst for r in usable if r.libcst > 0]
        out[engine] = {
            "mean ms": statistics.fmean(values),
            "median ms": statistics.median(values),
            "max ms": max(values),
            "total s": sum(values) / 1000,
            "total / libcst of all files": sum(values) / 1000 / every_libcst if every_libcst else 0.0,
            "median per-file libcst units": statistics.median(units) if units else 0.0,
        }
    return out


def disagreements(repository: str, results: list[FileResult]) -> list[dict]:
    """Every site where the engines' answers differ, for reading by hand."""
    found = []
    for result in results:
        if result.failed or not result.sites:
            continue
        for site, mine, theirs in zip(result.sites, result.summaries_answers, result.astroid_answers):
            if (mine.function, mine.calls, mine.returns) != (theirs.function, theirs.calls, theirs.returns):
                found.append({
                    "repository": repository,
                    "file": result.path,
                    "site": asdict(site),
                    "summaries": answer_data(mine),
                    "astroid": answer_data(theirs),
                })
    return found


def answer_data(answer: Answer) -> dict:
    return {
        "function": answer.function,
        "other": answer.other,
        "calls": sorted(answer.calls),
        "returns": sorted(answer.returns),
    }


# -- reporting ---------------------------------------------------------------------------


def report(name: str, summary: dict) -> str:
    """One repository's tables, in Markdown."""
    lines = [f"### {name}", ""]
    failed = ", ".join(f"{reason}: {count}" for reason, count in summary["failed"].items()) or "none"
    kinds = ", ".join(f"{kind}: {count}" for kind, count in summary["kinds"].items())
    lines.append(
        f"{summary['files']} files, {summary['files with sites']} with sites; failed: {failed}. "
        f"{summary['sites']} call sites ({kinds}); `Project.locate` finds no module for "
        f"{summary['locate disagrees']} of them."
    )
    lines += ["", "| Q1: function found | sites |", "|---|---|"]
    for key in ("both, same", "both, different", "only summaries", "only astroid", "neither"):
        lines.append(f"| {key} | {summary['q1'][key]} |")
    header = "| library names (summed over sites) | Q2 calls made | Q3 results returned | Q2, third-party only "
    lines += ["", header + "| Q3, third-party only |", "|---|---|---|---|---|"]
    for key in ("both", "only summaries", "only astroid", "sites equal", "same function", "same function, sets equal"):
        columns = (summary[q][key] for q in ("q2", "q3", "q2 third-party", "q3 third-party"))
        lines.append(f"| {key} | " + " | ".join(map(str, columns)) + " |")
    cost = summary["cost"]
    lines += [
        "",
        "| CPU per file with sites | mean ms | median ms | max ms | total s | total / libcst parse of all files | median per-file, libcst units |",
        "|---|---|---|---|---|---|---|",
    ]
    for engine in ("summaries", "memoised", "astroid", "ast", "libcst"):
        if engine in cost:
            c = cost[engine]
            lines.append(
                f"| {engine} | {c['mean ms']:.2f} | {c['median ms']:.2f} | {c['max ms']:.1f} | {c['total s']:.3f} "
                f"| {c['total / libcst of all files']:.3f} | {c['median per-file libcst units']:.3f} |"
            )
    lines.append(f"\nBare parse of all {summary['files']} files: libcst {cost['libcst total s']:.3f} s, "
                 f"ast {cost['ast total s']:.3f} s. astroid's start (`MANAGER.clear_cache()`, which "
                 f"rebuilds `builtins`), once per repository, not in the files' times: "
                 f"{summary['astroid setup s']:.3f} s.")
    return "\n".join(lines) + "\n"


def serialise(results: list[FileResult]) -> list[dict]:
    return [asdict(result) for result in results]


def deserialise(data: list[dict]) -> list[FileResult]:
    files = []
    for item in data:
        item["sites"] = [Site(**{**site, "names": tuple(site["names"])}) for site in item["sites"]]
        for key in ("summaries_answers", "astroid_answers"):
            if item[key] is not None:
                item[key] = [
                    Answer(tuple(a["function"]) if a["function"] else None, a["other"], set(a["calls"]), set(a["returns"]))
                    for a in item[key]
                ]
        files.append(FileResult(**item))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", action="append", type=Path, help="a repository folder (repeatable)")
    parser.add_argument("--repeat", type=int, default=2, help="measurements per repository; lowest time kept")
    parser.add_argument("--timeout", type=int, default=20, help="astroid's per-file limit, seconds")
    parser.add_argument("--output", type=Path, help="write per-file results as JSON")
    parser.add_argument("--examples", type=Path, help="write every disagreement as JSON")
    parser.add_argument("--report", nargs="+", type=Path, help="merge result files (lowest times) and report")
    options = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    if options.report:
        loaded = [json.loads(path.read_text()) for path in options.report]
        runs = {
            name: (lowest([deserialise(run[name]["files"]) for run in loaded]), min(run[name]["setup"] for run in loaded))
            for name in loaded[0]
        }
    else:
        repositories = options.repository or [CHECKOUTS / name for name in DEFAULT_REPOSITORIES]
        runs = {}
        for repository in repositories:
            repository = repository.resolve()
            measured = [measure_repository(repository, options.timeout) for _ in range(options.repeat)]
            runs[repository.name] = lowest([files for files, _ in measured]), min(setup for _, setup in measured)
        if options.output:
            data = {name: {"setup": setup, "files": serialise(files)} for name, (files, setup) in runs.items()}
            options.output.write_text(json.dumps(data, default=sorted))
    import astroid

    print(f"astroid {astroid.__version__}, libcst {libcst_version()}, Python {sys.version.split()[0]}\n")
    for name, (results, setup) in runs.items():
        print(report(name, compare(results, setup)))
    if options.examples:
        found = [item for name, (results, _) in runs.items() for item in disagreements(name, results)]
        options.examples.write_text(json.dumps(found, indent=1))


def libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


if __name__ == "__main__":
    main()
