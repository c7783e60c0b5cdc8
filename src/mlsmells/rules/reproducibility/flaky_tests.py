"""MLS107: reproducibility of test suites. A test that compares a computed float exactly passes
or fails on the last bits of the result, which change with hardware, thread counts, library
versions and the order of operations (SLR-CM30)."""

from __future__ import annotations

import math
from fractions import Fraction

import libcst as cst

from mlsmells.engine.calls import callee_name
from mlsmells.engine.names import target_names
from mlsmells.engine.project import METHOD_PREFIX
from mlsmells.findings import Family, Severity
from mlsmells.rule import Rule

#: Literals a test reaches by exact arithmetic: whole numbers and halves, quarters, ...
#: down to 1/1024 (`0.0`, `1.0`, `0.5`, `0.75`, `12.5`). Sums of small integers, counts
#: over counts with a power-of-two total, and clipped or saturated values land on them
#: exactly; a tolerance would change nothing.
_EXACT_DENOMINATOR = 1024
#: Significant digits from which a literal looks copied from a printed result (a "golden
#: value", `0.8731`, `0.6931471805599453`) rather than chosen or exactly reachable (`0.97`
#: as 97 of 100, `0.6` as the mean of chosen values).
_GOLDEN_DIGITS = 4

#: Libraries whose every function computes a float from its inputs: metrics, losses,
#: statistics, activations.
_COMPUTING_MODULES = (
    "sklearn.metrics.",
    "torch.nn.functional.",
    "tensorflow.nn.",
    "tensorflow.math.",
    "tensorflow.keras.losses.",
    "tensorflow.keras.metrics.",
    "keras.losses.",
    "keras.metrics.",
    "jax.nn.",
    "scipy.stats.",
    "scipy.special.",
    "scipy.spatial.distance.",
    "torchmetrics.functional.",
)
_COMPUTING_FUNCTIONS = frozenset(
    {
        "sklearn.model_selection.cross_val_score",
        "sklearn.model_selection.cross_validate",
        "sklearn.model_selection.cross_val_predict",
        "sklearn.inspection.permutation_importance",
    }
)
#: Array libraries: only their arithmetic (named below) computes; their constructors,
#: conversions and selections return the values they were given.
_ARRAY_MODULES = ("numpy.", "torch.", "tensorflow.", "jax.", "keras.ops.")
_ARITHMETIC = frozenset(
    {
        "mean", "nanmean", "average", "sum", "nansum", "prod", "cumsum", "cumprod", "std", "nanstd",
        "var", "nanvar", "norm", "dist", "cdist", "dot", "vdot", "inner", "outer", "matmul",
        "einsum", "tensordot", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt",
        "sigmoid", "softmax", "log_softmax", "logsumexp", "tanh", "sin", "cos", "tan", "arctan",
        "erf", "cov", "corrcoef", "trace", "det", "interp", "trapz", "trapezoid", "percentile",
        "quantile", "nanpercentile", "nanquantile", "median", "nanmedian", "cosine_similarity",
        "pairwise_distance", "reduce_mean", "reduce_sum", "reduce_prod", "reduce_std",
        "reduce_variance", "reduce_logsumexp", "reduce_euclidean_norm",
    }
)
#: Libraries whose classes are models, layers, losses and metrics: calling one gives a
#: computed value.
_MODEL_MODULES = (
    "sklearn.", "torch.nn.", "keras.", "tensorflow.keras.", "xgboost.", "lightgbm.", "catboost.",
    "torchmetrics.", "transformers.", "sentence_transformers.",
)
#: Functions that return a model.
_MODEL_FACTORIES = frozenset(
    {
        "transformers.pipeline", "keras.models.load_model", "keras.saving.load_model",
        "tensorflow.keras.models.load_model", "timm.create_model",
    }
)
#: Methods that compute on any receiver: predictions, scores and statistics.
_COMPUTING_METHODS = _ARITHMETIC | frozenset(
    {
        "score", "predict", "predict_proba", "predict_log_proba", "decision_function", "evaluate",
        "compute", "result", "transform", "fit_transform", "inverse_transform", "log_prob", "cdf",
        "pdf", "logpdf", "entropy",
    }
)
#: Methods that return the model they are called on: `LogisticRegression().fit(X, y)`.
_SAME_MODEL_METHODS = frozenset({"fit", "to", "eval", "train", "cuda", "cpu", "double", "float", "half"})
#: Methods and conversions that return the value of what they are called on.
_SAME_VALUE_METHODS = frozenset(
    {
        "item", "numpy", "tolist", "cpu", "detach", "float", "double", "to", "squeeze", "flatten",
        "ravel", "reshape", "view", "get", "contiguous", "clone", "copy",
    }
)
_SAME_VALUE_FUNCTIONS = frozenset(
    {"builtins.float", "builtins.list", "builtins.tuple", "numpy.float64", "numpy.float32", "numpy.asarray", "numpy.array"}
)
#: Fitted attributes holding what training computed (scikit-learn's naming). Attributes
#: that hold a hyperparameter chosen from a grid (`best_params_`, `C_`, `alpha_`) are not
#: among them: they are one of the values the test passed in.
_FITTED_ATTRIBUTES = frozenset(
    {
        "coef_", "intercept_", "feature_importances_", "explained_variance_",
        "explained_variance_ratio_", "singular_values_", "components_", "mean_", "var_", "scale_",
        "cluster_centers_", "inertia_", "best_score_", "oob_score_", "oob_decision_function_",
        "oob_prediction_", "dual_coef_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
        "cv_results_", "scores_", "theta_", "sigma_", "feature_log_prob_", "class_log_prior_",
        "covariance_", "precision_", "location_", "embedding_", "kl_divergence_", "noise_variance_",
        "lambdas_", "eigenvalues_", "weights_", "means_", "covariances_", "precisions_",
        "lower_bound_", "reconstruction_err_", "stress_", "estimator_errors_", "estimator_weights_",
        "train_score_", "coefs_", "intercepts_",
    }
)
#: Attributes holding the values of what they belong to.
_VALUE_ATTRIBUTES = frozenset({"data", "values", "T", "real", "history"})
#: Rounding before comparing is a tolerance the author chose.
_ROUNDING = frozenset({"round", "around", "rint", "floor", "ceil", "trunc", "fix"})

