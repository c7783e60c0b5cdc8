"""MLS101-MLS105 beyond their documented examples: aliases, near misses, notebooks."""

from __future__ import annotations

import textwrap

from conftest import codes, lines, lint, lint_percent_notebook

from mlsmells.engine.linter import lint_notebook
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule


def test_unseeded_random_resolves_function_local_imports():
    findings = lint(
        """
        def augment(batch):
            import numpy as npx
            return batch + npx.random.normal(0, 0.1, batch.shape)

        if __name__ == "__main__":
            augment(load())
        """,
        "MLS101",
    )
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [(3, "numpy.random.normal")]


def test_one_finding_per_library_at_the_first_draw():
    findings = lint(
        """
        import random
        order = random.sample(range(10), 10)
        pick = random.choice(order)
        """,
        "MLS101",
    )
    assert [f.span.line for f in findings] == [2]


def test_seeding_anywhere_in_the_file_counts_even_in_a_helper():
    assert not lint(
        """
        import numpy as np
        import torch

        def seed_everything(seed):
            np.random.seed(seed)
            torch.manual_seed(seed)

        def main(cfg):
            seed_everything(cfg.seed)
            return np.random.permutation(10), torch.randperm(10)

        main(load_config())
        """,
        "MLS101",
    )


def test_a_project_helper_named_for_seeding_counts():
    assert not lint(
        """
        import torch
        from utils.reproducibility import set_global_seed

        set_global_seed(3)
        weights = torch.randn(3, 3)
        """,
        "MLS101",
    )


def test_seeding_from_the_clock_does_not_count():
    findings = lint(
        """
        import random
        random.seed()
        fold = random.randint(0, 4)
        """,
        "MLS101",
    )
    assert codes(findings) == ["MLS101"]


def test_seed_functions_option_names_project_helpers():
    from mlsmells.engine.linter import lint_source
    from mlsmells.registry import find_rule

    rule = find_rule("unseeded-random")
    code = "import numpy as np\nfrom project.env import prepare\nprepare()\nx = np.random.rand(3)\n"
    assert lint_source("t.py", code, [rule], {rule: rule.default_options()}).findings
    options = {"seed-functions": ["project.env.prepare"]}
    assert lint_source("t.py", code, [rule], {rule: options}).findings == []


def test_generator_argument_and_op_level_seed_are_not_global_draws():
    assert not lint(
        """
        import torch
        import tensorflow as tf

        g = torch.Generator().manual_seed(0)
        perm = torch.randperm(10, generator=g)
        noise = tf.random.normal([2, 2], seed=5)
        """,
        "MLS101",
    )


def test_library_module_draws_inside_functions_are_left_to_callers():
    assert not lint(
        """
        import numpy as np

        def random_crop(image, size):
            top = np.random.randint(0, image.shape[0] - size)
            return image[top:top + size]
        """,
        "MLS101",
    )


def test_missing_random_state_through_module_alias_and_splitters():
    findings = lint(
        """
        import sklearn.model_selection as ms
        from sklearn.linear_model import LogisticRegression

        cv = ms.StratifiedKFold(n_splits=5, shuffle=True)
        clf = LogisticRegression(solver="saga", C=0.5)
        """,
        "MLS102",
    )
    assert [f.span.line for f in findings] == [4, 5]


def test_missing_random_state_near_misses():
    assert not lint(
        """
        from sklearn.model_selection import train_test_split, KFold, GridSearchCV
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression

        SEED = 1234
        params = {"n_estimators": 200, "random_state": SEED}
        a, b = train_test_split(X, random_state=SEED)
        ordered = train_test_split(X, shuffle=False)
        forest = RandomForestClassifier(**params)
        folds = KFold(n_splits=3)
        clf = LogisticRegression(solver="lbfgs")
        search = GridSearchCV(forest, {"max_depth": [3, 5]}, cv=folds)
        """,
        "MLS102",
    )


def test_other_libraries_with_the_same_class_names_are_not_sklearn():
    assert not lint(
        """
        from cuml.ensemble import RandomForestClassifier
        from mytools import train_test_split

        model = RandomForestClassifier()
        parts = train_test_split(rows)
        """,
        "MLS102",
    )


def test_seeding_a_local_generator_does_not_seed_the_global_ones():
    findings = lint(
        """
        import torch

        loader_rng = torch.Generator()
        loader_rng.manual_seed(0)
        noise = torch.randn(8)
        """,
        "MLS101",
    )
    assert codes(findings) == ["MLS101"]


