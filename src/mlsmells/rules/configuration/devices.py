"""MLS203: the accelerator hard-coded (`.cuda()`, `torch.device("cuda:1")`,
`map_location="cuda"`) in a file that otherwise means to run without it (it asks whether
the machine has a GPU, or takes the device from settings), so that one place still fails
on a CPU machine; and `CUDA_VISIBLE_DEVICES` set in code, which pins every run to the same
GPU (SLR-CS12, SLR-CM20, META-B3)."""

from __future__ import annotations

import re

import libcst as cst

from mlsmells.engine.calls import callee_name
from mlsmells.engine.names import parameters
from mlsmells.engine.walker import descendants
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.named_literals import (
    assignments,
    first_of,
    literal_string,
    short_text,
    target_name,
    words,
)
from mlsmells.rule import Rule

#: A device string naming one accelerator: `cuda`, `cuda:1`, `mps`.
_ACCELERATOR = re.compile(r"(cuda|mps)(:\d+)?")
#: TensorFlow device strings naming a GPU: `/GPU:0`, `/device:GPU:1`, `gpu:0`.
_TF_GPU = re.compile(r"/?(device:)?gpu(:\d+)?", re.IGNORECASE)
#: Calls that ask whether the machine has an accelerator. (Not `torch.cuda.device_count()`:
#: GPU-only code asks it to spread work over its GPUs.)
_AVAILABILITY_CHECKS = frozenset(
    {
        "torch.cuda.is_available", "torch.backends.mps.is_available",
        "torch.accelerator.is_available", "torch.accelerator.current_accelerator", "torch.xpu.is_available",
        "tensorflow.config.list_physical_devices", "tensorflow.config.experimental.list_physical_devices",
        "tensorflow.config.list_logical_devices", "tensorflow.test.is_gpu_available",
        "tensorflow.test.gpu_device_name", "tensorflow.test.is_built_with_cuda", "jax.devices",
    }
)
#: Project helpers such as `is_torch_cuda_available()` or `gpu_available()`.
_AVAILABILITY_HELPER = re.compile(r"(cuda|gpu|accelerator|mps|device).*available|available.*(cuda|gpu|device)")
#: Settings that hold a run's device: `cfg.device`, `args.accelerator`. (Not `gpu_id`, `gpus`
#: or `local_rank`: they choose *which* GPU, and GPU-only code is full of them.)
_DEVICE_SETTINGS = frozenset({"device", "accelerator"})
#: Flags that switch the accelerator on or off: `args.cuda`, `use_gpu`, `opt.no_cuda`. A flag
#: is a CPU path only where it decides a device; GPU-only code also uses them to decide where
#: something secondary lives (`if args.use_cuda: bank = bank.cuda()`).
_DEVICE_FLAGS = frozenset({"cuda", "use_cuda", "no_cuda", "use_gpu", "use_cpu"})
#: What holds a run's settings, for `.device`: a tensor's own `w.device` only follows the
#: tensor wherever it is, and says nothing about whether the file means to run on the CPU.
_SETTINGS_HOLDERS = frozenset({
    "self", "args", "opt", "opts", "options", "cfg", "config", "conf", "hparams", "hp", "params", "settings", "flags",
})
#: An `if` test that may check for an accelerator (`torch.cuda.is_available()`,
#: `gpu_available()`, `args.no_cuda`): other tests have no availability check to note.
_ASKS_ABOUT_DEVICES = re.compile(r"available|cuda|gpu|accelerator", re.IGNORECASE)
#: A string naming the CPU as a device: `"cpu"`, `'cpu'`.
_NAMES_CPU = re.compile(r"""["']cpu["']""")
#: Command-line options that choose a device or offer the CPU: `--device`, `--cpu`. (Not
#: `--no-cuda`: a flag, a CPU path only where it decides a device.)
_DEVICE_OPTION = re.compile(r"cpu|device")
#: Packages that place models and tensors on whatever the machine has, and packages that
#: only run on NVIDIA GPUs: a file importing either has nothing left to choose.
_DEVICE_MANAGERS = frozenset({"accelerate", "lightning", "pytorch_lightning"})
_CUDA_ONLY = frozenset({"tensorrt", "torch_tensorrt", "pycuda", "cupy", "flash_attn", "apex"})
#: Keyword arguments that take a device.
_DEVICE_KEYWORDS = frozenset({"device", "map_location", "device_map"})
_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES"
_GPU_WORDS = frozenset({"cuda", "gpu", "gpus"})
#: Words in a condition that make it a choice of device (`use_gpu`, `is_apple_silicon_env`,
#: `torch.backends.mps.is_available()`, `device_type == "cuda"`).
_BRANCH_WORDS = _GPU_WORDS | {"mps", "tpu", "xla", "silicon", "metal", "device", "accelerator"}
_PICK_DEVICE = (
    "choose the device once, from configuration or with "
    "`torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\")`, and move to it with `.to(device)`"
)

