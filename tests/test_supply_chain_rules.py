"""MLS205 and MLS206 (supply chain) beyond their documented examples."""

from __future__ import annotations

import pytest
from conftest import findings, lint, lint_percent_notebook, write_project

from mlsmells.engine.linter import lint_notebook
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule
from mlsmells.rules.configuration.supply_chain import (
    hub_repo_id,
    unpinned_packages,
    url_is_pinned,
)


@pytest.mark.parametrize(
    ("command", "unpinned"),
    [
        ("pip install torch", ["torch"]),
        ("pip install -q transformers==4.40.0 datasets", ["datasets"]),
        ("python -m pip install -U 'torch>=2.0' numpy~=1.26", ["torch>=2.0"]),
        ("conda install -c conda-forge numpy=1.26 scipy", ["scipy"]),
        ("pip install git+https://github.com/org/lib.git", ["git+https://github.com/org/lib.git"]),
        ("pip install git+https://github.com/org/lib.git@4f2a9c1", []),
        ("pip install -r requirements.txt -c constraints.txt", []),
        ("pip install -e . ./vendor/pkg dist/pkg-1.0-py3-none-any.whl", []),
        ("pip install -U pip setuptools wheel", []),
        ("pip install {package}", []),
        ("pip list", []),
        ("pip install 'unterminated", []),
        ("pip install -qr requirements.txt", []),
        ("pip install -Uqr requirements/dev.txt lightgbm", ["lightgbm"]),
        ("pip -q install lightgbm", ["lightgbm"]),
        ("pip --quiet --proxy http://proxy.internal:3128 install shap==0.45.0 optuna", ["optuna"]),
        ("pip --version", []),
        ("pip install --no-index --find-links ../input/tabnet-wheels pytorch-tabnet", []),
        ("pip install --no-index -f /kaggle/input/wheels iterative-stratification", []),
        ("pip install --find-links https://download.pytorch.org/whl/torch_stable.html torch", ["torch"]),
    ],
)
def test_unpinned_packages(command, unpinned):
    assert unpinned_packages(command) == unpinned


def test_the_message_quotes_the_command_without_its_shell_comment():
    rule = find_rule("MLS206")
    notebook, _ = notebook_from_percent(
        "# %% [1]\n!pip install -q torchmetrics -U mlxtend  # torchmetrics for the confusion matrix\n"
        "# %% [2]\n%pip --quiet install optuna\n# %% [3]\n!pip install lightgbm==4.3.0\n"
    )
    findings = lint_notebook("nb.ipynb", notebook, [rule], {rule: {}}).findings
    assert [f.cell for f in findings] == [1, 2]
    assert findings[0].message.startswith("`pip install -q torchmetrics -U mlxtend` installs torchmetrics, mlxtend")
    assert findings[1].message.startswith("`pip --quiet install optuna` installs optuna")
    assert "though this file pins `lightgbm==4.3.0`" in findings[1].message


def test_notebook_shell_and_magic_lines_are_checked():
    rule = find_rule("MLS206")
    notebook, _ = notebook_from_percent(
        "# %% [1]\n!pip install -q torch==2.3.1 transformers\n# %% [2]\nif IN_COLAB:\n"
        "    %pip install -q -U urlextract\n# %% [3]\n!pip install -r requirements.txt\n"
    )
    findings = lint_notebook("nb.ipynb", notebook, [rule], {rule: {}}).findings
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(1, 1, 1), (2, 2, 5)]
    assert "installs transformers without a version, though this file pins `torch==2.3.1`" in findings[0].message


def test_subprocess_and_os_system_through_aliases():
    findings = lint(
        """
        import os as operating_system
        from subprocess import check_call as sh

        operating_system.system("pip install lightgbm")
        sh("pip install xgboost==2.0.3", shell=True)
        sh(["pip", "install", PACKAGE])
        """,
        "MLS206",
    )
    assert [f.span.line for f in findings] == [4]


# MLS205 unpinned-remote-artifact ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        ("https://raw.githubusercontent.com/acme/churn-data/main/customers.csv", False),
        ("https://raw.githubusercontent.com/acme/churn-data/9f8e7d6c/customers.csv", True),
        ("https://downloads.example.org/releases/v2.1/reviews.parquet", True),
        ("https://downloads.example.org/exports/sales-2023-06-30.csv", True),
        ("https://zenodo.org/records/7654321/files/sensors.zip", True),
        ("s3://acme-ml/features/users.parquet?versionId=3HL4kqtJlcpXroDTDmJ", True),
        ("https://archive.ics.uci.edu/ml/machine-learning-databases/iris/iris.data", False),
        ("hf://datasets/acme/reviews@8c1d2e3/train.parquet", True),
        ("hf://datasets/acme/reviews/train.parquet", False),
        ("https://www.dropbox.com/s/abcdefghij/weights.zip?dl=1", False),
    ],
)
def test_url_is_pinned(url, pinned):
    assert url_is_pinned(url) is pinned


