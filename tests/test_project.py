"""The project's own functions across modules (engine/project.py), and the rules using them."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from mlsmells.engine.project import NONE, VALUE, Project, ProjectView, summarize

from conftest import codes, findings, lint, write_project


def view_of(root: Path, name: str) -> ProjectView:
    path = root / name
    return ProjectView(path, ast.parse(path.read_text()), Project(root))


PYTHON_KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}}

SEEDING_HELPER = """
    import random

    import numpy as np


    def set_seeds(seed=0):
        random.seed(seed)
        np.random.seed(seed)
"""

TRAINING_SCRIPT = """
    import numpy as np

    from helpers import set_seeds

    set_seeds()
    noise = np.random.normal(size=(100, 3))
"""


def test_a_seeding_helper_in_another_module_seeds_through_its_default(tmp_path):
    write_project(tmp_path, {"helpers.py": SEEDING_HELPER, "train.py": TRAINING_SCRIPT})
    assert findings(tmp_path, "MLS101") == []


def test_a_helper_called_with_none_or_that_seeds_nothing_does_not_seed(tmp_path):
    write_project(tmp_path, {
        "helpers.py": SEEDING_HELPER + """
            def prepare_environment(threads=4):
                import os
                os.environ["OMP_NUM_THREADS"] = str(threads)
        """,
        "train.py": """
            import numpy as np

            from helpers import prepare_environment, set_seeds

            set_seeds(None)
            prepare_environment()
            noise = np.random.normal(size=(100, 3))
        """,
    })
    assert findings(tmp_path, "MLS101") == [("train.py", "MLS101", 7)]


def test_seeding_is_followed_through_packages_relative_imports_and_re_exports(tmp_path):
    write_project(tmp_path, {
        "src/proj/__init__.py": "",
        "src/proj/utils/__init__.py": "from .seeding import *\nimport numpy as np\n",
        "src/proj/utils/seeding.py": """
            import torch

            from proj.utils.randomness import seed_numpy


            def fix_randomness(seed):
                seed_numpy(seed)
                torch.manual_seed(seed)
        """,
        "src/proj/utils/randomness.py": """
            import numpy


            def seed_numpy(value):
                numpy.random.seed(value)
        """,
        "src/proj/train.py": """
            from proj.utils import fix_randomness, np

            fix_randomness(42)
            weights = np.random.rand(10)
        """,
        "scripts/sample.py": """
            from proj.utils import np

            weights = np.random.rand(3)
        """,
    })
    # train.py seeds through two modules and a star re-export; sample.py draws from the
    # NumPy that `proj.utils` re-exports, unseeded.
    assert findings(tmp_path, "MLS101") == [("scripts/sample.py", "MLS101", 3)]


def test_import_cycles_and_recursion_end(tmp_path):
    write_project(tmp_path, {
        "a.py": "from b import helper as alias\nfrom b import *\n\ndef helper(n):\n    return helper(n - 1)\n",
        "b.py": "from a import alias\nfrom a import *\n\ndef loop(seed):\n    return loop(seed)\n",
        "train.py": """
            import numpy as np

            from a import alias, helper
            from b import loop, missing

            alias(1)
            helper(2)
            loop(3)
            missing(4)
            weights = np.random.rand(2)
        """,
    })
    view = view_of(tmp_path, "train.py")
    # a.alias is b.helper, which b's star import of a makes a.helper: found, after a cycle.
    assert view.function(["a.alias"]).key == "helper"
    assert view.function(["b.missing"]) is None and view.canonical("b.missing") == "b.missing"
    function = view.function(["a.helper"])
    assert function is not None and list(view.calls_made(function, (VALUE,), {})) == []
    assert findings(tmp_path, "MLS101") == [("train.py", "MLS101", 10)]


def test_arguments_reach_library_calls_with_their_shapes(tmp_path):
    write_project(tmp_path, {
        "util.py": """
            import torch


            class Seeder:
                def __init__(self, seed=None):
                    self.apply(seed)

                def apply(self, seed):
                    torch.manual_seed(seed)


            def seed_all(seed=None, deterministic=True):
                torch.manual_seed(seed)
                torch.use_deterministic_algorithms(deterministic)
        """,
        "main.py": "from util import seed_all\n",
    })
    view = view_of(tmp_path, "main.py")
    seed_all = view.function(["util.seed_all"])
    made = list(view.calls_made(seed_all, (), {}))
    assert [(call.callee, call.argument(0, "seed")) for call in made] == [
        ("torch.manual_seed", NONE),
        ("torch.use_deterministic_algorithms", VALUE),
    ]
    assert [call.argument(0, "seed") for call in view.calls_made(seed_all, (VALUE,), {})][0] == VALUE
    init = view.function(["util.Seeder.__init__"])
    assert [(c.callee, c.args) for c in view.calls_made(init, (VALUE, VALUE), {})] == [("torch.manual_seed", (VALUE,))]


def test_returned_library_calls_are_followed_through_project_functions(tmp_path):
    write_project(tmp_path, {
        "metrics.py": """
            from sklearn.metrics import accuracy_score


            def score(model, X, y):
                predictions = model.predict(X)
                result = accuracy_score(y, predictions)
                return float(result)
        """,
        "train.py": """
            from metrics import score


            def evaluate(model, X, y):
                return score(model, X, y)


            def fit_and_score(model, X, y):
                model.fit(X, y)
                return model.score(X, y)
        """,
    })
    view = view_of(tmp_path, "train.py")
    assert view.returned(view.function([], "evaluate")) == {"sklearn.metrics.accuracy_score"}
    assert view.returned(view.function([], "fit_and_score")) == {"?.score"}


def test_a_project_directory_without_init_never_hides_a_library(tmp_path):
    write_project(tmp_path, {
        "datasets/readme.txt": "data lives here\n",
        "train.py": "import datasets\n\ndatasets.load_dataset('imdb')\n",
    })
    view = view_of(tmp_path, "train.py")
    assert view.canonical("datasets.load_dataset") == "datasets.load_dataset"
    assert view.function(["datasets.load_dataset"]) is None


def test_unreadable_or_broken_modules_are_not_the_projects_answers(tmp_path):
    write_project(tmp_path, {
        "broken.py": "def set_seed(:\n",
        "train.py": "import numpy as np\nfrom broken import set_seed\n\nset_seed()\nx = np.random.rand(1)\n",
    })
    (tmp_path / "fifo.py").symlink_to("/dev/zero")
    view = view_of(tmp_path, "train.py")
    assert view.function(["broken.set_seed"]) is None and view.function(["fifo.anything"]) is None
    assert findings(tmp_path, "MLS101") == [("train.py", "MLS101", 5)]


def test_a_cached_result_is_redone_when_an_imported_module_changes(tmp_path):
    project, cache = tmp_path / "project", tmp_path / "cache"
    write_project(project, {"helpers.py": SEEDING_HELPER, "train.py": TRAINING_SCRIPT})
    assert findings(project, "MLS101", cache=cache) == []
    # The helper stops seeding NumPy: train.py, unchanged, is analysed again.
    write_project(project, {"helpers.py": SEEDING_HELPER.replace("np.random.seed(seed)", "pass")})
    assert findings(project, "MLS101", cache=cache) == [("train.py", "MLS101", 6)]
    # Any change to helpers.py (here a comment) has train.py analysed again, to the same result.
    write_project(project, {"helpers.py": "# seeds\n" + textwrap.dedent(SEEDING_HELPER)})
    assert findings(project, "MLS101", cache=cache) == []
    # A module that did not exist appears: what was a library name is now the project's.
    write_project(project, {"train.py": "import numpy as np\nfrom tools import setup\n\nsetup()\nx = np.random.rand(2)\n"})
    assert findings(project, "MLS101", cache=cache) == [("train.py", "MLS101", 5)]
    write_project(project, {"tools.py": "import numpy\n\ndef setup():\n    numpy.random.seed(7)\n"})
    assert findings(project, "MLS101", cache=cache) == []


def test_notebooks_use_the_project_modules_next_to_them(tmp_path):
    write_project(tmp_path, {"helpers.py": SEEDING_HELPER})
    cells = ["import numpy as np\nfrom helpers import set_seeds", "set_seeds(1)", "sample = np.random.choice(10, 3)"]
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells], metadata=PYTHON_KERNEL)
    nbformat.write(notebook, str(tmp_path / "eda.ipynb"))
    assert findings(tmp_path, "MLS101") == []
    cells[1] = "set_seeds(None)"
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells], metadata=PYTHON_KERNEL)
    nbformat.write(notebook, str(tmp_path / "eda.ipynb"))
    assert [code for _, code, _ in findings(tmp_path, "MLS101")] == ["MLS101"]


def test_summaries_of_one_module():
    summary = summarize(ast.parse(textwrap.dedent("""
        import numpy as np
        from .io import load as read
        np = np  # both imported and assigned: neither

        def train(data, seed=None, *, epochs=3):
            model = read(data)
            return model

        class Trainer:
            def fit(self, data):
                self.prepare(data)

            def prepare(self, data):
                pass
    """)))
    assert "np" not in summary.imports and summary.imports["read"] == ".io.load"
    train = summary.functions["train"]
    assert train.params == ("data", "seed") and dict(train.defaults) == {"seed": NONE, "epochs": VALUE}
    assert train.returns == (".io.load",)
    assert [site.callee for site in summary.functions["Trainer.fit"].calls] == ["#Trainer.prepare"]


def test_the_file_own_helpers_answer_without_a_project():
    assert codes(lint("""
        import numpy as np


        def seed_everything_we_use():
            np.random.seed(0)


        def main():
            seed_everything_we_use()
            return np.random.rand(3)
    """, "MLS101")) == []


def test_exact_asserts_on_metrics_returned_by_project_functions(tmp_path):
    write_project(tmp_path, {
        "churn/train.py": """
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import roc_auc_score


            def train(X, y, seed=0):
                model = LogisticRegression(random_state=seed).fit(X, y)
                auc = roc_auc_score(y, model.predict_proba(X)[:, 1])
                return auc


            def rounded_accuracy(model, X, y):
                return round(model.score(X, y), 2)


            def count_rows(frame):
                return len(frame)
        """,
        "tests/test_train.py": """
            from churn.train import count_rows, rounded_accuracy, train


            def test_training_is_reproducible(churn_frame, X, y, model):
                assert train(X, y, seed=0) == 0.8731
                assert rounded_accuracy(model, X, y) == 0.87
                assert count_rows(churn_frame) == 1000.0
        """,
    })
    assert findings(tmp_path, "MLS107") == [("tests/test_train.py", "MLS107", 5)]


def test_package_bindings_win_over_submodules_and_from_dot_imports(tmp_path):
    write_project(tmp_path, {
        "pkg/__init__.py": "from .set_seeds import set_seeds\nfrom .launch import *\n",
        "pkg/set_seeds.py": "import numpy as np\n\ndef set_seeds(seed):\n    np.random.seed(seed)\n",
        "pkg/launch.py": "import torch\n\ndef launch(seed=1):\n    torch.manual_seed(seed)\n",
        "pkg/user.py": "from . import set_seeds\nfrom .. import outside\n",
        "train.py": "from pkg import launch, set_seeds\n",
    })
    (tmp_path.parent / "outside.py").write_text("def helper():\n    pass\n")
    view = view_of(tmp_path, "train.py")
    assert view.function(["pkg.set_seeds"]).key == "set_seeds"
    assert [c.callee for c in view.calls_made(view.function(["pkg.launch"]), (), {})] == ["torch.manual_seed"]
    inner = view_of(tmp_path, "pkg/user.py")
    made = inner.calls_made(inner.function([".set_seeds"]), (VALUE,), {})
    assert [c.callee for c in made] == ["numpy.random.seed"]
    # Nothing above the project root is read, even from a package at the root.
    (tmp_path / "__init__.py").write_text("")
    assert view_of(tmp_path, "train.py").function(["outside.helper"]) is None


def test_a_returned_name_is_what_it_was_last_bound_to():
    summary = summarize(ast.parse(textwrap.dedent("""
        import torch

        def sample_points(coarse, k):
            points = torch.rand(k, 2)
            points = refine(points, coarse)
            return points

        def uncertainty(logits):
            score = torch.sigmoid(logits)
            return score
    """)))
    assert summary.functions["sample_points"].returns == ()
    assert summary.functions["uncertainty"].returns == ("torch.sigmoid",)


LOADING_MODULE = """
    import pandas as pd


    def load_customers(path="data/customers.csv"):
        customers = pd.read_csv(path)
        return customers.dropna(subset=["churned"])


    def load_checked(path):
        frame = pd.read_csv(path)
        if frame["age"].lt(0).any():
            raise ValueError("negative ages")
        return frame


    def load_validated(path):
        return validate_schema(pd.read_csv(path))


    def validate_schema(frame):
        return frame