_PICK_TF_DEVICE = "choose devices from `tf.config.list_physical_devices(\"GPU\")` or let TensorFlow place them"


def _calls_in(expr: cst.CSTNode) -> set[cst.Call]:
    """The calls inside an expression."""
    return {node for node in descendants(expr) if isinstance(node, cst.Call)}


def _is_gpu_guard(node: cst.If, test_code: str) -> bool:
    """`if not torch.cuda.is_available(): return` (or `raise`, `continue`, `pytest.skip()`):
    what follows in the function runs only with a GPU."""
    test = node.test
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
        return False
    if not _GPU_WORDS.intersection(words(test_code)) or not isinstance(node.body, cst.IndentedBlock):
        return False
    last = node.body.body[-1] if node.body.body else None
    if not isinstance(last, cst.SimpleStatementLine) or not last.body:
        return False
    final = last.body[-1]
    if isinstance(final, cst.Return | cst.Raise | cst.Continue):
        return True
    return isinstance(final, cst.Expr) and isinstance(final.value, cst.Call) and callee_name(final.value.func) in (
        "skip", "exit", "quit"
    )


def _names_the_cpu(text: str | None) -> bool:
    """Whether a device string is the CPU: `"cpu"`, `"cpu:0"`."""
    return text is not None and text.lower().startswith("cpu")


def _default_offers_cpu(default: cst.BaseExpression, spelled: str | None) -> bool:
    """A `device` default that can be the CPU: `"cpu"`, `torch.device("cpu")`, or a choice
    (`"cuda" if torch.cuda.is_available() else "cpu"`). GPU-only code gives every helper a
    `device="cuda"` default; that is no CPU path."""
    return isinstance(default, cst.IfExp) or _names_the_cpu(spelled)


def _argument_offers_cpu(value: cst.BaseExpression, spelled: str | None) -> bool:
    """A device passed by a caller that can be the CPU: `"cpu"` or one computed at run time
    (`device`, `args.device`); not a literal accelerator (`"cuda"`) or `None`."""
    if spelled is not None:
        return _names_the_cpu(spelled)
    return not (isinstance(value, cst.Name) and value.value == "None")


def _visible_devices_problem(value: str) -> str | None:
    """The message for setting CUDA_VISIBLE_DEVICES to `value` in code, if it is one:
    hiding every GPU ("" or "-1") makes the program portable, not less."""
    if value.strip() in ("", "-1"):
        return None
    return (
        f"`{_VISIBLE_DEVICES}` is set to `{short_text(value, 20)}` in code, so every run takes the same GPUs "
        "whatever the machine, the scheduler or the person launching it chose; set it when launching "
        f"(`{_VISIBLE_DEVICES}=1 python train.py`) or take it from configuration"
    )