@pytest.mark.parametrize(
    ("name", "dataset", "is_hub"),
    [
        ("bert-base-uncased", False, True),
        ("gpt2", False, True),
        ("meta-llama/Llama-3.1-8B", False, True),
        ("./checkpoints/run3", False, False),
        ("outputs/final", False, False),
        ("runs/exp1/best", False, False),
        ("checkpoint-500", False, False),
        ("my_model", False, False),
        ("/mnt/models/bert", False, False),
        ("tokenizer.json", False, False),
        ("imdb", True, True),
        ("imdb", False, False),
        ("data", True, False),
    ],
)
def test_hub_repo_id_tells_hub_ids_from_local_paths(name, dataset, is_hub):
    assert hub_repo_id(name, dataset=dataset) is is_hub


def test_remote_artifacts_through_aliases_constants_and_imports_in_functions():
    findings = lint(
        """
        def fetch_training_data():
            import pandas as P
            from urllib.request import urlretrieve as grab
            from huggingface_hub import hf_hub_download

            base = "https://storage.example.com/datasets/churn/"
            customers = P.read_csv(base + "customers.csv")
            grab(f"{base}events.zip", "events.zip")
            weights = hf_hub_download("acme/churn-model", "model.safetensors")
            pinned = P.read_parquet(base + "2024-05-01/orders.parquet")
            return customers, weights, pinned
        """,
        "MLS205",
    )
    assert [(f.span.line, f.span.column) for f in findings] == [(7, 17), (8, 5), (9, 15)]
    assert "https://storage.example.com/datasets/churn/customers.csv" in findings[0].message


def test_hub_loads_that_are_pinned_or_local_or_chosen_at_run_time_are_not_reported():
    findings = lint(
        """
        import argparse
        import os

        import torch
        from datasets import load_dataset
        from sklearn.datasets import fetch_openml
        from tensorflow import keras
        from transformers import AutoModel, AutoTokenizer, pipeline

        REVISION = os.environ["MODEL_REVISION"]
        HUB_OPTIONS = {"revision": "4b1f0c2"}
        MODEL_DIR = os.path.join("artifacts", "encoder")

        def main(args):
            tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased", revision=REVISION)
            encoder = AutoModel.from_pretrained("bert-base-uncased", **HUB_OPTIONS)
            backbone = AutoModel.from_pretrained(args.model_name)
            restored = AutoModel.from_pretrained(MODEL_DIR)
            sentiment = pipeline("sentiment-analysis")
            reviews = load_dataset("csv", data_files={"train": "data/train.csv"})
            detector = torch.hub.load("./yolov5", "custom", source="local")
            mnist = fetch_openml("mnist_784", version=1)
            credit = fetch_openml(data_id=31)
            archive = keras.utils.get_file(
                "flowers.tgz", origin="https://example.org/flowers.tgz", file_hash="6f5a4b3c2d1e"
            )
            finetuned = AutoModel.from_pretrained("bert-base-uncased", revision="8f3c1a2")
            finetuned.save_pretrained("bert-finetuned")
            reloaded = AutoModel.from_pretrained("bert-finetuned")
        """,
        "MLS205",
    )
    assert findings == []


def test_a_branch_as_revision_and_unpinned_torch_hub_and_openml_are_reported():
    findings = lint(
        """
        import torch.hub as hub
        from datasets import load_dataset
        from sklearn.datasets import fetch_openml

        squad = load_dataset("rajpurkar/squad", revision="main")
        midas = hub.load("intel-isl/MiDaS:master", "MiDaS_small")
        titanic = fetch_openml("titanic", version="active")
        """,
        "MLS205",
    )
    findings = sorted(findings, key=lambda finding: finding.span)
    assert [f.span.line for f in findings] == [5, 6, 7]
    assert "revision=\"main\"`, a branch that moves" in findings[0].message
    assert "pin a release tag or commit: 'intel-isl/MiDaS:<tag>'" in findings[1].message


