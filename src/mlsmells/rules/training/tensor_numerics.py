"""MLS506, MLS509 and MLS512: array and tensor arithmetic written in a way that is
numerically fragile, wasteful or unclear (ZHANG22-9, ZHANG22-15, ZHANG22-16).

The three rules follow values through the file's assignments (engine/dataflow.py) and
report only what that flow proves: an operand whose origin is unknown is never reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from mlsmells.engine.calls import code_of, keyword_arg
from mlsmells.engine.dataflow import Definition, Kind
from mlsmells.engine.names import Scope
from mlsmells.findings import Family, Severity
from mlsmells.rule import Rule

#: How many assignments back a value is followed.
_DEPTH = 6

Lookup = Callable[[str], Sequence[Definition]]


class _ValueRule(Rule):
    """A rule that asks what an expression's value is known to be, through assignments."""

    uses_dataflow = True

    def _here(self) -> Lookup:
        """Definitions of a name as the walk sees it now."""
        return lambda name: self.file.flow.reaching(name)

    def _holds(
        self,
        expr: cst.BaseExpression,
        test: Callable[[cst.BaseExpression, Lookup, Sequence[Scope], int], bool],
        lookup: Lookup,
        depth: int,
    ) -> bool:
        """True when `expr` is a variable all of whose reaching definitions are plain
        assignments of values `test` accepts (a single unknown one makes it False)."""
        if not isinstance(expr, cst.Name) or depth > _DEPTH:
            return False
        definitions = lookup(expr.value)
        return bool(definitions) and all(
            definition.kind is Kind.ASSIGN
            and definition.index is None
            and definition.value is not None
            and test(definition.value, _sources_of(definition), definition.scopes, depth + 1)
            for definition in definitions
        )

    def _qualified(self, expr: cst.BaseExpression, scopes: Sequence[Scope] | None) -> tuple[str, ...]:
        return self.file.qualified_names(expr, scopes)


def _sources_of(definition: Definition) -> Lookup:
    """Definitions of a name as they were when `definition`'s value was computed."""
    return lambda name: tuple(source for source in definition.sources if source.name == name)


# -- MLS512 matmul-with-dot --------------------------------------------------------------

#: NumPy constructors whose first argument is the shape.
_SHAPED = frozenset(f"numpy.{name}" for name in ("zeros", "ones", "empty", "full"))
#: NumPy random functions that take the dimensions as separate arguments.
_DIMENSIONED = frozenset({"numpy.random.rand", "numpy.random.randn"})
#: NumPy functions that always return a 2-D array.
_ALWAYS_2D = frozenset({"numpy.eye", "numpy.identity", "numpy.outer"})
#: NumPy functions that build an array from a literal.
_FROM_LITERAL = frozenset({"numpy.array", "numpy.asarray"})


def _is_nested_literal(expr: cst.BaseExpression) -> bool:
    """`[[1, 2], [3, 4]]`: a list or tuple whose elements are all lists or tuples."""
    return (
        isinstance(expr, cst.List | cst.Tuple)
        and bool(expr.elements)
        and all(isinstance(element.value, cst.List | cst.Tuple) for element in expr.elements)
    )


def _is_shape(expr: cst.BaseExpression) -> bool:
    """A shape written as a tuple or list of two or more dimensions, without unpacking."""
    return (
        isinstance(expr, cst.List | cst.Tuple)
        and len(expr.elements) >= 2
        and not any(isinstance(element, cst.StarredElement) for element in expr.elements)
    )


def _positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    """The positional arguments of a call, or None when it unpacks some (`*dims`)."""
    if any(arg.star for arg in call.args):
        return None
    return [arg.value for arg in call.args if arg.keyword is None]


