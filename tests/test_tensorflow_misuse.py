"""MLS507 and MLS508 beyond their documented examples: aliases, helpers, near misses, notebooks."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook

# -- MLS507 keras-session-leak ---------------------------------------------------------


def test_standalone_keras_model_built_in_a_fold_loop_is_reported():
    findings = lint(
        """
        from keras.models import Sequential
        from keras.layers import Dense
        from sklearn.model_selection import StratifiedKFold

        for fold, (tr, va) in enumerate(StratifiedKFold(5).split(X, y)):
            net = Sequential()
            net.add(Dense(64, activation="relu"))
            net.add(Dense(1, activation="sigmoid"))
            net.compile(loss="binary_crossentropy", optimizer="adam")
            net.fit(X[tr], y[tr], validation_data=(X[va], y[va]))
        """,
        "MLS507",
    )
    assert lines(findings) == [6]
    assert "clear_session" in findings[0].message


def test_a_builder_reached_through_another_function_and_a_nested_loop_is_reported_once():
    findings = lint(
        """
        import tensorflow as tf

        def make_net(width):
            inputs = tf.keras.Input(shape=(20,))
            hidden = tf.keras.layers.Dense(width, activation="relu")(inputs)
            return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden))

        def train_once(width, lr):
            net = make_net(width)
            net.compile(optimizer=tf.keras.optimizers.Adam(lr), loss="mse")
            return net.fit(X, y, validation_split=0.2, verbose=0).history["val_loss"][-1]

        results = {}
        for width in (16, 32):
            for lr in (1e-3, 1e-4):
                results[width, lr] = train_once(width, lr)
        """,
        "MLS507",
    )
    assert lines(findings) == [16]


def test_a_subclassed_model_constructed_in_a_loop_is_reported():
    findings = lint(
        """
        from tensorflow import keras

        class Regressor(keras.Model):
            def __init__(self, units):
                super().__init__()
                self.hidden = keras.layers.Dense(units, activation="relu")
                self.out = keras.layers.Dense(1)

            def call(self, x):
                return self.out(self.hidden(x))

        for units in [8, 16, 32]:
            reg = Regressor(units)
            reg.compile(loss="mse", optimizer="sgd")
            reg.fit(X_train, y_train, epochs=5)
        """,
        "MLS507",
    )
    assert lines(findings) == [13]


def test_clear_session_in_the_loop_or_in_a_helper_it_calls_silences_it():
    assert not lint(
        """
        from tensorflow import keras
        from tensorflow.keras import backend as K

        def build(units):
            return keras.Sequential([keras.layers.Dense(units), keras.layers.Dense(1)])

        def fresh_start():
            K.clear_session()

        for units in (32, 64):
            fresh_start()
            model = build(units)
            model.fit(X, y)

        seed = 0
        while seed < 3:
            keras.utils.clear_session()
            model = build(64)
            model.fit(X, y)
            seed += 1
        """,
        "MLS507",
    )


def test_a_helper_that_clears_before_building_is_not_reported():
    assert not lint(
        """
        import tensorflow as tf

        def fit_fold(train_idx, valid_idx):
            tf.keras.backend.clear_session()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.compile(loss="mse")
            model.fit(X[train_idx], y[train_idx])
            return model.evaluate(X[valid_idx], y[valid_idx])

        scores = [fit_fold(tr, va) for tr, va in folds]
        for tr, va in folds:
            scores.append(fit_fold(tr, va))
        """,
        "MLS507",
    )


def test_one_model_trained_in_an_epoch_loop_is_not_reported():
    assert not lint(
        """
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
        optimizer = tf.keras.optimizers.Adam()
        for epoch in range(10):
            for x_batch, y_batch in dataset:
                with tf.GradientTape() as tape:
                    loss = loss_fn(y_batch, model(x_batch))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
        """,
        "MLS507",
    )


def test_keeping_the_best_epoch_with_clone_model_is_not_reported():
    assert not lint(
        """
        from tensorflow import keras

        best, best_score = None, float("inf")
        for epoch in range(20):
            model.fit(X_train, y_train, epochs=1, verbose=0)
            score = model.evaluate(X_valid, y_valid, verbose=0)
            if score < best_score:
                best_score = score
                best = keras.models.clone_model(model)
                best.set_weights(model.get_weights())
        """,
        "MLS507",
    )


def test_non_keras_models_and_unknown_classes_in_loops_are_not_reported():
    assert not lint(
        """
        import tensorflow as tf
        from sklearn.ensemble import RandomForestRegressor

        for depth in (4, 8, None):
            forest = RandomForestRegressor(max_depth=depth).fit(X, y)

        for model_class in MODEL_CLASSES:
            model = model_class(config)
            outputs = model(inputs)
        """,
        "MLS507",
    )


def test_notebook_builder_defined_in_an_earlier_cell():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import tensorflow as tf

        def get_model():
            return tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax")])

        # %% [2]
        histories = []
        for batch_size in (32, 64, 128):
            model = get_model()
            model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
            histories.append(model.fit(X, y, batch_size=batch_size))
        """
        ).lstrip(),
        "MLS507",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 3)]