#: Assertion calls that compare their first two arguments exactly.
_EQUALITY_METHODS = frozenset(
    {"assertEqual", "assertEquals", "failUnlessEqual", "assertListEqual", "assertTupleEqual",
     "assertSequenceEqual", "assertAllEqual"}
)
_EQUALITY_FUNCTIONS = frozenset(
    {"numpy.testing.assert_equal", "numpy.testing.assert_array_equal", "tensorflow.debugging.assert_equal",
     "tensorflow.assert_equal"}
)
#: Calls whose single argument is an (elementwise) comparison: `assert np.all(out == 0.3)`.
_ALL_FUNCTIONS = frozenset({"builtins.all", "numpy.all", "torch.all", "tensorflow.reduce_all"})
#: Assertion calls whose first argument is the condition.
_CONDITION_METHODS = frozenset({"assertTrue", "assert_", "failUnless"})
_CONDITION_FUNCTIONS = frozenset({"numpy.testing.assert_"})
_SET_UP_METHODS = frozenset({"setUp", "setUpClass", "setup_method", "setup_class", "setup", "setUpModule", "setup_module"})


def _float_literal(expr: cst.BaseExpression) -> float | None:
    """The value of a float literal (`0.93`, `-1e-3`), or None."""
    sign = 1.0
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus | cst.Plus):
        sign = -1.0 if isinstance(expr.operator, cst.Minus) else 1.0
        expr = expr.expression
    if isinstance(expr, cst.Float):
        return sign * float(expr.value.replace("_", ""))
    return None


def _inexact(value: float) -> bool:
    """Whether a literal can only be reached through rounded arithmetic (see `_EXACT_DENOMINATOR`)."""
    return math.isfinite(value) and Fraction(value).denominator > _EXACT_DENOMINATOR


def _significant_digits(literal: cst.Float) -> int:
    """The digits of a float literal as written, without leading and trailing zeros:
    4 for `0.8731` and `8.731e-1`, 2 for `0.97`, 1 for `1e-3`."""
    mantissa = literal.value.replace("_", "").lower().split("e")[0]
    return len(mantissa.replace(".", "").strip("0"))


def _golden(expr: cst.BaseExpression) -> bool:
    """A float literal exact arithmetic cannot give, written with as many digits as a
    printed result: the value one run produced, copied into the test."""
    value = _float_literal(expr)
    if value is None or not _inexact(value):
        return False
    literal = expr.expression if isinstance(expr, cst.UnaryOperation) else expr
    return _significant_digits(literal) >= _GOLDEN_DIGITS


