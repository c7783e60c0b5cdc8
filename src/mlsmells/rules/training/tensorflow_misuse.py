"""MLS507 and MLS508: TensorFlow and Keras APIs used in ways that waste memory or time
(ZHANG22-12, ZHANG22-17)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from mlsmells.engine.calls import callee_name
from mlsmells.findings import Family, Severity
from mlsmells.rule import Rule

#: Top-level packages (and the TensorFlow subpackage) Keras is imported from.
_KERAS_ROOTS = ("keras.", "tf_keras.", "tensorflow.keras.", "tensorflow.python.keras.")
#: The Keras model classes. `clone_model` is left out: it mostly keeps the best epoch's
#: weights inside a training loop, where clearing the session would be wrong.
_MODEL_MAKERS = frozenset({"Sequential", "Model"})
#: Calls that release what earlier models left in Keras' and TensorFlow's global state.
_RELEASERS = frozenset({"clear_session", "reset_default_graph"})


def _is_keras(name: str) -> bool:
    return name.startswith(_KERAS_ROOTS)


@dataclass
class _Function:
    """What a function (or class) defined in the file does, as far as MLS507 cares."""

    builds: bool = False
    releases: bool = False
    #: The functions and methods it calls by name (`f()`, `self.f()`).
    calls: set[str] = field(default_factory=set)


@dataclass
class _LoopNest:
    """An outermost loop of a function body and everything the loops inside it call."""

    #: Calls that may build a model: (node, local function name or None for a Keras call).
    candidates: list[tuple[cst.Call, str | None]] = field(default_factory=list)
    releases: bool = False
    called: set[str] = field(default_factory=set)
    #: Names the loop binds to what a candidate returns, and whether it keeps one of them
    #: (`models.append(model)`): then memory grows by design.
    models: set[str] = field(default_factory=set)
    keeps: bool = False


#: Keras 3 told to run on another backend than TensorFlow.
_OTHER_BACKEND = re.compile(r"KERAS_BACKEND[\"']?\]?\s*[=,]\s*[\"'](jax|torch|numpy)[\"']")


class KerasSessionLeak(Rule):
    """
    A loop builds a new Keras model on every iteration (a hyperparameter search, the folds
    of a cross-validation, repeated runs) and never calls
    `tf.keras.backend.clear_session()`. A model is built by `Sequential(...)`,
    `Model(inputs, outputs)`, a subclass of `keras.Model` defined in
    the file, or a function of the file that does one of these (directly or through other
    functions of the file). The release may sit anywhere in the loop or in a function of
    the file the loop calls; `tf.compat.v1.reset_default_graph()` counts too.
    """

    code = "MLS507"
    name = "keras-session-leak"
    family = Family.TRAINING
    severity = Severity.ADVICE
    summary = "A loop builds a Keras model per iteration without clear_session()."
    challenges = ("ZHANG22-12", "IND-3.5-learning-program-bugs")
    required_modules = frozenset({"tensorflow", "keras", "tf_keras"})
    why = (
        "Keras keeps every model, layer and graph it has built in a global state (the "
        "session, the layer-name counters, cached functions). A search or a cross-validation "
        "that builds a fresh model per iteration keeps adding to it: memory grows with every "
        "model, each iteration gets slower, and long searches end in out-of-memory errors. "
        "ZHANG22-12 (Memory not Freed) is this smell; `clear_session()` at the top of each "
        "iteration releases the state."
    )
    bad = (
        '''
        from tensorflow import keras

        def build_model(units):
            return keras.Sequential([
                keras.layers.Dense(units, activation="relu"),
                keras.layers.Dense(1),
            ])

        scores = {}
        for units in (32, 64, 128):
            model = build_model(units)
                    ^^^^^^^^^^^^^^^^^^
            model.compile(optimizer="adam", loss="mse")
            model.fit(X_train, y_train, epochs=20, verbose=0)
            scores[units] = model.evaluate(X_valid, y_valid, verbose=0)
        ''',
        '''
        import tensorflow as tf
        from sklearn.model_selection import KFold

        fold_scores = []
        for train_idx, valid_idx in KFold(n_splits=5).split(X):
            inputs = tf.keras.Input(shape=(X.shape[1],))
            outputs = tf.keras.layers.Dense(1, activation="sigmoid")(inputs)
            model = tf.keras.Model(inputs, outputs)
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X[train_idx], y[train_idx], epochs=10, verbose=0)
            fold_scores.append(model.evaluate(X[valid_idx], y[valid_idx], verbose=0))
        ''',
    )
    good = (
        '''
        import tensorflow as tf
        from tensorflow import keras

        def build_model(units):
            return keras.Sequential([
                keras.layers.Dense(units, activation="relu"),
                keras.layers.Dense(1),
            ])

        scores = {}
        for units in (32, 64, 128):
            tf.keras.backend.clear_session()
            model = build_model(units)
            model.compile(optimizer="adam", loss="mse")
            model.fit(X_train, y_train, epochs=20, verbose=0)
            scores[units] = model.evaluate(X_valid, y_valid, verbose=0)
        ''',
        '''
        # One model; the loop only stacks its layers.
        from tensorflow import keras

        model = keras.Sequential()
        for units in (256, 128, 64):
            model.add(keras.layers.Dense(units, activation="relu"))
        model.add(keras.layers.Dense(10, activation="softmax"))
        ''',
        '''
        # keras-tuner calls build_model itself and manages the sessions.
        import keras_tuner as kt
        from tensorflow import keras

        def build_model(hp):
            model = keras.Sequential()
            for i in range(hp.Int("layers", 1, 3)):
                model.add(keras.layers.Dense(hp.Int(f"units_{i}", 32, 256, step=32), activation="relu"))
            model.add(keras.layers.Dense(1))
            model.compile(optimizer="adam", loss="mse")
            return model

        tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=10)
        tuner.search(X_train, y_train, validation_data=(X_valid, y_valid))
        ''',
    )
    use_instead = (
        "Call `tf.keras.backend.clear_session()` (Keras 3: `keras.utils.clear_session()`) at "
        "the start of each iteration, before the model is built; or let a tuner "
        "(keras-tuner, Optuna's Keras integration) manage the search."
    )
    limitations = (
        "Models built by functions of other modules, by methods reached through anything but "
        "`self`, or by model classes the file does not define or import from Keras are not "
        "seen, nor are models built in comprehensions. A `clear_session()` anywhere in the "
        "loop nest (even in an outer loop of a nested search) silences the finding. Functions "
        "and methods are matched by name within the file. A loop that keeps the models it "
        "builds (`models.append(model)`, an ensemble) grows by design and is not reported, nor "
        "is a file that sets `KERAS_BACKEND` to JAX, PyTorch or NumPy."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.functions: dict[str, _Function] = {}
        #: One frame per function being walked (the module first): its facts and loop nest.
        self.frames: list[tuple[_Function, list[cst.CSTNode], _LoopNest | None]] = [(_Function(), [], None)]
        self.nests: list[_LoopNest] = []

    # -- structure ------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        facts = self.functions.setdefault(node.name.value, _Function())
        self.frames.append((facts, [], None))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if any(
            _is_keras(name) and name.rsplit(".", 1)[-1] == "Model"
            for base in node.bases
            for name in self.file.qualified_names(base.value)
        ):
            self.functions.setdefault(node.name.value, _Function()).builds = True

    def visit_For(self, node: cst.For) -> None:
        self._enter_loop(node)

    def leave_For(self, node: cst.For) -> None:
        self._leave_loop()

    def visit_While(self, node: cst.While) -> None:
        self._enter_loop(node)

    def leave_While(self, node: cst.While) -> None:
        self._leave_loop()

    def _enter_loop(self, node: cst.CSTNode) -> None:
        facts, loops, nest = self.frames[-1]
        if not loops:
            nest = _LoopNest()
            self.nests.append(nest)
            self.frames[-1] = (facts, loops, nest)
        loops.append(node)

    def _leave_loop(self) -> None:
        facts, loops, _ = self.frames[-1]
        loops.pop()
        if not loops:
            self.frames[-1] = (facts, loops, None)

    # -- calls ----------------------------------------------------------------------------

    def leave_Assign(self, node: cst.Assign) -> None:
        """`model = build_model()`: `model` holds what the candidate built (not `elapsed,
        auc = fit_and_score(...)`, a helper that returns its results)."""
        _, _, nest = self.frames[-1]
        if nest is not None and any(call is node.value for call, _ in nest.candidates):
            nest.models.update(target.target.value for target in node.targets if isinstance(target.target, cst.Name))

    def visit_Call(self, node: cst.Call) -> None:
        facts, _, nest = self.frames[-1]
        func = node.func
        if nest is not None and callee_name(func) in ("append", "extend", "add") and any(
            isinstance(arg.value, cst.Name) and arg.value.value in nest.models for arg in node.args
        ):
            nest.keeps = True
        if callee_name(func) in _RELEASERS:
            facts.releases = True
            if nest is not None:
                nest.releases = True
            return
        local = _local_callee(func)
        if local is not None:
            facts.calls.add(local)
            if nest is not None:
                nest.called.add(local)
                nest.candidates.append((node, local))
        qualified = self.file.qualified_names(func)
        if any(_is_keras(name) and name.rsplit(".", 1)[-1] in _MODEL_MAKERS for name in qualified):
            facts.builds = True
            if nest is not None:
                nest.candidates.append((node, None))

    def end_file(self) -> None:
        if _OTHER_BACKEND.search(self.file.text):
            return  # Keras 3 on JAX or PyTorch: no TensorFlow graph to grow
        builders = self._closure(lambda facts: facts.builds)
        releasers = self._closure(lambda facts: facts.releases)
        for nest in self.nests:
            if nest.releases or nest.keeps or nest.called & releasers:
                continue
            for call, local in nest.candidates:
                if local is None or local in builders:
                    self.report(
                        call,
                        "a new Keras model is built on every iteration of this loop, but the loop never "
                        "calls `clear_session()`: memory grows with each model; call "
                        "`tf.keras.backend.clear_session()` at the start of the iteration",
                    )
                    break

    def _closure(self, holds) -> set[str]:
        """The functions of the file for which `holds` is true, directly or through the
        functions they call."""
        found = {name for name, facts in self.functions.items() if holds(facts)}
        changed = True
        while changed:
            changed = False
            for name, facts in self.functions.items():
                if name not in found and facts.calls & found:
                    found.add(name)
                    changed = True
        return found


class TensorArrayNotUsed(Rule):
    """
    Inside a function decorated with `@tf.function`, a loop grows a tensor by
    concatenating onto it: `acc = tf.concat([acc, x], axis)` (the variable itself among
    the concatenated tensors).
    """

    code = "MLS508"
    name = "tensor-array-not-used"
    family = Family.TRAINING
    severity = Severity.ADVICE
    summary = "A tf.function loop grows a tensor with tf.concat instead of a tf.TensorArray."
    challenges = ("ZHANG22-17",)
    required_modules = frozenset({"tensorflow"})
    why = (
        "In a `tf.function`, a tensor whose shape changes from one iteration to the next cannot "
        "be a loop variable of the graph's `while_loop`: AutoGraph either fails (\"shape "
        "changed between iterations\") or needs `shape_invariants`, and every iteration copies "
        "everything gathered so far, which is quadratic. `tf.TensorArray` is the graph's "
        "growable list. ZHANG22-17 (TensorArray Not Used) is this smell."
    )
    bad = (
        '''
        import tensorflow as tf

        @tf.function
        def rollout(policy, state, steps):
            actions = tf.zeros((0, 4))
            for _ in tf.range(steps):
                action = policy(state)
                actions = tf.concat([actions, action], axis=0)
                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
                state = step(state, action)
            return actions
        ''',
    )
    good = (
        '''
        import tensorflow as tf

        @tf.function
        def rollout(policy, state, steps):
            actions = tf.TensorArray(tf.float32, size=steps)
            for i in tf.range(steps):
                action = policy(state)
                actions = actions.write(i, action)
                state = step(state, action)
            return actions.concat()
        ''',
        '''
        # Eager code: concatenating in a Python loop works (though a list is cheaper).
        import tensorflow as tf

        def collect(batches):
            features = tf.zeros((0, 8))
            for batch in batches:
                features = tf.concat([features, batch], axis=0)
            return features
        ''',
    )
    use_instead = (
        "Write each iteration's value into a `tf.TensorArray` (`ta = ta.write(i, x)`) and "
        "`stack()` or `concat()` it after the loop."
    )
    limitations = (
        "Only functions decorated with `tf.function` in the same file are checked, not "
        "functions wrapped by calling `tf.function(f)` or called from a decorated one. Growth "
        "written other than `x = tf.concat([x, ...])` (`tf.stack`, Python lists) is not seen."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Per function being walked: whether it is a tf.function, and its open loops.
        self.functions: list[list[bool | int]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        traced = any(
            "tensorflow.function" in self.file.qualified_names(
                decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            )
            for decorator in node.decorators
        )
        self.functions.append([traced, 0])

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_For(self, node: cst.For) -> None:
        self._loop(1)

    def leave_For(self, node: cst.For) -> None:
        self._loop(-1)

    def visit_While(self, node: cst.While) -> None:
        self._loop(1)

    def leave_While(self, node: cst.While) -> None:
        self._loop(-1)

    def _loop(self, step: int) -> None:
        if self.functions:
            self.functions[-1][1] += step

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.functions or not all(self.functions[-1]):
            return
        value = node.value
        if not (
            isinstance(value, cst.Call)
            and value.args
            and isinstance(value.args[0].value, cst.List | cst.Tuple)
            and "tensorflow.concat" in self.file.qualified_names(value.func)
        ):
            return
        grown = {element.value.value for element in value.args[0].value.elements if isinstance(element.value, cst.Name)}
        if any(isinstance(t.target, cst.Name) and t.target.value in grown for t in node.targets):
            self.report(
                value,
                "this tensor grows by concatenation on every iteration of a tf.function loop: its shape "
                "changes between iterations and each step copies it; write into a `tf.TensorArray` instead",
            )


def _local_callee(func: cst.BaseExpression) -> str | None:
    """The name a call may reach a function or method of this file by: `f()`, `self.f()`."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return func.attr.value
    return None
