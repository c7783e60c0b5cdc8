"""MLS421 across a project: which code is training or serving, what counts as a copy of a
data transformation, and what is deliberately left alone."""

from __future__ import annotations

import json

import pytest
from conftest import run_json

from mlsmells.rules.architecture.train_serve import SERVING, TRAINING, side_of_path

TRAINING_SCRIPT = """
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor

rides = pd.read_csv("rides.csv")
print("preparing features")
rides["distance_km"] = rides["distance_m"] / 1000
rides["hour"] = pd.to_datetime(rides["pickup_time"]).dt.hour
rides["is_airport"] = rides["pickup_zone"].isin(AIRPORT_ZONES).astype(int)
rides["log_fare"] = np.log1p(rides["base_fare"])
model = GradientBoostingRegressor().fit(rides[FEATURES], rides["duration"])
"""

FLASK_SERVICE = """
import numpy as np
import pandas as pd
from flask import Flask, request

app = Flask(__name__)

@app.route("/eta", methods=["POST"])
def eta():
    ride = pd.DataFrame([request.get_json()])
    ride["distance_km"] = ride["distance_m"] / 1000
    ride["hour"] = pd.to_datetime(ride["pickup_time"]).dt.hour
    ride["is_airport"] = ride["pickup_zone"].isin(AIRPORT_ZONES).astype(int)
    ride["log_fare"] = np.log1p(ride["base_fare"])
    return {"eta": float(model.predict(ride[FEATURES])[0])}
"""


def test_a_copy_is_reported_on_both_sides_naming_the_other(write, tmp_path):
    write("rides/train_eta.py", TRAINING_SCRIPT)
    write("rides/main.py", FLASK_SERVICE)  # serving by its Flask import
    code, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert code == 1
    assert sorted((f["path"], f["line"]) for f in findings) == [("rides/main.py", 11), ("rides/train_eta.py", 8)]
    by_path = {f["path"]: f["message"] for f in findings}
    # the print between the training steps does not hide the copy; the copy is one finding
    # per side, not one per overlapping window
    assert by_path["rides/train_eta.py"].startswith(
        "these 4 consecutive statements, 4 of them data transformations (thresholds: window 3, "
        "min-transformations 2), repeat the serving code in rides/main.py, line 11, in `eta`;"
    )
    assert "repeat the training code in rides/train_eta.py, line 8;" in by_path["rides/main.py"]


def test_names_and_literals_may_differ_but_not_the_steps(write, tmp_path):
    write("training/prepare.py", """
        import pandas as pd

        def build(frame):
            frame["age"] = frame["age"].fillna(frame["age"].median())
            frame["city"] = frame["city"].str.strip().str.lower()
            frame["income"] = frame["income"].clip(0, 250000)
            return frame
    """)
    write("serving/features.py", """
        import pandas as pd

        def to_features(payload):
            row = pd.DataFrame([payload])
            row["age"] = row["age"].fillna(row["age"].median())
            row["town"] = row["town"].str.strip().str.lower()
            row["salary"] = row["salary"].clip(0, 300000)
            return row
    """)
    write("serving/other.py", """
        import pandas as pd

        def to_features(payload):
            row = pd.DataFrame([payload])
            row["age"] = row["age"].fillna(row["age"].median())
            row["town"] = row["town"].str.strip().str.upper()
            row["salary"] = row["salary"].clip(0, 300000)
            return row
    """)
    _, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert sorted((f["path"], f["line"]) for f in findings) == [("serving/features.py", 6), ("training/prepare.py", 5)]


def test_a_shared_fitted_transformer_is_not_a_copy(write, tmp_path):
    """Calling the same fitted preprocessor on both sides is the fix, not the smell."""
    step = """
        import joblib
        import numpy as np

        preprocessor = joblib.load("preprocessor.joblib")

        def {name}(frame):
            features = preprocessor.transform(frame[COLUMNS])
            features = features.astype(np.float32)
            scores = model.predict(features)
            return scores
    """
    write("train.py", step.format(name="validate"))
    write("predict.py", step.format(name="score_batch"))
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])


def test_results_bookkeeping_is_not_a_transformation(write, tmp_path):
    table = """
        import pandas as pd

        report = pd.DataFrame(scores)
        report["model"] = model_name
        report["fold"] = fold
        report["split"] = "validation"
        report.to_csv("report.csv")
    """
    write("train.py", table)
    write("serve.py", table)
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])


def test_methods_of_one_estimator_class_are_not_compared(write, tmp_path):
    write("models/linear_fit.py", """
        import numpy as np

        class PolynomialRegression:
            def fit(self, X, y):
                X = np.log1p(np.abs(X))
                X = np.clip(X, -5, 5)
                X = X.reshape(len(X), -1)
                self.w = np.linalg.lstsq(X, y, rcond=None)[0]

            def predict(self, X):
                X = np.log1p(np.abs(X))
                X = np.clip(X, -5, 5)
                X = X.reshape(len(X), -1)
                return X @ self.w
    """)
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])


STEPS = (
    "            text = text.lower()\n"
    '            text = re.sub(r"[^a-z ]", " ", text)\n'
    "            tokens = text.split()"
)
ONE_FILE = f"""
        import re
        import numpy as np

        def train_classifier(text, label):
{STEPS}
            fit_model(tokens, label)

        def {{name}}(text):
{STEPS}
            return MODEL.score(tokens)
"""


def test_in_one_file_functions_that_name_their_sides_are_compared(write, tmp_path):
    write("sentiment.py", ONE_FILE.format(name="predict_sentiment"))
    _, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert [(f["path"], f["line"]) for f in findings] == [("sentiment.py", 6), ("sentiment.py", 12)]
    assert "sentiment.py, line 12, in `predict_sentiment`" in findings[0]["message"]


