"""MLS101 to MLS103 and MLS105: seeding. Uncontrolled randomness makes training runs, data
splits and tests impossible to repeat (SLR-CM25, SLR-CM30, ZHANG22-14)."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from functools import cache

import libcst as cst

from mlsmells.engine.calls import (
    assigned_name,
    callee_name,
    has_double_star,
    is_main_guard,
    is_none,
    keyword_arg,
    keyword_literal,
    unwrap_method_chain,
)
from mlsmells.engine.dataflow import Definition, Kind, ancestry
from mlsmells.engine.names import parameters, target_names
from mlsmells.engine.walker import children_of
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.randomness import (
    ALL_LIBRARIES,
    DRAW_NAMES,
    LIBRARY_TITLES,
    SEED_FUNCTIONS_OPTION,
    UNDECIDED,
    DeferredSeeding,
    Draw,
    Seeding,
    classify,
    seeds_with_a_value,
)
from mlsmells.rule import Rule

#: APIs that only need an input of the right shape: tracing, export, profiling, summaries.
_SHAPE_ONLY_APIS = frozenset(
    "trace trace_module symbolic_trace export FlopCountAnalysis profile summary add_graph "
    "make_dot get_model_complexity_info".split()
)
#: Variable names that say the values do not matter.
_DUMMY_NAME_PARTS = ("dummy", "example", "fake")


class _Use(enum.Enum):
    """What an expression's value is used for, where it is read."""

    #: Bound to a name (`x = ...`, `for x in ...`): what counts is how that name is used.
    CARRIED = "carried"
    #: Can change a result: trained on, returned, stored on an object, tested in a branch.
    MATTERS = "matters"
    #: Only displayed, plotted, measured for its shape, or given to a tracer or exporter.
    INERT = "inert"
    #: An expression statement: the value is shown (a notebook cell) or thrown away.
    DISCARDED = "discarded"


#: Calls that only show what they are given, or wait for as long as it says, or need only
#: its shape (see `_SHAPE_ONLY_APIS`).
_DISPLAY_CALLS = frozenset(
    "print display pprint imshow show plot scatter hist bar barh title set_title suptitle "
    "xlabel ylabel set_xlabel set_ylabel text annotate legend matshow axis savefig "
    "heatmap histplot kdeplot scatterplot lineplot countplot boxplot pairplot sleep".split()
)
_DISPLAY_LIBRARIES = ("matplotlib.", "seaborn.", "plotly.")
#: Calls that write an image file, for a person to look at: a sample grid, a picture.
_IMAGE_WRITERS = frozenset({"save_image", "imsave", "imwrite"})
#: Fitting methods that return what they computed (an embedding, cluster labels): the
#: estimator and its data matter as much as that result does.
_FITS_RETURNING_A_RESULT = frozenset({"fit_transform", "fit_predict"})
#: Words naming a project function that shows what it is given (`plot_predictions`,
#: `show_batch`, `display_samples`, `visualize_attention`).
_DISPLAY_WORDS = ("plot", "show", "display", "visuali")
#: Attributes and methods that read a value's shape, never its numbers.
_SHAPE_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "device"})
_SHAPE_METHODS = frozenset({"size", "dim", "numel"})
#: Calls that turn what they are given into a result, whatever context they sit in:
#: training, scoring, optimising, updating, appending, saving.
_RESULT_WORDS = ("fit", "train", "score", "cross_val", "evaluate", "backward", "search", "optimi", "minimize")
_RESULT_PREFIXES = ("save", "dump", "write", "to_csv", "to_parquet", "to_pickle", "to_json", "to_excel")
_RESULT_METHODS = frozenset({"step", "update", "append", "extend", "insert", "add", "put", "savetxt", "savez"})


#: Libraries whose functions compute a value from their arguments (in-place ones end in `_`).
_COMPUTING_LIBRARIES = ("numpy.", "torch.", "tensorflow.", "math.")


def _computes(qualified: tuple[str, ...], name: str | None) -> bool:
    """`np.mean(x)`, `torch.matmul(a, b)`: a library computation with no side effect."""
    return bool(qualified) and bool(name) and not name.endswith("_") and all(
        q.startswith(_COMPUTING_LIBRARIES) for q in qualified
    )


def _named_for_display(name: str | None) -> bool:
    """`plot_samples`, `show_batch`: a project function whose name says it shows its input."""
    return bool(name) and any(word in name.lower() for word in _DISPLAY_WORDS)


def _makes_a_result(name: str | None) -> bool:
    """A call named for training, scoring or storing: what it is given can change a result."""
    if not name:
        return False
    lowered = name.lower()
    return name in _RESULT_METHODS or lowered.startswith(_RESULT_PREFIXES) or any(word in lowered for word in _RESULT_WORDS)


