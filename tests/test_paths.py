"""MLS201 (hard-coded path) beyond its documented examples: what counts as a machine
path or a path-like name, aliases, variables, near misses, tests, options and notebooks."""

from __future__ import annotations

import pytest
from conftest import lines, lint, lint_percent_notebook

from mlsmells.engine.linter import lint_source
from mlsmells.registry import find_rule
from mlsmells.rules.configuration.paths import is_path_name, machine_path


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("/home/ana/data/train.csv", "a path in a user's home directory"),
        ("/Users/bob/Desktop/model.pkl", "a path in a user's home directory"),
        ("~/Documents/imdb", "a path in the home directory"),
        ("~bob/data", "a path in a user's home directory"),
        ("C:\\Users\\bob\\data.csv", "a path on a Windows drive"),
        ("D:/datasets/coco", "a path on a Windows drive"),
        ("/content/drive/MyDrive/run1", "a path on a Google Drive mounted in Colab"),
        ("/mnt/nas/imagenet", "an absolute path"),
        ("/tmp/run", None),
        ("/dev/null", None),
        ("/etc/hosts", None),
        ("/opt/ml/model", None),
        ("C:\\Program Files\\Graphviz\\bin", None),
        ("~/.cache/huggingface", None),
        ("~", None),
        ("data/train.csv", None),
        ("../input/train.csv", None),
        ("https://host/home/x", None),
        ("/kaggle/input/titanic/train.csv", "an absolute path"),
        ("/root/.cache/huggingface", None),
        ("/root/data/train.csv", "a path in a user's home directory"),
        ("/path/to/train/dir", None),
        ("/Users/yourname/data", None),
    ],
)
def test_machine_paths(text, kind):
    assert machine_path(text) == kind


def test_platform_folders_are_allowed_but_not_a_users_google_drive():
    platforms = tuple(find_rule("MLS201").default_options()["allowed-prefixes"])
    assert machine_path("/kaggle/input/titanic/train.csv", platforms) is None
    assert machine_path("/content/molecules.pkl", platforms) is None
    assert machine_path("/mnt/models/model.joblib", platforms) is None  # KServe's model mount
    assert machine_path("/mnt/shared/ana/model.joblib", platforms) == "an absolute path"
    assert machine_path("/kagglers/x", platforms) == "an absolute path"
    assert machine_path("/content/drive/MyDrive/churn.csv", platforms) == "a path on a Google Drive mounted in Colab"


@pytest.mark.parametrize(
    ("name", "holds_a_path"),
    [("DATA_DIR", True), ("trainPath", True), ("img_file", True), ("output_root", True), ("logdir", True),
     ("url_path", False), ("api_root", False), ("placeholder_xpath", False), ("profile", False), ("model", False)],
)
def test_path_names(name, holds_a_path):
    assert is_path_name(name) is holds_a_path


def test_paths_through_aliases_and_function_local_imports():
    findings = lint(
        """
        from pathlib import Path as P
        from pandas import read_csv as rc

        frame = rc("/Users/bob/churn/train.csv")
        weights = P("/mnt/nas/models/resnet50.pt")

        def load_vocabulary():
            import numpy as numeric
            return numeric.load("/home/bob/nlp/vocab.npy")
        """,
        "MLS201",
    )
    assert lines(findings) == [4, 5, 9]
    assert "reaches `pandas.read_csv`" in findings[0].message


def test_a_path_reaches_io_through_builders_and_a_variable_assigned_once():
    findings = lint(
        """
        import os
        import torch

        base = "/home/ana/experiments"
        checkpoint = torch.load(os.path.join(base, "run3", "best.pt"))
        figure.savefig(f"/home/ana/plots/{name}.png")
        results.to_csv("/home/ana/results/" + name + ".csv")
        """,
        "MLS201",
    )
    assert lines(findings) == [4, 6, 7]
    assert "reaches `torch.load` through `base`" in min(findings, key=lambda f: f.span.line).message


def test_configured_locations_and_system_paths_are_quiet():
    assert not lint(
        '''
        """Reads the corpus from /home/ana/corpus by default, see README."""
        import argparse
        import logging
        import os
        from pathlib import Path

        import pandas as pd

        parser = argparse.ArgumentParser()
        parser.add_argument("--data-dir", default="/home/ana/corpus")
        args = parser.parse_args()
        corpus_dir = os.environ.get("CORPUS_DIR", "/home/ana/corpus")

        def load(split, root="/home/ana/corpus"):
            return pd.read_csv(os.path.join(root, f"{split}.csv"))

        logging.info("reading /home/ana/corpus")
        frame = pd.read_csv(Path(args.data_dir) / "train.csv")
        here = Path(__file__).parent / "fixtures"
        with open("/dev/null", "w") as sink, open("/tmp/scratch.txt") as scratch:
            pass
        cache_dir = os.path.expanduser("~/.cache/corpus")
        if corpus_dir == "/home/ana/corpus":
            print("using the default corpus")
        ''',
        "MLS201",
    )


def test_a_variable_assigned_twice_or_switched_by_environment_is_not_followed():
    assert not lint(
        """
        import pandas as pd

        source = "/home/ana/data.csv"
        if ON_CLUSTER:
            source = "/shared/data.csv"
        frame = pd.read_csv(source)
        data_dir = "/content/drive/MyDrive/data" if IN_COLAB else "data"
        """,
        "MLS201",
    )


