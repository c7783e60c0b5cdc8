"""MLS104 and MLS106: PyTorch training programs whose runs do not repeat. MLS104: the data
order comes from a torch generator the program never seeds; MLS106: the program seeds
torch, but GPU kernels have their own sources of variation, which PyTorch's
reproducibility notes list (ZHANG22-13, ZHANG22-14)."""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.calls import (
    callee_name,
    has_double_star,
    is_main_guard,
    is_true,
    keyword_arg,
    keyword_literal,
)
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.randomness import (
    SEED_FUNCTIONS_OPTION,
    UNDECIDED,
    DeferredSeeding,
    Seeding,
    classify,
    drawing_library,
)
from mlsmells.rule import Rule

_DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
_RANDOM_SAMPLERS = frozenset(
    f"torch.utils.data{module}.{sampler}"
    for module in ("", ".sampler")
    for sampler in ("RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler")
)


class _TorchSeedTracking(Rule):
    """Shared by the rules below: whether (and where) a program seeds torch's generator.

    Only programs count: notebooks, files with a main block, and files that seed torch at
    module level. A library that seeds inside its functions (a trainer class, a reversible
    layer replaying dropout) leaves data order and kernels to the program that uses it.
    """

    required_modules = frozenset({"torch"})
    options = (SEED_FUNCTIONS_OPTION,)

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.seed_functions = frozenset(self.settings["seed-functions"])
        self.torch_seeds: list[cst.Call] = []
        self.is_program = self.file.notebook is not None
        #: The program seeds some library (any, not only torch).
        self.seeds_a_library = False
        #: Calls only the project's functions can classify: decided if a finding needs them.
        self.deferred = DeferredSeeding(self.file, self.seed_functions)

    def visit_If(self, node: cst.If) -> None:
        if self.file.in_module_scope and is_main_guard(node.test):
            self.is_program = True

    def visit_Call(self, node: cst.Call) -> None:
        event = classify(self.file.qualified_names(node.func), node, self.seed_functions, decide=False)
        if event is UNDECIDED:
            self.deferred.note(node)
        elif isinstance(event, Seeding):
            self.seeds_a_library = True
            if "torch" in event.libraries:
                self.torch_seeds.append(node)
                self.is_program |= self.file.in_module_scope

    @property
    def program_seeds_torch(self) -> bool:
        """Whether the program seeds torch: asked by the rules once they have something to
        report, so that calls into the project's modules are followed only then."""
        seeds, program = bool(self.torch_seeds), self.is_program
        if not (seeds and program):
            # A call seeding torch at module level also makes the file a program.
            at_module_level = "torch" in self.deferred.seeded(module_level_only=True)
            program = program or at_module_level
            seeds = seeds or at_module_level or (program and "torch" in self.deferred.seeded())
        return seeds and program


