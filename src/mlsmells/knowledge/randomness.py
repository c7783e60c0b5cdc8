"""What the reproducibility rules know about random number generators: which calls draw
from a library's global generator, and which calls seed one. No rules live here.

`classify` answers for one call; MLS101 (unseeded-random), MLS105 (seed-after-use),
MLS104 and MLS106 (PyTorch determinism) all use it, so they agree on what seeding is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import libcst as cst

from mlsmells.engine.calls import callee_name, is_none, keyword_arg
from mlsmells.engine.project import NONE, MadeCall
from mlsmells.rule import Option

_NUMPY_DRAWS = frozenset(
    "rand randn randint random random_sample ranf sample choice shuffle permutation normal "
    "uniform binomial negative_binomial poisson exponential beta gamma multivariate_normal "
    "standard_normal standard_exponential standard_gamma standard_t standard_cauchy lognormal "
    "laplace logistic geometric dirichlet multinomial bytes random_integers triangular "
    "chisquare noncentral_chisquare f noncentral_f gumbel hypergeometric logseries pareto "
    "power rayleigh vonmises wald weibull zipf".split()
)
_PYTHON_DRAWS = frozenset(
    "random randint randrange choice choices shuffle sample uniform gauss normalvariate "
    "triangular betavariate expovariate gammavariate lognormvariate vonmisesvariate "
    "paretovariate weibullvariate getrandbits randbytes binomialvariate".split()
)
_TORCH_DRAWS = frozenset(
    "rand randn randint randperm normal bernoulli multinomial poisson rand_like randn_like "
    "randint_like".split()
)
_TORCH_DATA_DRAWS = frozenset({"random_split"})
_TENSORFLOW_DRAWS = frozenset(
    "uniform normal truncated_normal shuffle categorical gamma poisson".split()
)
#: The last part of every library draw's name (`rand`, `shuffle`, `random_split`): a file
#: whose text never mentions one makes no library draw, whatever it imports or aliases.
DRAW_NAMES = _NUMPY_DRAWS | _PYTHON_DRAWS | _TORCH_DRAWS | _TORCH_DATA_DRAWS | _TENSORFLOW_DRAWS

#: library -> (its title, how to seed it, a seeded generator to use instead).
LIBRARY_TITLES = {
    "numpy": ("NumPy", "np.random.seed(SEED)", "a seeded np.random.default_rng(SEED)"),
    "random": ("the `random` module", "random.seed(SEED)", "a seeded random.Random(SEED)"),
    "torch": ("PyTorch", "torch.manual_seed(SEED)", "a torch.Generator seeded with manual_seed"),
    "tensorflow": ("TensorFlow", "tf.random.set_seed(SEED)", "an op-level seed= argument"),
}
ALL_LIBRARIES = frozenset(LIBRARY_TITLES)

#: Calls that seed global generators, and which libraries' generators they seed.
SEEDERS: dict[str, frozenset[str]] = {
    "numpy.random.seed": frozenset({"numpy"}),
    "random.seed": frozenset({"random"}),
    "torch.manual_seed": frozenset({"torch"}),
    "torch.random.manual_seed": frozenset({"torch"}),
    "torch.cuda.manual_seed": frozenset({"torch"}),
    "torch.cuda.manual_seed_all": frozenset({"torch"}),
    "tensorflow.random.set_seed": frozenset({"tensorflow"}),
    "tensorflow.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.random.set_random_seed": frozenset({"tensorflow"}),
    "keras.utils.set_random_seed": frozenset({"numpy", "random", "tensorflow"}),
    "tensorflow.keras.utils.set_random_seed": frozenset({"numpy", "random", "tensorflow"}),
    "transformers.set_seed": ALL_LIBRARIES,
    "transformers.trainer_utils.set_seed": ALL_LIBRARIES,
    "transformers.enable_full_determinism": ALL_LIBRARIES,
    "transformers.trainer_utils.enable_full_determinism": ALL_LIBRARIES,
    "accelerate.utils.set_seed": ALL_LIBRARIES,
    "lightning.seed_everything": ALL_LIBRARIES,
    "lightning.pytorch.seed_everything": ALL_LIBRARIES,
    "lightning.fabric.seed_everything": ALL_LIBRARIES,
    "pytorch_lightning.seed_everything": ALL_LIBRARIES,
    "pytorch_lightning.utilities.seed.seed_everything": ALL_LIBRARIES,
}
#: The option of every rule that asks whether a file seeds: the project's own seeding helpers.
SEED_FUNCTIONS_OPTION = Option(
    "seed-functions",
    "list[str]",
    [],
    "Qualified names of project helpers that seed every library "
    "(for example `myproject.utils.fix_randomness`).",
)
#: Namespaces whose functions are known: the "a helper named *seed*" guess never applies.
_KNOWN_NAMESPACES = ("numpy.", "random.", "torch.", "tensorflow.", "keras.", "jax.", "builtins.", "sklearn.")


@dataclass(frozen=True)
class Seeding:
    """A call that seeds the global generators of `libraries` with a fixed value."""

    libraries: frozenset[str]


@dataclass(frozen=True)
class Draw:
    """A call to `name` that draws from the global generator of `library`."""

    library: str
    name: str


def classify(
    qualified: Collection[str],
    call: cst.Call,
    seed_functions: Collection[str] = (),
    library_calls: Callable[[cst.Call], list[MadeCall] | None] | None = None,
    decide: bool = True,
) -> Seeding | Draw | None | object:
    """Whether `call` (whose callee has the `qualified` names) seeds or draws, or neither.

    `seed_functions` are project helpers configured to seed every library. A project
    function (in this file or another module of the project) seeds what the library calls
    it makes seed (`library_calls`, `FileContext.library_calls`), with the arguments this
    call gives it: `set_seeds()` whose `seed=0` default reaches `np.random.seed` seeds
    NumPy. A function whose calls show no seeding, but whose name contains `seed`, is taken
    to seed every library when given a value. Methods of local objects
    (`generator.manual_seed`, `env.seed`) are not: they seed only that object. Nor is a
    helper merely given a `seed=` argument: it may seed only what it creates. `seed()` and
    `seed(None)` seed from the clock: not seeding.

    `decide=False` answers only from the known libraries and configured helpers, and
    `UNDECIDED` where the project's functions or the name guess would have to tell: a rule
    keeps those calls in a `DeferredSeeding` and decides them when it needs to.
    """
    for name in qualified:
        if name in seed_functions:  # configured helpers may take no argument
            return Seeding(ALL_LIBRARIES)
        seeded = SEEDERS.get(name)
        if seeded is not None:
            return Seeding(seeded) if seeds_with_a_value(call) else None
        library = drawing_library(name, call)
        if library is not None:
            return Draw(library, name)
    if any(name.startswith(_KNOWN_NAMESPACES) for name in qualified):
        return None
    if not qualified and not isinstance(call.func, cst.Name):
        return None
    if not decide:
        return UNDECIDED
    made = library_calls(call) if library_calls is not None else None
    seeded = frozenset().union(*(SEEDERS[made_call.callee] for made_call in made or () if _seeds(made_call)))
    if seeded:
        return Seeding(seeded)
    callee = callee_name(call.func)
    if callee and "seed" in callee.lower() and not callee.startswith(("get", "initial")) and seeds_with_a_value(call):
        return Seeding(ALL_LIBRARIES)
    return None


#: What `classify(..., decide=False)` answers when only the project's functions (or the
#: name guess) could tell.
UNDECIDED = object()


class DeferredSeeding:
    """Calls that only the project's functions can classify, kept until a rule needs them.

    Following a call into the project's modules means reading them; most files never need
    it (they draw nothing, or seed what they draw from with known calls). A rule notes each
    call `classify(..., decide=False)` left `UNDECIDED`, with where it was made, and asks
    `event` or `seeded` only when the answer matters.
    """

    def __init__(self, file, seed_functions: Collection[str]) -> None:
        self._file = file
        self._seed_functions = seed_functions
        #: Each noted call: the scopes it was made in, and whether at module level.
        self._calls: dict[cst.Call, tuple[tuple, bool]] = {}
        self._events: dict[cst.Call, Seeding | Draw | None] = {}

    def note(self, call: cst.Call) -> None:
        self._calls[call] = (tuple(self._file.scopes), self._file.in_module_scope)

    def event(self, call: cst.Call) -> Seeding | Draw | None:
        """What a noted call does, followed through the project's functions."""
        if call not in self._events:
            scopes = self._calls[call][0]
            qualified = self._file.qualified_names(call.func, scopes)
            self._events[call] = classify(
                qualified, call, self._seed_functions, lambda c: self._file.library_calls(c, scopes)
            )
        return self._events[call]

    def seeded(self, module_level_only: bool = False) -> frozenset[str]:
        """The libraries the noted calls seed (only those at module level, if asked)."""
        return frozenset().union(*(
            event.libraries
            for call, (_, at_module_level) in self._calls.items()
            if (at_module_level or not module_level_only) and isinstance(event := self.event(call), Seeding)
        ))


