"""MLS107 (exact-float-assert) beyond its documented examples: what counts as a test file,
what counts as computed, and the exact comparisons that are fine."""

from __future__ import annotations

import pytest
from conftest import lint

from mlsmells.engine.context import is_test_file
from mlsmells.engine.linter import lint_notebook
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule

TEST_PATH = "tests/test_model.py"


def findings(code: str, path: str = TEST_PATH):
    return lint(code, "MLS107", path=path)


def lines(code: str, path: str = TEST_PATH) -> list[int]:
    return [finding.span.line for finding in findings(code, path)]


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_model.py", True),
        ("test_model.py", True),
        ("src/pipeline/model_test.py", True),
        ("tests/conftest.py", True),
        ("conftest.py", True),
        ("pkg/tests/helpers.py", True),
        ("test/unit/check_metrics.py", True),
        ("tests\\test_windows.py", True),
        ("tests/test_training.ipynb", True),
        ("recommender/tests.py", True),
        ("scripts/test.py", True),
        ("src/models/model_tests.py", True),
        ("src/testing/fixtures.py", True),
        ("src/contest.py", False),
        ("src/tests_report_builder/build.py", False),
        ("train.py", False),
        ("src/testing_utils.py", False),
        ("src/latest_model.py", False),
        ("notebooks/contest.ipynb", False),
        ("attest/metrics.py", False),
    ],
)
def test_what_counts_as_a_test_file(path, is_test):
    assert is_test_file(path) is is_test


SMELLY = """
import numpy as np

def test_spread(scores):
    assert np.std(scores) == 0.8164965809277263
"""


def test_only_test_files_are_checked():
    assert lines(SMELLY) == [4]
    assert lines(SMELLY, path="src/evaluation.py") == []


def test_metrics_resolve_through_aliases_and_local_imports():
    code = """
    from sklearn.metrics import accuracy_score as acc_fn, mean_squared_error

    def test_quality(y_true, y_pred):
        assert acc_fn(y_true, y_pred) == 0.9314
        assert mean_squared_error(y_true, y_pred) == 0.01234

    def test_spread(values):
        import numpy as numerics
        assert numerics.linalg.norm(values) == 3.7416573867739413
    """
    assert lines(code) == [4, 5, 9]


def test_values_are_followed_through_assignments_and_arithmetic():
    code = """
    import numpy as np

    def test_adversarial_accuracy(classifier, x_test, y_test):
        predictions = np.argmax(classifier.predict(x_test), axis=1)
        accuracy = np.sum(predictions == y_test) / len(y_test)
        assert accuracy == 0.8731
        assert accuracy * 100 == 87.31
        total = 0.0
        total += np.mean(predictions)
        assert total == 0.4142
    """
    assert lines(code) == [6, 7, 10]


def test_outputs_of_models_and_losses_created_in_the_test():
    code = """
    import keras
    import torch
    from torch import nn
    from sklearn.linear_model import LinearRegression

    def test_linear_layer():
        torch.manual_seed(0)
        layer = nn.Linear(2, 1)
        criterion = nn.MSELoss()
        out = layer(torch.ones(1, 2))
        assert out.item() == 0.4525
        assert criterion(out, torch.zeros(1, 1)).item() == 0.2047

    def test_regression(X, y):
        reg = LinearRegression().fit(X, y)
        assert reg.coef_[0] == 1.9999999999999998

    def test_keras_history(x, y):
        model = keras.Sequential([keras.layers.Dense(1)])
        history = model.fit(x, y, epochs=2)
        assert history.history["loss"][-1] == 0.6931

    def test_sentiment_pipeline():
        from transformers import pipeline
        classifier = pipeline("sentiment-analysis")
        assert classifier("A wonderful film")[0]["score"] == 0.9998704195022583
    """
    assert lines(code) == [11, 12, 16, 21, 26]


def test_unittest_and_numpy_assertions():
    code = """
    import unittest
    import numpy as np
    from sklearn.preprocessing import MinMaxScaler

    class ScalingTest(unittest.TestCase):
        def test_scaled(self):
            scaled = MinMaxScaler().fit_transform([[1.0], [4.0], [10.0]])
            self.assertEqual(scaled[1, 0], 0.3333333333333333)
            self.assertEqual([0.0, 0.3333333333333333, 1.0], list(scaled[:, 0]))
            np.testing.assert_array_equal(scaled.ravel(), [0.0, 0.3333333333333333, 1.0])
            self.assertTrue(scaled.mean() == 0.4444444444444444)
            assert np.all(np.exp(scaled) == 1.3956124250860895)
            assert (np.log1p(scaled) == 0.28768207245178085).all()
    """
    found = findings(code)
    assert [f.span.line for f in found] == [8, 9, 10, 11, 12, 13]
    assert "`self.assertAlmostEqual`" in found[0].message
    assert "`np.testing.assert_allclose`" in found[2].message
    assert "`pytest.approx(0.4444444444444444)`" in found[3].message


def test_an_expected_value_also_checked_with_a_tolerance_is_still_an_expectation():
    # The literal written in an assertion helper is not an input the test gave the model.
    code = """
    import numpy as np

    def test_concordance(model, x_test, y_test):
        np.testing.assert_allclose(model.score(x_test, y_test), 0.6692581794622611, rtol=1e-6)
        assert model.score(x_test, y_test) == 0.6692581794622611
    """
    assert lines(code) == [5]