class ValueUses:
    """Where the values of calls go, in one file: does a random draw, or an estimator, reach
    anything that can change a result, or is it only displayed, plotted, shape-checked or
    exported?

    Each statement is read once, when the walk reaches it, with the file's data flow
    (`self.file.flow`): every call and every variable read gets a `_Use` from where it sits
    (`plt.imshow(images[i])` makes `i` inert, `model.fit(X)` makes `X` matter, `x = f()`
    carries `f()` on to `x`). A value carried to a variable matters if any use of the
    variable, or of the variables computed from it, matters. Shared by the rules of this
    module through `FileContext.shared`; each rule feeds it the statements it visits, and a
    statement is read only once.
    """

    def __init__(self, file) -> None:
        self._file = file
        #: Reading every statement costs a second pass over the file's expressions: a file
        #: whose text names no draw and no random estimator has nothing to ask about. (A call
        #: that was not read counts as mattering, so a miss here only keeps a finding.)
        self.active = _may_draw(file.text)
        self._read: set[int] = set()
        self._context: dict[cst.Call, _Use] = {}
        #: Calls carried to variables: the binding statement whose definitions hold them.
        self._carried_by: dict[cst.Call, cst.CSTNode] = {}
        self._bindings: list[cst.CSTNode] = []
        self._used: set[int] = set()
        self._matter: set[int] = set()
        #: Names a function reads from outside itself in a way that may matter: the
        #: definitions they reach may come later in the file (a notebook's later cell).
        self._free_names: set[str] = set()
        self._readers: dict[int, list[Definition]] | None = None

    # -- feeding ------------------------------------------------------------------------

    def statement(self, node: cst.CSTNode) -> None:
        """Read a small statement (`Expr`, `Assign`, `Return`...)."""
        if not self.active or id(node) in self._read:
            return
        self._read.add(id(node))
        if isinstance(node, cst.Expr):
            self._walk(node.value, _Use.DISCARDED)
        elif isinstance(node, cst.Assign | cst.AnnAssign | cst.AugAssign):
            self._binding(node)
        elif isinstance(node, cst.Return) and node.value is not None:
            self._walk(node.value, _Use.MATTERS)
        elif isinstance(node, cst.Raise) and node.exc is not None:
            self._walk(node.exc, _Use.MATTERS)
        elif isinstance(node, cst.Assert):
            self._walk(node.test, _Use.MATTERS)

    def header(self, node: cst.CSTNode) -> None:
        """Read what a compound statement evaluates: a test, a loop's iterable, a `with` item."""
        if not self.active or id(node) in self._read:
            return
        self._read.add(id(node))
        if isinstance(node, cst.If | cst.While):
            self._walk(node.test, _Use.MATTERS)
        elif isinstance(node, cst.For):
            self._bindings.append(node)
            self._walk(node.iter, _Use.CARRIED, node)
        elif isinstance(node, cst.WithItem):
            if node.asname is not None and isinstance(node.asname.name, cst.Name):
                self._bindings.append(node)
                self._walk(node.item, _Use.CARRIED, node)
            else:
                self._walk(node.item, _Use.MATTERS)

    def _binding(self, node: cst.Assign | cst.AnnAssign | cst.AugAssign) -> None:
        targets = [target.target for target in node.targets] if isinstance(node, cst.Assign) else [node.target]
        if node.value is None:
            return
        use = _Use.CARRIED if all(self._follows(target) for target in targets) else _Use.MATTERS
        self._bindings.append(node)
        self._walk(node.value, use, node)
        for target in targets:  # `X[idx] = ...`: the index is carried into `X`
            if isinstance(target, cst.Subscript):
                for element in target.slice:
                    self._walk(element.slice, use, node)

    def _follows(self, target: cst.BaseExpression) -> bool:
        """Whether the data flow follows what is bound to `target`: a name, a tuple of them,
        or an item of a variable this scope assigned. An attribute (`self.model = ...`) or an
        item of a parameter stores the value where other code reads it."""
        if isinstance(target, cst.Name):
            return True
        if isinstance(target, cst.Tuple | cst.List):
            return all(self._follows(element.value) for element in target.elements)
        if isinstance(target, cst.Subscript):
            definitions = self._file.flow.definitions(target)
            return bool(definitions) and all(definition.kind is not Kind.PARAM for definition in definitions)
        return False

    def _walk(self, root: cst.BaseExpression, use: _Use, binding: cst.CSTNode | None = None) -> None:
        # Names a comprehension or lambda binds for itself are its own: they are added as
        # the walk enters it, before its parts are read.
        bound: set[str] = set()
        stack = [(root, use)]
        while stack:
            node, use = stack.pop()
            if isinstance(node, cst.Name):
                if node.value not in bound:
                    self._read_name(node, use)
                continue
            if isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp | cst.Lambda):
                bound |= _names_bound_by(node)
            if isinstance(node, cst.Call):
                self._context.setdefault(node, use)
                if use is _Use.CARRIED and binding is not None:
                    self._carried_by.setdefault(node, binding)
                stack.extend(self._call_parts(node, use))
            elif isinstance(node, cst.Attribute):
                stack.append((node.value, _Use.INERT if node.attr.value in _SHAPE_ATTRIBUTES else use))
            elif isinstance(node, cst.Lambda | cst.NamedExpr | cst.Yield | cst.Await):
                stack.extend((child, _Use.MATTERS) for child in children_of(node))
            else:
                stack.extend((child, use) for child in children_of(node))

    def _call_parts(self, call: cst.Call, use: _Use) -> list[tuple[cst.CSTNode, _Use]]:
        """The receiver and arguments of `call`, with what `call` does with them."""
        name = callee_name(call.func)
        qualified = self._file.qualified_names(call.func)
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        if name in _IMAGE_WRITERS:
            given = taken = _Use.INERT
        elif name in _FITS_RETURNING_A_RESULT:
            given = taken = use  # `TSNE().fit_transform(X)`: what counts is where the result goes
        elif _makes_a_result(name):
            given = taken = _Use.MATTERS
        elif name in _DISPLAY_CALLS or name in _SHAPE_ONLY_APIS or name == "len" or any(
            q.startswith(_DISPLAY_LIBRARIES) for q in qualified
        ):
            given = taken = _Use.INERT
        elif name in _SHAPE_METHODS:
            given, taken = use, _Use.INERT
        elif self._file.called_function(call) is not None:
            # The project's own function, not followed: one named for showing shows.
            given = taken = _Use.INERT if _named_for_display(name) else _Use.MATTERS
        elif use is _Use.DISCARDED and (self._calls_a_local_value(call) or _computes(qualified, name)):
            given = taken = use  # `model(sample)`, `torch.matmul(a, b)` in a cell: shows the output
        elif use is _Use.DISCARDED:
            given, taken = _Use.MATTERS, use  # a statement: its arguments serve its side effects
        else:
            given = taken = use
        parts = [(arg.value, given) for arg in call.args]
        if receiver is not None:
            parts.append((receiver, taken))
        return parts

    def _calls_a_local_value(self, call: cst.Call) -> bool:
        """`model(batch)`: a call of a variable the file assigned (a model, a transform),
        not of a function whose side effects are unknown."""
        if not isinstance(call.func, cst.Name):
            return False
        definitions = self._file.flow.reaching(call.func.value)
        return bool(definitions) and all(definition.kind is Kind.ASSIGN for definition in definitions)

    def _read_name(self, name: cst.Name, use: _Use) -> None:
        if use is not _Use.CARRIED:
            for definition in self._file.flow.reaching(name.value):
                self._used.add(id(definition))
                if use is _Use.MATTERS:
                    self._matter.add(id(definition))
        if use in (_Use.CARRIED, _Use.MATTERS) and self._reads_from_outside(name.value):
            self._free_names.add(name.value)

    def _reads_from_outside(self, name: str) -> bool:
        scopes = self._file.scopes
        return len(scopes) > 1 and not any(name in scope.others for scope in scopes[1:])

    # -- questions ----------------------------------------------------------------------

    def matters(self, call: cst.Call, dead_end_matters: Callable[[Definition], bool]) -> bool:
        """Whether the value of `call` can change a result. A variable nothing reads is
        judged by `dead_end_matters`; a call in a statement this analysis did not read
        (a decorator, a default value) matters."""
        use = self._context.get(call)
        if use is not _Use.CARRIED:
            return use is None or use is _Use.MATTERS
        binding = self._carried_by.get(call)
        definitions = self._file.flow.defined_by(binding) if binding is not None else []
        if not definitions:
            return True
        return any(
            self._definition_matters(definition, dead_end_matters)
            for definition in ancestry(definitions, self._readers_of)
        )

    def importable(self, definition: Definition) -> bool:
        """An estimator or split nothing in the file uses matters only where another module
        may import it: a module-level variable of a Python file. Building an estimator draws
        nothing; fitting it does."""
        return self._file.notebook is None and len(definition.scopes) == 1

    def _definition_matters(self, definition: Definition, dead_end_matters: Callable[[Definition], bool]) -> bool:
        if id(definition) in self._matter or definition.name in self._free_names:
            return True
        dead = not self._readers_of(definition) and id(definition) not in self._used
        return dead and dead_end_matters(definition)

    def _readers_of(self, definition: Definition) -> list[Definition]:
        """The definitions computed from `definition`."""
        if self._readers is None:
            self._readers = {}
            for node in self._bindings:
                for later in self._file.flow.defined_by(node):
                    for source in later.sources:
                        self._readers.setdefault(id(source), []).append(later)
        return self._readers.get(id(definition), [])