"""


def test_data_loaded_by_a_project_function_reaches_training_unchecked(tmp_path):
    write_project(tmp_path, {
        "churn/__init__.py": "",
        "churn/data.py": LOADING_MODULE,
        "train.py": """
            import os

            from sklearn.linear_model import LogisticRegression

            from churn.data import load_checked, load_customers, load_validated

            customers = load_customers(os.environ["CUSTOMERS_CSV"])
            model = LogisticRegression().fit(customers.drop(columns="churned"), customers["churned"])
            checked = load_checked("data/customers.csv")
            LogisticRegression().fit(checked.drop(columns="churned"), checked["churned"])
            validated = load_validated("data/customers.csv")
            LogisticRegression().fit(validated.drop(columns="churned"), validated["churned"])
        """,
    })
    # train.py imports no pandas: the rule runs because churn.data hands it a DataFrame.
    assert findings(tmp_path, "MLS301") == [("train.py", "MLS301", 7)]


def test_a_loading_helper_of_the_same_file_is_followed():
    found = lint("""
        import sys
        import pandas as pd
        from sklearn.ensemble import RandomForestRegressor


        def read_sales(path):
            return pd.read_csv(path, parse_dates=["day"])


        def read_checked(path):
            sales = pd.read_csv(path)
            assert sales["units"].ge(0).all()
            return sales


        sales = read_sales(sys.argv[1])
        RandomForestRegressor().fit(sales[["price"]], sales["units"])
        checked = read_checked(sys.argv[1])
        RandomForestRegressor().fit(checked[["price"]], checked["units"])
    """, "MLS301")
    assert [(f.span.line, "read_sales" in f.message) for f in found] == [(16, True)]


def test_a_split_made_in_another_module_is_followed(tmp_path):
    write_project(tmp_path, {
        "pipeline/__init__.py": "",
        "pipeline/splitting.py": """
            from sklearn.model_selection import train_test_split


            def holdout(X, y, share=0.2):
                parts = train_test_split(X, y, test_size=share, stratify=y, random_state=7)
                return parts
        """,
        "train.py": """
            import pandas as pd
            from sklearn.preprocessing import StandardScaler

            from pipeline.splitting import holdout

            loans = pd.read_csv("loans.csv")
            X_train, X_test, y_train, y_test = holdout(loans.drop(columns="default"), loans["default"])
            scaler = StandardScaler().fit(X_test)
        """,
    })
    assert findings(tmp_path, "MLS312") == [("train.py", "MLS312", 8)]