def test_suffixes_joined_to_a_root_and_placeholder_paths_are_quiet():
    assert not lint(
        """
        from scipy.io import wavfile

        train_audio_path = "../input/train/audio"
        filename = "/yes/0a7c2a8d_nohash_0.wav"
        rate, samples = wavfile.read(train_audio_path + filename)
        image_file = "/images/cat_001.png"
        image = load_image(f"{DATA_ROOT}{image_file}")
        train_data_dir = "/path/to/train/dir"
        checkpoint_dir = "/Users/yourname/checkpoints"
        """,
        "MLS201",
    )


def test_url_routes_and_container_mounts_under_path_like_names_are_quiet():
    assert not lint(
        """
        from fastapi import APIRouter

        router = APIRouter()
        router.add_api_route(path="/predict", endpoint=predict)
        health_path = "/health"
        API_ROOT = "/api/v1/models"
        new_path = "/v1/chat/completions"
        JOBS_ARTIFACTS_MOUNT_PATH: str = "/data"
        """,
        "MLS201",
    )


def test_in_tests_only_real_file_access_counts():
    code = """
        from pathlib import Path
        import pandas as pd

        def test_relative_to_home():
            assert relative(Path("/home/user/project/data.csv")) == "project/data.csv"
            call = {"directory_path": "/workspace/project"}
            frame = pd.read_csv("/home/ana/churn/train.csv")
        """
    assert lines(lint(code, "MLS201", path="tests/test_paths.py")) == [7]
    assert lines(lint(code, "MLS201", path="paths.py")) == [5, 6, 7]


def test_allowed_prefixes_option():
    rule = find_rule("MLS201")
    code = 'import pandas as pd\ntrain = pd.read_csv("/kaggle/input/titanic/train.csv")\nold = pd.read_csv("/datasets/titanic.csv")\n'
    assert lines(lint_source("k.py", code, [rule], {rule: rule.default_options()}).findings) == [3]
    assert lines(lint_source("k.py", code, [rule], {rule: {"allowed-prefixes": ["/datasets"]}}).findings) == [2]


def test_notebook_path_assigned_in_one_cell_and_read_in_another():
    findings = lint_percent_notebook(
        '# %% [1]\nimport pandas as pd\nDATA = "/content/drive/MyDrive/churn.csv"\n'
        "# %% [2]\nframe = pd.read_csv(DATA)\n",
        "MLS201",
    )
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(1, 2, 8)]


def test_paths_the_code_checks_for_are_quiet():
    code = """
        import os
        from pathlib import Path

        import pandas as pd


        def in_container() -> bool:
            return os.path.exists("/.dockerenv") or Path("/proc/1/cgroup").is_file()


        def shared_folder() -> Path:
            user = os.getenv("USER")
            if Path("/checkpoint/").is_dir():
                folder = Path(f"/checkpoint/{user}/experiments")
                folder.mkdir(exist_ok=True)
                return folder
            raise RuntimeError("no shared folder on this machine")


        def load_scores() -> pd.DataFrame:
            if os.path.isdir("/mnt/shared/scores"):
                return pd.read_csv("/home/alice/scores.csv")
            return pd.read_csv("/mnt/shared/scores/latest.csv")
        """
    findings = lint(code, "MLS201")
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [
        (22, "/home/alice/scores.csv"), (23, "/mnt/shared/scores/latest.csv"),
    ]


def test_paths_a_file_declares_inside_a_container_and_configuration_modules_are_quiet():
    pod = """
        import os

        from kubernetes import client

        MNT_PATH = "/mnt/data"
        frames = os.listdir(MNT_PATH)
        mount = client.V1VolumeMount(name="videos", mount_path=MNT_PATH)
        image = modal.Image.debian_slim().add_local_file("model.pkl", remote_path="/root/model.pkl")
        spec = {"mountPath": "/srv/cache/videos", "name": "cache"}
        scores = open("/home/ana/scores.csv").read()
        """
    assert lines(lint(pod, "MLS201")) == [10]
    config = 'import pandas as pd\nDATA_DIR = "/home/ana/kaggle/siim/data"\ntrain = pd.read_csv(DATA_DIR + "/train.csv")\n'
    assert lint(config, "MLS201", path="src/config/config.py") == []
    assert lint(config, "MLS201", path="src/train_config.py") == []
    assert lines(lint(config, "MLS201", path="src/train.py")) == [2]


def test_paths_switched_per_environment_in_an_if_are_quiet_but_other_branches_are_not():
    findings = lint(
        """
        import os
        import socket

        import pandas as pd

        kernel_mode = os.path.exists("/kaggle/working")
        if kernel_mode:
            DATA_DIR = "/kaggle/input/churn"
        else:
            DATA_DIR = "/mnt/nas/churn"
        if "COLAB_GPU" in os.environ:
            weights = pd.read_pickle("/content/drive/MyDrive/churn/weights.pkl")
        if socket.gethostname() == "gpu-box":
            OUTPUT_DIR = "/mnt/ssd/ana/runs"
        if args.local_rank == 0:
            scores = pd.read_csv("/home/ana/churn/scores.csv")
        """,
        "MLS201",
    )
    assert lines(findings) == [16]