@cache
def _candidate_words() -> re.Pattern[str]:
    """A draw or a random scikit-learn callable, called (`rand(`) or imported (`import
    rand as r`). One-letter names (`np.random.f`) are left out: such a file is read as
    having nothing to ask about, and its draw counts as mattering."""
    names = DRAW_NAMES | _ALWAYS_RANDOM | _RANDOM_WHEN_SHUFFLED | {"LogisticRegression", "SVC", "NuSVC"}
    words = "|".join(sorted(name for name in names if len(name) > 1))
    return re.compile(rf"\b(?:{words})\s*\(|\bimport\b(?:[^\n(]*|\s*\([^)]*)\b(?:{words})\b")


def _may_draw(text: str) -> bool:
    """Whether `text` calls or imports a library draw or a random scikit-learn callable
    (an alias still names it where it is imported)."""
    return _candidate_words().search(text) is not None


def _names_bound_by(node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp | cst.Lambda) -> set[str]:
    """The names a comprehension's `for` clauses or a lambda's parameters bind."""
    if isinstance(node, cst.Lambda):
        return {param.name.value for param in parameters(node.params)}
    bound: set[str] = set()
    clause = node.for_in
    while clause is not None:
        bound.update(name.value for name in target_names(clause.target))
        clause = clause.inner_for_in
    return bound


