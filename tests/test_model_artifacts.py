"""MLS208 (unversioned model artifacts) beyond its documented examples."""

from __future__ import annotations

import pytest
from conftest import lint, lint_percent_notebook

from mlsmells.registry import find_rule


def test_unversioned_saves_through_aliases_and_library_models():
    findings = lint(
        """
        import pickle

        import joblib
        from tensorflow import keras

        MODEL_PATH = "models/churn.joblib"

        def train(features, labels, pipe):
            from torch import save as persist

            m = keras.Sequential([keras.layers.Dense(1)])
            m.save("keras-baseline")
            persist(pipe.net.state_dict(), "weights/latest.pth")
            joblib.dump(pipe, MODEL_PATH)
            with open("classifier.pkl", "wb") as f:
                pickle.dump(pipe.classifier, f)
        """,
        "MLS208",
    )
    assert [f.span.line for f in findings] == [12, 13, 14, 16]
    assert "'models/churn.joblib'" in findings[2].message


def test_saves_that_are_versioned_not_models_or_tracked_elsewhere_are_not_reported():
    findings = lint(
        """
        import datetime

        import torch

        def checkpoint(model, optimizer, embeddings, image, tokenizer, run_id, path):
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            torch.save(model.state_dict(), f"checkpoints/{run_id}/model.pt")
            torch.save(model.state_dict(), f"checkpoints/model-{stamp}.pt")
            torch.save(model.state_dict(), "checkpoints/model-v3.pt")
            torch.save(model.state_dict(), "checkpoints/epoch_12.pt")
            torch.save(model.state_dict(), path)
            torch.save(optimizer.state_dict(), "optimizer.pt")
            torch.save(embeddings, "embeddings.pt")
            image.save("preview.png")
            tokenizer.save_pretrained("tokenizer")
        """,
        "MLS208",
    )
    assert findings == []


@pytest.mark.parametrize(
    "tracking",
    [
        "import mlflow\nmlflow.pytorch.log_model(model, 'model')",
        "import wandb\nrun = wandb.init()\nrun.log_artifact('model.pt')",
        "import dvc.api",
        "model.push_to_hub('acme/sentiment')",
    ],
)
def test_a_tracker_in_the_file_versions_its_models(tracking):
    code = "import torch\n" + tracking + "\ntorch.save(model.state_dict(), 'model.pt')\n"
    assert lint(code, "MLS208") == []
    assert len(lint("import torch\ntorch.save(model.state_dict(), 'model.pt')\n", "MLS208")) == 1


def test_notebook_saves_and_dvc_lines():
    source = "# %% [1]\nimport joblib\n# %% [2]\njoblib.dump(best_model, \"model.joblib\")\n"
    findings = lint_percent_notebook(source, "MLS208")
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1)]
    assert lint_percent_notebook(source + "# %% [3]\n!dvc add model.joblib\n", "MLS208") == []


def test_unversioned_model_artifact_is_opt_in():
    assert not find_rule("MLS208").is_default()