class DataLoaderUnseededShuffle(_TorchSeedTracking):
    """
    A training program (a notebook, or a file with a main block or module-level code) that
    never seeds PyTorch creates a `DataLoader(..., shuffle=True)` or a random sampler
    (`RandomSampler`, `SubsetRandomSampler`, `WeightedRandomSampler`) without a
    `generator=`. Its order then comes from torch's unseeded global generator, so every run
    trains on the batches in a different order. One finding per program, at the first such
    loader.
    """

    code = "MLS104"
    name = "dataloader-unseeded-shuffle"
    family = Family.REPRODUCIBILITY
    #: Advice since the precision benchmark: seeding is a project decision.
    severity = Severity.ADVICE
    precision = "medium"
    summary = "A training program shuffles its data with torch's generator but never seeds torch."
    challenges = ("ZHANG22-14", "SLR-CM25")
    why = (
        "A shuffling loader without its own generator draws each epoch's order (and its "
        "workers' base seed) from torch's global generator. When the program never seeds "
        "torch, that generator starts from fresh entropy on every run: the model sees its "
        "batches in another order each time, so two runs of the same code give different "
        "weights and metrics, and a result cannot be reproduced or a regression bisected. "
        "ZHANG22-14 (Randomness Uncontrolled) and SLR-CM25 (replicating training results) "
        "are the challenges behind it."
    )
    bad = (
        '''
        import torch
        from torch.utils.data import DataLoader

        def main():
            train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)
                           ^^^^^^^^^^
            for images, labels in train_loader:
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()

        if __name__ == "__main__":
            main()
        ''',
    )
    good = (
        '''
        import torch
        from torch.utils.data import DataLoader

        SEED = 42

        def main():
            torch.manual_seed(SEED)
            train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)
            for images, labels in train_loader:
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()

        if __name__ == "__main__":
            main()
        ''',
        '''
        import torch
        from torch.utils.data import DataLoader

        loader_rng = torch.Generator().manual_seed(42)
        train_loader = DataLoader(train_set, batch_size=64, shuffle=True, generator=loader_rng)
        trainer.fit(model, train_loader)
        ''',
    )
    use_instead = (
        "Seed torch once at start-up (`torch.manual_seed(SEED)`, `lightning.seed_everything(SEED)`, "
        "`transformers.set_seed(SEED)`), or give the loader its own seeded generator: "
        "`DataLoader(ds, shuffle=True, generator=torch.Generator().manual_seed(SEED))`."
    )
    limitations = (
        "Advice (off by default). Only programs are checked: notebooks that fix some seed or ask "
        "for determinism (a notebook that fixes none is exploring or teaching, and wants no "
        "repeatable runs), files with a main "
        "block, and files that create a shuffling loader or call one of their functions at "
        "module level; library modules leave seeding to the programs that use them. A program "
        "must also show that it trains (`.backward()`, `.fit(...)`, `model.train()`, a "
        "`train...` function called): a loader shuffled only to look at a sample batch is not "
        "reported. A program that seeds torch anywhere (any function, any branch, through a "
        "project helper or a `seed_everything`/`set_seed` method) is not reported: such runs "
        "repeat, and what a loader's own generator adds (decoupling batch order from "
        "initialisation) is a matter of taste. A program that also draws from torch directly "
        "(`torch.randn`, `random_split` without `generator=`) is left to MLS101, which reports "
        "the same missing seed at that draw; unseeded `torch.Generator()` objects are MLS103's. "
        "`shuffle=` values computed at run time (`shuffle=is_train`) and loaders built from "
        "`**kwargs` are not read. Workers need no `worker_init_fn` for seeding: since PyTorch "
        "1.9 each worker seeds `random`, NumPy and torch from the loader's base seed."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.candidates: list[tuple[cst.Call, str]] = []
        self.trains = False
        #: Calls that draw from torch's global generator themselves: MLS101 reports those.
        self.draws_from_torch = False
        #: `fabric.seed_everything(SEED)`: seeding through an object the file created.
        self.seeds_through_object = False
        self.module_functions: set[str] = set()
        #: The program passes a literal seed (a split's `random_state=42`) or asks for
        #: determinism; with `seeds_a_library`, it wants runs to repeat.
        self.fixes_a_seed = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.file.in_module_scope:
            self.module_functions.add(node.name.value)

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        names = self.file.qualified_names(node.func)
        callee = callee_name(node.func)
        self.trains |= _is_training_call(callee)
        self.fixes_a_seed |= _fixes_a_seed(node)
        self.seeds_through_object |= not names and callee in _SEEDING_METHODS
        self.draws_from_torch |= any(drawing_library(name, node) == "torch" for name in names)
        if self.file.in_module_scope and isinstance(node.func, cst.Name) and node.func.value in self.module_functions:
            self.is_program = True  # `main()`, `run(parse_args())`
        if keyword_arg(node, "generator") is not None or has_double_star(node):
            return
        for name in names:
            if name in _DATA_LOADERS and keyword_literal(node, "shuffle") is True:
                self._candidate(node, "`DataLoader(shuffle=True)`")
            elif name in _RANDOM_SAMPLERS:
                self._candidate(node, f"`{name.rsplit('.', 1)[-1]}`")

    def _candidate(self, call: cst.Call, what: str) -> None:
        """A loader whose order comes from the global generator: module-level code also
        makes the file a program (a script or a `# %%` file run top to bottom)."""
        self.candidates.append((call, what))
        self.is_program |= self.file.in_module_scope

    def _seeds_torch_anywhere(self) -> bool:
        """Any seeding of torch in the file, wherever it is: a seed in any function the
        program may call makes its runs repeat, so only programs with none are reported."""
        return bool(self.torch_seeds) or self.seeds_through_object or "torch" in self.deferred.seeded()

    def end_file(self) -> None:
        if not (self.candidates and self.is_program and self.trains) or self.draws_from_torch:
            return
        if self.file.notebook is not None and not (self.seeds_a_library or self.fixes_a_seed):
            return  # a notebook that fixes no seed at all is exploring or teaching
        if self._seeds_torch_anywhere():
            return
        call, what = self.candidates[0]
        also = _others(len(self.candidates) - 1)
        self.report(
            call.func,
            f"{what} without `generator=` takes its order from torch's global generator, which this "
            f"program never seeds{also}, so every run trains on the batches in a different order; "
            "call torch.manual_seed(SEED) at start-up or pass generator=torch.Generator().manual_seed(SEED)",
        )


def _others(count: int) -> str:
    """What the one finding says about the program's other unseeded loaders."""
    if count == 0:
        return ""
    return " (as does 1 more loader or sampler here)" if count == 1 else f" (as do {count} more loaders or samplers here)"


#: Keywords whose literal value fixes a run's randomness or asks for determinism.
_REPEATABILITY_KEYWORDS = ("seed", "random_state", "random_seed", "deterministic")


def _fixes_a_seed(call: cst.Call) -> bool:
    """Whether `call` passes a literal seed or determinism flag
    (`train_test_split(..., random_state=42)`, `Trainer(deterministic=True)`)."""
    return any(
        isinstance(argument.value, cst.Integer) or is_true(argument.value)
        for keyword in _REPEATABILITY_KEYWORDS
        if (argument := keyword_arg(call, keyword)) is not None
    )


#: Method names of seeding objects (`fabric.seed_everything(7)`, `accelerator.set_seed(7)`).
_SEEDING_METHODS = frozenset({"seed_everything", "set_seed"})


def _is_training_call(callee: str | None) -> bool:
    """`loss.backward()`, `trainer.fit(...)`, `model.train()`, `train_one_epoch(...)`: the
    program trains, so the order of its batches changes its result."""
    if callee is None:
        return False
    return callee in ("backward", "fit", "train") or (callee.startswith("train_") and "split" not in callee)


class NondeterministicTraining(_TorchSeedTracking):
    """
    A PyTorch training program (it calls `.backward()`) that seeds torch and runs on CUDA,
    but turns on `torch.backends.cudnn.benchmark`, or never asks for deterministic kernels
    (`torch.use_deterministic_algorithms(True)`, `torch.backends.cudnn.deterministic = True`,
    `transformers.enable_full_determinism`, or Lightning's `Trainer(deterministic=True)`).
    """

    code = "MLS106"
    name = "nondeterministic-training"
    family = Family.REPRODUCIBILITY
    severity = Severity.ADVICE
    precision = "medium"
    summary = "A seeded PyTorch training script still lets CUDA pick nondeterministic kernels."
    challenges = ("ZHANG22-13", "ZHANG22-14", "SLR-CM25")
    why = (
        "Seeding fixes the random numbers, not the arithmetic: cuDNN autotuning "
        "(`cudnn.benchmark = True`) chooses convolution kernels by timing them, and many CUDA "
        "kernels (atomic adds in scatter, index_add, some backward passes) sum in a different "
        "order on every run, so two seeded runs on the same GPU still diverge. ZHANG22-13 "
        "(Deterministic Algorithm Option Not Used) is this smell; ZHANG22-14 is randomness "
        "left uncontrolled. The peers disagree on whether to flag it: "
        "deterministic kernels are slower (sometimes much slower) and some operations have "
        "none, so this is advice, for projects whose results must repeat bit for bit."
    )
    bad = (
        '''
        import torch

        torch.manual_seed(0)
        torch.backends.cudnn.benchmark = True
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        model = build_model().cuda()
        for images, labels in train_loader:
            loss = criterion(model(images.cuda()), labels.cuda())
            loss.backward()
            optimizer.step()
        ''',
    )
    good = (
        '''
        import torch

        torch.manual_seed(0)
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
        model = build_model().cuda()
        for images, labels in train_loader:
            loss = criterion(model(images.cuda()), labels.cuda())
            loss.backward()
            optimizer.step()
        ''',
    )
    use_instead = (
        "When runs must repeat exactly: `torch.use_deterministic_algorithms(True)`, "
        "`torch.backends.cudnn.benchmark = False`, and `CUBLAS_WORKSPACE_CONFIG=:4096:8` in the "
        "environment. Keep benchmark mode for throughput runs where exact repeats do not matter."
    )
    limitations = (
        "Off by default: deterministic kernels cost speed, and whether that is worth it is a "
        "project decision. Only files that seed torch, call `.backward()` and mention CUDA "
        "(`.cuda()`, `torch.cuda`, `\"cuda\"`) are checked; settings made in another module are not seen."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.trains = False
        self.uses_cuda = False
        self.deterministic = False
        self.benchmark_on: list[cst.CSTNode] = []

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("backward", "cuda"):
            self.trains |= func.attr.value == "backward"
            self.uses_cuda |= func.attr.value == "cuda"
        for name in self.file.qualified_names(func):
            if name.startswith("torch.cuda."):
                self.uses_cuda = True
            self.deterministic |= (
                (name == "torch.use_deterministic_algorithms" and bool(node.args) and is_true(node.args[0].value))
                or (name.startswith("transformers.") and name.endswith("enable_full_determinism"))
                or (name.endswith(".Trainer") and keyword_literal(node, "deterministic") is True)
            )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node.value[1:5] == "cuda" or node.value[-5:-1] == "cuda":
            self.uses_cuda = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = self.file.qualified_name(target.target)
            if name == "torch.backends.cudnn.deterministic" and is_true(node.value):
                self.deterministic = True
            elif name == "torch.backends.cudnn.benchmark" and is_true(node.value):
                self.benchmark_on.append(node)

    def end_file(self) -> None:
        if not (self.trains and self.uses_cuda and self.program_seeds_torch):
            return
        for assignment in self.benchmark_on:
            self.report(
                assignment,
                "cuDNN benchmark mode picks convolution kernels by timing them, so this seeded training "
                "run does not repeat exactly; set it to False when results must be reproducible",
            )
        if not self.benchmark_on and not self.deterministic:
            self.report(
                self.torch_seeds[0],
                "torch is seeded, but CUDA may still choose nondeterministic kernels, so training does "
                "not repeat exactly; call torch.use_deterministic_algorithms(True) if it must",
            )