class _FollowsValues(Rule):
    """A rule that asks `ValueUses` where values go: it feeds it every statement."""

    uses_dataflow = True  # per file: see __init__

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.uses = file.shared(ValueUses)
        #: Whether this rule feeds ValueUses: a statement nobody fed counts as mattering,
        #: so a rule that cannot report in this file need not pay for the reading.
        self.feeds = self.uses.active and self.may_report(file.text)
        # Only ValueUses reads the data flow: a file it does not read need not record it.
        self.uses_dataflow = self.feeds

    def may_report(self, text: str) -> bool:
        """Whether the file's text leaves the rule anything to report: by default, yes."""
        return True

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if self.feeds:
            for statement in node.body:
                self.uses.statement(statement)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if self.feeds:
            for statement in node.body:
                self.uses.statement(statement)

    def visit_If(self, node: cst.If) -> None:
        if self.feeds:
            self.uses.header(node)

    def visit_While(self, node: cst.While) -> None:
        if self.feeds:
            self.uses.header(node)

    def visit_For(self, node: cst.For) -> None:
        if self.feeds:
            self.uses.header(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.feeds:
            self.uses.header(node)


class UnseededRandom(_FollowsValues):
    """
    A program (a script, a notebook, or a module that draws random numbers at import time)
    draws from a library's global random number generator, but never seeds that library
    anywhere in the file. Covered: NumPy's `np.random.*` functions, Python's `random`
    module, `torch.rand`/`randn`/`randint`/`randperm`/`normal`/`bernoulli`/`multinomial`,
    and `tf.random.*` ops without an op-level `seed=`. One finding per library, at its first
    use. Seeding through `np.random.seed`, `random.seed`, `torch.manual_seed`,
    `torch.cuda.manual_seed_all`, `tf.random.set_seed`, `keras.utils.set_random_seed`,
    the seeding helpers of transformers, accelerate and Lightning, or any helper whose
    name contains `seed` counts, wherever it appears in the file.
    """

    code = "MLS101"
    name = "unseeded-random"
    family = Family.REPRODUCIBILITY
    severity = Severity.ADVICE
    summary = "A program draws from a library's global random generator but never seeds it."
    challenges = ("SLR-CM25", "SLR-CM30", "ZHANG22-14")
    required_modules = frozenset({"numpy", "random", "torch", "tensorflow"})
    options = (
        SEED_FUNCTIONS_OPTION,
    )
    why = (
        "Training runs, random splits and sampled test inputs cannot be repeated when the "
        "generator they draw from starts from a different state on every run. The systematic "
        "review behind SLR-CM25 names replicating the results of model training as a "
        "maintainability challenge, SLR-CM30 names test flakiness caused by the stochastic "
        "nature of ML, and ZHANG22-14 (Randomness Uncontrolled) catalogues the code smell."
    )
    bad = (
        '''
        import numpy as np
        import torch

        def make_noisy_batch(n):
            features = np.random.randn(n, 8)
                       ^^^^^^^^^^^^^^^
            noise = torch.randn(n, 1)
                    ^^^^^^^^^^^
            return features, noise

        if __name__ == "__main__":
            make_noisy_batch(32)
        ''',
        '''
        import random
        from numpy.random import permutation as perm

        order = perm(100)
                ^^^^
        holdout = random.sample(range(100), 10)
                  ^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import numpy as np
        import torch

        SEED = 13

        def make_noisy_batch(n):
            features = np.random.randn(n, 8)
            noise = torch.randn(n, 1)
            return features, noise

        if __name__ == "__main__":
            np.random.seed(SEED)
            torch.manual_seed(SEED)
            make_noisy_batch(32)
        ''',
        '''
        import numpy as np

        rng = np.random.default_rng(2024)
        order = rng.permutation(100)
        holdout = rng.choice(100, size=10, replace=False)
        ''',
        '''
        # A library module: its callers decide how to seed.
        import torch

        def layer_drop(layers, p):
            keep = torch.rand(len(layers)) > p
            return [layer for layer, kept in zip(layers, keep) if kept]
        ''',
        '''
        from transformers import set_seed
        import torch

        set_seed(42)
        weights = torch.randn(4, 4)
        ''',
    )
    use_instead = (
        "Seed every library the program draws from once, at start-up, from one configured "
        "value; or, better, create explicitly seeded generators (`np.random.default_rng(seed)`, "
        "`random.Random(seed)`, `torch.Generator().manual_seed(seed)`) and pass them around."
    )
    limitations = (
        "Only programs are checked: files with an `if __name__ == \"__main__\":` block, a call "
        "at module level to a function they define, random draws at module level, and "
        "notebooks. Draws inside the functions of an importable library module are left to "
        "the program that calls them, and so are draws in the functions and classes a program "
        "defines but its own code never names (called, instantiated or passed on), unless "
        "they are decorated. Test modules (files under `tests/` that define test functions) "
        "are not checked: a test's random input usually checks a property that holds for any "
        "input. A draw that picks a seed (assigned to a name, key or keyword containing "
        "`seed` or `random_state`) means the run to differ and is not reported. Seeding in another file (a project helper imported "
        "under a name without `seed` in it) is not seen: add it to `seed-functions`. Any "
        "function whose name contains `seed` is taken to seed every library, so a helper that "
        "seeds only some of them hides draws from the others; methods of local objects "
        "(`generator.manual_seed(0)`) seed only that object and do not count; a decorator named "
        "for seeding (`@random_seed`) counts like such a helper. A draw written "
        "straight into text (an f-string, `str(...)`, `\"...\".format(...)`) makes a name, "
        "such as a unique bucket, and is not reported. Nor is a draw whose value, followed "
        "through the file's assignments, only reaches display, plotting, shape checks "
        "(`.shape`, `.size()`, `len`), tracing or export (`print`, `plt.imshow`, "
        "`torch.onnx.export`), an image file written for viewing (`save_image`, `imwrite`, "
        "`imsave`), a project function named for showing (`plot_*`, `show_*`, `display_*`, "
        "`visualize_*`), a notebook cell's shown value or `time.sleep`: it changes no "
        "result. Values passed to the project's other functions, returned, stored on an object, "
        "tested in a branch or left unread count as mattering."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.seeded: set[str] = set()
        #: Every draw in source order: (library, call, qualified name, the module-level
        #: function or class it is in).
        self.draws: list[tuple[str, cst.Call, str, str | None]] = []
        self.is_program = False
        self.module_functions: set[str] = set()
        self.seed_functions = frozenset(self.settings["seed-functions"])
        #: Draws whose values cannot matter: inputs for tracing, export or profiling, and
        #: draws written into text (`"gs://{}-{}".format(project, random.randint(...))`, a
        #: unique name, where a seed would make every run collide).
        self.shape_only_calls: set[cst.Call] = set()
        self.shape_only_names: set[str] = set()
        self.assigned_to: dict[cst.Call, str] = {}
        #: Draws that pick a seed (see `_names_a_seed`): a run that draws its own seed means
        #: to differ from the last one, and can log the seed it picked.
        self.seed_choices: set[cst.BaseExpression] = set()
        #: Calls only the project's functions can classify: decided if a draw needs them.
        self.deferred = DeferredSeeding(self.file, self.seed_functions)
        #: Which module-level functions and classes the program runs (see `_reached`).
        self.calls_between = _CallsBetweenDefinitions(file)

    def visit_If(self, node: cst.If) -> None:
        super().visit_If(node)
        if self.file.in_module_scope and is_main_guard(node.test):
            self.is_program = True

    def visit_Name(self, node: cst.Name) -> None:
        self.calls_between.name(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.calls_between.definition(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.calls_between.definition(node)
        if self.file.in_module_scope:
            self.module_functions.add(node.name.value)
        for decorator in node.decorators:
            # `@random_seed` seeds around the function, as a helper named for seeding does.
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            name = callee_name(expr)
            if name and "seed" in name.lower() and not name.lower().startswith(("get", "initial")):
                self.seeded |= ALL_LIBRARIES

    def visit_Assign(self, node: cst.Assign) -> None:
        name = assigned_name(node)
        value = unwrap_method_chain(node.value)
        if name is not None and isinstance(value, cst.Call):
            self.assigned_to[value] = name
        if any(_names_a_seed(callee_name(target.target)) for target in node.targets):
            self.seed_choices.add(value)  # `seed = np.random.randint(10**6)`, `cfg.seed = ...`

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if isinstance(node.key, cst.SimpleString) and _names_a_seed(node.key.evaluated_value):
            self.seed_choices.add(unwrap_method_chain(node.value))  # `{"seed": random.randint(0, 99)}`

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if isinstance(node.expression, cst.Call):
            self.shape_only_calls.add(node.expression)

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:  # `train(random_state=np.random.randint(1000))`
            if arg.keyword is not None and _names_a_seed(arg.keyword.value):
                self.seed_choices.add(unwrap_method_chain(arg.value))
        if callee_name(node.func) in _SHAPE_ONLY_APIS:
            self._mark_shape_only_arguments(node)
        elif _makes_text(node):
            self.shape_only_calls.update(arg.value for arg in node.args if isinstance(arg.value, cst.Call))
        if self.file.in_module_scope and isinstance(node.func, cst.Name) and node.func.value in self.module_functions:
            self.is_program = True  # `main()`, `result = main()`, `sys.exit(main())`
        event = classify(self.file.qualified_names(node.func), node, self.seed_functions, decide=False)
        if event is UNDECIDED:
            self.deferred.note(node)
        elif isinstance(event, Seeding):
            self.seeded |= event.libraries
        elif isinstance(event, Draw):
            if self.file.in_module_scope:
                self.is_program = True
            self.draws.append((event.library, node, event.name, self.calls_between.owner()))

    def _mark_shape_only_arguments(self, call: cst.Call) -> None:
        values = [arg.value for arg in call.args]
        while values:
            value = unwrap_method_chain(values.pop())
            if isinstance(value, cst.Tuple | cst.List):
                values.extend(element.value for element in value.elements)
            elif isinstance(value, cst.Call):
                self.shape_only_calls.add(value)
            elif isinstance(value, cst.Name):
                self.shape_only_names.add(value.value)

    def _values_matter(self, call: cst.Call) -> bool:
        if call in self.shape_only_calls or call in self.seed_choices:
            return False
        variable = self.assigned_to.get(call)
        if variable is not None and (
            variable in self.shape_only_names or any(part in variable.lower() for part in _DUMMY_NAME_PARTS)
        ):
            return False
        return _draw_matters(self.uses, call)

    def end_file(self) -> None:
        if not (self.is_program or self.file.notebook is not None) or _is_test_suite(self.file):
            return
        reported: set[str] = set()
        if any(library not in self.seeded for library, *_ in self.draws):
            self.seeded |= self.deferred.seeded()
        reached = self.calls_between.reached()
        for library, call, name, owner in self.draws:
            if library in self.seeded or library in reported or owner not in reached or not self._values_matter(call):
                continue
            reported.add(library)
            title, seed_call, generator = LIBRARY_TITLES[library]
            self.report(
                call.func,
                f"`{name}` draws from {title}'s global random generator, which this program "
                f"never seeds; call {seed_call} at start-up or use {generator}",
            )


_TEST_DEFINITION = re.compile(r"^[ \t]*(?:(?:async[ \t]+)?def[ \t]+test|class[ \t]+Test)", re.MULTILINE)


def _is_test_suite(file) -> bool:
    """A test module (`tests/test_model.py`, with test functions or classes): its random
    inputs check a property that should hold for any input, and whether one fails on some
    draws is a question of flaky tests, not of a program's reproducibility. An example
    script kept under `tests/` is still a program."""
    return file.in_tests and _TEST_DEFINITION.search(file.text) is not None


class _CallsBetweenDefinitions:
    """Which module-level functions and classes of a file its own code runs.

    A program file (a main block, a notebook) often also defines functions it never calls:
    an importable API, whose callers decide how to seed. Module-level code reaches the
    definitions it names (called, or passed on as a callback); a reached definition reaches
    those its body names. A decorated definition counts as reached, since a framework may
    call it (`@app.route`, `@hydra.main`). Methods count with their class.
    """

    #: The owner of module-level code.
    MODULE = None

    def __init__(self, file) -> None:
        self._file = file
        self._defined: set[str] = set()
        self._own_names: set[int] = set()
        #: owner -> the module-level names its code mentions.
        self._mentions: dict[str | None, set[str]] = {}

    def definition(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self._own_names.add(id(node.name))
        if self._file.in_module_scope:
            self._defined.add(node.name.value)
            if node.decorators:
                self._mentions.setdefault(self.MODULE, set()).add(node.name.value)

    def name(self, node: cst.Name) -> None:
        if id(node) not in self._own_names:
            self._mentions.setdefault(self.owner(), set()).add(node.value)

    def owner(self) -> str | None:
        """The module-level function or class the walk is in (None: module-level code)."""
        scopes = self._file.scopes
        outer = scopes[1].node if len(scopes) > 1 else None
        return outer.name.value if isinstance(outer, cst.FunctionDef | cst.ClassDef) else self.MODULE

    def reached(self) -> set[str | None]:
        """Module-level code and the definitions it runs, directly or through others."""
        reached: set[str | None] = {self.MODULE}
        pending: list[str | None] = [self.MODULE]
        while pending:
            for name in self._mentions.get(pending.pop(), ()):
                if name in self._defined and name not in reached:
                    reached.add(name)
                    pending.append(name)
        return reached


def _draw_matters(uses: ValueUses, call: cst.Call) -> bool:
    """Whether what a draw returns (or shuffles in place) can change a result. A drawn
    value stored in a variable nothing reads is taken to matter: another module may import
    it, and the draw moves the generator on for every later one."""
    if callee_name(call.func) == "shuffle":
        return True
    return uses.matters(call, lambda definition: True)


def _names_a_seed(name: object) -> bool:
    """A variable, key or keyword for a seed: `seed`, `cfg.seed`, `"seed"`, `random_state`."""
    return isinstance(name, str) and ("seed" in name.lower() or "random_state" in name.lower())


def _makes_text(call: cst.Call) -> bool:
    """`"run-{}".format(...)` or `str(...)`: a call whose arguments become text."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "format":
        return isinstance(func.value, cst.SimpleString | cst.ConcatenatedString)
    return isinstance(func, cst.Name) and func.value == "str"


#: scikit-learn callables that draw random numbers unless given `random_state`.
_ALWAYS_RANDOM = frozenset(
    """
    train_test_split ShuffleSplit StratifiedShuffleSplit GroupShuffleSplit RepeatedKFold
    RepeatedStratifiedKFold RandomForestClassifier RandomForestRegressor RandomTreesEmbedding
    ExtraTreesClassifier ExtraTreesRegressor ExtraTreeClassifier ExtraTreeRegressor
    GradientBoostingClassifier GradientBoostingRegressor HistGradientBoostingClassifier
    HistGradientBoostingRegressor DecisionTreeClassifier DecisionTreeRegressor MLPClassifier
    MLPRegressor SGDClassifier SGDRegressor SGDOneClassSVM KMeans MiniBatchKMeans
    make_classification make_regression make_blobs RandomizedSearchCV IsolationForest
    BaggingClassifier BaggingRegressor AdaBoostClassifier AdaBoostRegressor Perceptron TSNE
    GaussianMixture BayesianGaussianMixture LatentDirichletAllocation TruncatedSVD shuffle
    resample permutation_importance
    """.split()
)
#: Parts of the names of ensembles (scikit-learn's, imbalanced-learn's) that give each copy
#: of their base estimator a random_state drawn from their own (`_set_random_states`).
_SEEDS_ITS_ESTIMATORS = ("Bagging", "AdaBoost", "RUSBoost", "EasyEnsemble")
_CLUSTERINGS_WITH_INIT = frozenset({"KMeans", "MiniBatchKMeans"})
_RANDOM_WHEN_SHUFFLED = frozenset({"KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold"})
_RANDOM_SOLVERS = frozenset({"sag", "saga", "liblinear"})


class MissingRandomState(_FollowsValues):
    """
    A scikit-learn function or estimator that draws random numbers is called without
    `random_state`, or with `random_state=None`: `train_test_split`, the shuffling
    splitters (`ShuffleSplit` and friends, `RepeatedKFold`, and `KFold`/`StratifiedKFold`/
    `GroupKFold` with `shuffle=True`), random forests, extra trees, gradient boosting,
    decision trees, MLPs, SGD models, `KMeans`, `MiniBatchKMeans`, bagging, isolation
    forests, `RandomizedSearchCV`, `LogisticRegression` with the `sag`, `saga` or
    `liblinear` solver, and the `make_classification`/`make_regression`/`make_blobs`
    dataset generators.
    """

    code = "MLS102"
    name = "missing-random-state"
    family = Family.REPRODUCIBILITY
    severity = Severity.ADVICE
    summary = "A random scikit-learn estimator, splitter or generator is used without random_state."
    challenges = ("SLR-CM25", "ZHANG22-14")
    required_modules = frozenset({"sklearn"})
    why = (
        "Without `random_state`, scikit-learn draws from NumPy's global generator, so the split, "
        "the fitted model and its scores change from run to run and cannot be compared or "
        "reproduced. SLR-CM25 names replicating training results as a maintainability "
        "challenge; ZHANG22-14 (Randomness Uncontrolled) is the code smell, and scikit-learn's "
        "own guide recommends passing an integer `random_state` everywhere."
    )
    bad = (
        '''
        from sklearn.model_selection import train_test_split as tts, KFold
        from sklearn import ensemble

        X_train, X_test, y_train, y_test = tts(X, y, test_size=0.2)
                                           ^^^
        folds = KFold(n_splits=5, shuffle=True)
                ^^^^^
        forest = ensemble.RandomForestClassifier(n_estimators=300, random_state=None)
                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        from sklearn.model_selection import train_test_split, KFold
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression

        SEED = 7
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED)
        folds = KFold(n_splits=5)
        forest = RandomForestClassifier(n_estimators=300, random_state=SEED)
        baseline = LogisticRegression(max_iter=1000)
        ''',
        '''
        import numpy as np
        from sklearn.cluster import KMeans

        np.random.seed(0)  # scikit-learn's random_state=None draws from this generator
        clusters = KMeans(n_clusters=8).fit_predict(points)
        ''',
    )
    use_instead = (
        "Pass `random_state` an integer from your configuration (`random_state=SEED`), or a "
        "`np.random.RandomState`/`Generator` you created with a seed."
    )
    limitations = (
        "A call that passes `**kwargs` is not checked, since `random_state` may be among them. "
        "A file that calls `np.random.seed(...)` is taken to control scikit-learn's randomness "
        "through NumPy's global generator, and is not reported. `SVC(probability=True)` is "
        "reported only in a file that asks for probabilities (`predict_proba`, "
        "`predict_log_proba`): its `predict` does not depend on the draw. An estimator or "
        "split whose value, followed through the file's assignments, never reaches a fit, "
        "a score, a search, a project function or a return (one only printed, asked for "
        "`get_params`, or put in a dict nothing trains) is not reported, except as a "
        "module-level variable of a Python file, which another module may import; one whose "
        "`fit_transform` or `fit_predict` result is only plotted or printed (a t-SNE map) is "
        "not reported either. Templates "
        "are not reported: an estimator given to a bagging or boosting ensemble, which seeds "
        "each copy from its own random_state (the ensemble is reported if it has none), and "
        "an estimator written as a parameter's default. Test modules (files under `tests/` "
        "that define test functions) are not checked."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.candidates: list[tuple[cst.Call, str]] = []
        self.numpy_seeded = False
        self.assigned_to: dict[cst.Call, str] = {}
        #: Variables given a random_state later, through `set_params(random_state=...)`.
        self.seeded_later: set[str] = set()
        #: Estimators given to an ensemble that seeds its copies of them, or written as a
        #: parameter's default: templates, never fitted themselves (see `_note_templates`).
        self.templates: set[cst.Call] = set()
        self.template_names: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        name = assigned_name(node)
        if name is not None and isinstance(node.value, cst.Call):
            self.assigned_to[node.value] = name

    def visit_Param(self, node: cst.Param) -> None:
        """`def __init__(self, estimator=DecisionTreeClassifier())`: a default the class
        clones and its caller replaces; the class's own random_state decides."""
        if isinstance(node.default, cst.Call):
            self.templates.add(node.default)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "set_params" and isinstance(func.value, cst.Name):
            state = keyword_arg(node, "random_state")
            if state is not None and not is_none(state.value):
                self.seeded_later.add(func.value.value)
        for name in self.file.qualified_names(func):
            if name == "numpy.random.seed" and seeds_with_a_value(node):
                self.numpy_seeded = True
            elif name.startswith(("sklearn.", "imblearn.")):
                self._note_templates(name.rsplit(".", 1)[-1], node)
            if name.startswith("sklearn."):
                problem = _random_state_problem(name.rsplit(".", 1)[-1], node)
                if problem:
                    self.candidates.append((node, problem))
                return

    def _note_templates(self, function: str, call: cst.Call) -> None:
        """An ensemble that seeds each copy of its base estimator from its own
        random_state (bagging, boosting): the estimator given to it is a template. Either
        the ensemble has a random_state, or it is the one reported."""
        if not any(part in function for part in _SEEDS_ITS_ESTIMATORS):
            return
        for arg in call.args:
            value = unwrap_method_chain(arg.value)
            if isinstance(value, cst.Call):
                self.templates.add(value)
            elif isinstance(value, cst.Name):
                self.template_names.add(value.value)

    def _is_template(self, call: cst.Call) -> bool:
        return call in self.templates or self.assigned_to.get(call) in self.template_names

    def end_file(self) -> None:
        if self.numpy_seeded or _is_test_suite(self.file):
            return
        probabilities = "predict_proba" in self.file.text or "predict_log_proba" in self.file.text
        for call, problem in self.candidates:
            if keyword_literal(call, "probability") is True and not probabilities:
                continue  # SVC's `predict` uses the decision function; only probabilities are drawn
            if self._is_template(call):
                continue
            if self.assigned_to.get(call) not in self.seeded_later and self.uses.matters(call, self.uses.importable):
                self.report(call.func, problem)


def _random_state_problem(function: str, call: cst.Call) -> str | None:
    if has_double_star(call):
        return None
    if function in _RANDOM_WHEN_SHUFFLED:
        if keyword_literal(call, "shuffle") is not True:
            return None
        what = f"`{function}(shuffle=True)` shuffles"
    elif function == "LogisticRegression":
        solver = keyword_literal(call, "solver")
        if solver not in _RANDOM_SOLVERS:
            return None
        what = f"`LogisticRegression(solver={solver!r})` draws random numbers"
    elif function in _CLUSTERINGS_WITH_INIT and keyword_arg(call, "init") and not isinstance(keyword_literal(call, "init"), str):
        return None  # explicit initial centers: nothing is drawn
    elif function in ("SVC", "NuSVC"):
        if keyword_literal(call, "probability") is not True:
            return None
        what = f"`{function}(probability=True)` draws random numbers"
    elif function == "PCA":
        if keyword_literal(call, "svd_solver") != "randomized":
            return None
        what = "`PCA(svd_solver=\"randomized\")` draws random numbers"
    elif function == "train_test_split":
        if keyword_literal(call, "shuffle") is False:
            return None
        what = "`train_test_split` shuffles"
    elif function in _ALWAYS_RANDOM:
        what = f"`{function}` draws random numbers"
    else:
        return None
    state = keyword_arg(call, "random_state")
    if state is None:
        return f"{what} without `random_state`, so results change on every run; pass random_state=SEED"
    if is_none(state.value):
        return f"{what} with `random_state=None`, so results change on every run; pass random_state=SEED"
    return None


#: Generator constructors that take the seed as their first argument or `seed=`.
_SEEDABLE_GENERATORS = {
    "numpy.random.default_rng": "NumPy's `default_rng()`",
    "numpy.random.RandomState": "NumPy's `RandomState()`",
    "numpy.random.PCG64": "NumPy's `PCG64()` bit generator",
    "numpy.random.PCG64DXSM": "NumPy's `PCG64DXSM()` bit generator",
    "numpy.random.MT19937": "NumPy's `MT19937()` bit generator",
    "numpy.random.Philox": "NumPy's `Philox()` bit generator",
    "numpy.random.SFC64": "NumPy's `SFC64()` bit generator",
    "random.Random": "`random.Random()`",
}
_ALWAYS_UNSEEDED = {
    "tensorflow.random.Generator.from_non_deterministic_state": "`tf.random.Generator.from_non_deterministic_state()`",
    "tensorflow.random.experimental.Generator.from_non_deterministic_state":
        "`tf.random.experimental.Generator.from_non_deterministic_state()`",
}
_TORCH_GENERATOR = "torch.Generator"


class UnseededGenerator(Rule):
    """
    A random generator object is created without a seed, so everything drawn from it
    changes from run to run: `np.random.default_rng()`, `np.random.RandomState()`, a bit
    generator such as `np.random.PCG64()` (also inside `np.random.Generator(...)`),
    `random.Random()`, `tf.random.Generator.from_non_deterministic_state()`, and a
    `torch.Generator()` that is never given `manual_seed` in the file. Passing `None` as
    the seed counts as no seed. Not reported: `random.SystemRandom()`, meant to be
    unpredictable, and a function's fallback for a generator parameter its caller did not
    pass (`if rng is None: rng = np.random.default_rng()`): the caller decides.
    """

    code = "MLS103"
    name = "unseeded-generator"
    family = Family.REPRODUCIBILITY
    severity = Severity.WARNING
    summary = "A random generator object is created without a seed."
    challenges = ("SLR-CM25", "SLR-CM30", "ZHANG22-14")
    required_modules = frozenset({"numpy", "random", "torch", "tensorflow"})
    why = (
        "Explicit generator objects are the recommended way to control randomness, but "
        "created without a seed they start from fresh OS entropy on every run: the data "
        "order, the initialisation and the sampled test inputs can then not be repeated. "
        "SLR-CM25 names replicating training results as a maintainability challenge, SLR-CM30 "
        "the flaky tests that follow, and ZHANG22-14 (Randomness Uncontrolled) is the smell."
    )
    bad = (
        '''
        import numpy as np
        import torch

        rng = np.random.default_rng()
              ^^^^^^^^^^^^^^^^^^^^^
        loader_generator = torch.Generator()
                           ^^^^^^^^^^^^^^^
        ''',
        '''
        import random
        from numpy.random import Generator, PCG64

        sampler = random.Random(None)
                  ^^^^^^^^^^^^^
        noise = Generator(PCG64()).normal(size=3)
                          ^^^^^
        ''',
    )
    good = (
        '''
        import numpy as np
        import random
        import torch

        def make_rng(seed=None):
            # the caller decides: default_rng(seed) is seeded whenever a seed is given
            return np.random.default_rng(seed)

        SEED = 7
        rng = np.random.default_rng(SEED)
        sampler = random.Random(SEED)
        loader_generator = torch.Generator()
        loader_generator.manual_seed(SEED)
        shuffle_generator = torch.Generator().manual_seed(SEED)
        secure = random.SystemRandom()
        ''',
    )
    use_instead = "Create every generator from one configured seed: `np.random.default_rng(SEED)`, `torch.Generator().manual_seed(SEED)`."
    limitations = (
        "A `torch.Generator` stored somewhere other than a plain variable (an attribute, a list) "
        "is taken to be seeded elsewhere. A seed that is itself random (`default_rng(time.time_ns())`) "
        "is not recognised."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.seeded_inline: set[cst.Call] = set()
        #: Each torch.Generator() call and the variable it is assigned to (None: not assigned).
        self.torch_generators: list[tuple[cst.Call, str | None]] = []
        self.manually_seeded: set[str] = set()
        self.assigned_to: dict[cst.Call, str] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        target = assigned_name(node) or ""  # "": an attribute or an item
        for call in _values_assigned(node.value):
            self.assigned_to[call] = target

    def _is_parameter_fallback(self, call: cst.Call) -> bool:
        """`if rng is None: rng = default_rng()` in a function taking `rng`: the caller seeds."""
        scope = self.file.scopes[-1].node if self.file.scopes else None
        target = self.assigned_to.get(call)
        return isinstance(scope, cst.FunctionDef) and bool(target) and any(param.name.value == target for param in parameters(scope.params))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("manual_seed", "set_state"):
            if isinstance(func.value, cst.Call):
                self.seeded_inline.add(func.value)  # torch.Generator().manual_seed(SEED)
            elif isinstance(func.value, cst.Name):
                self.manually_seeded.add(func.value.value)
            return
        for name in self.file.qualified_names(func):
            if name in _ALWAYS_UNSEEDED:
                self.report(func, f"{_ALWAYS_UNSEEDED[name]} starts from fresh entropy on every run; "
                                  "use `tf.random.Generator.from_seed(SEED)`")
            elif name in _SEEDABLE_GENERATORS and not _has_seed(node) and not self._is_parameter_fallback(node):
                self.report(func, f"{_SEEDABLE_GENERATORS[name]} is created without a seed, so what it draws "
                                  "changes on every run; pass one from your configuration")
            elif name == _TORCH_GENERATOR:
                if not self._is_parameter_fallback(node):
                    self.torch_generators.append((node, self.assigned_to.get(node)))
            else:
                continue
            return

    def end_file(self) -> None:
        for call, variable in self.torch_generators:
            if call in self.seeded_inline or variable == "" or variable in self.manually_seeded:
                continue
            self.report(call.func, "`torch.Generator()` is never given `manual_seed` in this file, so it starts "
                                   "from a different state on every run; call `.manual_seed(SEED)` on it")


def _values_assigned(value: cst.BaseExpression) -> list[cst.Call]:
    """The calls whose result an assignment may store: `x = f()`, `x = f() if c else y`,
    `x = x or f()`."""
    if isinstance(value, cst.IfExp):
        candidates = [value.body, value.orelse]
    elif isinstance(value, cst.BooleanOperation):
        candidates = [value.left, value.right]
    else:
        candidates = [value]
    return [candidate for candidate in candidates if isinstance(candidate, cst.Call)]


def _has_seed(call: cst.Call) -> bool:
    """Whether a generator constructor is given a seed that is not None."""
    if has_double_star(call):
        return True
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    seed = keyword_arg(call, "seed")
    value = positional[0].value if positional else (seed.value if seed else None)
    return value is not None and not is_none(value)


class SeedAfterUse(_FollowsValues):
    """
    A library's global generator is seeded, but only after the program has already drawn
    from it: the draws made before the seed change on every run. Execution order is
    followed through module-level code (the cells of a notebook, in order), including
    the main block and the bodies of functions defined in the file and called at module
    level, as far as it can be read from the code: `data = make_data(); np.random.seed(0)`
    is reported when `make_data` draws from NumPy. One finding per library, at the first
    early draw. Seeding is recognised exactly as MLS101 (unseeded-random) recognises it.
    """

    code = "MLS105"
    name = "seed-after-use"
    family = Family.REPRODUCIBILITY
    severity = Severity.WARNING
    summary = "A library is seeded only after random numbers were already drawn from it."
    challenges = ("SLR-CM25", "ZHANG22-14")
    required_modules = UnseededRandom.required_modules
    options = UnseededRandom.options
    why = (
        "Seeding fixes what a generator produces from that point on; whatever was drawn "
        "before it (an initialisation, a split, a shuffled sample) still differs from run to "
        "run, while the seed call gives the impression that the run is reproducible. SLR-CM25 "
        "names replicating training results as a maintainability challenge; ZHANG22-14 "
        "(Randomness Uncontrolled) asks for the seed to be set before anything random runs."
    )
    bad = (
        '''
        import numpy as np

        def make_dataset(n):
            features = np.random.rand(n, 4)
                       ^^^^^^^^^^^^^^
            return features, features.sum(axis=1) > 2

        X, y = make_dataset(500)
        np.random.seed(42)
        order = np.random.permutation(len(X))
        ''',
        '''
        # %% [1]
        import torch
        weights = torch.randn(16, 4)
                  ^^^^^^^^^^^
        # %% [2]
        torch.manual_seed(0)
        bias = torch.randn(4)
        ''',
    )
    good = (
        '''
        import numpy as np

        def make_dataset(n):
            features = np.random.rand(n, 4)
            return features, features.sum(axis=1) > 2

        np.random.seed(42)
        X, y = make_dataset(500)
        order = np.random.permutation(len(X))
        ''',
        '''
        import random

        def main(seed):
            random.seed(seed)
            return random.sample(range(100), 10)

        if __name__ == "__main__":
            print(main(7))
        ''',
    )
    use_instead = "Seed every library once, at the very start of the program or in the first cell, before anything draws from it."
    notebook_behavior = (
        "The code cells are followed in the order they appear in the notebook: a draw in cell "
        "[1] and a seed in cell [2] is reported, whatever order the cells were last run in."
    )
    limitations = (
        "A draw assigned to a name containing `seed` (`opt.seed = random.randint(0, 10**6)`) "
        "picks the seed and is not reported. "
        "Only calls to functions defined in the same file are followed, and branches and loops "
        "are read in source order. Methods and functions called from outside the file (a "
        "framework's callbacks, `fire.Fire(main)`) are not followed, so seeds and draws in them "
        "are not ordered. A draw that is only displayed, plotted or shape-checked (see "
        "MLS101) is not reported. A function that draws and seeds from its own parameter "
        "(`def plot_sample(data, seed=None): np.random.seed(seed)`) seeds for its own draws: "
        "calling it does not make an earlier draw late, even one inside the caller."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.seed_functions = frozenset(self.settings["seed-functions"])
        #: Module-level code and each module-level function: what runs, in order.
        self.module_events: list[tuple] = []
        self.function_events: dict[str, list[tuple]] = {}
        self.traces: dict[str, list[tuple]] = {}  # each function's `_trace`, once computed
        self.current: cst.FunctionDef | None = None
        #: Lambdas run when called, not where they are written: their calls are not events.
        self.lambda_depth = 0
        #: Draws that pick a seed when none is configured: `if seed is None: seed = randint(...)`.
        self.seed_choices: set[cst.Call] = set()
        #: Calls only the project's functions can classify: decided if the file draws.
        self.deferred = DeferredSeeding(self.file, self.seed_functions)

    def may_report(self, text: str) -> bool:
        """Only a file that seeds can seed late: its text names a seed (`np.random.seed`,
        `set_seed`, `seed_everything`) or a configured seed function. A file that seeds only
        through a project helper named otherwise is still checked, without ValueUses."""
        lowered = text.lower()
        return "seed" in lowered or any(name.rsplit(".", 1)[-1].lower() in lowered for name in self.settings["seed-functions"])

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.lambda_depth += 1

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.lambda_depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [callee_name(target.target) or "" for target in node.targets]  # `seed`, `opt.seed`
        if any("seed" in target.lower() for target in targets):
            self.seed_choices.add(unwrap_method_chain(node.value))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.file.in_module_scope:
            self.current = node
            self.function_events[node.name.value] = []

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node is self.current:
            self.current = None

    def leave_Call(self, node: cst.Call) -> None:
        # On leaving: a call's arguments run before it does.
        if self.lambda_depth or node in self.seed_choices:
            return
        if self.current is not None:
            events = self.function_events[self.current.name.value]
        elif self.file.in_module_scope:
            events = self.module_events
        else:
            return  # class bodies and methods: not followed
        qualified = self.file.qualified_names(node.func)
        event = classify(qualified, node, self.seed_functions, decide=False)
        if isinstance(event, Seeding):
            events.append(("seed", event.libraries, node, self._seeds_from_a_parameter(node)))
        elif isinstance(event, Draw):
            events.append(("draw", event.library, node, event.name))
        elif event is UNDECIDED and not qualified and isinstance(node.func, cst.Name):
            events.append(("call", node.func.value))  # a function of this file: followed in order
        elif event is UNDECIDED:
            self.deferred.note(node)
            events.append(("deferred", node))

    def _seeds_from_a_parameter(self, call: cst.Call) -> bool:
        """`np.random.seed(seed)` in a function taking `seed`: each caller picks the seed."""
        if self.current is None or not call.args or not isinstance(call.args[0].value, cst.Name):
            return False
        return any(param.name.value == call.args[0].value.value for param in parameters(self.current.params))

    def _trace(self, events: list[tuple], calling: tuple[str, ...] = ()) -> list[tuple]:
        """The seeds and draws of `events` that can matter, in execution order, entering the
        file's functions: per library, its first draw before it is seeded and the first seed.

        Later draws and seeds change nothing, so a function's trace has at most two events
        per library whatever calls it, and is computed once: a chain of functions each
        calling the next twice costs linear time, not exponential.
        """
        trace: list[tuple] = []
        drawn: set[str] = set()
        seeded: set[str] = set()
        for event in events:
            for step in self._steps(event, calling):
                if step[0] in ("seed", "reseed"):
                    fresh = step[1] - seeded
                    if fresh:
                        trace.append((step[0], fresh, *step[2:]))
                        seeded |= fresh
                elif step[1] not in seeded and step[1] not in drawn and _draw_matters(self.uses, step[2]):
                    trace.append(step)
                    drawn.add(step[1])
        return trace

    def _steps(self, event: tuple, calling: tuple[str, ...]) -> list[tuple]:
        """`event` itself, the trace of the local function it calls (none if recursive), or
        what a call into the project's other modules does.

        A function that draws and seeds from its own parameter (`def plot_sample(data,
        seed=None): np.random.seed(seed); ...`) reseeds for its own draws: its seeds are
        "reseed" events, which cover later draws but do not make earlier ones late."""
        if event[0] == "deferred":
            decided = self.deferred.event(event[1])
            if isinstance(decided, Seeding):
                return [("seed", decided.libraries, event[1], False)]
            return [("draw", decided.library, event[1], decided.name)] if isinstance(decided, Draw) else []
        if event[0] != "call":
            return [event]
        name = event[1]
        if name not in self.function_events or name in calling:
            return []
        if name not in self.traces:
            trace = self._trace(self.function_events[name], (*calling, name))
            # Its own seeds from a parameter: a reseed if it draws, else a seeding helper's.
            kind = "reseed" if any(found[0] == "draw" for found in self.function_events[name]) else "seed"
            self.traces[name] = [(kind, *step[1:3], False) if step[0] == "seed" and step[3] else step for step in trace]
        return self.traces[name]

    def end_file(self) -> None:
        events = [*self.module_events, *(event for found in self.function_events.values() for event in found)]
        if not any(event[0] == "draw" for event in events):
            return  # nothing drawn: no seed can come too late (and no call need be followed)
        seeded: set[str] = set()
        early: dict[str, tuple] = {}  # library -> its first draw before any seed
        for event in self._trace(self.module_events):
            if event[0] in ("seed", "reseed"):
                for library in event[1] - seeded:
                    if library in early and event[0] == "seed":
                        self._report(early.pop(library), event[2])
                seeded |= event[1]
            elif event[1] not in seeded:
                early.setdefault(event[1], event)

    def _report(self, draw: tuple, seed: cst.Call) -> None:
        _, library, call, name = draw
        title = LIBRARY_TITLES[library][0]
        seeder = self.file.module.code_for_node(seed.func)
        self.report(
            call.func,
            f"`{name}` draws from {title}'s global generator before `{seeder}(...)` seeds it, so this "
            "draw changes on every run; seed at start-up, before the first draw",
        )
