"""MLS511 and MLS513 beyond their documented examples: aliases, notebooks, near misses."""

from __future__ import annotations

import textwrap

from conftest import findings, lines, lint, lint_percent_notebook, write_project

# MLS513 train-eval-same-data --------------------------------------------------------------


def test_training_accuracy_through_an_aliased_metrics_module_is_reported():
    findings = lint(
        """
        from sklearn import metrics as m
        from sklearn.svm import SVC

        clf = SVC(C=10.0).fit(features, labels)
        print(m.accuracy_score(labels, clf.predict(features)))
        """,
        "MLS513",
    )
    assert lines(findings) == [5]
    assert "`accuracy_score` of `clf`" in findings[0].message


def test_a_unit_test_that_a_model_fits_its_training_data_is_not_reported():
    code = """
        import numpy as np
        from sklearn.metrics import accuracy_score
        from sklearn.neighbors import KNeighborsClassifier

        def test_classifier_memorises_a_separable_set():
            features = np.array([[0.0], [0.1], [0.9], [1.0]])
            labels = np.array([0, 0, 1, 1])
            clf = KNeighborsClassifier(n_neighbors=1).fit(features, labels)
            assert accuracy_score(labels, clf.predict(features)) == 1.0
        """
    assert lint(code, "MLS513", path="tests/test_knn.py") == []
    assert lines(lint(code, "MLS513", path="src/knn_demo.py")) == [9]


def test_scoring_the_fit_call_itself_is_reported():
    assert lines(
        lint(
            """
            from sklearn.linear_model import LinearRegression

            r2 = LinearRegression().fit(X, y).score(X, y)
            """,
            "MLS513",
        )
    ) == [3]


def test_keras_evaluate_on_the_training_arrays_is_reported():
    assert lines(
        lint(
            """
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(x_train, y_train, epochs=5)
            loss, accuracy = model.evaluate(x_train, y_train)
            """,
            "MLS513",
        )
    ) == [6]


def test_predicting_an_unlabelled_competition_test_set_is_not_an_evaluation():
    # The Kaggle test set has no labels: the only score the notebook shows is the training one.
    findings = lint(
        """
        import pandas as pd
        from sklearn.tree import DecisionTreeClassifier

        train, test = pd.read_csv("train.csv"), pd.read_csv("test.csv")
        X_train, Y_train = train.drop("Survived", axis=1), train["Survived"]
        tree = DecisionTreeClassifier()
        tree.fit(X_train, Y_train)
        Y_pred = tree.predict(test)
        acc_tree = round(tree.score(X_train, Y_train) * 100, 2)
        pd.DataFrame({"PassengerId": test["PassengerId"], "Survived": Y_pred}).to_csv("submission.csv")
        """,
        "MLS513",
    )
    assert lines(findings) == [9]