def test_values_reached_by_exact_arithmetic_are_not_reported():
    code = """
    import numpy as np
    import torch
    from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score

    def test_exact_cases(y):
        assert accuracy_score(y, y) == 1.0
        assert accuracy_score([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
        assert roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
        assert mean_squared_error([1.0, 2.0], [1.0, 2.0]) == 0.0
        assert np.mean([2, 3, 4, 6]) == 3.75
        assert torch.sum(torch.ones(3)).item() == 3
        assert np.sum(y > 0) == 3
    """
    assert lines(code) == []


def test_tolerances_rounding_and_thresholds_are_not_reported():
    code = """
    import math
    import numpy as np
    import pytest
    import torch
    from sklearn.metrics import accuracy_score

    def test_tolerant(y, p, logits):
        assert accuracy_score(y, p) == pytest.approx(0.93)
        assert math.isclose(np.std(p), 0.816, rel_tol=1e-3)
        np.testing.assert_allclose(np.std(p), 0.8164966)
        assert round(accuracy_score(y, p), 2) == 0.93
        assert np.round(np.mean(p), 3) == 0.667
        assert torch.softmax(logits, dim=0).round(decimals=2)[0].item() == 0.27
        assert accuracy_score(y, p) >= 0.9
        assert accuracy_score(y, p) != 0.93
        assert np.mean(p) == np.median(p)
    """
    assert lines(code) == []


def test_hyperparameters_and_configuration_read_back_are_not_reported():
    code = """
    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import GridSearchCV

    def test_settings(model, X, y):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        assert optimizer.param_groups[0]["lr"] == 0.01
        clf = LogisticRegression(C=0.1).fit(X, y)
        assert clf.C == 0.1
        assert clf.get_params()["C"] == 0.1

    def test_model_selection(X, y):
        search = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}).fit(X, y)
        assert search.best_params_["C"] == 0.1
        cv = LogisticRegressionCV(Cs=np.logspace(-6, 3, 10)).fit(X, y)
        assert cv.C_ == 1e-6
    """
    assert lines(code) == []


def test_values_the_test_wrote_itself_are_not_reported():
    code = """
    from unittest import mock
    import numpy as np
    import pytest

    EXPECTED_WEIGHTS = [0.25, 0.35]

    @pytest.fixture
    def fake_model():
        model = mock.Mock()
        model.predict_proba.return_value = np.array([[0.27, 0.73]])
        return model

    def test_mocked_probability(fake_model, x):
        assert fake_model.predict_proba(x)[0, 1] == 0.73

    def test_mocked_score(x, y):
        model = mock.Mock()
        model.score.return_value = 0.91
        assert model.score(x, y) == 0.91

    def test_weights_come_back(blender, x):
        assert blender.transform(x).tolist() == [0.25, 0.35]
    """
    assert lines(code) == []


def test_a_value_written_in_another_test_does_not_hide_this_one():
    code = """
    from unittest import mock
    import numpy as np

    def test_mocked(x):
        model = mock.Mock()
        model.predict.return_value = 0.6137
        assert model.predict(x) == 0.6137

    def test_real(model, x):
        assert np.mean(model.predict(x)) == 0.6137
    """
    assert lines(code) == [10]


def test_shapes_dtypes_counts_and_project_helpers_are_not_reported():
    code = """
    import numpy as np
    import torch
    from myproject.metrics import weighted_f1

    def test_shapes(out, y, p):
        loss = torch.nn.functional.mse_loss(out, out)
        assert loss.shape == ()
        assert torch.mean(out, dim=0).shape == (4,)
        assert torch.mean(out).dtype == torch.float32
        assert len(np.unique(p)) == 2
        assert weighted_f1(y, p) == 0.83
    """
    assert lines(code) == []


def test_notebooks_under_tests_are_checked():
    rule = find_rule("MLS107")
    notebook, _ = notebook_from_percent(
        "# %% [1]\nimport numpy as np\nscores = np.array([0.2, 0.4, 0.9])\n"
        "# %% [2]\nassert scores.std() == 0.2943920288775949\n"
    )
    for path, expected in (("tests/test_report.ipynb", [(2, 1)]), ("notebooks/report.ipynb", [])):
        result = lint_notebook(path, notebook, [rule], {rule: {}})
        assert [(f.cell, f.span.line) for f in result.findings] == expected


def test_chosen_and_exactly_reachable_expectations_are_not_golden_values():
    code = """
    import numpy as np

    def test_accuracy_on_a_hundred_samples(classifier, x_test, y_test):
        correct = np.sum(classifier.predict(x_test) == y_test)
        accuracy = correct / 100.0
        assert accuracy == 0.97

    def test_mean_of_chosen_scores():
        assert np.mean([0.2, 0.4, 0.6, 0.8, 1.0, 0.6]) == 0.6
        assert np.std([1.0, 1.0]) == 0e0
        assert np.mean([1.0, 2.0, 3.0, 4.0]) * 1e-3 == 2.5e-3
        assert np.mean([0.12, 0.13]) == 0.125
    """
    assert lines(code) == []


def test_golden_values_copied_from_output_are_reported():
    code = """
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score

    def test_regression_is_stable(X, y):
        model = Ridge(alpha=1.0).fit(X, y)
        assert model.predict(X[:1])[0] == 12.845993046410157
        assert r2_score(y, model.predict(X)) == 0.8731
        assert r2_score(y, model.predict(X)) == -8.731e-1
        assert r2_score(y, model.predict(X)) == 0.873
    """
    assert lines(code) == [6, 7, 8]
