"""MLS314 (fit in the inference path) beyond its documented examples."""

from __future__ import annotations

from conftest import lines, lint, lint_percent_notebook


def test_fastapi_router_and_aliased_preprocessor():
    findings = lint(
        """
        from fastapi import APIRouter
        from sklearn import preprocessing as pp

        router = APIRouter()
        encoder = pp.OneHotEncoder(handle_unknown="ignore")

        @router.post("/score")
        async def score(payload: Applicants):
            rows = payload.to_frame()
            encoded = encoder.fit(rows[CATEGORICAL]).transform(rows[CATEGORICAL])
            return {"scores": classifier.predict_proba(encoded)[:, 1].tolist()}
        """,
        "MLS314",
    )
    assert lines(findings) == [10]
    assert findings[0].message.startswith("this route handler calls `fit`")


def test_mlflow_pyfunc_predict_and_ray_serve_deployment():
    findings = lint(
        """
        import mlflow.pyfunc
        from ray import serve
        from sklearn.decomposition import PCA

        class ReducedModel(mlflow.pyfunc.PythonModel):
            def load_context(self, context):
                self.model = load(context.artifacts["model"])

            def predict(self, context, model_input):
                reduced = PCA(n_components=8).fit_transform(model_input)
                return self.model.predict(reduced)

        @serve.deployment
        class Embedder:
            async def __call__(self, request):
                tokens = self.vectorizer.fit_transform(await request.json())
                return self.text_model(tokens)
        """,
        "MLS314",
    )
    assert lines(findings) == [10, 16]
    assert "`predict`, which serves requests," in findings[0].message


def test_module_level_entry_point_names():
    findings = lint(
        """
        import joblib
        from sklearn.preprocessing import MinMaxScaler

        model = joblib.load("model.joblib")

        def lambda_handler(event, context):
            values = MinMaxScaler().fit_transform(parse(event["body"]))
            return {"prediction": model.predict(values).tolist()}
        """,
        "MLS314",
    )
    assert lines(findings) == [7]
    assert "the inference entry point `lambda_handler`" in findings[0].message


def test_handler_without_a_prediction_is_quiet():
    assert not lint(
        """
        from flask import Flask, request
        from sklearn.preprocessing import StandardScaler

        app = Flask(__name__)

        @app.route("/describe", methods=["POST"])
        def describe():
            scaled = StandardScaler().fit_transform(request.get_json()["values"])
            return {"mean": float(scaled.mean())}
        """,
        "MLS314",
    )


def test_train_and_predict_helpers_and_estimator_classes_are_quiet():
    assert not lint(
        """
        from sklearn.base import BaseEstimator
        from sklearn.preprocessing import StandardScaler

        def predict(X_train, y_train, X_test):
            scaler = StandardScaler().fit(X_train)
            model.fit(scaler.transform(X_train), y_train)
            return model.predict(scaler.transform(X_test))

        def evaluate(X):
            X = StandardScaler().fit_transform(X)
            return model.predict(X)

        class ScaledRegressor(BaseEstimator):
            def predict(self, X):
                self.scaler_.fit(X)
                return self.model(self.scaler_.transform(X))
        """,
        "MLS314",
    )


def test_nested_helper_and_model_loading_do_not_count():
    assert not lint(
        """
        from flask import Flask
        from tensorflow.keras.models import load_model
        from sklearn.preprocessing import StandardScaler

        app = Flask(__name__)

        @app.route("/warmup")
        def warmup():
            net = load_model("net.keras")
            StandardScaler().fit(reference_rows)
            return "ok"

        @app.get("/health")
        def health():
            def check():
                return model.predict(sample)
            scaler.fit_transform(sample)
            return {"ok": True}
        """,
        "MLS314",
    )


def test_flask_route_in_a_notebook_points_at_its_cell():
    findings = lint_percent_notebook(
        "# %%\n"
        "import flask\n"
        "from sklearn.preprocessing import StandardScaler as Scaler\n"
        "app = flask.Flask(__name__)\n"
        "# %%\n"
        "@app.route('/predict', methods=['POST'])\n"
        "def predict_price():\n"
        "    rows = np.array(flask.request.json['rows'])\n"
        "    scaled = Scaler().fit_transform(rows)\n"
        "    return flask.jsonify(regressor.predict(scaled).tolist())\n",
        "MLS314",
    )
    assert [(finding.cell, finding.span.line) for finding in findings] == [(2, 4)]