def _golden_literal(expr: cst.BaseExpression) -> bool:
    """A golden float literal, or a list or tuple of number literals holding one."""
    if _float_literal(expr) is not None:
        return _golden(expr)
    if isinstance(expr, cst.List | cst.Tuple) and expr.elements:
        values = [element.value for element in expr.elements]
        if all(isinstance(v, cst.Integer) or _float_literal(v) is not None for v in values):
            return any(_golden(v) for v in values)
    return False


def _prepares_tests(function: cst.FunctionDef) -> bool:
    """A pytest fixture or a unittest set-up method: what it writes, every test may use."""
    if function.name.value in _SET_UP_METHODS:
        return True
    for decorator in function.decorators:
        expr = decorator.decorator
        if callee_name(expr.func if isinstance(expr, cst.Call) else expr) == "fixture":
            return True
    return False


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _library_computes(name: str) -> bool | None:
    """Whether the library function `name` computes a float; None when no table knows it."""
    last = name.rsplit(".", 1)[-1]
    if last in _ROUNDING:
        return False
    if name.startswith(_COMPUTING_MODULES) or name in _COMPUTING_FUNCTIONS:
        return True
    if name.startswith(_ARRAY_MODULES):
        return last in _ARITHMETIC
    return None


def _returns_computed(callee: str) -> bool:
    """Whether a project function returning the result of `callee` (a library function,
    or `?.method` on a value) returns a computed float."""
    if callee.startswith(METHOD_PREFIX):
        method = callee.removeprefix(METHOD_PREFIX)
        return method in _COMPUTING_METHODS and method not in _ROUNDING
    return bool(_library_computes(callee))


