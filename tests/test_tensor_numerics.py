"""MLS506, MLS509 and MLS512 beyond their documented examples: the flow, aliases, near misses."""

from __future__ import annotations

from conftest import lines, lint, lint_percent_notebook

# -- MLS512 matmul-with-dot --------------------------------------------------------------


def test_dot_of_arrays_known_2d_through_assignments_and_transpose():
    findings = lint(
        """
        import numpy as onp

        def whiten(images):
            flat = onp.reshape(images, (len(images), -1))
            cov = onp.dot(flat.T, flat) / len(flat)
            basis = onp.random.normal(size=(64, 64))
            return cov, onp.dot(flat, basis)
        """,
        "MLS512",
    )
    assert lines(findings) == [5, 7]
    assert "flat.T @ flat" in findings[0].message


def test_dot_with_a_1d_or_unknown_operand_is_not_reported():
    assert not lint(
        """
        import numpy as np

        weights = np.zeros(10)
        bias_grid = np.eye(10)
        logits = np.dot(features, weights)
        energy = np.dot(weights, weights)
        projected = np.dot(bias_grid, hidden)
        batch = load_batch().reshape(-1, 10)
        scores = batch.dot(coef)
        """,
        "MLS512",
    )


def test_a_variable_that_may_be_1d_on_one_branch_is_not_reported():
    assert not lint(
        """
        import numpy as np

        if use_batch:
            x = np.random.rand(32, 8)
        else:
            x = np.random.rand(8)
        out = np.dot(x, np.eye(8))
        """,
        "MLS512",
    )


def test_a_2d_array_changed_in_place_is_of_unknown_shape():
    assert not lint(
        """
        import numpy as np

        kernel = np.ones((3, 3))
        kernel[1] = compute_row()
        smoothed = np.dot(kernel, np.ones((3, 3)))
        """,
        "MLS512",
    )


# -- MLS506 unmasked-log -----------------------------------------------------------------


def test_log_of_a_sigmoid_through_a_tensor_method_and_of_one_minus_it():
    findings = lint(
        """
        import torch

        def bce(logits, target):
            p = logits.sigmoid()
            return -(target * torch.log(p) + (1 - target) * (1 - p).log()).mean()
        """,
        "MLS506",
    )
    assert lines(findings) == [5, 5]


def test_tensorflow_softmax_logged_is_reported_with_alias():
    findings = lint(
        """
        import tensorflow as tf
        from tensorflow import math as tfm

        probs = tf.nn.softmax(logits)
        cross_entropy = -tf.reduce_sum(labels * tfm.log(probs), axis=1)
        """,
        "MLS506",
    )
    assert lines(findings) == [5]


def test_clamped_or_epsilon_probabilities_and_unknown_values_are_not_reported():
    assert not lint(
        """
        import numpy as np
        import torch

        probs = torch.softmax(logits, dim=-1)
        probs = probs.clamp(min=1e-8)
        nll = -torch.log(probs).mean()

        p = model.predict_proba(X)[:, 1]
        smoothed = np.log(p + 1e-12)
        ratio = np.log(counts / counts.sum())
        predictions = keras_model.predict(X)
        loss = -np.log(predictions)
        """,
        "MLS506",
    )


# -- MLS509 tile-instead-of-broadcast ----------------------------------------------------


def test_tiled_variable_used_only_in_arithmetic_is_reported():
    findings = lint(
        """
        import torch

        def normalize(batch, mean, std):
            mean_rows = torch.tile(mean, (batch.shape[0], 1))
            std_rows = torch.tile(std, (batch.shape[0], 1))
            return (batch - mean_rows) / std_rows
        """,
        "MLS509",
    )
    assert lines(findings) == [4, 5]


def test_a_tiled_variable_also_used_otherwise_is_not_reported():
    assert not lint(
        """
        import numpy as np

        def make_inputs(anchor, n):
            anchors = np.tile(anchor, (n, 1))
            deltas = anchors * 0.1
            return np.concatenate([anchors, deltas], axis=1)
        """,
        "MLS509",
    )


def test_tile_by_a_single_count_or_outside_arithmetic_is_not_reported():
    assert not lint(
        """
        import tensorflow as tf

        period = tf.tile(base_wave, [4])
        shifted = period + 1.0
        grid = tf.tile(coords[None], [batch, 1, 1])
        logits = model(grid)
        """,
        "MLS509",
    )


def test_copies_along_the_trailing_axis_of_an_array_are_not_reported():
    # (w, h) -> (w, h, w, h): a concatenation, which no broadcast does.
    assert not lint(
        """
        import torch

        def jitter(boxes, scale):
            half_sizes = torch.tile(boxes[..., 2:] * 0.5, [1, 1, 2]) * scale
            return boxes + torch.rand_like(boxes) * half_sizes
        """,
        "MLS509",
    )


def test_copies_along_a_new_trailing_axis_are_reported():
    findings = lint(
        """
        import numpy as np

        row_sums = counts.sum(axis=1)
        frequencies = counts / np.tile(row_sums[:, np.newaxis], (1, counts.shape[1]))
        """,
        "MLS509",
    )
    assert lines(findings) == [4]


def test_matrix_built_in_an_earlier_notebook_cell_is_followed():
    findings = lint_percent_notebook(
        "# %%\n"
        "import numpy as numerical\n"
        "weights = numerical.random.randn(64, 10)\n"
        "# %%\n"
        "batch = numerical.ones((32, 64))\n"
        "logits = numerical.dot(batch, weights)\n",
        "MLS512",
    )
    assert [(finding.cell, finding.span.line) for finding in findings] == [(2, 2)]