def test_dataset_files_read_from_urls_are_checked():
    findings = lint(
        """
        from datasets import load_dataset

        reviews = load_dataset("json", data_files={"train": "https://example.com/reviews/train.jsonl"})
        frozen = load_dataset("parquet", data_files=["https://example.com/reviews/v2/test.parquet"])
        """,
        "MLS205",
    )
    assert [f.span.line for f in findings] == [3]
    assert "https://example.com/reviews/train.jsonl" in findings[0].message


def test_http_clients_count_only_data_file_urls_and_downloaders_skip_pictures():
    findings = lint(
        """
        import requests
        from urllib.request import urlretrieve

        status = requests.get("https://api.example.com/jobs/latest").json()
        corpus = requests.get("https://example.com/corpora/shakespeare/input.txt").text
        urlretrieve("https://example.com/assets/california.png", "california.png")
        """,
        "MLS205",
    )
    assert [f.span.line for f in findings] == [5]


def test_library_code_loading_whatever_it_is_given_is_not_reported():
    findings = lint(
        """
        from transformers import AutoConfig, AutoModel

        class Encoder:
            @classmethod
            def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
                config = AutoConfig.from_pretrained(pretrained_model_name_or_path, **kwargs)
                model = AutoModel.from_pretrained(pretrained_model_name_or_path, config=config)
                return cls(model)
        """,
        "MLS205",
    )
    assert findings == []


def test_settings_a_configurator_can_override_are_not_known():
    findings = lint(
        """
        from datasets import load_dataset

        dataset = "openwebtext"
        exec(open("configurator.py").read())
        corpus = load_dataset(dataset)
        """,
        "MLS205",
    )
    assert findings == []


def test_notebook_downloads_and_constants_across_cells():
    findings = lint_percent_notebook(
        "# %% [1]\n!wget -q https://example.com/data/train.csv\n!wget https://example.com/data/v3/test.csv\n"
        "!curl -fsSL https://get.example.com/install.sh | sh\n"
        "# %% [2]\nMODEL = \"facebook/bart-large-mnli\"\n"
        "# %% [3]\nfrom transformers import pipeline\nclassifier = pipeline(\"zero-shot-classification\", model=MODEL)\n",
        "MLS205",
    )
    findings = sorted(findings, key=lambda finding: (finding.cell, finding.span))
    assert [(f.cell, f.span.line) for f in findings] == [(1, 1), (3, 2)]


def test_frozen_artifacts_are_quiet_and_moving_ones_reported():
    findings = lint(
        """
        import pandas as pd
        import torch
        from transformers import AutoModel, AutoTokenizer

        wine = pd.read_csv("https://archive.ics.uci.edu/ml/machine-learning-databases/wine/wine.data")
        snapshot = pd.read_csv("https://web.archive.org/web/sales/monthly.csv")
        weights = torch.hub.load_state_dict_from_url("https://dl.example.org/segnet/segnet_large.pth")
        tokenizer = AutoTokenizer.from_pretrained("roberta-base")
        encoder = AutoModel.from_pretrained("xlm-roberta-large")

        drifting = torch.hub.load_state_dict_from_url("https://github.com/acme/zoo/raw/main/segnet.pth")
        labels = pd.read_csv("https://raw.githubusercontent.com/acme/labels/master/classes.csv")
        adapter = AutoModel.from_pretrained("acme/segnet-base")
        """,
        "MLS205",
    )
    assert [finding.span.line for finding in findings] == [11, 12, 13]
    assert "Hub model repository 'acme/segnet-base'" in findings[2].message


def test_dataset_repositories_and_explicit_branches_are_named_as_such():
    findings = lint(
        """
        import torch
        from datasets import load_dataset
        from huggingface_hub import hf_hub_download

        reviews = load_dataset("imdb")
        table = hf_hub_download("acme/churn", "train.csv", repo_type="dataset")
        detector = torch.hub.load("acme/detectors:main", "small")
        """,
        "MLS205",
    )
    messages = [finding.message for finding in sorted(findings, key=lambda f: f.span.line)]
    assert "Hub dataset repository 'imdb'" in messages[0]
    assert "Hub dataset repository 'acme/churn'" in messages[1]
    assert "at the branch 'main'" in messages[2]