class ExactFloatAssert(Rule):
    """
    A test asserts that a float computed by ML code equals a float literal exactly, and
    the literal has the many digits of a value copied from a printed result (a "golden
    value", four significant digits or more): `assert loss.item() == 0.6931`,
    `self.assertEqual(model.score(X, y), 0.9473)`,
    `np.testing.assert_array_equal(probs, [0.2689, 0.7311])`, `assert np.all(out == 0.1192)`.
    Only test files are checked: `test_*.py`, `*_test.py`, `*_tests.py`, `test.py`,
    `tests.py`, `conftest.py` and files under a `tests/`, `test/` or `testing/` directory.

    A value counts as computed by ML code when it is, after `.item()`, `float()`,
    `.numpy()`, `.tolist()`, `list()`, indexing and arithmetic:
    - the result of a metric, loss or statistics function (`sklearn.metrics`,
      `torch.nn.functional`, `scipy.stats`, Keras losses and metrics, ...) or of array
      arithmetic (`np.mean`, `torch.sum`, `x.std()`, `np.linalg.norm`, softmax, ...);
    - a prediction or score: `.predict()`, `.predict_proba()`, `.score()`, `.evaluate()`,
      `.transform()`, a metric's `.compute()` or `.result()`;
    - the output of a model, layer or loss object created or loaded in the same function
      (`model = nn.Linear(4, 1)`, `keras.models.load_model(path)`, `pipeline(...)`, then
      `model(x)`), the `.history` of `model.fit(...)`, or a fitted attribute that training
      computes (`clf.coef_`, `pca.explained_variance_ratio_`);
    - a variable assigned from any of these in the same function (or at module level).

    Not reported:
    - literals with fewer than four significant digits (`0.97`, `0.6`, `1e-3`): an
      expectation chosen or reached by a simple division (97 right out of 100), which the
      computation gives as exactly as the literal is parsed;
    - literals that exact arithmetic produces: whole numbers and fractions with a
      power-of-two denominator down to 1/1024 (`0.0`, `1.0`, `0.5`, `0.75`, `12.5`). A
      perfect classifier's accuracy, a loss of zero or the mean of small integers is exact,
      and a tolerance would not make such a test any less flaky;
    - values the test wrote itself before the assertion, in the test, a fixture, `setUp` or
      at module level: a mock's return value or a grid of candidates comes back unchanged;
    - hyperparameters and configuration read back (`optimizer.param_groups[0]["lr"]`,
      `clf.C`, `search.best_params_`), integer literals, `!=`, comparisons after rounding
      (`round(acc, 2) == 0.93`) and comparisons between two computed values.
    """

    code = "MLS107"
    name = "exact-float-assert"
    family = Family.REPRODUCIBILITY
    severity = Severity.WARNING
    summary = "A test compares a computed float with a many-digit float literal (a golden value) using exact equality."
    challenges = ("SLR-CM30", "IND-4.2-oracle-problem")
    example_path = "tests/test_model.py"
    why = (
        "Floating-point results are rounded at every operation, so their last digits depend on "
        "the order of the operations: a different BLAS or GPU kernel, another thread count, a "
        "new library release or a vectorised reduction gives `0.6931471805599454` where the "
        "test expects `0.6931471805599453`, and a test that passed for months fails with no "
        "change to the code. SLR-CM30 names such flaky tests, caused by the stochastic and "
        "numerical nature of ML code, as a testing challenge; IND-4.2 (the oracle problem) "
        "notes that ML outputs have no single exact expected value to assert against."
    )
    bad = (
        '''
        # tests/test_model.py
        import numpy as np
        import torch
        from sklearn.metrics import log_loss

        def test_loss_of_an_untrained_classifier():
            logits = torch.zeros(4, 2)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0, 1]))
            assert loss.item() == 0.6931471824645996
                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            assert log_loss([0, 1], [[0.8, 0.2], [0.3, 0.7]]) == 0.2899092476264711
                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            assert np.std([1.0, 2.0, 3.0]) == 0.816496580927726
                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
        '''
        # tests/test_scaler.py
        import unittest
        from sklearn.preprocessing import StandardScaler

        class ScalerTest(unittest.TestCase):
            def test_scaled_values(self):
                scaled = StandardScaler().fit_transform([[1.0], [2.0], [4.0]])
                self.assertEqual(scaled[2, 0], 1.3363062095621219)
                ^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        # tests/test_model.py
        import math
        import numpy as np
        import pytest
        import torch
        from sklearn.metrics import accuracy_score, log_loss

        def test_loss_of_an_untrained_classifier():
            logits = torch.zeros(4, 2)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0, 1]))
            assert loss.item() == pytest.approx(math.log(2))
            assert math.isclose(log_loss([0, 1], [[0.8, 0.2], [0.3, 0.7]]), 0.28991, rel_tol=1e-4)
            np.testing.assert_allclose(np.std([1.0, 2.0, 3.0]), 0.8164966)

        def test_perfect_and_chance_accuracy():
            assert accuracy_score([0, 1, 1, 0], [0, 1, 1, 0]) == 1.0
            assert accuracy_score([0, 1, 1, 0], [0, 0, 1, 1]) == 0.5

        def test_optimizer_settings():
            optimizer = torch.optim.AdamW(torch.nn.Linear(4, 1).parameters(), lr=3e-4)
            assert optimizer.param_groups[0]["lr"] == 3e-4
        ''',
    )
    use_instead = (
        "Compare with a tolerance: `assert loss == pytest.approx(0.6931, rel=1e-4)`, "
        "`math.isclose(...)`, `np.testing.assert_allclose(...)`, `torch.testing.assert_close(...)` "
        "or `self.assertAlmostEqual(...)`. For a model's quality, assert a threshold "
        "(`assert accuracy >= 0.9`) rather than the value one training run happened to reach."
    )
    notebook_behavior = (
        "Notebooks are checked only when their path makes them test files (under a `tests/` "
        "directory, or named `test_*.ipynb`); their code cells are then analysed as one module."
    )
    limitations = (
        "Only literals with four or more significant digits are reported: a computed value "
        "compared exactly with `0.97` or `0.125` is left alone, though a long computation "
        "rarely lands on it. Values are followed through assignments within one function and at module level only: a "
        "model or a result kept on `self` in `setUp`, passed in as a pytest fixture, or returned "
        "by the project's own code or a library outside the known ones (a project's `accuracy()`, "
        "a fairness toolkit's metric) is not recognised as computed. `assert probs.sum() == 1.0` "
        "is not reported, because 1.0 is also what exact arithmetic gives. `.score()`, "
        "`.compute()`, `.result()` and `.evaluate()` are taken to compute on any object, so a "
        "non-ML object with such a method (a throughput meter's `compute()`) is reported like a "
        "metric. A file counts as a test file from its path alone, so a `tests` directory above "
        "the project (in an absolute path) makes every file a test file."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.active = file.in_tests
        #: Per scope (function or module): names bound to computed values or to ML objects.
        self.computed: dict[cst.CSTNode, set[str]] = {}
        self.models: dict[cst.CSTNode, set[str]] = {}
        #: Float values the test wrote as inputs (outside assertions), per function, and
        #: those written where every test can use them: module level, class bodies,
        #: fixtures and setUp methods.
        self.inputs: dict[cst.CSTNode, set[float]] = {}
        self.shared_inputs: set[float] = set()
        #: The assertions being walked: literals inside them are expectations, not inputs.
        self.assertions: set[cst.CSTNode] = set()

    # Bindings ---------------------------------------------------------------------------

    def _scope_sets(self) -> tuple[set[str], set[str]]:
        scope = self.file.scopes[-1].node
        return self.computed.setdefault(scope, set()), self.models.setdefault(scope, set())

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, augmented: bool = False) -> None:
        computed, models = self._scope_sets()
        is_computed, is_model = self._is_computed(value), self._is_model(value)
        for name in target_names(target):
            if augmented:
                is_computed = is_computed or name.value in computed
            (computed.add if is_computed else computed.discard)(name.value)
            (models.add if is_model else models.discard)(name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.active:
            for target in node.targets:
                self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.active and node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.active:
            self._bind(node.target, node.value, augmented=True)

    def _bound(self, name: str, table: dict[cst.CSTNode, set[str]]) -> bool:
        """Whether `name` is bound in `table` in the innermost scope binding it, or the module."""
        scopes = self.file.scopes
        for scope in (scopes[-1], scopes[0]):
            names = table.get(scope.node)
            if names is not None and name in names:
                return True
            if name in scope.others:
                return False  # bound here, to something else
        return False

    # What counts as computed ------------------------------------------------------------

    def _is_model(self, expr: cst.BaseExpression) -> bool:
        """A model, layer, loss or metric object: `nn.Linear(4, 1)`, `LogisticRegression().fit(X, y)`."""
        while isinstance(expr, cst.Call) and _method(expr) in _SAME_MODEL_METHODS:
            expr = expr.func.value
        if isinstance(expr, cst.Name):
            return self._bound(expr.value, self.models)
        if not isinstance(expr, cst.Call):
            return False
        for name in self.file.qualified_names(expr.func):
            if name in _MODEL_FACTORIES:
                return True
            if name.startswith(_MODEL_MODULES) and any(part[:1].isupper() for part in name.split(".")):
                return True
        return False

    def _is_computed(self, expr: cst.BaseExpression) -> bool:
        while True:
            if isinstance(expr, cst.Subscript):
                expr = expr.value
            elif isinstance(expr, cst.UnaryOperation):
                expr = expr.expression
            elif isinstance(expr, cst.BinaryOperation):
                return self._is_computed(expr.left) or self._is_computed(expr.right)
            elif isinstance(expr, cst.Attribute):
                attribute = expr.attr.value
                if attribute in _VALUE_ATTRIBUTES and self._is_model(expr.value):
                    return True  # `history.history` of `history = model.fit(...)`
                if attribute in _VALUE_ATTRIBUTES:
                    expr = expr.value
                    continue
                return attribute in _FITTED_ATTRIBUTES
            elif isinstance(expr, cst.Name):
                return self._bound(expr.value, self.computed)
            elif isinstance(expr, cst.Call):
                inner = self._call_value(expr)
                if inner is None:
                    return self._call_computes(expr)
                expr = inner
            else:
                return False

    def _call_value(self, call: cst.Call) -> cst.BaseExpression | None:
        """What a value-preserving call (`x.item()`, `float(x)`) is called on, else None."""
        method = _method(call)
        if method in _SAME_VALUE_METHODS:
            return call.func.value
        if call.args and any(name in _SAME_VALUE_FUNCTIONS for name in self.file.qualified_names(call.func)):
            return call.args[0].value
        return None

    def _call_computes(self, call: cst.Call) -> bool:
        function = self.file.called_function(call)
        if function is not None:  # `acc = train(seed=0)`, a project function returning a metric
            return any(map(_returns_computed, self.file.project.returned(function)))
        names = self.file.qualified_names(call.func)
        for name in names:
            computes = _library_computes(name)
            if computes is not None:
                return computes
        if names:
            return False  # another library's function, or a builtin such as len()
        if self._is_model(call.func):
            return True  # model(x), loss_fn(output, target)
        method = _method(call)
        if method in _ROUNDING:
            return False
        return method in _COMPUTING_METHODS

    # Values the test wrote itself ---------------------------------------------------------

    def visit_Float(self, node: cst.Float) -> None:
        if not self.active or self.assertions:
            return
        value = abs(float(node.value.replace("_", "")))
        functions = [scope.node for scope in self.file.scopes if isinstance(scope.node, cst.FunctionDef)]
        for function in functions:
            self.inputs.setdefault(function, set()).add(value)
        innermost = self.file.scopes[-1].node
        if not isinstance(innermost, cst.FunctionDef) or _prepares_tests(innermost):
            self.shared_inputs.add(value)

    def _written_by_test(self, literal: cst.BaseExpression) -> bool:
        """Whether the test wrote the expected value itself (a mock's return value, a grid of
        candidates, data it built): what comes back is that value, not a computation."""
        elements = [element.value for element in literal.elements] if isinstance(literal, cst.List | cst.Tuple) else [literal]
        values = [abs(value) for value in map(_float_literal, elements) if value is not None and _inexact(value)]
        return all(self._written(value) for value in values)

    def _written(self, value: float) -> bool:
        return value in self.shared_inputs or any(value in self.inputs.get(scope.node, ()) for scope in self.file.scopes)

    # Assertions -------------------------------------------------------------------------

    def visit_Assert(self, node: cst.Assert) -> None:
        if self.active:
            self.assertions.add(node)
            self._check_condition(node.test)

    def leave_Assert(self, node: cst.Assert) -> None:
        self.assertions.discard(node)

    def leave_Call(self, node: cst.Call) -> None:
        if self.assertions:
            self.assertions.discard(node)

    def _check_condition(self, test: cst.BaseExpression) -> None:
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            self._check_condition(test.left)
            self._check_condition(test.right)
        elif isinstance(test, cst.Comparison):
            self._check_comparison(test)
        elif isinstance(test, cst.Call):
            argument = test.args[0].value if len(test.args) == 1 else None
            if _method(test) == "all" and not test.args:
                self._check_condition(test.func.value)  # (out == 0.3).all()
            elif argument is not None and any(name in _ALL_FUNCTIONS for name in self.file.qualified_names(test.func)):
                self._check_condition(argument)

    def _check_comparison(self, comparison: cst.Comparison) -> None:
        left = comparison.left
        for target in comparison.comparisons:
            right = target.comparator
            pair = self._computed_and_literal(left, right) if isinstance(target.operator, cst.Equal) else None
            if pair is not None:
                computed, literal = pair
                self.report(comparison, self._message(computed, literal, f"pytest.approx({self._code(literal)})"))
                return
            left = right

    def _computed_and_literal(
        self, first: cst.BaseExpression, second: cst.BaseExpression
    ) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
        """(the computed value, the literal) when one side is each, else None."""
        for computed, literal in ((first, second), (second, first)):
            if _golden_literal(literal) and not self._written_by_test(literal) and self._is_computed(computed):
                return computed, literal
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        if not (callee_name(node.func) or "").lower().startswith(("assert", "failunless")):
            return
        # Any assertion helper (`assert_allclose`, a project's `assert_close_enough`): the
        # values written in it are expectations, not inputs.
        self.assertions.add(node)
        method = _method(node)
        names = self.file.qualified_names(node.func)
        if node.args and (method in _CONDITION_METHODS or any(name in _CONDITION_FUNCTIONS for name in names)):
            self._check_condition(node.args[0].value)
            return
        if method not in _EQUALITY_METHODS and not any(name in _EQUALITY_FUNCTIONS for name in names):
            return
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        pair = self._computed_and_literal(positional[0], positional[1]) if len(positional) >= 2 else None
        if pair is not None:
            tolerant = "self.assertAlmostEqual" if method in _EQUALITY_METHODS else "np.testing.assert_allclose"
            self.report(node.func, self._message(*pair, tolerant))

    def _code(self, node: cst.CSTNode) -> str:
        code = self.file.module.code_for_node(node)
        return code if len(code) <= 40 else code[:37] + "..."

    def _message(self, computed: cst.BaseExpression, literal: cst.BaseExpression, tolerant: str) -> str:
        return (
            f"`{self._code(computed)}` is a computed float compared exactly with `{self._code(literal)}`, a value "
            "that looks copied from one run's output; its last digits vary with hardware, BLAS and library "
            f"versions and the order of operations, so the test can fail with no change to the code: compare "
            f"with a tolerance, `{tolerant}`"
        )