def test_a_module_level_call_to_a_local_function_makes_a_program():
    findings = lint(
        """
        import sys
        import random

        def main():
            return random.randint(0, 9)

        sys.exit(main())
        """,
        "MLS101",
    )
    assert [f.span.line for f in findings] == [5]


def test_inputs_for_tracing_export_and_profiling_do_not_count():
    findings = lint(
        """
        import torch
        from fvcore.nn import FlopCountAnalysis

        def main(model):
            example_input = torch.rand(1, 3, 224, 224)
            traced = torch.jit.trace(model, example_input)
            flops = FlopCountAnalysis(model, inputs=(torch.randn(1, 784).to("cpu"),)).total()
            torch.onnx.export(model, dummy, "model.onnx")
            dummy = torch.randn(1, 3, 32, 32)
            return traced, flops

        if __name__ == "__main__":
            main(build())
        """,
        "MLS101",
    )
    assert findings == []


def test_the_first_draw_whose_values_matter_is_reported():
    findings = lint(
        """
        import torch

        def main(model, optimizer):
            torch.jit.trace(model, torch.randn(1, 8))
            for step in range(100):
                batch = torch.randn(32, 8)
                optimizer.step()

        if __name__ == "__main__":
            main(*build())
        """,
        "MLS101",
    )
    assert [f.span.line for f in findings] == [6]


def test_random_split_without_a_generator():
    findings = lint(
        """
        import torch
        from torch.utils.data import random_split

        def main(dataset):
            train, val = random_split(dataset, [0.9, 0.1])
            seeded = random_split(dataset, [0.9, 0.1], generator=torch.Generator().manual_seed(1))

        main(load())
        """,
        "MLS101",
    )
    assert [f.span.line for f in findings] == [5]


def test_missing_random_state_skips_display_only_and_deterministic_calls():
    assert not lint(
        """
        from sklearn.cluster import KMeans
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import SVC

        LogisticRegression(penalty="l1", solver="liblinear")
        km = KMeans(n_clusters=3, init=X[:3], n_init=1).fit(X)
        forest = RandomForestClassifier(n_estimators=50)
        forest.set_params(random_state=0)
        svm = SVC(kernel="rbf")
        """,
        "MLS102",
    )


def test_missing_random_state_covers_more_random_estimators():
    findings = lint(
        """
        from sklearn.utils import shuffle
        from sklearn.manifold import TSNE
        from sklearn.decomposition import PCA
        from sklearn.svm import SVC

        X, y = shuffle(X, y)
        embedding = TSNE(n_components=2).fit_transform(X)
        reduced = PCA(50, svd_solver="randomized").fit_transform(X)
        calibrated = SVC(probability=True)
        risk = calibrated.fit(X, y).predict_proba(X)[:, 1]
        """,
        "MLS102",
    )
    assert [f.span.line for f in findings] == [6, 7, 8, 9]


def test_an_svm_with_probabilities_that_only_predicts_draws_nothing_that_matters():
    findings = lint(
        """
        from sklearn.svm import SVC

        classifier = SVC(kernel="rbf", probability=True).fit(X_train, y_train)
        accuracy = (classifier.predict(X_test) == y_test).mean()
        """,
        "MLS102",
    )
    assert findings == []


def test_unseeded_generator_through_aliases_and_near_misses():
    findings = lint(
        """
        import numpy.random as npr
        import torch
        from torch.utils.data import DataLoader

        class Trainer:
            def __init__(self, seed):
                self.generator = torch.Generator()   # stored on the object: seeded elsewhere
                self.rng = npr.default_rng(seed=seed)

        state = npr.RandomState(seed=None)
        loader = DataLoader(dataset, shuffle=True, generator=torch.Generator())
        config_rng = npr.default_rng(**rng_kwargs)
        """,
        "MLS103",
    )
    assert [(f.span.line, f.message.split(" ")[0]) for f in findings] == [(10, "NumPy's"), (11, "`torch.Generator()`")]


def test_tensorflow_non_deterministic_generator():
    findings = lint(
        """
        import tensorflow as tf

        g = tf.random.Generator.from_non_deterministic_state()
        h = tf.random.Generator.from_seed(1234)
        """,
        "MLS103",
    )
    assert [f.span.line for f in findings] == [3]