def test_the_projects_own_package_installed_by_its_documentation_is_not_reported(tmp_path):
    write_project(tmp_path, {
        "calibra/__init__.py": "from .conformal import ConformalRegressor\n",
        "calibra/conformal.py": "class ConformalRegressor:\n    pass\n",
        "docs/requirements.txt": "sphinx==7.2.6\n",
        "docs/tutorial.py": """
            import subprocess
            import sys

            subprocess.run([sys.executable, "-m", "pip", "install", "calibra"], check=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "seaborn"], check=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "calibra-plugins"], check=True)
        """,
    })
    # calibra is the project's own package; seaborn is not, nor is calibra-plugins
    assert findings(tmp_path, "MLS206") == [("docs/tutorial.py", "MLS206", 5), ("docs/tutorial.py", "MLS206", 6)]


def test_unpinned_installs_are_reported_only_where_the_project_pins_versions(tmp_path):
    write_project(tmp_path, {
        "requirements.txt": "# training stack\ntorch==2.3.1\nscikit-learn~=1.4.0\n",
        "training/finetune.py": """
            import subprocess

            subprocess.run(["pip", "install", "peft"], check=True)
        """,
        "sandbox/requirements-dev.txt": "pytest\nruff\n",
    })
    (tmp_path / "sandbox" / "explore.py").write_text(
        "import os\n\nos.system('pip install -U seaborn')\n"
    )
    # finetune.py sits under a requirement file with pins; sandbox's own file pins nothing,
    # but the root one above it does
    assert findings(tmp_path, "MLS206") == [("sandbox/explore.py", "MLS206", 3), ("training/finetune.py", "MLS206", 3)]


def test_a_cached_result_follows_the_requirement_files_it_read(tmp_path):
    """The pins are read from files that are not modules: a cached result for the script
    holds only while they, and the directories searched for them, stay the same."""
    cache = tmp_path / ".cache"
    project = tmp_path / "project"
    write_project(project, {
        "requirements.txt": "torch\n",
        "training/finetune.py": "import subprocess\n\nsubprocess.run(['pip', 'install', 'peft'], check=True)\n",
    })
    assert findings(project, "MLS206", cache=cache) == []
    (project / "requirements.txt").write_text("torch==2.3.1\n")
    assert findings(project, "MLS206", cache=cache) == [("training/finetune.py", "MLS206", 3)]
    (project / "requirements.txt").write_text("torch\n")
    assert findings(project, "MLS206", cache=cache) == []
    (project / "training" / "constraints.txt").write_text("peft==0.11.1\n")
    assert findings(project, "MLS206", cache=cache) == [("training/finetune.py", "MLS206", 3)]