def _seeds(made: MadeCall) -> bool:
    """A library seeding call a project function makes, with a value for the seed."""
    return made.callee in SEEDERS and made.argument(0, "seed") not in (None, NONE)


def seeds_with_a_value(call: cst.Call) -> bool:
    """`seed()` and `seed(None)` seed from the clock or the OS: not reproducible."""
    positional = [arg for arg in call.args if arg.keyword is None]
    seed_arg = positional[0] if positional else (call.args[0] if call.args else None)
    return seed_arg is not None and not is_none(seed_arg.value)


def drawing_library(name: str, call: cst.Call) -> str | None:
    """The library whose global generator a call to `name` draws from, if any."""
    parts = name.split(".")
    if len(parts) == 3 and parts[:2] == ["numpy", "random"] and parts[2] in _NUMPY_DRAWS:
        return "numpy"
    if len(parts) == 2 and parts[0] == "random" and parts[1] in _PYTHON_DRAWS:
        return "random"
    if len(parts) == 2 and parts[0] == "torch" and parts[1] in _TORCH_DRAWS:
        return None if keyword_arg(call, "generator") else "torch"
    if parts[:3] == ["torch", "utils", "data"] and parts[-1] in _TORCH_DATA_DRAWS:
        return None if keyword_arg(call, "generator") else "torch"
    if len(parts) == 3 and parts[:2] == ["tensorflow", "random"] and parts[2] in _TENSORFLOW_DRAWS:
        return None if keyword_arg(call, "seed") else "tensorflow"
    return None