class HardCodedDevice(Rule):
    """
    The accelerator is hard-coded in a file that elsewhere means to run without it:
    `.cuda()`, `torch.device("cuda:1")`, `.to("cuda")`, `device="cuda"`,
    `map_location="cuda:0"`, `device_map="cuda"`, `torch.cuda.set_device(0)` and
    `tf.device("/GPU:0")`, in a file that checks
    availability (`torch.cuda.is_available()`, `torch.backends.mps.is_available()`,
    `tf.config.list_physical_devices()`, a helper such as `is_torch_cuda_available()`),
    takes the device from settings (`cfg.device`, an `add_argument("--device")` or `--cpu`
    option), chooses it with a flag (`device = "cuda" if args.cuda else "cpu"`, `if use_gpu:
    device = ...`), or has a `device` parameter that can be the CPU (a `"cpu"` or conditional
    default, or a caller in the file passing `"cpu"` or a computed device). The file offers a
    CPU path, and the hard-coded place is where it breaks.

    Code that hard-codes the GPU consistently, never asking, is GPU-only by design (CUDA
    training code, custom kernels, multi-GPU launchers) and is not reported; nor is an
    availability check that only demands a GPU (`assert torch.cuda.is_available()`, `if
    not torch.cuda.is_available(): raise ...`). Neither is a file importing `accelerate` or
    Lightning, or a library that only runs on NVIDIA GPUs (TensorRT, CuPy, PyCUDA,
    FlashAttention, Apex); code in a function or class that says it is for the GPU (`def
    cuda(self)` passing the call on, `test_fused_kernel_cuda`, `to_gpu`, `@requires_cuda`,
    `@require_torch_gpu`); code in a branch on the device kind (`if use_gpu:`); a device
    computed at run time (`f"cuda:{rank}"`) or compared (`device.type == "cuda"`); nor the
    value of a `device = ...` assignment (`DEVICE = "cuda:1"`, `device =
    torch.device("cuda:0")`), the one place the file picks its device.

    Setting `CUDA_VISIBLE_DEVICES` to a fixed GPU in code (`os.environ[...] = "0"`,
    `%env CUDA_VISIBLE_DEVICES=0`) is reported in every file: an availability check does not
    undo it. Hiding all GPUs (`""` or `"-1"`) is not reported.
    """

    code = "MLS203"
    name = "hard-coded-device"
    family = Family.CONFIGURATION
    severity = Severity.ADVICE
    summary = "The accelerator is hard-coded instead of chosen from what the machine has."
    challenges = ("SLR-CS12", "SLR-CM20", "META-B3")
    required_modules = frozenset({"torch", "tensorflow", "keras", "transformers", "os"})
    why = (
        "Code that calls `.cuda()` or builds `torch.device(\"cuda:1\")` crashes on a laptop, a CPU "
        "CI runner or a machine with one GPU, and pins every run to the same card on a shared "
        "server. SLR-CM20 names the many hardware platforms models must run on, SLR-CS12 the "
        "hardware-specific configuration cluster workloads need, and META-B3 the difficulty of "
        "moving training and serving between hardware."
    )
    bad = (
        '''
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = Classifier().cuda()
                             ^^^^
        state = torch.load("best.pt", map_location="cuda:0")
                                                   ^^^^^^^^
        ''',
        '''
        import os

        os.environ["CUDA_VISIBLE_DEVICES"] = "1"
                                             ^^^
        ''',
    )
    good = (
        '''
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = Classifier().to(device)
        state = torch.load("best.pt", map_location=device)
        ''',
        '''
        def evaluate(model, loader, use_cuda):
            if use_cuda:
                model = model.cuda()
            return [model(batch) for batch in loader]
        ''',
    )
    use_instead = (
        "Choose the device in one place, from configuration or from what is available "
        "(`torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\")`, `accelerate`, "
        "Lightning), move models and tensors with `.to(device)`, and pick GPUs when launching "
        "(`CUDA_VISIBLE_DEVICES=1 python train.py`)."
    )
    notebook_behavior = (
        "The code cells of a notebook are analysed as one module, in cell order: an availability "
        "check in any cell counts for the whole notebook. `%env CUDA_VISIBLE_DEVICES=0` lines are "
        "reported too."
    )
    limitations = (
        "The check is per file: a hard-coded device is reported only in a file that also checks "
        "availability or takes a device setting, so a `.cuda()` in a GPU-only module of a project "
        "whose other modules choose their device is not reported, and neither is a notebook or "
        "script that assumes a GPU throughout (a choice, if an unportable one). A device named in any branch "
        "of an `if` or conditional expression whose condition names a kind of device (`use_gpu`, "
        "`is_apple_silicon_env`, `device_type == \"cuda\"`) is taken as chosen, whatever the "
        "condition reads. A device chosen in another module and imported is not seen. A `device` "
        "parameter whose default is the GPU (`device=\"cuda\"`) or absent offers no CPU path unless "
        "a caller in the same file passes `\"cpu\"` or a computed device, so GPU-only helpers "
        "are quiet, and so is a hard-coded device in a module whose device-agnostic functions are "
        "only called from other files. A flag such as `args.use_cuda` or `--no-cuda` counts only "
        "where it decides a device (`\"cuda\" if flag else \"cpu\"`, `if flag: device = ...`): "
        "a flag that only guards other `.cuda()` calls (`if args.use_cuda: bank = bank.cuda()`) "
        "is not taken as a CPU path for the file's unconditional `.cuda()`."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Hard-coded devices, reported at the end if the file means to run without them.
        self.candidates: list[tuple[cst.CSTNode, str, str]] = []
        #: Packages that leave nothing to choose: the file's devices are managed or GPU-only.
        self.managed = bool(file.imported_packages & (_DEVICE_MANAGERS | _CUDA_ONLY))
        #: How the file shows it means to run on a machine without the accelerator, if it does.
        self.portable_because: str | None = None
        #: Availability checks that choose no device: they demand a GPU (`assert
        #: torch.cuda.is_available()`) or guard GPU-only settings (`if torch.cuda.is_available():
        #: cudnn.benchmark = True`).
        self.not_choices: set[cst.Call] = set()
        #: Values of `device = ...`: the one place a file picks its device is not a
        #: hard-coding inside the code, whatever it picks.
        self.definitions: set[cst.BaseExpression] = set()
        #: Functions that leave early without a GPU (`if not torch.cuda.is_available(): return`):
        #: the code after that runs on the GPU only.
        self.guarded: set[cst.CSTNode] = set()
        #: `x.cuda` callees and assignment targets: attributes that are not device settings read.
        self.not_settings: set[cst.Attribute] = set()
        #: The conditions of the `if`s and conditional expressions around the walk: a device
        #: named in a branch of one that names a kind of device is chosen, not hard-coded.
        self.branch_tests: list[cst.BaseExpression] = []
        #: `device` parameters whose default is no CPU path, by function name: (its position
        #: for callers, its name); a caller in the file passing a CPU or computed device makes it one.
        self.device_parameters: dict[str, list[tuple[int | None, str]]] = {}
        #: Every call in the file by callee name, to find the callers of those functions.
        self.calls_by_name: dict[str, list[cst.Call]] = {}

    def _portable(self, because: str) -> None:
        if self.portable_because is None:
            self.portable_because = because

    def visit_Assert(self, node: cst.Assert) -> None:
        self.not_choices.update(_calls_in(node.test))

    def visit_Decorator(self, node: cst.Decorator) -> None:
        """`@pytest.mark.skipif(not torch.cuda.is_available(), ...)` skips a GPU test; it
        offers no CPU path."""
        self.not_choices.update(_calls_in(node.decorator))

    def _note_if_test(self, node: cst.If) -> None:
        """The checks in an `if` test choose a device only when the statement names the CPU
        as one (`else: device = "cpu"`): `if torch.cuda.is_available(): cudnn.benchmark =
        True` tunes GPU-only code, and `if not torch.cuda.is_available(): raise ...` demands
        a GPU."""
        test_code = self.file.module.code_for_node(node.test)
        if not _ASKS_ABOUT_DEVICES.search(test_code):
            return  # nothing to note; spares generating the code of the whole statement
        if not _NAMES_CPU.search(self.file.module.code_for_node(node)):
            self.not_choices.update(_calls_in(node.test))
        if _is_gpu_guard(node, test_code) and self.file.scopes:
            self.guarded.add(self.file.scopes[-1].node)

    def _candidate(self, node: cst.CSTNode, what: str, advice: str = _PICK_DEVICE) -> None:
        guarded = any(scope.node in self.guarded for scope in self.file.scopes)
        if not guarded and not self._in_gpu_code() and not self._in_device_branch():
            self.candidates.append((node, what, advice))

    # A branch on the device kind chooses the device: `if use_gpu: model.cuda()`,
    # `elif is_apple_silicon_env: train(device="mps")`, `"cuda" if on_gpu else "cpu"`.
    def visit_If(self, node: cst.If) -> None:
        self._note_if_test(node)
        self.branch_tests.append(node.test)
        if (flag := self._flag_in(node.test)) and (
            _NAMES_CPU.search(self.file.module.code_for_node(node)) or self._assigns_a_device(node)
        ):
            self._portable(f"chooses the device from `{flag}`")

    def leave_If(self, node: cst.If) -> None:
        self.branch_tests.pop()

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.branch_tests.append(node.test)
        if (flag := self._flag_in(node.test)) and _NAMES_CPU.search(self.file.module.code_for_node(node)):
            self._portable(f"chooses the device from `{flag}`")

    def _flag_in(self, expr: cst.BaseExpression) -> str | None:
        """The code of a device flag read in `expr` (`args.cuda`, `use_gpu`), if one is: not
        `torch.cuda`, a module."""
        nodes = list(descendants(expr))
        attributes = {node.attr for node in nodes if isinstance(node, cst.Attribute)}
        for node in nodes:
            if isinstance(node, cst.Attribute) and node.attr.value in _DEVICE_FLAGS and isinstance(node.value, cst.Name):
                if not self.file.qualified_names(node.value):
                    return short_text(self.file.module.code_for_node(node), 30)
            elif isinstance(node, cst.Name) and node.value in _DEVICE_FLAGS and node not in attributes:
                if not self.file.qualified_names(node):
                    return node.value
        return None

    @staticmethod
    def _assigns_a_device(node: cst.If) -> bool:
        """Whether an `if` sets a device (`if args.cuda: device = torch.device("cuda")`): the
        flag decides the file's device, whatever the `else` leaves it as."""
        return any(
            isinstance(inner, cst.Assign)
            and any("device" in words(target_name(target) or "") for target, _ in assignments(inner))
            for inner in descendants(node)
        )

    def leave_IfExp(self, node: cst.IfExp) -> None:
        self.branch_tests.pop()

    def _in_device_branch(self) -> bool:
        """Whether a condition around the walk names a kind of device; read only for a
        candidate, so a file's other conditions cost nothing."""
        return any(
            _BRANCH_WORDS.intersection(words(self.file.module.code_for_node(test))) for test in self.branch_tests
        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        names = self.file.qualified_names(func)
        callee = callee_name(func) or ""
        self.calls_by_name.setdefault(callee, []).append(node)
        if any(name in _AVAILABILITY_CHECKS for name in names) or _AVAILABILITY_HELPER.search(callee.lower()):
            if node not in self.not_choices:
                self._portable(f"checks `{callee}()`")
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        first = positional[0] if positional else None
        if "torch.cuda.set_device" in names and first is not None:
            if isinstance(first, cst.Integer):
                self._candidate(first, f"`torch.cuda.set_device({first.value})` always takes the same GPU")
        elif callee == "add_argument" and first is not None and _DEVICE_OPTION.search(literal_string(first) or ""):
            self._portable(f"has a `{literal_string(first)}` option")
        elif (device_call := first_of(names, ("torch.device", "tensorflow.device"))) and first is not None and node not in self.definitions:
            self._check_device_string(first, device_call.replace("tensorflow", "tf") + "({})")
        elif callee == "to" and not names and first is not None:
            self._check_device_string(first, ".to({})")
        elif callee == "cuda" and isinstance(func, cst.Attribute) and not names:
            self.not_settings.add(func)
            self._candidate(func.attr, "`.cuda()` moves to the GPU unconditionally")
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _DEVICE_KEYWORDS:
                self._check_device_string(arg.value, arg.keyword.value + "={}")
        setter = any(name in ("os.environ.setdefault", "os.putenv") for name in names)
        if setter and len(positional) == 2 and literal_string(positional[0]) == _VISIBLE_DEVICES:
            self._check_visible_devices(positional[1])

    def _in_gpu_code(self) -> bool:
        """Inside a function or class that says it is about the GPU, by its name or a
        decorator: `def cuda(self)` passing the call on, `test_kernel_cuda`, `to_gpu`,
        `@requires_cuda`, `@require_torch_gpu`. Its callers or the test runner decide."""
        for scope in self.file.scopes:
            node = scope.node
            if isinstance(node, cst.FunctionDef | cst.ClassDef):
                mentions = words(node.name.value)
                for decorator in node.decorators:
                    mentions += words(self.file.module.code_for_node(decorator.decorator))
                if _GPU_WORDS.intersection(mentions):
                    return True
        return False

    def _check_device_string(self, expr: cst.BaseExpression, template: str) -> None:
        """A candidate if `expr` is a literal naming one accelerator; `template` shows where
        it is passed (`torch.device({})`)."""
        value = literal_string(expr)
        if value is None:
            return
        shown = template.format(repr(value))
        if template.startswith("tf."):
            if _TF_GPU.fullmatch(value):
                self._candidate(expr, f"`{shown}` pins these operations to one GPU", _PICK_TF_DEVICE)
        elif _ACCELERATOR.fullmatch(value):
            self._candidate(expr, f"`{shown}` hard-codes the device")

    def _check_visible_devices(self, value: cst.BaseExpression) -> None:
        text = literal_string(value)
        message = _visible_devices_problem(text) if text is not None else None
        if message:
            self.report(value, message)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target, value in assignments(node):
            if isinstance(target, cst.Attribute):
                self.not_settings.add(target)
            if isinstance(target, cst.Subscript) and "os.environ" in self.file.qualified_names(target.value):
                if target_name(target) == _VISIBLE_DEVICES:
                    self._check_visible_devices(value)
                continue
            name = target_name(target)
            if name and "device" in words(name):
                self.definitions.add(value)
                if flag := self._flag_in(value):
                    self._portable(f"chooses the device from `{flag}`")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """`args.cuda`, `cfg.device`, `self.device`: the device can come from settings (not
        `w.device`, a tensor's own device)."""
        if (
            node.attr.value in _DEVICE_SETTINGS
            and node not in self.not_settings
            and isinstance(node.value, cst.Name)
            and (node.attr.value != "device" or node.value.value.lower() in _SETTINGS_HOLDERS)
            and not self.file.qualified_names(node.value)
        ):
            self._portable(f"reads `{short_text(self.file.module.code_for_node(node), 30)}`")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """A `device` parameter is a CPU path if its default can be the CPU; otherwise only
        if a caller in the file passes one (`end_file`)."""
        positional = [*node.params.posonly_params, *node.params.params]
        shift = 1 if positional and positional[0].name.value in ("self", "cls") else 0
        for param in parameters(node.params):
            name = param.name.value
            if name not in _DEVICE_SETTINGS:
                continue
            default = param.default
            if default is not None and _default_offers_cpu(default, self._device_spelled(default)):
                self._portable(f"takes a `{name}` parameter that defaults to the CPU or a choice")
                continue
            position = positional.index(param) - shift if param in positional else None
            self.device_parameters.setdefault(node.name.value, []).append((position, name))

    def _device_spelled(self, expr: cst.BaseExpression) -> str | None:
        """The device string an expression spells: `"cuda:0"`, `torch.device("cpu")`."""
        if isinstance(expr, cst.Call) and "torch.device" in self.file.qualified_names(expr.func) and expr.args:
            expr = expr.args[0].value
        return literal_string(expr)

    def _callers_offer_cpu(self) -> str | None:
        """The first `device` parameter that a caller in the file sets to a CPU or computed
        device, as `fit(device=...)`."""
        for function, device_parameters in self.device_parameters.items():
            for call in self.calls_by_name.get(function, ()):
                positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
                for position, name in device_parameters:
                    passed = [arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == name]
                    if position is not None and 0 <= position < len(positional):
                        passed.append(positional[position])
                    if any(_argument_offers_cpu(value, self._device_spelled(value)) for value in passed):
                        return f"`{function}({name}=...)`"
        return None

    def end_file(self) -> None:
        if self.portable_because is None and self.candidates and (caller := self._callers_offer_cpu()):
            self._portable(f"passes a CPU or computed device to {caller}")
        if self.portable_because is not None and not self.managed:
            for node, what, advice in self.candidates:
                self.report(
                    node,
                    f"{what}, although this file {self.portable_because}: it is meant to run without "
                    f"that accelerator too, and fails here on a machine without it; {advice}",
                )
        notebook = self.file.notebook
        if notebook is None:
            return
        for magic in notebook.magics:
            name, _, value = magic.command.partition(" ")
            variable, _, setting = value.strip().replace("=", " ", 1).partition(" ")
            if magic.kind == "line-magic" and name in ("env", "set_env") and variable == _VISIBLE_DEVICES:
                message = _visible_devices_problem(setting.strip())
                if message:
                    self.file.report_magic(self, magic, message)