def test_unreadable_requirement_files_are_no_evidence_and_no_crash(tmp_path):
    """A directory named like a requirements file, bytes that are not UTF-8, and a link out
    of the project: each is read as nothing, or as what it legibly says."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "requirements.txt").write_text("torch==2.3.1\n")
    project = tmp_path / "project"
    write_project(project, {
        "lab/train.py": "import subprocess\n\nsubprocess.run(['pip', 'install', 'peft'], check=True)\n",
        "job/train.py": "import subprocess\n\nsubprocess.run(['pip', 'install', 'peft'], check=True)\n",
    })
    (project / "requirements.txt").mkdir()
    (project / "lab" / "constraints.txt").symlink_to(outside / "requirements.txt")
    (project / "job" / "requirements-gpu.txt").write_bytes(b"\xff\xfe torch==2.3.1\n\x00\x9c\n")
    # the link leads out of the project and is not read; the mangled file still pins torch
    assert findings(project, "MLS206") == [("job/train.py", "MLS206", 3)]


def test_where_a_project_pins_nothing_the_newest_release_is_its_choice(tmp_path):
    write_project(tmp_path, {
        "requirements.txt": "numpy\npandas>=2.0\n# torch==1.4.0 (no longer pinned)\n",
        "notebooks/Dockerfile": "FROM python:3.11-slim\nRUN pip install --no-cache-dir jupyterlab\n",
        "serving/Dockerfile": "FROM python:3.11-slim\nRUN pip install fastapi==0.110.0 uvicorn\n",
        "serving/app_setup.py": "import os\n\nos.system('pip install onnxruntime')\n",
        "notebooks/setup_colab.py": """
            import os

            os.system("pip install -q --upgrade keras keras-nlp")
            os.system("pip install -r requirements.txt")
        """,
    })
    # only the serving image pins versions, and only next to it
    assert findings(tmp_path, "MLS206") == [("serving/app_setup.py", "MLS206", 3)]


def test_a_versioned_wheel_page_counts_as_a_pin_in_the_same_notebook():
    rule = find_rule("MLS206")
    notebook, _ = notebook_from_percent(
        "# %% [1]\n!pip install torch-cluster -f https://data.pyg.org/whl/torch-2.1.0+cu121.html\n"
        "# %% [2]\n!pip install torch-geometric\n"
    )
    found = lint_notebook("gnn.ipynb", notebook, [rule], {rule: {}}).findings
    assert [f.cell for f in found] == [1, 2]
    assert "this file installs from `torch-2.1.0+cu121.html`, a wheel page named for one version" in found[1].message

    unversioned, _ = notebook_from_percent(
        "# %% [1]\n!pip install torch --index-url https://download.pytorch.org/whl/cu121\n"
        "# %% [2]\n!pip install torchinfo\n"
    )
    assert lint_notebook("gnn.ipynb", unversioned, [rule], {rule: {}}).findings == []


# MLS205: files of the project's own repository, tutorial data, tests ------------------------------


def test_files_of_the_projects_own_repository_are_not_reported(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": """
            [project]
            name = "tidewatch"
            dependencies = ["forecastlib @ git+https://github.com/other-lab/forecastlib.git"]

            [project.urls]
            Homepage = "https://github.com/Harbor-Lab/tidewatch"
        """,
        "data/buoys/readings.csv": "station,height\n",
        "notebooks/colab_quickstart.py": """
            import pandas as pd

            own = pd.read_csv("https://raw.githubusercontent.com/harbor-lab/tidewatch/main/data/tides.csv")
            sibling = pd.read_csv("https://github.com/harbor-lab/coastal-data/raw/master/storms.csv")
            here = pd.read_csv("https://raw.githubusercontent.com/someone/fork/main/data/buoys/readings.csv")
            dependency = pd.read_csv("https://raw.githubusercontent.com/other-lab/forecastlib/main/levels.csv")
            third_party = pd.read_csv("https://raw.githubusercontent.com/noaa-mirror/tides/master/data/buoys/extra.csv")
        """,
    })
    # a dependency named in pyproject is not the project; a path missing from the checkout is not its file
    assert findings(tmp_path, "MLS205") == [
        ("notebooks/colab_quickstart.py", "MLS205", 6), ("notebooks/colab_quickstart.py", "MLS205", 7)
    ]


def test_the_git_remote_names_the_projects_own_repository(tmp_path):
    write_project(tmp_path, {
        ".git/config": '[remote "origin"]\n\turl = git@github.com:harbor-lab/tidewatch.git\n',
        "fetch.py": """
            from urllib.request import urlretrieve

            urlretrieve("https://raw.githubusercontent.com/harbor-lab/tidewatch/master/assets/stations.json", "s.json")
            urlretrieve("https://raw.githubusercontent.com/wavelab/buoy-net/master/assets/stations.json", "b.json")
        """,
    })
    assert findings(tmp_path, "MLS205") == [("fetch.py", "MLS205", 4)]


def test_framework_tutorial_data_is_frozen_but_lookalike_hosts_are_not():
    found = lint(
        """
        import tensorflow as tf
        from urllib.request import urlretrieve

        text = tf.keras.utils.get_file("poems.txt", "https://storage.googleapis.com/download.tensorflow.org/data/poems.txt")
        labels = tf.keras.utils.get_file("labels.txt", "https://download.tensorflow.org/data/ImageNetLabels.txt")
        urlretrieve("https://download.pytorch.org/tutorial/ants_bees.zip", "ants_bees.zip")
        urlretrieve("https://download.example.org/tutorial/ants_bees.zip", "mirror.zip")
        """,
        "MLS205",
    )
    assert [f.span.line for f in found] == [7]


def test_test_files_are_not_checked_but_the_same_code_elsewhere_is():
    code = """
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("acme-testing/tiny-random-bert")
    """
    assert lint(code, "MLS205", path="tests/test_tokenization.py") == []
    assert len(lint(code, "MLS205", path="serving/tokenize.py")) == 1


def test_torch_hub_message_says_code_is_fetched_and_weights_only_maybe():
    found = lint(
        """
        import torch

        backbone = torch.hub.load("acme/vision-zoo:main", "resnet_tiny", pretrained=False)
        """,
        "MLS205",
    )
    assert len(found) == 1
    assert "runs the code of 'acme/vision-zoo' at the branch 'main'" in found[0].message
    assert "(and any weights that code downloads)" in found[0].message