# -- MLS508 tensor-array-not-used --------------------------------------------------------


def test_concat_growth_in_a_tf_function_with_arguments_and_while_loop():
    findings = lint(
        """
        from tensorflow import concat, function, zeros

        @function(reduce_retracing=True)
        def decode(step_fn, start, length):
            tokens = zeros((1, 0), dtype="int32")
            token = start
            i = 0
            while i < length:
                token = step_fn(token)
                tokens = concat([tokens, token[:, None]], axis=1)
                i += 1
            return tokens
        """,
        "MLS508",
    )
    assert lines(findings) == [10]


def test_concat_of_other_tensors_or_outside_a_loop_is_not_reported():
    assert not lint(
        """
        import tensorflow as tf

        @tf.function
        def features(images, extra):
            parts = tf.concat([images, extra], axis=-1)
            for _ in tf.range(3):
                images = tf.concat([parts, images], axis=0)[:8]
                images = tf.image.flip_left_right(images)
            return tf.concat([parts, images], axis=0)
        """,
        "MLS508",
    )


def test_a_helper_defined_inside_a_tf_function_is_checked_on_its_own():
    assert not lint(
        """
        import tensorflow as tf

        @tf.function
        def train_step(batch):
            def gather(chunks):
                out = tf.zeros((0,))
                for chunk in chunks:
                    out = tf.concat([out, chunk], 0)
                return out
            return gather(batch)
        """,
        "MLS508",
    )


def test_a_loop_that_keeps_its_models_or_keras_on_another_backend_is_not_reported():
    ensemble = """
        from tensorflow import keras

        def build_model():
            model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
            model.compile(optimizer="rmsprop", loss="mse")
            return model

        best_models = []
        for seed in range(5):
            model = build_model()
            model.fit(X, y, epochs=10)
            best_models.append(model)
        """
    assert lint(ensemble, "MLS507") == []
    assert lines(lint(ensemble.replace("best_models.append(model)", "print(model.evaluate(X, y))"), "MLS507")) == [10]
    jax = 'import os\nos.environ["KERAS_BACKEND"] = "jax"\n' + textwrap.dedent(ensemble).replace("best_models.append(model)", "pass")
    assert lint(jax, "MLS507") == []


def test_results_of_a_helper_that_builds_a_model_are_not_the_model():
    findings = lint(
        """
        from tensorflow import keras

        def fit_and_score(X, y):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(X, y)
            return 0.5, model.evaluate(X, y)

        scores = []
        for fold in range(10):
            elapsed, score = fit_and_score(X, y)
            scores.append(score)
        """,
        "MLS507",
    )
    assert lines(findings) == [11]