def test_in_one_file_a_side_taken_from_the_file_name_is_not_compared(write, tmp_path):
    """A notebook or script named for its prediction task: its `evaluate` serves nothing."""
    write("predict_house_prices.py", ONE_FILE.format(name="evaluate"))
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])


def test_copies_on_one_side_tests_and_unmarked_files_are_left_alone(write, tmp_path):
    write("train_a.py", TRAINING_SCRIPT)
    write("retrain_b.py", TRAINING_SCRIPT)  # two training scripts alike: not a train/serve split
    write("tests/test_service.py", FLASK_SERVICE)  # tests copy code on purpose
    write("train_and_serve.py", FLASK_SERVICE)  # a name with both sides has neither
    write("exploration.py", FLASK_SERVICE.replace("from flask import Flask, request", "import requests"))
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])


def test_thresholds_come_from_the_options(write, tmp_path):
    write("train.py", TRAINING_SCRIPT)
    write("app.py", FLASK_SERVICE)
    write("pyproject.toml", "[tool.mlsmells.rules.train-serve-duplication]\nwindow = 5\n")
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])  # the copy is 4 statements long
    write("pyproject.toml", "[tool.mlsmells.rules.train-serve-duplication]\nwindow = 4\nmin-transformations = 4\n")
    _, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert len(findings) == 2


def test_a_training_notebook_is_named_by_its_cell(write, tmp_path):
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [], "source": "import numpy as np\nimport pandas as pd"},
        {
            "cell_type": "code", "metadata": {}, "execution_count": 2, "outputs": [],
            "source": TRAINING_SCRIPT.replace("print(", "display("),
        },
    ]
    write("notebooks/training.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    write("api/routes.py", FLASK_SERVICE)
    _, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert sorted((f["path"], f["cell"], f["line"]) for f in findings) == [
        ("api/routes.py", None, 11),
        ("notebooks/training.ipynb", 2, 8),
    ]
    assert "notebooks/training.ipynb, cell 2, line 8" in findings[0]["message"]


@pytest.mark.parametrize(
    ("path", "side"),
    [
        ("train.py", TRAINING),
        ("src/model_trainer.py", TRAINING),
        ("pipelines/training/features.py", TRAINING),
        ("serving/features.py", SERVING),
        ("inference.py", SERVING),
        ("app/routes/predictHandler.py", SERVING),
        ("api.py", SERVING),
        ("train_and_serve.py", None),
        ("features.py", None),
        ("happy_path.py", None),  # `app` is a word, not a substring
        ("constraint.py", None),
    ],
)
def test_side_of_a_path(path, side):
    assert side_of_path(path) == side


CLEANER = """
import re
import numpy as np

def {name}(text):
    text = re.sub(r"{patterns[0]}", " ", text)
    text = re.sub(r"{patterns[1]}", " ", text)
    text = re.sub(r"{patterns[2]}", " ", text)
    return text.strip()
"""
HTML_CLEANING = ("<[^>]+>", "&[a-z]+;", "\\s+")


def test_a_repeated_step_is_compared_with_its_strings(write, tmp_path):
    """Three `re.sub` calls in a row are a shape every text cleaner has: only the same
    patterns make a copy."""
    write("train.py", CLEANER.format(name="clean_for_training", patterns=HTML_CLEANING))
    write("serve.py", CLEANER.format(name="clean_request", patterns=("https?://[^ ]+", "@[a-z_]+", "[0-9]+")))
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])
    write("serve.py", CLEANER.format(name="clean_request", patterns=HTML_CLEANING))
    _, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert sorted((f["path"], f["line"]) for f in findings) == [("serve.py", 6), ("train.py", 6)]


def test_library_output_types_and_model_variants_have_no_side(write, tmp_path):
    """Dataclass fields annotated alike in a `...ForPreTrainingOutput` and a
    `...ForPredictionOutput`, in a model directory named for its `server` variant."""
    fields = """
        from dataclasses import dataclass
        import torch

        @dataclass
        class {name}:
            loss: torch.Tensor | None = None
            logits: torch.Tensor | None = None
            hidden_states: tuple[torch.Tensor] | None = None
            attentions: tuple[torch.Tensor] | None = None
    """
    write("models/bert/modeling_bert.py", fields.format(name="BertForPreTrainingOutput"))
    write("models/ocr_server_det/modeling_ocr_server_det.py", fields.format(name="OcrForPredictionOutput"))
    write("models/ocr_server_det/training_utils.py", fields.format(name="OcrTrainingOutput"))
    write("models/tst/modeling_tst.py", fields.format(name="PredictionOutput"))
    assert run_json("--select", "MLS421", cwd=tmp_path) == (0, [])


def test_a_metric_copied_between_training_and_inference_scripts_is_not_skew(write, tmp_path):
    metric = """
import numpy as np
import pandas as pd
import torch

def calc_valid_log_loss(train, target, target_cols):
    y_pred = train[target_cols].values
    y_true = target[target_cols].values
    y_true_t = torch.from_numpy(y_true.astype(np.float64)).clone()
    y_pred_t = torch.from_numpy(y_pred.astype(np.float64)).clone()
    return torch.nn.BCELoss()(y_pred_t, y_true_t).numpy()
"""
    write("moa/train_nn.py", metric)
    write("moa/inference_nn.py", metric)
    code, findings = run_json("--select", "MLS421", cwd=tmp_path)
    assert (code, findings) == (0, [])
