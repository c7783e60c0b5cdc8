"""MLS422 (swallowed model errors) and MLS423 (print monitoring) beyond their documented examples."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook

# MLS422 ------------------------------------------------------------------------------------


def test_aliased_loaders_tuples_and_printing_handlers():
    findings = lint(
        """
        import pickle
        from joblib import load as load_artifact

        def restore(paths):
            try:
                clf = load_artifact(paths["classifier"])
            except (OSError, Exception) as error:
                print("could not restore the classifier:", error)
            with open(paths["encoder_model"], "rb") as handle:
                try:
                    encoder = pickle.load(handle)
                except BaseException:
                    ...
            return clf, encoder
        """,
        "MLS422",
    )
    assert lines(findings) == [7, 12]
    assert findings[0].message.startswith(
        "`except (OSError, Exception):` around `load_artifact(...)` only prints: when the model fails to load"
    )
    assert "only passes" in findings[1].message


def test_predictions_and_models_held_in_attributes():
    findings = lint(
        """
        import torch

        class Scorer:
            def score(self, batches):
                scores = []
                for batch in batches:
                    try:
                        with torch.no_grad():
                            scores.append(self.text_model(batch))
                    except Exception:
                        continue
                return scores

            def classify(self, rows):
                try:
                    return self.pipeline.predict_proba(rows)
                except Exception:
                    pass
        """,
        "MLS422",
    )
    assert lines(findings) == [10, 17]
    assert "fails to predict" in findings[0].message


def test_handlers_that_decide_what_a_failure_means_are_fine():
    findings = lint(
        """
        import logging

        import torch
        from transformers import AutoModel

        logger = logging.getLogger(__name__)

        def load(checkpoint_path, name):
            try:
                state = torch.load(checkpoint_path, map_location="cpu")
            except FileNotFoundError:
                state = None
            try:
                model = AutoModel.from_pretrained(name)
            except Exception:
                logger.exception("could not load %s", name)
                raise
            try:
                model.load_state_dict(state)
            except Exception:
                model_ready = False
            return model
        """,
        "MLS422",
    )
    assert findings == []


def test_fit_needs_evidence_that_the_receiver_is_a_model():
    findings = lint(
        """
        from sklearn.preprocessing import LabelEncoder
        from sklearn.svm import SVC

        encoder = LabelEncoder()
        try:
            frame["city"] = encoder.fit_transform(frame["city"])
        except:
            pass
        for points in traces:
            try:
                curve.fit(points)
            except Exception:
                continue
        svm_candidate = SVC(kernel="rbf")
        try:
            svm_candidate.fit(X_train, y_train)
        except Exception:
            pass
        """,
        "MLS422",
    )
    assert lines(findings) == [17]


def test_data_files_and_functions_named_like_models_are_not_models():
    findings = lint(
        """
        import pickle

        def arima_model(train, horizon):
            return forecast(train, horizon)

        try:
            with open("features.pkl", "rb") as handle:
                features = pickle.load(handle)
        except Exception:
            pass
        try:
            score = arima_model(series, 14)
        except Exception as error:
            print("ARIMA failed", error)
        try:
            self.try_to_set_base_model()
        except Exception:
            pass
        """,
        "MLS422",
    )
    assert findings == []


def test_searching_for_the_first_loadable_candidate_is_fine():
    findings = lint(
        """
        import torch

        def first_checkpoint(paths):
            for path in paths:
                try:
                    return torch.load(path)
                except Exception:
                    continue
            raise FileNotFoundError(f"no readable checkpoint among {paths}")
        """,
        "MLS422",
    )
    assert findings == []


def test_batch_scoring_that_only_prints_and_returns_nothing_is_reported():
    findings = lint(
        """
        import joblib
        import pandas as pd

        def init():
            global model
            model = None
            try:
                model = joblib.load("outputs/fraud_model.pkl")
            except Exception as error:
                print("loading failed", error)

        def run(mini_batch):
            try:
                frame = pd.read_json(mini_batch)
                return model.predict(frame).tolist()
            except Exception as error:
                print(error)
        """,
        "MLS422",
    )
    assert lines(findings) == [9, 16]
    assert "fails to load" in findings[0].message
    assert "fails to predict" in findings[1].message


def test_fallback_values_supplied_around_the_try_are_decisions():
    assert not lint(
        """
        import logging

        def churn_risk(model, features):
            risk = 0.5
            try:
                risk = float(model.predict_proba([features])[0, 1])
            except Exception as error:
                print("scoring failed, neutral risk:", error)
            return risk

        def sentiment(classifier, text):
            try:
                return classifier.predict([text])[0]
            except Exception as error:
                print(error)
            return "neutral"
        """,
        "MLS422",
    )


def test_calls_given_a_model_act_on_it_and_are_not_model_calls():
    assert not lint(
        """
        def export(accelerator, model, output_dir, tokenizer=None):
            try:
                unwrapped = accelerator.unwrap_model(model)
                unwrapped.save_pretrained(output_dir)
                if tokenizer is not None:
                    tokenizer.save_pretrained(output_dir)
            except Exception as error:
                print("could not save the artifacts:", error)
        """,
        "MLS422",
    )


def test_calls_in_a_function_defined_in_the_try_body_do_not_count():
    findings = lint(
        """
        try:
            def predict_rows(rows):
                return model.predict(rows)
            register("predict", predict_rows)
        except Exception:
            pass
        """,
        "MLS422",
    )
    assert findings == []


def test_notebook_cells():
    notebook = textwrap.dedent(
        """\
        # %% [1]
        import xgboost as xgb

        # %% [2]
        booster = xgb.XGBClassifier(n_estimators=200)
        try:
            booster.fit(X_train, y_train)
        except Exception as error:
            print(error)
        """
    )
    findings = lint_percent_notebook(notebook, "MLS422")
    assert [(finding.cell, finding.span.line) for finding in findings] == [(2, 4)]


# MLS423 ------------------------------------------------------------------------------------


def test_routes_on_aliased_and_imported_apps():
    findings = lint(
        """
        import flask as fl
        from .api import router

        server = fl.Flask(__name__)

        @server.route("/predict", methods=["POST"])
        def predict():
            features = fl.request.get_json()["features"]
            label = model.predict([features])[0]
            print("predicted", label)
            return {"label": int(label)}

        @router.post("/embed")
        async def embed(text: str):
            try:
                return {"vector": encoder.encode(text).tolist()}
            except Exception as error:
                print("embedding failed:", error)
                print("text was", text)
                return {"error": str(error)}
        """,
        "MLS423",
    )
    assert lines(findings) == [10, 18]
    assert findings[0].message.startswith("the route handler `predict` reports only through `print` (one `print` call")
    assert "(2 `print` calls" in findings[1].message


def test_logging_and_metrics_count_as_monitoring():
    findings = lint(
        """
        import logging

        from fastapi import FastAPI
        from prometheus_client import Counter

        app = FastAPI()
        log = logging.getLogger("serving")
        FAILURES = Counter("prediction_failures", "Failed predictions")

        @app.post("/predict")
        def predict(payload: Payload):
            print("request", payload.id)
            log.info("predicting for %s", payload.id)
            return {"score": model.predict(payload.rows()).tolist()}

        @app.post("/score")
        def score(payload: Payload):
            try:
                return {"score": model.predict(payload.rows()).tolist()}
            except ValueError as error:
                print(error)
                FAILURES.inc()
                raise

        @app.get("/health")
        def health():
            return {"ok": True}
        """,
        "MLS423",
    )
    assert findings == []


def test_decorators_of_other_objects_and_plain_helpers_are_not_serving():
    findings = lint(
        """
        from flask import Flask

        app = Flask(__name__)
        cache = ResultCache()

        @cache.get("last-prediction")
        def last_prediction():
            print("cache miss")
            return model.predict(latest_rows())

        def warm_up():
            print("warming up the model")
            model.predict(sample_rows())

        @app.route("/predict", methods=["POST"])
        def predict():
            def report(label):
                print("label", label)
            return {"label": model.predict(rows_from_request())[0]}
        """,
        "MLS423",
    )
    assert findings == []


def test_model_server_classes():
    findings = lint(
        """
        import bentoml
        from ts.torch_handler.base_handler import BaseHandler

        class SentimentHandler(BaseHandler):
            def initialize(self, context):
                print("loading the model")
                super().initialize(context)

            def inference(self, batch):
                outputs = self.model(batch)
                print("predictions:", outputs.argmax(dim=1).tolist())
                return outputs

        @bentoml.service
        class Summarizer:
            def __call__(self, text: str) -> str:
                summary = self.pipeline(text)[0]["summary_text"]
                print(summary)
                return summary

            def describe(self):
                print("a summarizer")
        """,
        "MLS423",
    )
    assert lines(findings) == [11, 18]
    assert findings[0].message.startswith("the serving method `inference`")


def test_mlserver_runtime_predict():
    findings = lint(
        """
        from mlserver import MLModel

        class ChurnRuntime(MLModel):
            async def load(self) -> bool:
                print("loading")
                return True

            async def predict(self, payload):
                print(payload)
                return self.to_response(self.model.predict(self.decode(payload)))
        """,
        "MLS423",
    )
    assert lines(findings) == [9]