def test_unseeded_generator_leaves_parameter_fallbacks_to_the_caller():
    findings = lint(
        """
        import numpy as np
        import torch

        def add_noise(x, rng=None, generator=None, state=None):
            if rng is None:
                rng = np.random.default_rng()
            generator = generator or torch.Generator()
            state = np.random.RandomState() if state is None else state
            return x + rng.normal(size=x.shape)

        def sample_without_a_way_to_seed(n):
            rng = np.random.default_rng()
            return rng.normal(size=n)
        """,
        "MLS103",
    )
    assert [f.span.line for f in findings] == [12]


def test_seed_after_use_follows_main_blocks_and_local_functions():
    findings = lint(
        """
        import numpy as npy
        from torch import manual_seed, randn

        def init_weights():
            return randn(8, 8)

        def main():
            weights = init_weights()
            manual_seed(0)
            jitter = npy.random.normal(size=3)
            return weights, jitter

        if __name__ == "__main__":
            main()
            npy.random.seed(1)
        """,
        "MLS105",
    )
    assert [(f.span.line, f.context) for f in findings] == [(5, "init_weights"), (10, "main")]
    assert "before `manual_seed(...)` seeds it" in findings[0].message
    assert "`numpy.random.normal` draws from NumPy's" in findings[1].message


def test_seed_after_use_near_misses():
    findings = lint(
        """
        import random
        import numpy as np

        def augment(image):
            # only called by the data loader, after seeding
            return image + np.random.normal(size=image.shape)

        def reseed_each_epoch(epoch):
            np.random.seed(epoch)

        random.seed(0)
        sample = random.sample(range(10), 3)
        random.seed(0)  # seeding again to replay the same draws is fine
        replay = random.sample(range(10), 3)
        np.random.seed(1)
        for epoch in range(3):
            reseed_each_epoch(epoch)
            noise = np.random.rand()
        """,
        "MLS105",
    )
    assert findings == []


def test_seed_after_use_without_any_seed_is_left_to_unseeded_random():
    code = """
        import torch

        x = torch.rand(3)
        """
    assert lint(code, "MLS105") == []
    assert codes(lint(code, "MLS101")) == ["MLS101"]


def test_seed_after_use_in_notebook_cell_order():
    rule = find_rule("MLS105")
    notebook, _ = notebook_from_percent(
        "# %% [1]\nimport numpy as np\nsplit = np.random.permutation(100)\n"
        "# %% [2]\n%matplotlib inline\nnp.random.seed(42)\n"
        "# %% [3]\nsample = np.random.choice(100, 5)\n"
    )
    findings = lint_notebook("eda.ipynb", notebook, [rule], {rule: rule.default_options()}).findings
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(1, 2, 9)]


def test_seed_after_use_skips_seed_choices_and_lambda_bodies():
    findings = lint(
        """
        import argparse
        import random
        import numpy as np

        opt = argparse.ArgumentParser().parse_args()
        if opt.manual_seed is None:
            opt.manual_seed = random.randint(1, 10_000)
        random.seed(opt.manual_seed)

        samplers = {"gaussian": lambda k: np.random.normal(size=k)}
        np.random.seed(opt.manual_seed)
        noise = samplers["gaussian"](4)
        """,
        "MLS105",
    )
    assert findings == []


def test_seed_after_use_summarises_each_function_once():
    # Each function calls the next twice: following every call would take 2**40 steps.
    chain = "".join(f"def stage{i}():\n    stage{i + 1}()\n    stage{i + 1}()\n" for i in range(40))
    code = f"import numpy as np\n{chain}def stage40():\n    return np.random.rand()\nstage0()\nnp.random.seed(0)\n"
    findings = lint(code, "MLS105")
    assert [(f.span.line, f.context) for f in findings] == [(123, "stage40")]


def test_draws_written_into_names_are_not_reported():
    findings = lint(
        """
        import random

        import numpy as np

        BUCKET = "gs://{}-{}".format("acme-ml", random.randint(10000, 99999))
        run_name = f"sweep-{np.random.randint(1_000_000)}"
        tag = "trial-" + str(random.random())
        weights = np.random.normal(size=(4, 4))

        if __name__ == "__main__":
            train(BUCKET, run_name, tag, weights)
        """,
        "MLS101",
    )
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [(8, "numpy.random.normal")]


