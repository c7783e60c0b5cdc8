"""MLS501, MLS502, MLS505: PyTorch training code that runs, but not as its author meant.

Calling `forward` skips a module's hooks (ZHANG22-19); a loop that steps an optimizer
without clearing gradients adds every batch's gradients to the last ones (ZHANG22-20);
adding the loss tensor to a running total keeps every step's autograd graph alive.
All three are about what a value *is* (a module, an optimizer, the tensor `backward` ran
on), so they only speak when the file says so: unknown receivers are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from mlsmells.engine.calls import callee_name, code_of
from mlsmells.engine.dataflow import Definition
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.torch_models import names_an_optimizer
from mlsmells.knowledge.value_kinds import TORCH_MODULE, ValueKinds
from mlsmells.rule import Rule


class ForwardCalledDirectly(Rule):
    """
    `module.forward(...)` is called on a value the file shows to be a PyTorch module: made
    by a `torch.nn` class (`nn.Linear(...)`, `nn.Sequential(...)`, `nn.DataParallel(...)`),
    or by a class the file defines that subclasses `nn.Module` (directly or through other
    such classes), possibly followed by `.to(device)`, `.cuda()` or `.eval()`. The receiver
    may be a variable (followed through assignments, across notebook cells), a parameter
    or variable annotated as a module (`def fit(model: nn.Module, ...)`), or a submodule
    attribute `self.encoder` that the class assigns only modules to.

    Not reported: `super().forward(...)` (the parent's implementation: there is no
    module to call), `self.forward(...)` inside the class (its own hooks already ran, or
    the method deliberately reuses the computation), and `SomeClass.forward(self, ...)`
    (an unbound call that reuses a parent's code). `self.encoder.forward(...)` inside a
    module is reported: the hooks skipped are the encoder's.
    """

    code = "MLS501"
    name = "forward-called-directly"
    family = Family.TRAINING
    severity = Severity.ADVICE
    summary = "A PyTorch module's `forward` is called directly, skipping its hooks."
    challenges = ("ZHANG22-19", "IND-3.5-learning-program-bugs")
    required_modules = frozenset({"torch"})
    uses_dataflow = True
    why = (
        "`module(x)` runs `forward` inside `Module.__call__`, which also runs the forward "
        "pre-hooks and hooks and the backward hooks registered on the module: feature "
        "extractors, activation checkpointing, pruning and quantization observers, "
        "`DistributedDataParallel`'s gradient synchronisation and FSDP's parameter gathering "
        "all live there. `module.forward(x)` computes the same numbers without any of them, "
        "so the bug only shows when someone adds a hook. ZHANG22-19 (PyTorch Call Method "
        "Misused) catalogues the smell."
    )
    bad = (
        '''
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = nn.Sequential(nn.Linear(784, 256), nn.ReLU())
                self.head = nn.Linear(256, 10)

            def forward(self, x):
                features = self.backbone.forward(x)
                           ^^^^^^^^^^^^^^^^^^^^^
                return self.head(features)

        model = Classifier().to("cuda")
        logits = model.forward(torch.randn(8, 784, device="cuda"))
                 ^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = nn.Sequential(nn.Linear(784, 256), nn.ReLU())
                self.head = nn.Linear(256, 10)

            def forward(self, x):
                return self.head(self.backbone(x))

            def predict(self, x):
                return self.forward(x).argmax(dim=-1)

        class ScaledNorm(nn.LayerNorm):
            def forward(self, x):
                return super().forward(x) * 0.5

        model = Classifier().to("cuda")
        logits = model(torch.randn(8, 784, device="cuda"))
        pipeline_output = inference_pipeline.forward(batch)  # not known to be a module
        ''',
    )
    use_instead = (
        "Call the module: `model(x)`, `self.encoder(x)`. To reuse a parent's computation in "
        "an override, `super().forward(x)` is right and not reported."
    )
    limitations = (
        "Modules are recognised only when the file shows how they were made (also by a project "
        "function that returns one, `value_kinds`), or an annotation says what they are "
        "(`model: nn.Module`, `net: Classifier = ...`): a model returned by a library's factory "
        "function (`timm.create_model`, `AutoModel.from_pretrained`), an unannotated "
        "parameter, or a loop variable is not known to be a module and is not reported, and "
        "neither is one annotated with a string or a type expression (`Optional[nn.Module]`). "
        "Classes subclassing modules imported from other project files are not followed."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "forward"):
            return
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value == "self":
            return
        if self.kinds.holds(receiver, TORCH_MODULE):
            shown = code_of(receiver)
            self.report(
                func,
                f"`{shown}.forward(...)` runs the module without its hooks (forward and backward "
                f"hooks, DDP and FSDP wrappers); call the module instead: `{shown}(...)`",
            )


def _self_attribute(expr: cst.BaseExpression) -> str | None:
    """`encoder` for `self.encoder`."""
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        return expr.attr.value
    return None


#: Functions inside which a framework clears gradients itself (Lightning, Hugging Face).
_FRAMEWORK_STEPS = frozenset({"training_step", "validation_step", "test_step", "predict_step", "compute_loss"})


def _clears_gradients(call: cst.Call) -> bool:
    """`opt.zero_grad()`, `model.zero_grad(set_to_none=True)`, `p.grad.zero_()`,
    `p.grad.data.zero_()`, or a helper named for it (`reset_grad()`, `clear_grads()`)."""
    func = call.func
    name = callee_name(func)
    if name is None:
        return False
    lowered = name.lower()
    if any(word in lowered for word in ("zero_grad", "zerograd", "reset_grad", "clear_grad")):
        return True
    return name in ("zero_", "fill_") and isinstance(func, cst.Attribute) and _touches_grad(func.value)


def _touches_grad(expr: cst.BaseExpression) -> bool:
    """`p.grad` or `p.grad.data`."""
    while isinstance(expr, cst.Attribute):
        if expr.attr.value == "grad":
            return True
        expr = expr.value
    return False


@dataclass
class _Region:
    """What a loop body or a function body does to gradients, and which helpers it calls."""

    node: cst.CSTNode
    backward: bool = False
    step: cst.CSTNode | None = None
    clears: bool = False
    #: The functions of this module it calls, by name, with the call.
    helpers: list[tuple[str, cst.Call]] = field(default_factory=list)
    loops: list[_Region] = field(default_factory=list)


class MissingZeroGrad(Rule):
    """
    A loop calls `backward()` and steps an optimizer (`optimizer.step()`,
    `scaler.step(optimizer)`), itself or through functions of the same module called from
    it, but never clears gradients in that loop: no `optimizer.zero_grad()`,
    `model.zero_grad()`, `param.grad = None` or `param.grad.zero_()`. PyTorch adds each
    backward pass's gradients to the ones already stored, so every step uses the sum of
    all earlier batches' gradients.

    Gradient accumulation (`if (i + 1) % k == 0: optimizer.step(); optimizer.zero_grad()`)
    clears in the loop and is not reported, nor is a micro-batch loop that only calls
    `backward()` inside a step loop that clears. Loops in Lightning's `training_step` and
    in Hugging Face `compute_loss` overrides are left to the framework.
    """

    code = "MLS502"
    name = "missing-zero-grad"
    family = Family.TRAINING
    severity = Severity.WARNING
    summary = "A training loop steps the optimizer but never clears the gradients."
    challenges = ("ZHANG22-20", "IND-3.5-learning-program-bugs")
    required_modules = frozenset({"torch"})
    why = (
        "`backward()` accumulates into `.grad` rather than overwriting it, a design that "
        "makes gradient accumulation and multi-loss models easy. A loop that never clears "
        "the gradients therefore steps with the sum of every batch seen so far: the "
        "effective learning rate grows with each step and training diverges or stalls, "
        "without any error. ZHANG22-20 (Gradients Not Cleared before Backward Propagation) "
        "catalogues the smell."
    )
    bad = (
        '''
        import torch

        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        optimizer.zero_grad()
        for epoch in range(10):
            for images, labels in train_loader:
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()
                ^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import torch

        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        for epoch in range(10):
            for images, labels in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()
        ''',
        '''
        import torch

        ACCUMULATION_STEPS = 4

        def train_epoch(model, loader, optimizer):
            for i, (images, labels) in enumerate(loader):
                loss = criterion(model(images), labels) / ACCUMULATION_STEPS
                loss.backward()
                if (i + 1) % ACCUMULATION_STEPS == 0:
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
        ''',
        '''
        import torch

        def reset_gradients(model):
            for param in model.parameters():
                param.grad = None

        for images, labels in train_loader:
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            reset_gradients(model)
        ''',
    )
    use_instead = (
        "Clear the gradients once per optimizer step, before the next backward pass: "
        "`optimizer.zero_grad(set_to_none=True)` at the top of the loop, or right after "
        "`optimizer.step()` when accumulating gradients over several batches."
    )
    limitations = (
        "Optimizers are recognised by name (`optimizer`, `opt_g`, `self.optim`) and through "
        "`scaler.step(optimizer)`; a loop stepping an optimizer called `adam` is not "
        "checked. Any clearing in the loop counts, so a loop with two optimizers that clears "
        "only one of them is not reported. Clearing done by a function of another module "
        "whose name does not say so (`utils.prepare(model)`) is not seen, and such a loop "
        "would be reported."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.open: list[_Region] = []  # enclosing loops and functions, innermost last
        self.loops: list[_Region] = []
        self.functions: dict[str, list[_Region]] = {}
        self.classes: list[cst.ClassDef] = []
        self.framework_depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        region = _Region(node)
        owner = f"{id(self.classes[-1])}." if self.classes and self.file.scopes[-1].node is self.classes[-1] else ""
        self.functions.setdefault(owner + node.name.value, []).append(region)
        self.open.append(region)
        self.framework_depth += node.name.value in _FRAMEWORK_STEPS

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.open.pop()
        self.framework_depth -= node.name.value in _FRAMEWORK_STEPS

    def visit_For(self, node: cst.For) -> None:
        self._enter_loop(node)

    def leave_For(self, node: cst.For) -> None:
        self.open.pop()

    def visit_While(self, node: cst.While) -> None:
        self._enter_loop(node)

    def leave_While(self, node: cst.While) -> None:
        self.open.pop()

    def _enter_loop(self, node: cst.CSTNode) -> None:
        region = _Region(node)
        enclosing = next((r for r in reversed(self.open) if not isinstance(r.node, cst.FunctionDef)), None)
        if enclosing is not None:
            enclosing.loops.append(region)
        if not self.framework_depth:
            self.loops.append(region)
        self.open.append(region)

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(_touches_grad(target.target) for target in node.targets):
            self._mark(clears=True)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.open:
            return
        func = node.func
        name = callee_name(func)
        if name == "backward":
            if not any(q.startswith("torch.distributed.") for q in self.file.qualified_names(func)):
                self._mark(backward=True)  # distributed autograd keeps gradients per context
        elif name == "step" and isinstance(func, cst.Attribute) and self._steps_an_optimizer(func.value, node):
            self._mark(step=node)
        elif _clears_gradients(node):
            self._mark(clears=True)
        elif isinstance(func, cst.Name):
            self._mark(helper=(func.value, node))
        elif _self_attribute(func) is not None and self.classes:
            self._mark(helper=(f"{id(self.classes[-1])}.{func.attr.value}", node))

    def _steps_an_optimizer(self, receiver: cst.BaseExpression, call: cst.Call) -> bool:
        if names_an_optimizer(receiver):
            return True
        return bool(call.args) and names_an_optimizer(call.args[0].value)  # scaler.step(optimizer)

    def _mark(self, backward: bool = False, step: cst.CSTNode | None = None, clears: bool = False, helper: tuple[str, cst.Call] | None = None) -> None:
        for region in self.open:
            region.backward |= backward
            region.clears |= clears
            if region.step is None and step is not None:
                region.step = step
            if helper is not None:
                region.helpers.append(helper)

    def end_file(self) -> None:
        effects = {id(loop): self._effects(loop) for loop in self.loops}
        missing = {
            key for key, (backward, step, clears) in effects.items() if backward and step is not None and not clears
        }
        for loop in self.loops:
            if id(loop) not in missing or any(id(inner) in missing for inner in _nested(loop)):
                continue
            self.report(
                effects[id(loop)][1],
                "this loop steps the optimizer after backward() but never clears the gradients, so "
                "each step adds up the gradients of all earlier batches; call "
                "optimizer.zero_grad() once per step",
            )

    def _effects(self, loop: _Region) -> tuple[bool, cst.CSTNode | None, bool]:
        """What the loop does, counting the functions of this module it calls, transitively.
        Its step is located in the loop: at the helper call when a helper does it."""
        backward, step, clears = loop.backward, loop.step, loop.clears
        pending, seen = list(loop.helpers), set()
        while pending:
            helper, call = pending.pop()
            if helper in seen:
                continue
            seen.add(helper)
            for function in self.functions.get(helper, ()):
                backward |= function.backward
                clears |= function.clears
                if step is None and function.step is not None:
                    step = call
                pending.extend((name, call) for name, _ in function.helpers)
        return backward, step, clears


def _nested(loop: _Region):
    stack = list(loop.loops)
    while stack:
        region = stack.pop()
        yield region
        stack.extend(region.loops)


def _accumulated_name(value: cst.BaseExpression) -> cst.Name | None:
    """The variable a running total takes as it is: `loss` in `loss`, `loss * x.size(0)`
    or `loss / steps`; None once it is converted (`loss.item()`, `float(loss)`)."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply | cst.Divide):
        if isinstance(value.left, cst.Name):
            return value.left
        if isinstance(value.operator, cst.Multiply) and isinstance(value.right, cst.Name):
            return value.right
        return None
    return value if isinstance(value, cst.Name) else None


def _backward_tensor(func: cst.Attribute) -> cst.Name | None:
    """`loss` in `loss.backward()`, `(loss / k).backward()` or `scaler.scale(loss).backward()`."""
    receiver = func.value
    if isinstance(receiver, cst.Call) and callee_name(receiver.func) == "scale" and len(receiver.args) == 1:
        receiver = receiver.args[0].value
    return _accumulated_name(receiver)


class LossAccumulatesGraph(Rule):
    """
    Inside a loop, the tensor that `backward()` is called on is added to a running total
    (`running_loss += loss`, `epoch_loss += loss * batch_size`) or appended to a list
    (`losses.append(loss)`) as it is, not as `loss.item()`, `loss.detach()` or
    `float(loss)`. The total (or the list) then holds every step's autograd graph, so
    memory grows with each batch until the epoch ends or the process runs out.

    Only the very tensor `backward()` runs on is followed (through assignments, so
    `loss = loss.item()` first is fine): summing several losses into one and calling
    `backward()` on the sum is how multi-task training is written, and is not reported.
    """

    code = "MLS505"
    name = "loss-accumulates-graph"
    family = Family.TRAINING
    severity = Severity.WARNING
    summary = "A running loss total keeps every step's autograd graph alive."
    challenges = ("IND-3.5-learning-program-bugs",)
    required_modules = frozenset({"torch"})
    uses_dataflow = True
    why = (
        "A loss tensor carries `grad_fn`, the autograd graph that produced it. Adding it to a "
        "total makes the total a tensor whose graph includes this step's graph, and the next "
        "step's, and so on: the graphs (and the activations they still reference) can no "
        "longer be freed, GPU memory grows every batch, and the run eventually fails with an "
        "out-of-memory error that looks unrelated. PyTorch's FAQ names this as the first "
        "cause of memory growth in training loops."
    )
    bad = (
        '''
        import torch

        for epoch in range(num_epochs):
            running_loss = 0.0
            for images, labels in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()
                running_loss += loss
                ^^^^^^^^^^^^^^^^^^^^
            print(f"epoch {epoch}: {running_loss / len(train_loader):.4f}")
        ''',
    )
    good = (
        '''
        import torch

        for epoch in range(num_epochs):
            running_loss = 0.0
            for images, labels in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()
                running_loss += loss.item()
            print(f"epoch {epoch}: {running_loss / len(train_loader):.4f}")
        ''',
        '''
        import torch

        for images, targets in train_loader:
            optimizer.zero_grad()
            features = backbone(images)
            total = 0.0
            for head, target in zip(heads, targets):
                total += criterion(head(features), target)
            total.backward()
            optimizer.step()
        ''',
    )
    use_instead = (
        "Accumulate plain numbers: `running_loss += loss.item()` (or `loss.detach()` to keep "
        "the sum on the GPU and synchronise once per epoch)."
    )
    limitations = (
        "Only the tensor `backward()` is called on in the same function is followed; a loss "
        "returned by a helper that called `backward()` itself, or accumulated in a different "
        "function than the one calling `backward()`, is not seen. Totals built with "
        "`torch.stack(losses)` or `sum(losses)` after the loop are not reported either."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.loops: list[cst.CSTNode] = []
        self.backward_definitions: set[int] = set()
        self.candidates: list[tuple[cst.CSTNode, list[Definition]]] = []

    def visit_For(self, node: cst.For) -> None:
        self.loops.append(node)

    def leave_For(self, node: cst.For) -> None:
        self.loops.pop()

    def visit_While(self, node: cst.While) -> None:
        self.loops.append(node)

    def leave_While(self, node: cst.While) -> None:
        self.loops.pop()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        if func.attr.value == "backward":
            tensor = _backward_tensor(func)
            if tensor is not None:
                self.backward_definitions.update(id(d) for d in self.file.flow.reaching(tensor.value))
        elif func.attr.value == "append" and len(node.args) == 1 and self.loops:
            self._candidate(node, node.args[0].value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign) and self.loops:
            self._candidate(node, node.value)

    def _candidate(self, node: cst.CSTNode, value: cst.BaseExpression) -> None:
        name = _accumulated_name(value)
        if name is None:
            return
        # Only a loss computed inside this loop's body counts: one bound before the loop is
        # not a per-step tensor.
        loop = id(self.loops[-1])
        definitions = [d for d in self.file.flow.reaching(name.value) if loop in d.path]
        self.candidates.append((node, definitions))

    def end_file(self) -> None:
        for node, definitions in self.candidates:
            if not any(id(d) in self.backward_definitions for d in definitions):
                continue
            self.report(
                node,
                "the loss that backward() ran on is accumulated as a tensor, so the total keeps every "
                "step's autograd graph alive and memory grows each batch; accumulate loss.item() "
                "(or loss.detach())",
            )