class MatmulWithDot(_ValueRule):
    """
    `np.dot(a, b)` or `a.dot(b)` where both operands are known to be NumPy arrays of two
    or more dimensions: a matrix literal (`np.array([[1, 2], [3, 4]])`), an array made with
    a 2-D shape (`np.zeros((n, m))`, `np.random.rand(n, m)`, `np.random.normal(size=(n, m))`,
    `np.eye(n)`, `np.outer(u, v)`), a `reshape` to two or more dimensions, or the `.T` of
    one of these, directly or through variables assigned from them.
    """

    code = "MLS512"
    name = "matmul-with-dot"
    family = Family.TRAINING
    severity = Severity.ADVICE
    summary = "np.dot multiplies two matrices: write `@` or np.matmul."
    challenges = ("ZHANG22-9",)
    required_modules = frozenset({"numpy"})
    why = (
        "`np.dot` means different things for different shapes: an inner product for 1-D "
        "vectors, a matrix product for 2-D arrays, and a sum over the last axis of one and the "
        "second-to-last of the other for higher dimensions, which is not the batched product "
        "most readers expect. `a @ b` (`np.matmul`) always means the matrix product and "
        "broadcasts over batch dimensions. ZHANG22-9 (Matrix Multiplication API Misused) is "
        "this smell."
    )
    bad = (
        '''
        import numpy as np

        weights = np.random.randn(784, 128) * 0.01
        batch = images.reshape(-1, 784)
        hidden = np.dot(batch, weights)
                 ^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        import numpy as np

        rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
        points = np.zeros((100, 2))
        rotated = points.dot(rotation.T)
                  ^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import numpy as np

        weights = np.random.randn(784, 128) * 0.01
        batch = images.reshape(-1, 784)
        hidden = batch @ weights
        ''',
        '''
        # 1-D vectors and operands of unknown shape: np.dot is the inner product here.
        import numpy as np

        direction = np.zeros(3)
        similarity = np.dot(embedding, direction)
        score = np.dot(features, coefficients)
        ''',
    )
    use_instead = "`a @ b` or `np.matmul(a, b)` for matrix products; keep `np.dot` for 1-D inner products."
    limitations = (
        "Only operands whose shape the file itself shows are considered: arrays loaded from "
        "files, returned by other functions, passed in as parameters or changed in place "
        "(`a[0] = ...`) are of unknown shape and never reported. Shapes are not followed "
        "through arithmetic (`w * 0.01` is followed, as an assignment of `w * 0.01` is not)."
    )

    def visit_Call(self, node: cst.Call) -> None:
        operands = self._dot_operands(node)
        if operands is None:
            return
        lookup = self._here()
        if all(self._is_matrix(operand, lookup, None, 0) for operand in operands):
            self.report(
                node,
                f"`{code_of(node)}` multiplies two 2-D arrays: write `{code_of(operands[0])} @ "
                f"{code_of(operands[1])}` (or `np.matmul`), which always means the matrix product",
            )

    def _dot_operands(self, node: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
        args = _positional(node)
        if args is None or len(args) != len(node.args):
            return None
        if "numpy.dot" in self._qualified(node.func, None):
            return (args[0], args[1]) if len(args) == 2 else None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "dot" and len(args) == 1:
            return func.value, args[0]
        return None

    def _is_matrix(
        self, expr: cst.BaseExpression, lookup: Lookup, scopes: Sequence[Scope] | None, depth: int
    ) -> bool:
        """Whether `expr` is known to be a NumPy array of two or more dimensions."""
        if isinstance(expr, cst.Attribute) and expr.attr.value == "T":
            return self._is_matrix(expr.value, lookup, scopes, depth)
        if isinstance(expr, cst.BinaryOperation) and not isinstance(expr.operator, cst.MatrixMultiply):
            # `w * 0.01`, `a - a.mean()`: element-wise arithmetic with a scalar keeps the shape.
            scalar = (cst.Integer, cst.Float)
            if isinstance(expr.right, scalar):
                return self._is_matrix(expr.left, lookup, scopes, depth)
            if isinstance(expr.left, scalar):
                return self._is_matrix(expr.right, lookup, scopes, depth)
            return False
        if isinstance(expr, cst.Call):
            return self._makes_matrix(expr, lookup, scopes, depth)
        if _is_nested_literal(expr):  # `a.dot([[c, -s], [s, c]])`: NumPy reads it as a matrix
            return True
        return self._holds(expr, self._is_matrix, lookup, depth)

    def _makes_matrix(self, call: cst.Call, lookup: Lookup, scopes: Sequence[Scope] | None, depth: int) -> bool:
        args = _positional(call)
        if args is None:
            return False
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "reshape" and not self._qualified(func, scopes):
            # `x.reshape(n, m)` or `x.reshape((n, m))` on an array: always that many dimensions.
            return len(args) >= 2 or (len(args) == 1 and _is_shape(args[0]))
        names = self._qualified(func, scopes)
        if "numpy.reshape" in names:
            return len(args) == 2 and _is_shape(args[1])
        if any(name in _ALWAYS_2D for name in names):
            return True
        if any(name in _FROM_LITERAL for name in names):
            return bool(args) and _is_nested_literal(args[0])
        if any(name in _SHAPED for name in names):
            shape = args[0] if args else (keyword_arg(call, "shape").value if keyword_arg(call, "shape") else None)
            return shape is not None and _is_shape(shape)
        if any(name in _DIMENSIONED for name in names):
            return len(args) >= 2
        if any(name.startswith("numpy.random.") for name in names):
            size = keyword_arg(call, "size")
            return size is not None and _is_shape(size.value)
        return False


# -- MLS506 unmasked-log -----------------------------------------------------------------

#: Logarithms that return -inf (or NaN) at zero.
_LOGS = frozenset(
    {
        "numpy.log", "numpy.log2", "numpy.log10", "math.log", "math.log2", "math.log10",
        "torch.log", "torch.log2", "torch.log10",
        "tensorflow.math.log", "tensorflow.log", "keras.ops.log",
    }
)
#: Functions whose output is a probability: it underflows to exactly 0.
_PROBABILITY_FUNCTIONS = frozenset(
    {
        "torch.softmax", "torch.sigmoid", "torch.nn.functional.softmax", "torch.nn.functional.sigmoid",
        "tensorflow.nn.softmax", "tensorflow.math.softmax", "tensorflow.sigmoid", "tensorflow.nn.sigmoid",
        "tensorflow.math.sigmoid", "tensorflow.keras.activations.softmax", "tensorflow.keras.activations.sigmoid",
        "keras.activations.softmax", "keras.activations.sigmoid", "keras.ops.softmax", "keras.ops.sigmoid",
        "scipy.special.softmax", "scipy.special.expit",
    }
)
#: Methods whose result is a probability: scikit-learn's `predict_proba`, tensors' `softmax`.
_PROBABILITY_METHODS = frozenset({"predict_proba", "softmax", "sigmoid"})


class UnmaskedLog(_ValueRule):
    """
    A logarithm (`np.log`, `torch.log`, `tf.math.log`, `math.log`, or a tensor's `.log()`)
    of a value known to be a probability, with nothing keeping it away from zero: the
    output of a softmax or a sigmoid (`torch.softmax`, `F.softmax`, `tf.nn.softmax`,
    `tf.sigmoid`, `scipy.special.expit`, `x.softmax(dim)`), of `predict_proba`, a slice of
    one of these, or one minus one of these; directly or through variables assigned from
    them.
    """

    code = "MLS506"
    name = "unmasked-log"
    family = Family.TRAINING
    severity = Severity.ADVICE
    precision = "medium"
    summary = "The log of a softmax, sigmoid or predict_proba output that can be exactly 0."
    challenges = ("ZHANG22-15", "IND-3.5-learning-program-bugs")
    required_modules = frozenset({"numpy", "torch", "tensorflow", "keras", "math"})
    why = (
        "Probabilities computed in floating point reach exactly 0 (and 1) long before the "
        "mathematics says they should: a float32 softmax underflows for logit gaps above about "
        "100, a sigmoid for inputs below about -100, and classifiers return hard 0/1 "
        "probabilities (trees, k-NN). Their logarithm is then -inf, and the loss or the "
        "gradient becomes NaN, silently ruining training. ZHANG22-15 (Missing the Mask of "
        "Invalid Value) is this smell."
    )
    bad = (
        '''
        import torch
        import torch.nn.functional as F

        probs = F.softmax(logits, dim=-1)
        nll = -torch.log(probs[range(len(targets)), targets]).mean()
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        import numpy as np

        p = clf.predict_proba(X_valid)[:, 1]
        loss = -np.mean(y_valid * np.log(p) + (1 - y_valid) * np.log(1 - p))
                                  ^^^^^^^^^
                                                              ^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import torch
        import torch.nn.functional as F

        log_probs = F.log_softmax(logits, dim=-1)
        nll = F.nll_loss(log_probs, targets)
        ''',
        '''
        import numpy as np

        eps = 1e-7
        p = np.clip(clf.predict_proba(X_valid)[:, 1], eps, 1 - eps)
        loss = -np.mean(y_valid * np.log(p) + (1 - y_valid) * np.log(1 - p))
        ''',
        '''
        import numpy as np

        probs = model.predict_proba(X_valid)
        log_odds = np.log(probs[:, 1] + 1e-9) - np.log(probs[:, 0] + 1e-9)
        ''',
    )
    use_instead = (
        "Work in log space: `F.log_softmax`/`tf.nn.log_softmax`, `logsumexp`, losses that take "
        "logits (`F.cross_entropy`, `BCEWithLogitsLoss`, `from_logits=True`), scikit-learn's "
        "`predict_log_proba` or `log_loss`. Otherwise clamp first: `np.clip(p, eps, 1 - eps)`, "
        "`p.clamp(min=eps)`, or add an epsilon."
    )
    limitations = (
        "Only values the file shows to be probabilities are considered: a model's `predict` "
        "output (even with a softmax last layer) or a function's return value is not known to "
        "be one. Any arithmetic on the probability before the log (`p + eps`, `p * mask`) is "
        "taken as masking it."
    )

    def visit_Call(self, node: cst.Call) -> None:
        argument = self._log_argument(node)
        if argument is not None and self._is_probability(argument, self._here(), None, 0):
            self.report(
                node,
                f"`{code_of(argument)}` is a probability that can be exactly 0 in floating point, and its "
                "log is then -inf; use log_softmax/logsumexp or a loss on logits, or clamp it with an epsilon",
            )

    def _log_argument(self, node: cst.Call) -> cst.BaseExpression | None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "log" and not node.args:
            return func.value if not self._qualified(func, None) else None
        first = node.args[0] if node.args else None
        if first is not None and first.keyword is None and not first.star and any(
            name in _LOGS for name in self._qualified(func, None)
        ):
            return first.value
        return None

    def _is_probability(
        self, expr: cst.BaseExpression, lookup: Lookup, scopes: Sequence[Scope] | None, depth: int
    ) -> bool:
        while isinstance(expr, cst.Subscript):  # a column or an element of probabilities
            expr = expr.value
        if isinstance(expr, cst.BinaryOperation):  # `1 - p`
            one = isinstance(expr.left, cst.Integer | cst.Float) and expr.left.evaluated_value == 1
            return (
                isinstance(expr.operator, cst.Subtract)
                and one
                and self._is_probability(expr.right, lookup, scopes, depth)
            )
        if isinstance(expr, cst.Call):
            func = expr.func
            if any(name in _PROBABILITY_FUNCTIONS for name in self._qualified(func, scopes)):
                return True
            return (
                isinstance(func, cst.Attribute)
                and func.attr.value in _PROBABILITY_METHODS
                and not self._qualified(func, scopes)
            )
        return self._holds(expr, self._is_probability, lookup, depth)


# -- MLS509 tile-instead-of-broadcast ----------------------------------------------------

#: Functions that copy an array along its axes.
_TILES = frozenset({"numpy.tile", "tensorflow.tile", "torch.tile"})
#: Operators that broadcast their operands.
_ELEMENTWISE = (
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power,
)


def _broadcast_like(tiled: cst.BaseExpression, reps: cst.BaseExpression) -> bool:
    """Repetitions that copy along axes of size 1, which broadcasting reuses without
    copying: `(n, 1)` or `[n, 1, 1]` (the trailing axis kept, the copies stacked in front),
    or any repetitions of a value given a new axis on the spot (`x[:, None]`,
    `x[tf.newaxis]`). A single count (`np.tile(a, 3)`) or copies along the trailing axis of
    an ordinary array (`tile(box[..., 2:], [1, 2])`, making `w, h, w, h`) concatenate,
    which no broadcast does."""
    if not isinstance(reps, cst.List | cst.Tuple) or len(reps.elements) < 2:
        return False
    last = reps.elements[-1].value
    return (isinstance(last, cst.Integer) and last.evaluated_value == 1) or _has_new_axis(tiled)


def _has_new_axis(expr: cst.BaseExpression) -> bool:
    """`x[:, None]`, `x[np.newaxis, :]`: a subscript that inserts an axis of size 1."""
    if not isinstance(expr, cst.Subscript):
        return False
    for element in expr.slice:
        index = element.slice
        if isinstance(index, cst.Index):
            value = index.value
            if (isinstance(value, cst.Name) and value.value == "None") or (
                isinstance(value, cst.Attribute) and value.attr.value == "newaxis"
            ):
                return True
    return False


class TileInsteadOfBroadcast(_ValueRule):
    """
    `np.tile`, `tf.tile` or `torch.tile` with repetitions that stack copies in front of
    an array's trailing axis (`(n, 1)`, `[n, 1, 1]`) or copy a value along an axis just
    inserted (`np.tile(x[:, None], (1, k))`), whose result is used only as an operand of
    element-wise arithmetic (`+ - * / // % **`): directly, or through a variable whose
    every use in the file is such an operand.
    """

    code = "MLS509"
    name = "tile-instead-of-broadcast"
    family = Family.TRAINING
    severity = Severity.ADVICE
    precision = "medium"
    summary = "An array is tiled only to match shapes in arithmetic that broadcasting does."
    challenges = ("ZHANG22-16",)
    required_modules = frozenset({"numpy", "tensorflow", "torch"})
    why = (
        "Element-wise arithmetic in NumPy, TensorFlow and PyTorch broadcasts: an operand of "
        "size 1 along an axis is reused across the other operand without being copied. "
        "Tiling it first allocates and fills a full-size copy, which costs memory and time "
        "(in a training step, on every step) and hides the intent. ZHANG22-16 (Broadcasting "
        "Feature Not Used) is this smell."
    )
    bad = (
        '''
        import numpy as np

        mean = X_train.mean(axis=0, keepdims=True)
        centered = X_train - np.tile(mean, (len(X_train), 1))
                             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        import tensorflow as tf

        def scale(features, weights):
            tiled = tf.tile(weights[tf.newaxis, :], [tf.shape(features)[0], 1])
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            return features * tiled
        ''',
    )
    good = (
        '''
        import numpy as np

        mean = X_train.mean(axis=0, keepdims=True)
        centered = X_train - mean
        ''',
        '''
        # The tiled copy is an input of its own, not just an operand.
        import numpy as np

        grid = np.tile(np.arange(8), (4, 1))
        offsets = grid * 0.5
        np.save("grid.npy", grid)
        ''',
        '''
        # A single count concatenates copies: no broadcast does that.
        import numpy as np

        pattern = np.tile([0.0, 1.0], 50)
        signal = pattern + noise
        ''',
    )
    use_instead = (
        "Drop the tile and let the arithmetic broadcast: give the operand size-1 axes where it "
        "should be reused (`keepdims=True`, `x[None, :]`, `x[:, None]`, `tf.newaxis`, "
        "`unsqueeze`); use `expand`/`tf.broadcast_to` when a view of the full shape is really needed."
    )
    limitations = (
        "Shapes are not known: the rule assumes the leading axes it sees tiled are new or of "
        "size 1, the usual reason to tile before arithmetic; tiling an existing axis of size 2 "
        "or more (`np.tile(a, (2, 1))` on a 2-D `a`) concatenates, which broadcasting does not "
        "do. Copies along the trailing axis are reported only of a value given that axis on "
        "the spot (`x[:, None]`). Only `tile` "
        "functions are considered, not `np.repeat` or PyTorch's `Tensor.repeat`."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Tiled variables: definition -> (the tile call, whether every use so far is arithmetic).
        self.tiled: dict[int, tuple[cst.Call, list[bool]]] = {}
        #: Names read as operands of element-wise arithmetic, and names being bound.
        self.operands: set[cst.Name] = set()
        self.targets: set[cst.Name] = set()

    def _is_tile(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call) or len(expr.args) != 2 or any(arg.star for arg in expr.args):
            return False
        return any(name in _TILES for name in self._qualified(expr.func, None)) and _broadcast_like(
            expr.args[0].value, expr.args[1].value
        )

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, _ELEMENTWISE):
            return
        for operand in (node.left, node.right):
            if self._is_tile(operand):
                self.report(operand, self._message())
            elif isinstance(operand, cst.Name):
                self.operands.add(operand)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Name):
            self.targets.add(node.target)

    def visit_Name(self, node: cst.Name) -> None:
        if node in self.targets or not self.tiled:
            return
        for definition in self.file.flow.reaching(node.value):
            entry = self.tiled.get(id(definition))
            if entry is not None:
                entry[1].append(node in self.operands)

    def leave_Assign(self, node: cst.Assign) -> None:
        if self._is_tile(node.value):
            for definition in self.file.flow.defined_by(node):
                if definition.kind is Kind.ASSIGN and definition.value is node.value:
                    self.tiled[id(definition)] = (node.value, [])

    def end_file(self) -> None:
        for call, uses in self.tiled.values():
            if uses and all(uses):
                self.report(call, self._message())

    @staticmethod
    def _message() -> str:
        return (
            "this tiled copy is only used in element-wise arithmetic, which broadcasts: drop the tile "
            "and give the operand size-1 axes (`keepdims=True`, `x[None, :]`) instead"
        )