def test_notebook_cells_are_followed_in_order():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        from sklearn.ensemble import GradientBoostingRegressor
        from sklearn.metrics import mean_absolute_error
        # %% [2]
        booster = GradientBoostingRegressor(max_depth=3)
        booster.fit(X, y)
        # %% [3]
        fitted = booster.predict(X)
        mean_absolute_error(y, fitted)
        """
        ).lstrip(),
        "MLS513",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(3, 2)]


def test_data_rebound_between_fit_and_score_is_other_data():
    assert not lint(
        """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        X, y = load_split("train")
        model = LogisticRegression(C=0.5).fit(X, y)
        X, y = load_split("validation")
        print(model.score(X, y))
        """,
        "MLS513",
    )


def test_slices_of_one_array_are_other_data():
    assert not lint(
        """
        from sklearn.linear_model import Ridge

        ridge = Ridge(alpha=1.0)
        ridge.fit(X[:800], y[:800])
        print(ridge.score(X[800:], y[800:]))
        """,
        "MLS513",
    )


def test_training_score_next_to_a_score_on_a_separately_loaded_test_set():
    assert not lint(
        """
        import numpy as np
        from sklearn.neighbors import KNeighborsClassifier

        X_train, y_train = np.load("train_x.npy"), np.load("train_y.npy")
        X_test, y_test = np.load("test_x.npy"), np.load("test_y.npy")
        knn = KNeighborsClassifier(n_neighbors=5).fit(X_train, y_train)
        print("train", knn.score(X_train, y_train))
        print("test", knn.score(X_test, y_test))
        """,
        "MLS513",
    )


def test_a_hand_written_metric_on_validation_predictions_is_a_held_out_evaluation():
    assert not lint(
        """
        import numpy as np
        from sklearn.metrics import r2_score
        from sklearn.ensemble import RandomForestRegressor

        def rmse(truth, predicted):
            return np.sqrt(np.mean((truth - predicted) ** 2))

        forest = RandomForestRegressor(n_estimators=200).fit(X_tr, y_tr)
        print("train r2", r2_score(y_tr, forest.predict(X_tr)))
        valid_pred = np.expm1(forest.predict(X_val))
        print("valid rmse", rmse(np.expm1(y_val), valid_pred))
        """,
        "MLS513",
    )


def test_cross_validation_oob_scores_and_cv_estimators_count_as_held_out():
    for evaluation in (
        "from sklearn.model_selection import cross_val_score\nprint(cross_val_score(model, X, y, cv=5))",
        "from sklearn.model_selection import KFold\nfolds = KFold(n_splits=5)",
        "from sklearn.linear_model import RidgeCV\nchosen = RidgeCV(alphas=[0.1, 1, 10]).fit(X, y)",
    ):
        code = (
            "from sklearn.ensemble import RandomForestRegressor\n"
            "model = RandomForestRegressor(n_estimators=100)\n"
            "model.fit(X, y)\n"
            "print(model.score(X, y))\n"
        ) + evaluation
        assert not lint(code, "MLS513"), evaluation
    assert not lint(
        """
        from sklearn.ensemble import RandomForestRegressor

        forest = RandomForestRegressor(n_estimators=100, oob_score=True).fit(X, y)
        print(forest.score(X, y), forest.oob_score_)
        """,
        "MLS513",
    )


def test_keras_validation_during_fit_is_held_out():
    assert not lint(
        """
        import keras

        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=10, validation_split=0.2)
        model.evaluate(x, y)
        """,
        "MLS513",
    )


def test_unsupervised_models_scored_on_their_data_are_not_reported():
    assert not lint(
        """
        from sklearn.mixture import GaussianMixture
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        mixture = GaussianMixture(n_components=3).fit(points)
        print(mixture.score(points))
        labels = KMeans(n_clusters=3, n_init=10).fit_predict(points)
        print(silhouette_score(points, labels))
        """,
        "MLS513",
    )


def test_another_model_fitted_on_the_same_data_is_not_the_scored_one():
    assert not lint(
        """
        from sklearn.tree import DecisionTreeClassifier

        tree = DecisionTreeClassifier(max_depth=3)
        tree.fit(X, y)
        tree = load_reference_model()
        print(tree.score(X, y))
        """,
        "MLS513",
    )


# MLS511 threshold-dependent-metric-only -------------------------------------------------


def test_binary_metrics_through_the_metrics_module_are_reported_once_at_the_first_call():
    findings = lint(
        """
        from sklearn import metrics
        from sklearn.ensemble import RandomForestClassifier

        forest = RandomForestClassifier(n_estimators=200).fit(X_train, y_train)
        predicted = forest.predict(X_test)
        print(metrics.confusion_matrix(y_test, predicted))
        print(metrics.precision_score(y_test, predicted), metrics.recall_score(y_test, predicted))
        """,
        "MLS511",
    )
    assert lines(findings) == [6]
    assert "`confusion_matrix`" in findings[0].message


def test_average_binary_marks_a_binary_problem_where_accuracy_alone_does_not():
    code = (
        "from sklearn.metrics import accuracy_score, precision_recall_fscore_support as prfs\n"
        "clf.fit(X_train, y_train)\n"
        "print(accuracy_score(y_test, clf.predict(X_test)))\n"
    )
    assert not lint(code, "MLS511")
    assert lines(lint(code + 'print(prfs(y_test, clf.predict(X_test), average="binary"))\n', "MLS511")) == [3]


def test_a_roc_curve_in_a_later_notebook_cell_counts():
    assert not lint_percent_notebook(
        textwrap.dedent(
            """
            # %% [1]
            from sklearn.metrics import f1_score, RocCurveDisplay
            model.fit(X_train, y_train)
            print(f1_score(y_test, model.predict(X_test)))
            # %% [2]
            RocCurveDisplay.from_estimator(model, X_test, y_test)
            """
        ).lstrip(),
        "MLS511",
    )


def test_auc_requested_by_name_counts():
    for request in (
        'cross_val_score(model, X, y, scoring="roc_auc")',
        'xgb.XGBClassifier(eval_metric="auc")',
        'keras_model.compile(loss="binary_crossentropy", metrics=["accuracy"])',
    ):
        code = (
            "from sklearn.metrics import recall_score\n"
            "model.fit(X_train, y_train)\n"
            "print(recall_score(y_test, model.predict(X_test)))\n"
        ) + request
        assert not lint(code, "MLS511"), request


def test_multi_class_averages_and_regression_metrics_are_not_reported():
    assert not lint(
        """
        from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error

        digits_model.fit(train_images, train_labels)
        predicted = digits_model.predict(test_images)
        print(accuracy_score(test_labels, predicted), f1_score(test_labels, predicted, average="weighted"))
        print(mean_absolute_error(test_ages, age_model.predict(test_faces)))
        """,
        "MLS511",
    )


def test_a_threshold_sweep_written_by_hand_is_not_reported():
    assert not lint(
        """
        import numpy as np
        from sklearn.metrics import f1_score

        detector.fit(normal_rows)
        densities = detector.score_samples(validation_rows)
        for cutoff in np.linspace(-50, -5, 100):
            flagged = (densities < cutoff).astype(int)
            print(cutoff, f1_score(validation_labels, flagged))
        """,
        "MLS511",
    )


def test_metric_code_without_any_model_is_not_reported():
    assert not lint(
        """
        import numpy as np
        from sklearn.metrics import fbeta_score

        def fbeta_agrees_with_sklearn(truth, scores):
            return np.isclose(my_fbeta(truth, scores), fbeta_score(truth, np.round(scores), beta=2))
        """,
        "MLS511",
    )


# MLS510 default-hyperparameters ---------------------------------------------------------


def test_aliased_estimators_and_optimizers_with_only_incidental_settings_are_reported():
    findings = lint(
        """
        from sklearn import svm
        from sklearn.neighbors import KNeighborsClassifier as KNN
        from torch import optim

        candidates = [("svm", svm.SVC(probability=True)), ("knn", KNN(n_jobs=-1))]
        optimizer = optim.SGD(model.parameters(), momentum=0.9)
        """,
        "MLS510",
    )
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [(5, "SVC"), (5, "KNeighborsClassifier"), (6, "SGD")]


def test_one_deciding_hyperparameter_given_positionally_or_by_keyword_is_enough():
    assert not lint(
        """
        import torch
        from sklearn.ensemble import GradientBoostingRegressor
        from sklearn.tree import DecisionTreeClassifier

        booster = GradientBoostingRegressor(learning_rate=0.05, random_state=0)
        tree = DecisionTreeClassifier(ccp_alpha=0.01)
        optimizer = torch.optim.AdamW(model.parameters(), 3e-4)
        loader = torch.utils.data.DataLoader(dataset, 32, shuffle=True)
        by_length = torch.utils.data.DataLoader(dataset, batch_sampler=bucket_sampler)
        """,
        "MLS510",
    )


def test_settings_passed_through_kwargs_are_not_reported():
    assert not lint(
        """
        from sklearn.ensemble import RandomForestClassifier
        from torch.utils.data import DataLoader

        def build(params, dataset, loader_args):
            return RandomForestClassifier(**params), DataLoader(dataset, **loader_args)
        """,
        "MLS510",
    )


def test_a_module_that_tunes_its_models_is_not_reported():
    assert not lint(
        """
        from sklearn.model_selection import RandomizedSearchCV as Search
        from sklearn.ensemble import RandomForestClassifier

        forest = RandomForestClassifier(random_state=0)
        search = Search(forest, {"n_estimators": [100, 300], "max_depth": [None, 8]}, n_iter=4)
        """,
        "MLS510",
    )
    assert not lint(
        """
        import optuna
        from sklearn.svm import SVC

        def objective(trial):
            model = SVC()
            model.set_params(C=trial.suggest_float("C", 1e-3, 1e3, log=True))
            return cross_val_score(model, X, y).mean()
        """,
        "MLS510",
    )


def test_test_files_are_not_reported():
    assert not lint(
        """
        from sklearn.tree import DecisionTreeClassifier

        def test_tree_predicts_classes():
            assert DecisionTreeClassifier().fit([[0], [1]], [0, 1]).predict([[1]]) == [1]
        """,
        "MLS510",
        path="tests/test_models.py",
    )


def test_an_evaluation_helper_called_with_the_training_data_is_reported(tmp_path):
    helpers = """
        from sklearn.metrics import accuracy_score, f1_score


        def evaluate(model, features, labels):
            predicted = model.predict(features)
            return {"accuracy": accuracy_score(labels, predicted), "f1": f1_score(labels, predicted)}


        def report(model, X, y):
            print("R^2", model.score(X, y))
        """
    train = """
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier

        from helpers import evaluate, report

        frame = pd.read_csv("churn.csv")
        X, y = frame.drop(columns="churned"), frame["churned"]
        forest = RandomForestClassifier(random_state=0).fit(X, y)
        print(evaluate(forest, X, y))
        report(forest, X=X, y=y)
        """
    write_project(tmp_path, {"helpers.py": helpers, "train.py": train})
    reported = [(path, line) for path, _, line in findings(tmp_path, "MLS513")]
    assert reported == [("train.py", 9), ("train.py", 10)]
    held_out = train.replace(
        "forest = RandomForestClassifier(random_state=0).fit(X, y)",
        "from sklearn.model_selection import train_test_split\n"
        "        X, X_test, y, y_test = train_test_split(X, y, random_state=0)\n"
        "        forest = RandomForestClassifier(random_state=0).fit(X, y)",
    ).replace("report(forest, X=X, y=y)", "report(forest, X=X_test, y=y_test)")
    write_project(tmp_path, {"train.py": held_out})
    assert findings(tmp_path, "MLS513") == []
    # Other data given to the helper is a held-out evaluation, not a score on training rows.
    other = train.replace("print(evaluate(forest, X, y))", "print(evaluate(forest, X_new, y_new))")
    write_project(tmp_path, {"train.py": other})
    assert [line for _, _, line in findings(tmp_path, "MLS513")] == []
