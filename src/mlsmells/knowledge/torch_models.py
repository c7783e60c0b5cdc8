"""What the PyTorch rules know about networks and optimizers (MLS501-MLS505).

No rules live here: this is the knowledge that MLS501 (which calls are modules), MLS502
(which receivers are optimizers) and MLS503/MLS504 (which calls run a model, and which
switch its mode) must agree on.
"""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.calls import callee_name
from mlsmells.engine.names import dotted_name

#: `nn.Module` methods that return the module itself: `Net().to(device).eval()` is a `Net`,
#: and `model.to(device).train()` switches `model`.
RETURNS_MODULE = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "requires_grad_"})
#: Capitalised names under `torch.nn` that are not modules.
_NOT_MODULES = frozenset({"Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"})
#: `torch.nn` subpackages whose classes are modules (`torch.nn.utils` and friends are not).
_MODULE_PACKAGES = ("torch.nn.modules.", "torch.nn.parallel.")
#: Receivers whose `.step()` is not an optimizer step: schedulers, environments, profilers.
_NOT_OPTIMIZERS = ("sched", "env", "lr", "prof", "warmup")


def is_torch_module_class(qualified: str) -> bool:
    """`torch.nn.Linear`, `torch.nn.modules.conv.Conv2d`, `torch.nn.parallel.DistributedDataParallel`."""
    package, _, name = qualified.rpartition(".")
    if not name[:1].isupper() or name in _NOT_MODULES:
        return False
    return package == "torch.nn" or (package + ".").startswith(_MODULE_PACKAGES)


def constructor(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The callee that made `value`: `Net` for `Net(...)` or `Net(...).to(device).eval()`."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        if value.func.attr.value not in RETURNS_MODULE or not isinstance(value.func.value, cst.Call):
            break
        value = value.func.value
    return value.func if isinstance(value, cst.Call) else None


def module_name(expr: cst.BaseExpression) -> str | None:
    """The dotted name of the module an expression is: `model` for `model.to(device)`."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in RETURNS_MODULE:
        expr = expr.func.value
    return dotted_name(expr)


def names_an_optimizer(expr: cst.BaseExpression) -> bool:
    """`optimizer`, `self.opt_g`, `optimizers["D"]`: a receiver named as an optimizer."""
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    name = callee_name(expr)
    if name is None:
        return False
    lowered = name.lower()
    if any(part in lowered for part in _NOT_OPTIMIZERS):
        return False
    return "optim" in lowered or lowered == "opt" or lowered.startswith("opt_") or lowered.endswith("_opt")
