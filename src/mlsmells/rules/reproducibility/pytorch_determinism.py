"""MLS104 and MLS106: PyTorch programs that seed torch and still do not repeat. A seed
fixes the global generator; data order and GPU kernels have their own sources of
variation, which PyTorch's reproducibility notes list (ZHANG22-13, ZHANG22-14)."""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.calls import (
    has_double_star,
    is_main_guard,
    is_true,
    keyword_arg,
    keyword_literal,
)
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.randomness import SEED_FUNCTIONS_OPTION, UNDECIDED, DeferredSeeding, Seeding, classify
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
        #: Calls only the project's functions can classify: decided if a finding needs them.
        self.deferred = DeferredSeeding(self.file, self.seed_functions)

    def visit_If(self, node: cst.If) -> None:
        if self.file.in_module_scope and is_main_guard(node.test):
            self.is_program = True

    def visit_Call(self, node: cst.Call) -> None:
        event = classify(self.file.qualified_names(node.func), node, self.seed_functions, decide=False)
        if event is UNDECIDED:
            self.deferred.note(node)
        elif isinstance(event, Seeding) and "torch" in event.libraries:
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
    In a program that seeds PyTorch, a `DataLoader(..., shuffle=True)` or a random sampler
    (`RandomSampler`, `SubsetRandomSampler`, `WeightedRandomSampler`) is created without a
    `generator=`. Its order then comes from torch's global generator, shared with weight
    initialisation, dropout and augmentations.
    """

    code = "MLS104"
    name = "dataloader-unseeded-shuffle"
    family = Family.REPRODUCIBILITY
    #: Advice since the precision benchmark: in programs that seed torch, a run repeats
    #: exactly; what a loader's own generator adds matters only when comparing experiments.
    severity = Severity.ADVICE
    precision = "low"
    summary = "A shuffling DataLoader or random sampler draws its order from torch's global generator."
    challenges = ("ZHANG22-14", "SLR-CM25")
    why = (
        "Without its own generator, a shuffling loader draws each epoch's order (and its "
        "workers' base seed) from the global generator, after everything else that drew from "
        "it: adding a layer, a dropout or a random augmentation changes which batches the "
        "model sees, so two experiments differ in more than the change being tested, and a "
        "run resumed from a checkpoint sees other batches than the original run. PyTorch's "
        "reproducibility notes ask for a seeded `generator=` on every DataLoader. ZHANG22-14 "
        "(Randomness Uncontrolled) and SLR-CM25 (replicating training results) are the "
        "challenges behind it."
    )
    bad = (
        '''
        import torch
        from torch.utils.data import DataLoader, RandomSampler

        torch.manual_seed(42)
        train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)
                       ^^^^^^^^^^
        sampler = RandomSampler(val_set, num_samples=1_000)
                  ^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import torch
        from torch.utils.data import DataLoader

        SEED = 42
        torch.manual_seed(SEED)
        loader_rng = torch.Generator().manual_seed(SEED)
        train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4, generator=loader_rng)
        val_loader = DataLoader(val_set, batch_size=256, shuffle=False)
        ''',
    )
    use_instead = (
        "Give every shuffling loader and random sampler its own generator, seeded from the run's "
        "seed: `DataLoader(ds, shuffle=True, generator=torch.Generator().manual_seed(SEED))`."
    )
    limitations = (
        "Advice (off by default; select it when comparing experiments batch for batch): on "
        "repositories nobody here had read, none of its sampled findings was a real problem to "
        "their maintainers (bench/precision: 0 true, 1 false, 5 debatable of 6; 0 of 30 in an "
        "earlier trial), because a program that seeds torch repeats exactly without it. "
        "Programs that never seed torch are left to MLS101 and MLS103; library modules that "
        "seed inside their functions are left to the programs using them. `shuffle=` values computed "
        "at run time (`shuffle=is_train`) are not read. Workers need no `worker_init_fn` for "
        "seeding: since PyTorch 1.9 each worker seeds `random`, NumPy and torch from the "
        "loader's base seed, so it is not asked for."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.candidates: list[tuple[cst.Call, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        if keyword_arg(node, "generator") is not None or has_double_star(node):
            return
        for name in self.file.qualified_names(node.func):
            if name in _DATA_LOADERS and keyword_literal(node, "shuffle") is True:
                self.candidates.append((node, "`DataLoader(shuffle=True)`"))
            elif name in _RANDOM_SAMPLERS:
                self.candidates.append((node, f"`{name.rsplit('.', 1)[-1]}`"))

    def end_file(self) -> None:
        if not self.candidates or not self.program_seeds_torch:
            return
        for call, what in self.candidates:
            self.report(
                call.func,
                f"{what} without `generator=` takes its order from torch's global generator, so the "
                "batches change whenever anything else draws from it first; pass "
                "generator=torch.Generator().manual_seed(SEED)",
            )


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
