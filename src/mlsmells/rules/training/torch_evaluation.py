"""MLS503 and MLS504: PyTorch evaluation loops, which need the model in evaluation mode
(dropout off, batch-norm on its running statistics) and no autograd graph (ZHANG22-18).

Both rules share one picture of the file, built as the engine walks it: the functions,
the loops in each, the `torch.no_grad()` blocks, the calls that switch a model's mode
(`model.eval()`, `model.train()`), and the calls of models inside loops. What a loop is
(training or evaluation) is only known once it is left, so findings are decided in
`end_file`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from mlsmells.engine.calls import code_of, unwrap_method_chain
from mlsmells.engine.names import Scope, dotted_name, parameters
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.value_kinds import TORCH_MODULE, ValueKinds
from mlsmells.knowledge.torch_models import (
    is_torch_module_class,
    module_name,
    names_an_optimizer,
)
from mlsmells.rule import Rule

#: Context managers and decorators that turn autograd off.
_NO_GRAD = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad"})
#: Calls that show a function wants gradients while it evaluates (attacks, saliency maps).
_GRADIENT_USES = frozenset({"torch.autograd.grad", "torch.enable_grad", "torch.set_grad_enabled", "torch.autograd.backward"})
#: torch.nn layers that compute the same thing in training and evaluation mode.
_MODE_FREE_LAYERS = frozenset(
    {
        "Linear", "Bilinear", "LazyLinear", "Identity", "Flatten", "Unflatten", "Embedding", "EmbeddingBag",
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConv1d",
        "LazyConv2d", "LazyConv3d", "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU",
        "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign",
        "Softmax", "LogSoftmax", "Softmin", "Tanhshrink", "Threshold", "GLU", "LogSigmoid", "MaxPool1d",
        "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
        "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
        "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "RNNCell", "LSTMCell", "GRUCell", "LayerNorm",
        "GroupNorm", "LocalResponseNorm", "RMSNorm", "Upsample", "UpsamplingNearest2d",
        "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
        "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
        "ReplicationPad2d", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
        "Parameter", "Module"
    }
)
#: torch.nn layers without weights: a `softmax = nn.Softmax(1)` called in a loop is not a model.
_WEIGHTLESS_LAYER = re.compile(
    r"\w*(ReLU\w*|LU|Sigmoid|Tanh|Softmax|Softmin|Softplus|Softsign|Pool\dd|Pad\dd|Flatten|Identity|Upsample\w*|Shuffle)"
)
#: Recurrent layers: mode-free unless built with `dropout=`.
_RECURRENT_LAYERS = frozenset({"RNN", "LSTM", "GRU"})
#: Loops over data whose name says it is held out: `val_loader`, `testloader`, `eval_dl`.
_HELD_OUT_WORD = re.compile(r"(val|valid|validation|test|testing|eval|evaluation)(loader|set|data|dl|iter|batches)?")
#: Functions named for evaluation or inference: `evaluate`, `validate`, `test`, `predict`,
#: `eval_epoch`, `run_validation`.
_EVALUATION_NAME = re.compile(
    r"(evaluate|validate|validation|evaluation|eval|valid|val|test|predict|inference)"
    r"|(eval|evaluate|val|valid|validate|validation|evaluation|predict)_\w+"
    r"|\w+_(eval|evaluate|evaluation|validate|validation|test)"
)
#: Names that say a callee is a network: `model`, `net`, `netG`, `encoder`, `G_AB`.
_MODEL_WORD = re.compile(
    r"(model|net|network|encoder|decoder|generator|discriminator|classifier|backbone|critic|"
    r"autoencoder|vae|cnn|rnn|lstm|gru|mlp|transformer|resnet|vgg|unet|bert|gpt)\w*|\w*net"
)
#: Frameworks whose hooks run evaluation with the mode and autograd already set.
_FRAMEWORK_BASES = ("LightningModule", "Trainer")
#: Methods that show gradients are wanted: `x.requires_grad_()`, Grad-CAM's hooks.
_GRADIENT_METHODS = frozenset({"requires_grad_", "register_hook", "register_full_backward_hook", "register_backward_hook"})
#: Base classes of networks: `nn.Module`, `PreTrainedModel`, `GenerationMixin`.
_MODEL_CLASS_SUFFIXES = ("Module", "Model", "Mixin")
#: Loadable classes of Hugging Face libraries that are not networks.
_NOT_MODULE_SUFFIXES = (
    "Pipeline", "Tokenizer", "TokenizerFast", "Processor", "FeatureExtractor", "Config", "Scheduler",
)
#: Words of a name that say it computes a loss: `loss_fn`, `criterion`, `bce_loss`, `lossfn`.
_CRITERION_WORD = re.compile(r"loss\w*|\w*loss|criterion\w*|criteria")
#: The losses of `torch.nn.functional`: `F.cross_entropy`, `F.mse_loss`, `F.kl_div`.
_FUNCTIONAL_LOSS = re.compile(r"torch\.nn\.functional\.(\w+_loss|(binary_)?cross_entropy(_with_logits)?|kl_div)")
_FRAMEWORK_HOOKS = re.compile(r"\w*_step|\w*_epoch_end|\w*_epoch_start|on_\w+")


def _words(name: str) -> list[str]:
    return [word for word in re.split(r"[_\d]+", name.lower()) if word]


def _same_model(a: str, b: str) -> bool:
    """A mode switch on `a` covers calls of `b`: the same object, a part of it (`self` covers
    `self.model`), or the wrapper of it (`model.module` under DDP)."""
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


@dataclass(eq=False)
class _ClassFacts:
    """One definition of a local class. A notebook may define a class again further down
    (a first version without dropout, a later one with it): a use sees the definition in
    effect where it is, in source order."""

    order: int
    bases: list[str]
    #: The body builds layers that behave differently when training (dropout, batch-norm,
    #: a part of unknown make) or reads `self.training`.
    mode_dependent: bool = False
    #: The local classes its `__init__` builds.
    builds: set[str] = field(default_factory=set)


@dataclass(eq=False)
class _Loop:
    node: cst.For
    held_out: bool
    #: Over data, not `range(n)`: a loop over `range` under no_grad is more often decoding
    #: or sampling, whose mode is its caller's business.
    over_data: bool
    #: The loop's own body (not a nested loop) calls `.backward()` or an optimizer's `step()`.
    trains: bool = False
    #: Its body calls `.backward()` or an optimizer's `step()`, in a nested loop too.
    encloses_training: bool = False
    #: The call orders the loop spans: what happens at an order in `(start, end]` happens
    #: in the loop's body on every pass.
    start: int = 0
    end: int = 1 << 62


@dataclass(eq=False)
class _Frame:
    """What the walk has seen of one function (or of the module's own statements)."""

    node: cst.FunctionDef | None
    name: str
    in_class: str | None
    no_grad: int = 0
    loops: list[_Loop] = field(default_factory=list)
    branches: list[cst.If] = field(default_factory=list)
    #: Mode switches in source order: (order, "eval" / "train" / "unknown", receiver, the
    #: `if` statements around the switch).
    modes: list[tuple[int, str, str, tuple[cst.If, ...]]] = field(default_factory=list)
    #: Somewhere in the function a loss is backpropagated or an optimizer steps.
    trains: bool = False
    #: The function asks for gradients while evaluating (an attack, a saliency map).
    wants_gradients: bool = False
    #: A Lightning or Hugging Face Trainer hook: the framework sets mode and autograd.
    framework: bool = False
    #: A method of a network class (`generate`, `sample`): its caller sets the mode.
    in_model: bool = False
    #: The calls of local functions it makes, by the callee's name.
    calls: list[tuple[str, _CallSite]] = field(default_factory=list)
    #: The mode of the model each `return` hands back (None: not known to be switched).
    returned_modes: list[str | None] = field(default_factory=list)

    @property
    def returns_eval(self) -> bool:
        """Every `return` hands back a model in evaluation mode (`return model.eval()`)."""
        return bool(self.returned_modes) and all(mode == "eval" for mode in self.returned_modes)


@dataclass(eq=False)
class _CallSite:
    """A call of a local function (`train(model, loader)`, `self.validate()`)."""

    call: cst.Call
    frame: _Frame
    order: int
    under_no_grad: bool
    loops: tuple[_Loop, ...]
    branches: tuple[cst.If, ...]


@dataclass(frozen=True, eq=False)
class _ModeEvent:
    """A change of a model's mode as one function sees it: a switch written there, or the
    net effect of a local function it calls (`via` names that function)."""

    order: int
    mode: str
    receiver: str
    via: str | None
    #: The `if` statements around the switch or the call.
    branches: tuple[cst.If, ...]


@dataclass(eq=False)
class _ModelCall:
    """A model called inside a loop, and everything needed to judge it at the end."""

    call: cst.Call
    receiver: str
    frame: _Frame
    order: int
    loops: tuple[_Loop, ...]
    branches: tuple[cst.If, ...]
    under_no_grad: bool
    #: The file shows the callee is something else than a module (`ValueKinds`: a
    #: scikit-learn estimator, a pandas object).
    other_kind: bool = False


class _EvaluationLoops(Rule):
    """Shared by MLS503 and MLS504: functions, loops, no_grad blocks, mode switches and the
    model calls inside loops."""

    required_modules = frozenset({"torch"})
    uses_dataflow = True

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.frames: list[_Frame] = [_Frame(None, "<module>", None)]
        self.classes: list[cst.ClassDef] = []
        self.order = 0
        self.calls: list[_ModelCall] = []
        #: Local functions and classes: callees that are not models.
        self.local_definitions: set[str] = set()
        #: Local functions and methods: `model.run_model(...)` calls a method, not a module.
        self.local_functions: set[str] = set()
        #: receiver -> the calls that built it (`model = Net().to(device)`), with the scopes
        #: their names are resolved in and the order of the assignment.
        self.constructors: dict[str, list[tuple[cst.Call, tuple[Scope, ...], int]]] = {}
        #: Call sites of local functions, by the function's name.
        self.call_sites: dict[str, list[_CallSite]] = {}
        #: Every function the walk entered, by name.
        self.functions: dict[str, list[_Frame]] = {}
        #: Local classes: name -> its definitions, in source order.
        self.class_facts: dict[str, list[_ClassFacts]] = {}
        self.ever_trained: set[str] = set()
        #: Local classes that are networks themselves (`nn.Module`, `PreTrainedModel`, a
        #: generation mixin): their methods run in whatever mode their caller chose.
        self.model_classes: set[str] = set()
        #: Local classes -> the `self.<attribute>` names their methods assign.
        self.self_attributes: dict[str, set[str]] = {}
        #: Models made by a local function (`model = load_model(path)`): the receiver, the
        #: function's name and the call.
        self.producers: list[tuple[str, str, _CallSite]] = []
        self.kinds = file.shared(ValueKinds)
        #: (function, depth) -> whether it trains, itself or through the local functions
        #: it calls that deep.
        self._known_training: dict[tuple[_Frame, int], bool] = {}

    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    # Functions and classes ---------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.local_definitions.add(node.name.value)
        bases = [dotted_name(base.value) or "" for base in node.bases]
        if any(base.rsplit(".", 1)[-1].endswith(_MODEL_CLASS_SUFFIXES) or base in self.model_classes for base in bases):
            self.model_classes.add(node.name.value)
        self.class_facts.setdefault(node.name.value, []).append(_ClassFacts(self.order, bases))
        self.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.local_definitions.add(node.name.value)
        self.local_functions.add(node.name.value)
        in_class = self.classes[-1] if self.classes and self._directly_in_class(node) else None
        frame = _Frame(node, node.name.value, in_class.name.value if in_class else None)
        frame.in_model = in_class is not None and in_class.name.value in self.model_classes
        frame.no_grad = sum(
            1 for decorator in node.decorators if self._is_no_grad(decorator.decorator)
        )
        if in_class is not None:
            bases = self.class_facts[in_class.name.value][-1].bases
            frame.framework = any(base.rsplit(".", 1)[-1] in _FRAMEWORK_BASES for base in bases) or bool(
                _FRAMEWORK_HOOKS.fullmatch(node.name.value)
            )
        self.frames.append(frame)
        self.functions.setdefault(frame.name, []).append(frame)

    def _directly_in_class(self, node: cst.FunctionDef) -> bool:
        return any(statement is node for statement in self.classes[-1].body.body)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.frame.node is node:
            self.frames.pop()

    def _is_no_grad(self, expr: cst.BaseExpression) -> bool:
        func = expr.func if isinstance(expr, cst.Call) else expr
        return any(name in _NO_GRAD for name in self.file.qualified_names(func))

    # Blocks and loops --------------------------------------------------------------

    def visit_With(self, node: cst.With) -> None:
        if any(self._is_no_grad(item.item) for item in node.items):
            self.frame.no_grad += 1

    def leave_With(self, node: cst.With) -> None:
        if any(self._is_no_grad(item.item) for item in node.items):
            self.frame.no_grad -= 1

    def visit_For(self, node: cst.For) -> None:
        loop = _Loop(node, _iterates_held_out(node.iter), not self._counts(node.iter), start=self.order)
        self.frame.loops.append(loop)

    def leave_For(self, node: cst.For) -> None:
        loops = self.frame.loops
        if loops and loops[-1].node is node:
            loops.pop().end = self.order

    def _counts(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Call) and any(
            name in ("builtins.range", "itertools.count") for name in self.file.qualified_names(expr.func)
        )

    def visit_If(self, node: cst.If) -> None:
        self.frame.branches.append(node)

    def leave_If(self, node: cst.If) -> None:
        branches = self.frame.branches
        if branches and branches[-1] is node:
            branches.pop()

    # Calls and assignments ---------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad" for t in node.targets):
            self.frame.wants_gradients = True  # `images.requires_grad = True`: an attack or a saliency map
        value = unwrap_method_chain(node.value) if isinstance(node.value, cst.Call) else None
        # The value's first call takes the next order: a switch in it happens there, not
        # among the calls before the assignment (the end of the loop just left).
        at = self.order + 1
        for target in node.targets:
            self._note_self_attribute(target.target)
            receiver = dotted_name(target.target)
            if receiver is None:
                continue
            if isinstance(value, cst.Call):
                self._note_constructor(receiver, node.value, value, at)
            mode = _chained_mode(node.value)
            if mode is not None:
                self._switch(mode, receiver, at)

    def _note_constructor(self, receiver: str, assigned: cst.Call, made_by: cst.Call, at: int) -> None:
        """Record what `receiver` was built by. `model = model.to(device)` builds nothing
        new, and `net = model.cuda()` is what `model` was built by, when that is known."""
        same = module_name(assigned)
        if same == receiver:
            return
        copied = self.constructors.get(same, []) if same is not None else []
        built = self.constructors.setdefault(receiver, [])
        built.extend(copied or [(made_by, tuple(self.file.scopes), self.order)])
        if not copied:
            self._note_producer(receiver, made_by, at)

    def _note_producer(self, receiver: str, made_by: cst.Call, at: int) -> None:
        """`model = load_model(path)`: a local function made the model, and may have set its
        mode (`return model.eval()`); decided in `end_file`, once every function is read."""
        func = made_by.func
        if isinstance(func, cst.Name) and not self.file.qualified_names(func):
            name = func.value
        elif isinstance(func, cst.Attribute) and dotted_name(func.value) == "self":
            name = func.attr.value
        else:
            return
        site = _CallSite(made_by, self.frame, at, False, tuple(self.frame.loops), tuple(self.frame.branches))
        self.producers.append((receiver, name, site))

    def _note_self_attribute(self, target: cst.BaseExpression) -> None:
        if (
            self.classes
            and isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            self.self_attributes.setdefault(self.classes[-1].name.value, set()).add(target.attr.value)

    def visit_Return(self, node: cst.Return) -> None:
        """Note the mode a function returns its model in: `return model.eval()`, or
        `model.eval()` and then `return model`."""
        frame = self.frame
        if frame.node is None:
            return
        mode = _chained_mode(node.value) if node.value is not None else None
        returned = module_name(node.value) if node.value is not None else None
        if mode is None and returned is not None:
            switches = [switch for _, switch, switched, _ in frame.modes if _same_model(switched, returned)]
            mode = switches[-1] if switches else None
        frame.returned_modes.append(mode)

    def visit_Call(self, node: cst.Call) -> None:
        self.order += 1
        frame = self.frame
        func = node.func
        if self.classes and frame.in_class is not None:
            self._note_class_part(node)
        names = self.file.qualified_names(func)
        if any(name in _GRADIENT_USES or name.startswith("captum.") for name in names):
            frame.wants_gradients = True
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = dotted_name(func.value)
            if method == "backward" or (method == "step" and names_an_optimizer(func.value)):
                frame.trains = True
                if frame.loops:
                    frame.loops[-1].trains = True
                for loop in frame.loops:
                    loop.encloses_training = True
            if method in _GRADIENT_METHODS:
                frame.wants_gradients = True
            mode = _mode_switch(node)
            switched = module_name(func.value)
            if mode is not None and switched is not None:
                self._switch(mode, switched)
                return
        if isinstance(func, cst.Name) and not names:
            self._note_call_site(func.value, node)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            self._note_call_site(func.attr.value, node)
        if frame.loops and not names:
            receiver = dotted_name(func)
            if receiver is not None and receiver != "self":
                self.calls.append(
                    _ModelCall(
                        node,
                        receiver,
                        frame,
                        self.order,
                        tuple(frame.loops),
                        tuple(frame.branches),
                        frame.no_grad > 0,
                        # Asking costs a scan of the file's classes: only a name that
                        # says "model" needs the kind to overrule it (a built module has
                        # its constructor as evidence).
                        _named_as_model(receiver.rsplit(".", 1)[-1]) and self.kinds.kind(func) not in (None, TORCH_MODULE),
                    )
                )

    def _note_call_site(self, name: str, call: cst.Call) -> None:
        frame = self.frame
        site = _CallSite(call, frame, self.order, frame.no_grad > 0, tuple(frame.loops), tuple(frame.branches))
        self.call_sites.setdefault(name, []).append(site)
        frame.calls.append((name, site))

    def _switch(self, mode: str, receiver: str, order: int | None = None) -> None:
        at = self.order if order is None else order
        self.frame.modes.append((at, mode, receiver, tuple(self.frame.branches)))
        if mode == "train":
            self.ever_trained.add(receiver)

    def _note_class_part(self, node: cst.Call) -> None:
        """Inside a class: does it build layers that behave differently when training?"""
        facts = self.class_facts[self.frame.in_class][-1]
        mode_dependent = facts.mode_dependent
        for qualified in self.file.qualified_names(node.func):
            layer = qualified.rsplit(".", 1)[-1]
            if qualified.startswith("torch.nn.functional."):
                mode_dependent |= "dropout" in layer
            elif qualified.startswith(("torch.nn.init.", "torch.nn.utils.")):
                continue
            elif qualified.startswith("torch.nn."):
                mode_dependent |= not (
                    layer in _MODE_FREE_LAYERS or (layer in _RECURRENT_LAYERS and not _has_dropout(node))
                )
            elif not qualified.startswith(("torch.", "builtins.", "math.")) and self.frame.name == "__init__":
                mode_dependent = True  # a part of unknown make
        if isinstance(node.func, cst.Name) and not self.file.qualified_names(node.func) and self.frame.name == "__init__":
            facts.builds.add(node.func.value)
        facts.mode_dependent = mode_dependent

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "grad":
            self.frame.wants_gradients = True  # `images.grad`: gradients are read
        if node.attr.value == "training" and self.frame.in_class is not None:
            self.class_facts[self.frame.in_class][-1].mode_dependent = True

    # Judging -----------------------------------------------------------------------

    def is_model(self, call: _ModelCall) -> bool:
        """A callee is taken for a model when it was built from a torch.nn layer, a local
        class or a pretrained model loader, or when its name says so (`model`, `net`,
        `encoder`). Not when the file shows it is something else (`ValueKinds`: an
        estimator), nor a class's attribute (`cls.extract_from_model(...)`).
        `ValueKinds`' modules are not taken as such evidence: they include losses and
        activations (`loss_fn: nn.Module`)."""
        if call.other_kind or self.is_criterion(call):
            return False
        root, _, rest = call.receiver.partition(".")
        if (root in self.local_definitions and not rest) or root == "cls":
            return False
        built = self.constructors.get(call.receiver, ())
        if any(self._builds_module(ctor, scopes) for ctor, scopes, _ in built):
            return True
        if built and all(_loads_pretrained(ctor) and not _loads_pretrained_module(ctor) for ctor, _, _ in built):
            return False  # `generator = DiffusionPipeline.from_pretrained(...)`: named like a model, but no module
        return _named_as_model(call.receiver.rsplit(".", 1)[-1])

    def _builds_module(self, ctor: cst.Call, scopes: tuple[Scope, ...]) -> bool:
        if isinstance(ctor.func, cst.Name) and ctor.func.value in self.class_facts:
            return not self._is_loss_class(ctor.func.value, set())
        names = self.file.qualified_names(ctor.func, scopes)
        return any(
            (
                is_torch_module_class(name)
                or name.startswith(("torchvision.models.", "timm."))
                or (name.startswith("transformers.") and _names_module_class(name.split(".")[1]))
            )
            and not name.endswith("Loss")
            and not _WEIGHTLESS_LAYER.fullmatch(name.rsplit(".", 1)[-1])
            for name in names
        ) or _loads_pretrained_module(ctor)

    def _is_loss_class(self, name: str, seen: set[str]) -> bool:
        """A local criterion (`class SmoothBCEwLogits(_WeightedLoss)`, `class
        FocalLoss(nn.Module)`): computing a loss is not running a model, even though the
        class is an `nn.Module`."""
        if _names_a_loss_class(name):
            return True
        seen.add(name)
        for base in self.class_facts[name][-1].bases:
            short = base.rsplit(".", 1)[-1]
            if _names_a_loss_class(short) or (
                short in self.class_facts and short not in seen and self._is_loss_class(short, seen)
            ):
                return True
        return False

    def is_criterion(self, call: _ModelCall) -> bool:
        """The callee computes a loss: named as a criterion (`criterion`, `loss_fn`,
        `self.dice_loss`), or built as one somewhere in the file (`nn.BCEWithLogitsLoss()`,
        a local `_Loss` subclass or class named `...Loss`). A criterion has no dropout and
        is not what an evaluation loop runs; the model whose output it scores is."""
        if _names_a_criterion(call.receiver.rsplit(".", 1)[-1]):
            return True
        return any(self._builds_loss(ctor, scopes) for ctor, scopes, _ in self.constructors.get(call.receiver, ()))

    def _builds_loss(self, ctor: cst.Call, scopes: tuple[Scope, ...]) -> bool:
        """`nn.CrossEntropyLoss()`, `smp.losses.DiceLoss()`, a local loss class, or a loss of
        `torch.nn.functional` bound with `functools.partial` (or called: `loss = F.mse_loss(
        ...)` names a loss value, not a model)."""
        if isinstance(ctor.func, cst.Name) and ctor.func.value in self.class_facts:
            return self._is_loss_class(ctor.func.value, set())
        names = self.file.qualified_names(ctor.func, scopes)
        if "functools.partial" in names and ctor.args:
            names = self.file.qualified_names(ctor.args[0].value, scopes)
        return any(_names_a_loss_class(name.rsplit(".", 1)[-1]) or _FUNCTIONAL_LOSS.fullmatch(name) for name in names)

    def mode_free(self, receiver: str) -> bool:
        """Whether every way `receiver` was built gives a network without dropout or
        batch-norm (`nn.Linear(4, 2)`, a local class made of such layers), or loads a
        pretrained model, which `from_pretrained` returns in evaluation mode."""
        built = self.constructors.get(receiver)
        return bool(built) and all(self._ctor_mode_free(ctor, scopes, set(), at) for ctor, scopes, at in built)

    def runs_mode_free(self, call: _ModelCall) -> bool:
        """Whether the model `call` runs is mode-free: built so here, or a parameter whose
        argument is mode-free at every call of the function in the module."""
        if self.mode_free(call.receiver):
            return True
        frame = call.frame
        if frame.node is None or not self._is_parameter(call.receiver, frame):
            return False
        sites = [site for site in self.call_sites.get(frame.name, ()) if self._callee(frame.name, site) is frame]
        passed = [_translate(call.receiver, frame, site.call) for site in sites if site.frame is not frame]
        return bool(passed) and all(model is not None and self.mode_free(model) for model in passed)

    @staticmethod
    def _is_parameter(receiver: str, frame: _Frame) -> bool:
        """`model` in `def evaluate(model, loader)`; not `self.model` in a method."""
        names = [param.name.value for param in parameters(frame.node.params)]
        if frame.in_class is not None:
            names = names[1:]
        return receiver.partition(".")[0] in names

    def _ctor_mode_free(self, ctor: cst.Call, scopes: tuple[Scope, ...], seen: set[str], at: int) -> bool:
        func = ctor.func
        if _loads_pretrained(ctor):
            return True
        if isinstance(func, cst.Name) and func.value in self.class_facts:
            return self._class_mode_free(func.value, seen, at)
        names = self.file.qualified_names(func, scopes)
        if not names or not all(name.startswith("torch.nn.") for name in names):
            return False
        layer = names[0].rsplit(".", 1)[-1]
        if layer in _RECURRENT_LAYERS:
            return not _has_dropout(ctor)
        if layer not in _MODE_FREE_LAYERS:
            return False
        return all(
            not isinstance(arg.value, cst.Call) or self._ctor_mode_free(arg.value, scopes, seen, at) for arg in ctor.args
        )

    def _class_mode_free(self, name: str, seen: set[str], at: int) -> bool:
        """Whether the definition of local class `name` in effect at `at` (and every local
        class it derives from or builds) has no mode-dependent part."""
        if name in seen:
            return True
        seen.add(name)
        facts = self._class_at(name, at)
        if facts.mode_dependent:
            return False
        for base in facts.bases:
            if base in self.class_facts:
                if not self._class_mode_free(base, seen, at):
                    return False
            elif base not in ("nn.Module", "torch.nn.Module", "Module"):
                return False
        return all(built in self.class_facts and self._class_mode_free(built, seen, at) for built in facts.builds)

    def _class_at(self, name: str, at: int) -> _ClassFacts:
        """The definition of local class `name` in effect at order `at`: the last one before
        it, or the last one of all for a use written above them (a function run later)."""
        definitions = self.class_facts[name]
        earlier = [facts for facts in definitions if facts.order <= at]
        return (earlier or definitions)[-1]

    def calls_local_method(self, call: _ModelCall) -> bool:
        """`model.run_model(...)` where `run_model` is a function of this file: a method,
        named like a model or not, which runs its owner's layers but has no `.eval()`."""
        return "." in call.receiver and call.receiver.rsplit(".", 1)[-1] in self.local_functions

    def is_evaluation(self, call: _ModelCall) -> str | None:
        """Why the loop around `call` evaluates, or None: under no_grad, over held-out data,
        or in a function named for evaluation; never a loop that trains."""
        frame = call.frame
        if frame.framework or frame.in_model or self.loop_trains(call.loops[-1], frame):
            return None
        if call.under_no_grad and any(loop.over_data for loop in call.loops):
            return "under `torch.no_grad()`"
        held_out = next((loop for loop in call.loops if loop.held_out), None)
        if held_out is not None:
            return f"over `{code_of(held_out.node.iter)}`"
        if frame.node is not None and not frame.trains and _EVALUATION_NAME.fullmatch(frame.name):
            return f"in `{frame.name}()`"
        return None

    def loop_trains(self, loop: _Loop, frame: _Frame) -> bool:
        """Whether the body of `loop` trains: calls `.backward()` or steps an optimizer,
        itself, in a nested loop or through a local function it calls (a `predict` that
        fine-tunes a copy of the model for each test point with `self._train_model(...)`).
        Such a loop needs autograd and the training mode it runs in: it is no evaluation
        loop."""
        return loop.encloses_training or any(
            any(around is loop for around in site.loops) and self._reaches_training(name, site, _CALL_DEPTH)
            for name, site in frame.calls
        )

    def _reaches_training(self, name: str, site: _CallSite, depth: int) -> bool:
        """Whether a local function of that name (any of them, when several are defined:
        a loop that may train is not reported) trains, or calls one that does."""
        method = isinstance(site.call.func, cst.Attribute)
        return any(
            callee is not site.frame and self._trains_through(callee, depth)
            for callee in self.functions.get(name, ())
            if (callee.in_class is not None) == method
        )

    def _trains_through(self, frame: _Frame, depth: int) -> bool:
        key = (frame, depth)
        if key not in self._known_training:
            self._known_training[key] = False  # a recursive call does not train by itself
            self._known_training[key] = frame.trains or (
                depth > 1 and any(self._reaches_training(name, site, depth - 1) for name, site in frame.calls)
            )
        return self._known_training[key]

    def last_mode(self, call: _ModelCall) -> str | None:
        """The last mode switch of the model `call` calls, earlier in its function in source
        order: "unknown" when that switch sits in an `if` the call is not in (`if phase ==
        "train": model.train() else: model.eval()`)."""
        last = None
        for order, mode, switched, branches in call.frame.modes:
            if order < call.order and _same_model(switched, call.receiver):
                last = mode if call.branches[: len(branches)] == branches else "unknown"
        return last

    def callers_set_eval(self, frame: _Frame) -> bool:
        """Whether some call of this function in the module comes after an `eval()` in the
        caller (or from a caller that never switches modes, which its own callers may do)."""
        if frame.node is None:
            return False
        for site in self.call_sites.get(frame.name, ()):
            caller = site.frame
            if caller is frame:
                continue
            modes = [mode for at, mode, _, _ in caller.modes if at < site.order]
            if (modes and modes[-1] in ("eval", "unknown")) or (not caller.modes and caller.node is not None):
                return True
        return False


def _named_as_model(name: str) -> bool:
    """`model`, `netG`, `text_encoder`, `model_ft`, `resnet50`, `G_AB`; not `encoder_forward`
    or `_prepare_encoder_inputs` (a model word followed by more than a short tag)."""
    if name.startswith("_"):
        return False
    if name[:1] in ("G", "D") and (len(name) == 1 or name[1] == "_"):
        return True
    words = _words(name)
    return any(
        _MODEL_WORD.fullmatch(word) and all(len(rest) <= 3 for rest in words[index + 1:])
        for index, word in enumerate(words)
    )


def _names_a_loss_class(name: str) -> bool:
    """`BCEWithLogitsLoss`, `_WeightedLoss`, `DiceLoss`, `LabelSmoothingCriterion`."""
    return name.endswith(("Loss", "Criterion"))


def _names_a_criterion(name: str) -> bool:
    """`criterion`, `loss_fn`, `loss_func`, `dice_loss`, `val_criterion`: a name that says
    the callee computes a loss."""
    return any(_CRITERION_WORD.fullmatch(word) for word in _words(name))


def _names_module_class(name: str) -> bool:
    """`BertModel`, `AutoModelForCausalLM`, `UNet2DConditionModel`: a class of networks;
    not a pipeline, tokenizer, processor, configuration or scheduler, which are no modules
    and have no `.eval()`."""
    return name[:1].isupper() and not name.endswith(_NOT_MODULE_SUFFIXES)


def _loads_pretrained(ctor: cst.Call) -> bool:
    return isinstance(ctor.func, cst.Attribute) and ctor.func.attr.value == "from_pretrained"


def _loads_pretrained_module(ctor: cst.Call) -> bool:
    """`AutoModel.from_pretrained(...)`, but not `DiffusionPipeline.from_pretrained(...)`."""
    if not _loads_pretrained(ctor):
        return False
    owner = dotted_name(ctor.func.value)
    return owner is not None and _names_module_class(owner.rsplit(".", 1)[-1])


def _iterates_held_out(expr: cst.BaseExpression) -> bool:
    """`val_loader`, `enumerate(test_loader)`, `tqdm(self.valid_dl)`: held-out data by name."""
    while isinstance(expr, cst.Call) and expr.args:
        expr = expr.args[0].value
    name = dotted_name(expr)
    if name is None:
        return False
    return any(_HELD_OUT_WORD.fullmatch(word) for word in _words(name.rsplit(".", 1)[-1]))


def _has_dropout(call: cst.Call) -> bool:
    return any(arg.keyword is not None and arg.keyword.value == "dropout" for arg in call.args) or len(call.args) >= 6


def _mode_switch(call: cst.Call) -> str | None:
    """`m.eval()` -> "eval", `m.train()` -> "train", `m.train(False)` -> "eval",
    `m.train(flag)` -> "unknown"."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    if func.attr.value == "eval" and not call.args:
        return "eval"
    if func.attr.value != "train":
        return None
    if not call.args:
        return "train"
    if len(call.args) == 1 and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value in ("True", "False"):
        return "train" if call.args[0].value.value == "True" else "eval"
    return "unknown"


def _chained_mode(expr: cst.BaseExpression) -> str | None:
    """`Net().to(device).eval()` sets the mode of what it is assigned to."""
    mode = None
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        mode = mode or _mode_switch(expr)
        expr = expr.func.value
    return mode


class EvalModeMissing(_EvaluationLoops):
    """
    A PyTorch model is run in an evaluation loop without `model.eval()` before it, or
    trained after `model.eval()` without `model.train()` again.

    An evaluation loop is a `for` loop that does not train (no `.backward()` or optimizer
    step in it, in a nested loop or in a local function it calls) and calls a model, and
    either runs under `torch.no_grad()` or
    `torch.inference_mode()` (a with-block or a decorator), or iterates data named as held
    out (`val_loader`, `testloader`, `eval_dl`), or sits in a function named for evaluation
    (`evaluate`, `validate`, `test`, `predict`, `eval_epoch`, `run_validation`) that does
    not train.
    `model.eval()` (or `model.train(False)`, or `self.eval()`) counts when it comes earlier
    in the same function, or, for a function without any mode switch, before the calls of
    that function elsewhere in the module; so does a model made by a local function that
    returns it in evaluation mode (`return model.eval()`). A model built in the file from
    layers that behave the same in both modes (`nn.Linear`, a local class of convolutions
    and ReLUs, judged by the definition of the class in effect where it is built) is not
    reported, nor one passed only such models by every call of its function, nor one loaded
    with `from_pretrained` (which returns it in evaluation mode).

    A training loop (it calls `.backward()`) that calls a model left in evaluation mode is
    reported too. Mode switches are followed through the local functions a loop calls:
    an epoch loop that calls `train(model)` and then `test(model)`, where `test` calls
    `model.eval()` and neither `train` nor the loop calls `model.train()`, trains in
    evaluation mode from its second epoch on. An `eval()` made once before a training loop
    counts only when the model is switched back with `.train()` somewhere in the file (a
    model that is never trained again is a frozen feature extractor, kept in evaluation
    mode on purpose), and a model called under `torch.no_grad()` is not being trained.
    """

    code = "MLS503"
    name = "eval-mode-missing"
    family = Family.TRAINING
    severity = Severity.ADVICE
    summary = "A model is evaluated in training mode, or trained in evaluation mode."
    challenges = ("ZHANG22-18", "IND-3.5-learning-program-bugs")
    why = (
        "Dropout and batch-norm behave differently in training and evaluation: in training "
        "mode dropout zeroes random activations and batch-norm normalises with the current "
        "batch's statistics (and updates its running averages with the evaluation data). A "
        "model evaluated in training mode gives noisy, batch-size-dependent scores that "
        "differ from what it will do in production, and quietly changes its own statistics; "
        "`torch.no_grad()` turns off gradients, not these layers. The reverse mistake, "
        "training after `eval()` without `train()`, trains without dropout and with frozen "
        "batch-norm statistics. ZHANG22-18 (Training / Evaluation Mode Improper Toggling) "
        "catalogues the smell."
    )
    bad = (
        '''
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))

        def evaluate(model, val_loader):
            correct = 0
            with torch.no_grad():
                for inputs, labels in val_loader:
                    correct += (model(inputs).argmax(1) == labels).sum().item()
                                ^^^^^^^^^^^^^
            return correct / len(val_loader.dataset)

        for epoch in range(10):
            train_one_epoch(model, train_loader)
            print(epoch, evaluate(model, val_loader))
        ''',
        '''
        import torch

        def fit(model, optimizer, criterion, train_loader, val_loader, epochs):
            for epoch in range(epochs):
                model.train()
                for inputs, labels in train_loader:
                    optimizer.zero_grad()
                    criterion(model(inputs), labels).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    val_loss = sum(criterion(model(x), y).item() for x, y in val_loader)
                print(epoch, val_loss)
            model.eval()
            for inputs, labels in train_loader:
                optimizer.zero_grad()
                criterion(model(inputs), labels).backward()
                          ^^^^^^^^^^^^^
                optimizer.step()
        ''',
    )
    good = (
        '''
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))

        def evaluate(model, val_loader):
            model.eval()
            correct = 0
            with torch.no_grad():
                for inputs, labels in val_loader:
                    correct += (model(inputs).argmax(1) == labels).sum().item()
            return correct / len(val_loader.dataset)
        ''',
        '''
        import torch
        from torch import nn

        probe = nn.Linear(512, 10)
        with torch.no_grad():
            for features, labels in test_loader:
                accuracy.update(probe(features), labels)
        ''',
        '''
        import torch

        def train_discriminator(generator, discriminator, d_optimizer, loader, noise_dim):
            for real, _ in loader:
                with torch.no_grad():
                    fake = generator(torch.randn(real.size(0), noise_dim))
                loss = discriminator(fake).mean() - discriminator(real).mean()
                d_optimizer.zero_grad()
                loss.backward()
                d_optimizer.step()
        ''',
    )
    use_instead = (
        "Call `model.eval()` before every evaluation loop (inside the evaluation function, "
        "so it does not depend on its caller) and `model.train()` at the start of every "
        "training epoch."
    )
    limitations = (
        "Mode switches are followed in source order, not along branches, through the functions "
        "and `self.` methods of the same module a function calls (three calls deep), and a "
        "training function that never switches modes is judged by the loops that call it (one "
        "level of callers). A model is recognised by how the file builds it or by its name "
        "(`model`, `net`, `encoder`, `generator`...): a network called through another name "
        "and never built in the file is missed. Evaluation without a loop (one call on the "
        "whole test set), full-batch training without a loop, and comprehensions are not "
        "read. Models whose make is unknown (a function parameter, a model from another module) count as having "
        "dropout or batch-norm. Lightning hooks (`validation_step`, ...) and Hugging Face "
        "`Trainer` subclasses are skipped: the framework sets the mode. Deliberately not "
        "reported as evaluated in training mode: a model parameter of a function no code of "
        "the module calls (its callers elsewhere decide the mode), a `self.` model that the "
        "class never assigns and a base class from another module provides (its loading code "
        "may set the mode), methods of the file called on a model (`model.run_model(...)`) "
        "and `cls.` attributes, pretrained pipelines, tokenizers and processors "
        "(`DiffusionPipeline.from_pretrained`), which are no modules, and loss criteria "
        "(`criterion`, `loss_fn`, `nn.*Loss`, local `...Loss` classes)."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self._known_events: dict[tuple[_Frame, int], list[_ModeEvent]] = {}

    def end_file(self) -> None:
        if self.file.in_tests:
            return
        self._switch_where_produced_in_eval()
        reported: set[tuple[int, str]] = set()
        for call in self.calls:
            key = (id(call.frame), call.receiver)
            if (
                key in reported
                or not self.is_model(call)
                or self.calls_local_method(call)
                or self.runs_mode_free(call)
            ):
                continue
            message = self._evaluated_in_training_mode(call) or self._trained_in_evaluation_mode(call)
            if message is not None:
                reported.add(key)
                self.report(call.call, message)

    def _evaluated_in_training_mode(self, call: _ModelCall) -> str | None:
        why = self.is_evaluation(call)
        if why is None:
            return None
        mode = self.last_mode(call)
        if mode in ("eval", "unknown"):
            return None
        if mode is None and (
            self.callers_set_eval(call.frame) or self._caller_unseen(call) or self._from_library_base(call)
        ):
            return None
        return (
            f"`{call.receiver}` is run in an evaluation loop ({why}) without `{call.receiver}.eval()` "
            "before it, so dropout and batch-norm still behave as in training; call "
            f"`{call.receiver}.eval()` first"
        )

    def _switch_where_produced_in_eval(self) -> None:
        """`model = load_model(path)` where the local `load_model` ends with `return
        model.eval()`: the model is in evaluation mode from that assignment on, as if it
        were switched there."""
        for receiver, name, site in self.producers:
            producer = self._callee(name, site)
            if producer is not None and producer is not site.frame and producer.returns_eval:
                site.frame.modes.append((site.order, "eval", receiver, site.branches))
                site.frame.modes.sort(key=lambda switch: switch[0])

    def _caller_unseen(self, call: _ModelCall) -> bool:
        """A model parameter of a function no code of this module calls (a helper of a
        utilities module): its callers, elsewhere, decide the mode it runs in."""
        frame = call.frame
        return (
            frame.node is not None
            and self._is_parameter(call.receiver, frame)
            and not any(site.frame is not frame for site in self.call_sites.get(frame.name, ()))
        )

    def _from_library_base(self, call: _ModelCall) -> bool:
        """`self.model` in a class that never assigns it and derives from a class of another
        module (a serving framework's model server): that base class loads the model, and
        its loading code may set the mode."""
        owner = call.frame.in_class
        attribute = call.receiver.split(".")[1] if call.receiver.startswith("self.") else None
        if owner is None or attribute is None or owner not in self.class_facts:
            return False
        classes, foreign = [owner], False
        while classes:
            name = classes.pop()
            if attribute in self.self_attributes.get(name, ()):
                return False
            for base in self.class_facts[name][-1].bases:
                if base in self.class_facts:
                    classes.append(base)
                elif base not in ("object", ""):
                    foreign = True
        return foreign

    def _trained_in_evaluation_mode(self, call: _ModelCall) -> str | None:
        if not call.loops[-1].trains or call.frame.framework or call.under_no_grad:
            return None
        model = call.receiver
        events = self._events_on(call.frame, model)
        left, where = self._eval_left_by(events, call, model), ""
        if left is None and not events:
            left, where = self._eval_left_by_callers(call)
        if left is None:
            return None
        event, next_pass = left
        position = "later in that loop" if next_pass else "before it"
        if event.via is None:
            cause = f"`{event.receiver}.eval()` comes {position}"
        else:
            cause = f"`{event.via}()` switches `{event.receiver}` to `.eval()` {position}"
        when = f" from the second pass of {where or 'its loop'} on" if next_pass else ""
        return (
            f"`{model}` is trained here in evaluation mode{when}: {cause}, and nothing switches it "
            f"back with `.train()`, so dropout is off and batch-norm statistics are frozen; call "
            f"`{model}.train()` at the start of every training epoch"
        )

    def _eval_left_by(
        self, events: list[_ModeEvent], at: _ModelCall | _CallSite, model: str
    ) -> tuple[_ModeEvent, bool] | None:
        """The switch that leaves the model in evaluation mode at the call `at`, and whether
        it acts on the next pass of a loop (it comes later in the loop's body), or None.

        Each loop around the call is asked, innermost first, since what its body switches
        holds on its next pass: a body whose switches are all `eval()` leaves the model in
        evaluation mode when it comes back round, whatever preceded the loop. Without
        switches in any loop, the last one before the call counts, unless it sits in an `if`
        the call is not in, and when the model is switched back to training elsewhere
        (otherwise it is a frozen feature extractor).
        """
        for loop in reversed(at.loops):
            inside = [event for event in events if loop.start < event.order <= loop.end]
            if not inside:
                continue
            if any(event.mode != "eval" for event in inside):
                return None
            last = inside[-1]
            if last.order > at.order:
                return last, True
            return (last, False) if self._trained_somewhere(model) else None
        before = [event for event in events if event.order < at.order]
        if not before or before[-1].mode != "eval" or at.branches[: len(before[-1].branches)] != before[-1].branches:
            return None
        return (before[-1], False) if self._trained_somewhere(model) else None

    def _eval_left_by_callers(self, call: _ModelCall) -> tuple[tuple[_ModeEvent, bool] | None, str]:
        """A training function that never switches modes itself runs in whatever mode its
        caller left: the epoch loop that calls `train(model)` and then `test(model)`, whose
        `model.eval()` nothing undoes. Returns what `_eval_left_by` does, and the loop."""
        function = call.frame
        if function.node is None:
            return None, ""
        for site in self.call_sites.get(function.name, ()):
            if site.frame is function or self._callee(function.name, site) is not function:
                continue
            model = _translate(call.receiver, function, site.call)
            if model is None:
                continue
            events = [event for event in self._events_on(site.frame, model) if event.order != site.order]
            left = self._eval_left_by(events, site, model)
            if left is not None:
                caller = "the loop" if site.frame.node is None else f"the loop in `{site.frame.name}()`"
                return left, f"{caller} that calls `{function.name}()`"
        return None, ""

    def _trained_somewhere(self, model: str) -> bool:
        return any(_same_model(trained, model) for trained in self.ever_trained)

    # Mode switches across functions ------------------------------------------------

    def _events_on(self, frame: _Frame, model: str) -> list[_ModeEvent]:
        return [event for event in self._events(frame, _CALL_DEPTH) if _same_model(event.receiver, model)]

    def _events(self, frame: _Frame, depth: int) -> list[_ModeEvent]:
        """The mode changes `frame` makes, in order: its own switches, and at each call of a
        local function the net effect of that function, with its receivers named as here.

        Kept per function and depth: every training call asks again, and without the memo
        each asks every callee's callees anew.
        """
        key = (frame, depth)
        if key not in self._known_events:
            self._known_events[key] = self._collect_events(frame, depth)
        return self._known_events[key]

    def _collect_events(self, frame: _Frame, depth: int) -> list[_ModeEvent]:
        events = [_ModeEvent(order, mode, receiver, None, branches) for order, mode, receiver, branches in frame.modes]
        if depth > 0:
            for name, site in frame.calls:
                callee = self._callee(name, site)
                if callee is None or callee is frame:
                    continue
                for receiver, mode in self._net_effect(callee, depth - 1).items():
                    translated = _translate(receiver, callee, site.call)
                    if translated is not None:
                        events.append(_ModeEvent(site.order, mode, translated, name, site.branches))
        return sorted(events, key=lambda event: event.order)

    def _net_effect(self, frame: _Frame, depth: int) -> dict[str, str]:
        """The mode each model is left in when `frame` returns: its last switch, or
        "unknown" when that switch is conditional (inside an `if`)."""
        effect: dict[str, str] = {}
        for event in self._events(frame, depth):
            effect[event.receiver] = "unknown" if event.branches else event.mode
        return effect

    def _callee(self, name: str, site: _CallSite) -> _Frame | None:
        """The one local function a call reaches: `train(...)` a module function,
        `self.train_epoch(...)` a method."""
        method = isinstance(site.call.func, cst.Attribute)
        candidates = [frame for frame in self.functions.get(name, ()) if (frame.in_class is not None) == method]
        return candidates[0] if len(candidates) == 1 else None


#: How deep calls of local functions are followed for their effect on a model's mode.
_CALL_DEPTH = 3


def _translate(receiver: str, callee: _Frame, call: cst.Call) -> str | None:
    """The name, at a call of `callee`, of what `callee` calls `receiver`: a parameter
    becomes the argument passed for it, `self.model` stays `self.model` for a call on
    `self`, and any other name (a module global) stays as it is."""
    root, _, rest = receiver.partition(".")
    suffix = f".{rest}" if rest else ""
    if callee.node is None:
        return receiver
    names = [param.name.value for param in parameters(callee.node.params)]
    if callee.in_class is not None and names:
        if root == names[0]:
            return receiver if isinstance(call.func, cst.Attribute) and dotted_name(call.func.value) == "self" else None
        names = names[1:]
    if root not in names:
        return receiver
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword == root or (keyword is None and index < len(names) and names[index] == root):
            argument = dotted_name(arg.value)
            return argument + suffix if argument is not None else None
    return None


class GradInEval(_EvaluationLoops):
    """
    A PyTorch evaluation loop runs a model with autograd on: no `torch.no_grad()` or
    `torch.inference_mode()` around it (a with-block or a decorator, in the function or
    around its calls in the module).

    An evaluation loop here is a `for` loop that does not train (its body, nested loops
    and the local functions it calls included, neither calls `.backward()` nor steps an
    optimizer) and calls a model, and either iterates data named as held out (`val_loader`,
    `testloader`) or sits in a function named for evaluation or inference (`evaluate`,
    `validate`, `test`, `predict`, `eval_epoch`) that does not train. Each such loop is
    reported once, at its first model call: one `torch.no_grad()` covers all it runs. A
    loss criterion (`nn.BCEWithLogitsLoss()`, a local `_Loss` subclass or `...Loss` class,
    a callee named `criterion`, `loss_fn`, `*_loss`) is not a model. Functions that want
    gradients while they evaluate are left alone: those
    that call `.backward()`, `torch.autograd.grad`, `torch.enable_grad()`,
    `torch.set_grad_enabled(...)`, `requires_grad_`, gradient hooks or Captum, set
    `.requires_grad` or read `.grad` (adversarial attacks, saliency maps, Grad-CAM).
    """

    code = "MLS504"
    name = "grad-in-eval"
    family = Family.TRAINING
    severity = Severity.WARNING
    summary = "An evaluation loop runs the model with autograd on."
    challenges = ("ZHANG22-18", "IND-6.1-efficient-training")
    why = (
        "With autograd on, every forward pass records the graph of operations and keeps "
        "every intermediate activation alive until the output is dropped, to be ready for a "
        "`backward()` that evaluation never calls. Evaluation then uses several times the "
        "memory it needs (the batch size that fits is smaller, or it runs out of GPU memory "
        "where training did not) and runs slower; outputs stored for later (`preds.append("
        "out)`) keep their whole graph. `torch.no_grad()` (or `torch.inference_mode()`, "
        "faster still) turns the recording off."
    )
    bad = (
        '''
        import torch

        def validate(model, val_loader, criterion):
            model.eval()
            total = 0.0
            for inputs, labels in val_loader:
                total += criterion(model(inputs), labels).item()
                                   ^^^^^^^^^^^^^
            return total / len(val_loader)
        ''',
    )
    good = (
        '''
        import torch

        @torch.inference_mode()
        def validate(model, val_loader, criterion):
            model.eval()
            total = 0.0
            for inputs, labels in val_loader:
                total += criterion(model(inputs), labels).item()
            return total / len(val_loader)
        ''',
        '''
        import torch

        def saliency(model, test_loader):
            model.eval()
            maps = []
            for images, labels in test_loader:
                images.requires_grad_()
                model(images).gather(1, labels[:, None]).sum().backward()
                maps.append(images.grad.abs().amax(1))
            return maps
        ''',
    )
    use_instead = (
        "Wrap the evaluation loop in `with torch.no_grad():`, or decorate the evaluation "
        "function with `@torch.no_grad()` or `@torch.inference_mode()`."
    )
    limitations = (
        "Only loops over data named as held out, and loops in functions named for "
        "evaluation, are taken for evaluation: an inference loop over `loader` in a function "
        "called `predict_all` is missed. A no_grad block around the calls of an evaluation "
        "function is found only in the same module. Lightning hooks, Hugging Face `Trainer` "
        "subclasses and the methods of a model class itself are skipped; test files too. "
        "Deliberately not reported: loops that train, even through a function of the module "
        "they call (fine-tuning a copy of the model for each test point needs autograd), and "
        "loss criteria called in a loop, which are no models; a loop is reported once, "
        "however many models it runs."
    )

    def end_file(self) -> None:
        if self.file.in_tests or self.frames[0].wants_gradients:
            return
        reported: set[_Loop] = set()
        for call in self.calls:
            if call.under_no_grad or call.frame.wants_gradients or not self.is_model(call):
                continue
            why = self.is_evaluation(call)
            if why is None or self._callers_turn_off_autograd(call.frame):
                continue
            loop = self._evaluation_loop(call)
            if loop in reported:
                continue
            reported.add(loop)
            self.report(
                call.call,
                f"`{call.receiver}` is run in an evaluation loop ({why}) with autograd on, so every "
                "batch records a graph and keeps its activations for a backward pass that never "
                "comes; wrap the loop in `with torch.no_grad():` or decorate the function with "
                "`@torch.inference_mode()`",
            )

    def _evaluation_loop(self, call: _ModelCall) -> _Loop:
        """The loop that lacks no_grad around `call`: the outermost one that does not train
        (`for batch in val_loader` inside a training epoch loop). Its one `with
        torch.no_grad():` covers every model it calls, so it is reported once."""
        return next(loop for loop in call.loops if not self.loop_trains(loop, call.frame))

    def _callers_turn_off_autograd(self, frame: _Frame) -> bool:
        """Whether some call of this function in the module runs under no_grad."""
        return frame.node is not None and any(
            site.under_no_grad for site in self.call_sites.get(frame.name, ()) if site.frame is not frame
        )