def test_a_seeding_decorator_seeds_like_a_seeding_helper():
    program = """
        import numpy as np

        @random_seed
        def test_optimizer_finds_the_minimum():
            points = np.random.uniform(size=(10, 2))
            assert optimize(points).min() >= 0

        if __name__ == "__main__":
            test_optimizer_finds_the_minimum()
        """
    assert lint(program, "MLS101") == []
    assert lines(lint(program.replace("@random_seed", "@pytest.mark.slow"), "MLS101")) == [5]


def test_draws_that_only_feed_a_shape_check_a_plot_or_an_export_are_not_reported():
    assert not lint(
        """
        import numpy as np
        import torch
        import matplotlib.pyplot as plt

        def smoke_test():
            net = build_net()
            batch = torch.randn(2, 3, 64, 64)
            logits = net(batch)
            assert logits.size(1) == 10
            torch.onnx.export(net, torch.randn(1, 3, 64, 64), "net.onnx")

        picks = np.random.choice(len(gallery), 6, replace=False)
        for slot, index in enumerate(picks):
            plt.subplot(2, 3, slot + 1)
            plt.imshow(gallery[index])
            plt.title(labels[index])

        if __name__ == "__main__":
            smoke_test()
        """,
        "MLS101",
    )


def test_draws_that_pick_training_data_or_are_written_out_are_reported():
    findings = lint(
        """
        import numpy as np
        import matplotlib.pyplot as plt

        picks = np.random.choice(len(gallery), 6, replace=False)
        plt.imshow(gallery[picks[0]])
        subset = gallery[picks]
        classifier.fit(subset, labels[picks])
        """,
        "MLS101",
    )
    assert lines(findings) == [4]
    written = lint(
        """
        import numpy as np

        def export_sample(frame):
            rows = np.random.choice(len(frame), 100)
            frame.iloc[rows].to_csv("sample.csv")

        export_sample(load())
        """,
        "MLS101",
    )
    assert lines(written) == [4]


def test_a_notebook_cell_that_shows_a_draw_is_not_reported_but_training_data_is():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import torch
        noise = torch.rand(2, 3)
        noise, noise.dtype
        # %% [2]
        torch.matmul(noise, noise.T)
        # %% [3]
        features = torch.randn(64, 3)
        model = train_model(features)
        """
        ),
        "MLS101",
    )
    assert [f.message.split("`")[1] for f in findings] == ["torch.randn"]


def test_estimators_that_are_never_fitted_are_not_reported():
    assert not lint(
        """
        from sklearn.ensemble import RandomForestClassifier, ExtraTreesClassifier

        def describe_defaults():
            forest = RandomForestClassifier()
            print(forest.get_params())
            candidates = {"trees": ExtraTreesClassifier(), "forest": RandomForestClassifier(n_estimators=50)}
            print(sorted(candidates))
        """,
        "MLS102",
    )


def test_estimators_that_are_fitted_cross_validated_or_searched_are_reported():
    findings = lint(
        """
        from sklearn.ensemble import RandomForestClassifier, ExtraTreesClassifier
        from sklearn.model_selection import cross_val_score, RandomizedSearchCV

        def compare(X, y):
            candidates = {"trees": ExtraTreesClassifier(), "forest": RandomForestClassifier()}
            for name, estimator in candidates.items():
                estimator.fit(X, y)
            print(cross_val_score(RandomForestClassifier(max_depth=4), X, y).mean())
            search = RandomizedSearchCV(RandomForestClassifier(random_state=0), {"max_depth": [2, 4]}, random_state=0)
            search.fit(X, y)
            return search
        """,
        "MLS102",
    )
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [
        (5, "ExtraTreesClassifier"), (5, "RandomForestClassifier"), (8, "RandomForestClassifier")
    ]


def test_seed_after_use_ignores_draws_that_are_only_shown_and_per_call_seeds():
    assert not lint(
        """
        import numpy as np

        def plot_random_rows(frame, random_state=None):
            np.random.seed(random_state)
            rows = np.random.choice(len(frame), 5)
            show(frame.iloc[rows])

        preview = np.random.rand(3)
        print(preview)
        weights = np.random.normal(size=10)
        plot_random_rows(table)
        fit(weights)
        """,
        "MLS105",
    )


def test_seed_after_use_still_reports_a_late_seeding_helper():
    findings = lint(
        """
        import numpy as np

        def set_seed(seed):
            np.random.seed(seed)

        weights = np.random.normal(size=10)
        set_seed(0)
        fit(weights)
        """,
        "MLS105",
    )
    assert lines(findings) == [6]


def test_functions_a_program_never_runs_are_left_to_their_callers():
    findings = lint(
        """
        import random
        import numpy as np

        def jitter_palette(colours):
            return random.sample(colours, len(colours))

        def bootstrap_rows(table):
            return table[np.random.randint(0, len(table), len(table))]

        class Augmenter:
            def __call__(self, batch):
                return batch + np.random.normal(0, 0.1, batch.shape)

        def main():
            data = load_table("train.csv")
            return fit_model(bootstrap_rows(data))

        if __name__ == "__main__":
            main()
        """,
        "MLS101",
    )
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [(8, "numpy.random.randint")]


def test_a_class_or_callback_the_program_uses_is_followed():
    findings = lint(
        """
        import torch

        class NoisyEncoder(torch.nn.Module):
            def forward(self, x):
                return self.net(x + torch.randn_like(x))

        def train(epochs):
            model = NoisyEncoder()
            return fit(model, epochs)

        if __name__ == "__main__":
            run_with_retries(train, epochs=5)
        """,
        "MLS101",
    )
    assert [f.message.split("`")[1] for f in findings] == ["torch.randn_like"]


def test_draws_that_pick_a_seed_are_not_reported():
    assert not lint(
        """
        import numpy as np
        import lightgbm as lgb

        params = {"objective": "binary", "seed": np.random.randint(10_000)}
        for round_ in range(3):
            seed = np.random.randint(99_999)
            print("bagging seed", seed)
            booster = lgb.train({**params, "bagging_seed": seed}, train_set(round_))
            evaluate(booster, random_state=np.random.randint(100))
        """,
        "MLS101",
    )


def test_images_written_for_viewing_and_project_plotting_helpers_are_not_results():
    assert not lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import random
        import torch
        from torchvision.utils import save_image
        # %% [2]
        latent = torch.randn(16, 32)
        save_image(decoder(latent).view(16, 1, 28, 28), "samples.png")
        # %% [3]
        def show_predictions(model, paths):
            for path in paths:
                print(path, model(path))
        # %% [4]
        picked = random.sample(test_image_paths, k=4)
        show_predictions(classifier, picked)
        """
        ),
        "MLS101",
    )


def test_unseeded_draws_in_a_test_suite_are_left_to_the_tests():
    source = """
        import torch
        from sklearn.ensemble import RandomForestClassifier

        def test_pooling_keeps_the_batch_size():
            features = torch.rand(4, 16, 7, 7)
            assert pool(features).shape[0] == 4

        def test_forest_pipeline_fits():
            make_pipeline(RandomForestClassifier()).fit(X, y)
        """
    assert not lint(source, "MLS101", "MLS102", path="tests/test_layers.py")
    script = """
        import torch
        data = torch.rand(100, 3)
        fit_model(data)
        """
    assert codes(lint(script, "MLS101", path="tests/integration/train_example.py")) == ["MLS101"]


def test_an_estimator_given_to_a_seeding_ensemble_is_a_template():
    findings = lint(
        """
        from sklearn.ensemble import AdaBoostRegressor, BaggingClassifier
        from sklearn.tree import DecisionTreeClassifier, ExtraTreeRegressor

        class StumpEnsemble:
            def __init__(self, base=DecisionTreeClassifier(max_depth=1), random_state=None):
                self.base = base
                self.random_state = random_state

        boosted = AdaBoostRegressor(ExtraTreeRegressor(max_depth=3), random_state=7).fit(X, y)
        stump = DecisionTreeClassifier(max_depth=1)
        bagged = BaggingClassifier(estimator=stump, n_estimators=20).fit(X, y)
        single = DecisionTreeClassifier(max_depth=4).fit(X, y)
        """,
        "MLS102",
    )
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [
        (11, "BaggingClassifier"), (12, "DecisionTreeClassifier")]


def test_an_embedding_only_plotted_is_not_reported_but_one_trained_on_is():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import matplotlib.pyplot as plt
        from sklearn.manifold import TSNE
        from sklearn.cluster import KMeans
        # %% [2]
        projected = TSNE(n_components=2, init="random").fit_transform(latent_codes)
        plt.scatter(projected[:, 0], projected[:, 1], c=labels)
        # %% [3]
        clusters = KMeans(n_clusters=5).fit_predict(latent_codes)
        downstream = train_classifier(latent_codes, clusters)
        """
        ),
        "MLS102",
    )
    assert [f.message.split("`")[1] for f in findings] == ["KMeans"]
