"""MLS402 beyond its documented examples: what counts as a use across a repository, which
definitions are never judged, the options, and runs on named files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from mlsmells.config import Settings
from mlsmells.registry import find_rule
from mlsmells.rules.architecture.unused_definitions import experiment_mark, name_words
from mlsmells.runner import run

RULE = find_rule("MLS402")
WORDS = frozenset(RULE.default_options()["experiment-words"])


def check(root: Path, files: dict[str, str], targets: list[str] | None = None, **options) -> list[tuple[str, str]]:
    """(path, name) of each MLS402 finding on a project made of `files`."""
    for relative, code in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip("\n"))
    settings = Settings(root=root, rule_options={RULE.name: options})
    paths = [root / target for target in targets] if targets else [root]
    findings = run(paths, settings, [RULE], root, jobs=1).findings
    return sorted((finding.path, finding.message.split("`")[1]) for finding in findings)


def notebook(*cells: str) -> str:
    code = [{"cell_type": "code", "metadata": {}, "execution_count": n, "outputs": [], "source": source}
            for n, source in enumerate(cells, start=1)]
    return json.dumps({"cells": code, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_experimental_names_nothing_mentions_are_reported(tmp_path):
    files = {
        "vision/augment.py": """
            import torchvision.transforms as T

            def build_transforms(size):
                return T.Compose([T.RandomResizedCrop(size), T.ToTensor()])

            def build_transforms_old(size):
                return T.Compose([T.Resize(size), T.ToTensor()])

            class TmpMixup:
                def __call__(self, batch):
                    return batch

            def augment_v2(images):
                return images.flip(-1)
            """,
        "vision/train.py": """
            from vision.augment import build_transforms

            transform = build_transforms(224)
            """,
    }
    assert check(tmp_path, files) == [
        ("vision/augment.py", "TmpMixup"), ("vision/augment.py", "augment_v2"), ("vision/augment.py", "build_transforms_old"),
    ]


def test_message_gives_the_measurement_and_the_mark(tmp_path):
    files = {
        "nlp/tokenize.py": "def tokenize_legacy(text):\n    return text.split()\n",
        "nlp/train.py": "import nlp.tokenize\n",
    }
    check(tmp_path, files)
    settings = Settings(root=tmp_path)
    [finding] = run([tmp_path], settings, [RULE], tmp_path, jobs=1).findings
    assert "0 mentions in the 2 files checked" in finding.message
    assert "(`legacy`)" in finding.message
    assert (finding.span.line, finding.span.column) == (1, 5)


def test_any_mention_anywhere_is_a_use(tmp_path):
    files = {
        "models/heads.py": """
            from torch import nn

            __all__ = ["HeadV2"]

            class HeadV2(nn.Module):
                pass

            def old_head(dim):
                return nn.Linear(dim, 1)

            def head_backup(dim):
                return nn.Linear(dim, 2)

            def tmp_pool(x):
                return x.mean(1)

            def classifier_wip(dim):
                return nn.Linear(dim, 3)
            """,
        "models/build.py": """
            from models import heads

            def make(kind, dim):
                if kind == "old":
                    return heads.old_head(dim)
                return getattr(heads, "head_backup")(dim)

            POOLING = {"mean": "models.heads:tmp_pool"}
            """,
        "setup.py": """
            from setuptools import setup

            setup(entry_points={"console_scripts": ["head = models.heads:classifier_wip"]})
            """,
    }
    assert check(tmp_path, files) == []


def test_a_notebook_is_a_user_of_module_code(tmp_path):
    files = {
        "churn/features.py": "def encode_dates_old(frame):\n    return frame\n\ndef scale_tmp(frame):\n    return frame\n",
        "churn/explore.ipynb": notebook("from churn.features import encode_dates_old", "%timeit scale_tmp(df)"),
        "churn/train.py": "import churn.features\n",
    }
    assert check(tmp_path, files) == []


def test_definitions_in_a_notebook_are_checked(tmp_path):
    files = {
        "eda.ipynb": notebook(
            "import matplotlib.pyplot as plt",
            "def plot_loss_old(history):\n    plt.plot(history['loss'])",
            "def plot_loss(history):\n    plt.plot(history['loss'])\n    plt.plot(history['val_loss'])",
            "plot_loss(history)",
        ),
    }
    assert check(tmp_path, files) == [("eda.ipynb", "plot_loss_old")]


def test_definitions_that_are_never_judged(tmp_path):
    files = {
        "trainer/module.py": """
            import pytorch_lightning as pl
            from functools import lru_cache

            REGISTRY = {}

            def register(fn):
                REGISTRY[fn.__name__] = fn
                return fn

            @register
            def scheduler_legacy(optimizer):
                return optimizer

            @lru_cache
            def _tmp_vocab():
                return {}

            def __getattr__(name):
                return REGISTRY[name]

            def fit_with_restarts(model):
                def step_old(batch):
                    return batch
                return model

            class Classifier(pl.LightningModule):
                def test_step(self, batch, batch_idx):
                    return self.shared_step(batch)

                def shared_step(self, batch):
                    return batch

                @staticmethod
                def collate_old(batch):
                    return batch
            """,
        "trainer/run.py": "from trainer.module import Classifier, fit_with_restarts\nfit_with_restarts(Classifier())\n",
        "tests/test_module.py": "def helper_old():\n    return 1\n\ndef test_fit():\n    assert True\n",
    }
    assert check(tmp_path, files) == [("trainer/module.py", "collate_old")]


def test_test_modules_in_every_layout_are_never_judged(tmp_path):
    """Django keeps an app's tests in `tests.py`; scripts keep smoke tests in `test.py`."""
    files = {
        "recommender/models.py": "def score_items(user, items):\n    return sorted(items)\n",
        "recommender/tests.py": (
            "from recommender.models import score_items\n\n"
            "def test_scores_are_sorted():\n    assert score_items(None, [3, 1]) == [1, 3]\n\n"
            "def make_old_fixture():\n    return [2, 1]\n"
        ),
        "scripts/test.py": "def test_model_and_submit():\n    return None\n",
        "train.py": "from recommender.models import score_items\nscore_items(None, [])\n",
    }
    assert check(tmp_path, files) == []


def test_names_built_from_a_literal_head_or_tail_are_kept(tmp_path):
    files = {
        "models/factory.py": """
            def build_encoder_old(config):
                return config

            def resnet_legacy(config):
                return config

            def create(kind, config):
                return globals()[f"build_{kind}"](config)

            def create_arch(arch, config):
                return globals()[arch + "_legacy"](config)
            """,
        "train.py": "from models.factory import create, create_arch\n",
    }
    assert check(tmp_path, files) == []


def test_unmarked_names_wait_for_the_options(tmp_path):
    files = {
        "pipeline/steps.py": """
            import pandas as pd

            def _drop_constant_columns(frame: pd.DataFrame) -> pd.DataFrame:
                return frame.loc[:, frame.nunique() > 1]

            def clean(frame):
                return frame.dropna()

            def load(path):
                return clean(pd.read_csv(path))
            """,
        "pipeline/run.py": "from pipeline.steps import load\nframe = load('data.csv')\n",
    }
    assert check(tmp_path, files) == []
    assert check(tmp_path, files, **{"report-private": True}) == [("pipeline/steps.py", "_drop_constant_columns")]
    assert check(tmp_path, files, **{"report-public": True}) == [("pipeline/steps.py", "_drop_constant_columns")]
    files["pipeline/run.py"] = "from pipeline.steps import clean\n"
    assert check(tmp_path, files, **{"report-public": True}) == [
        ("pipeline/steps.py", "_drop_constant_columns"), ("pipeline/steps.py", "load"),
    ]


def test_public_names_of_star_exported_modules_and_hub_entries_are_api(tmp_path):
    files = {
        "zoo/__init__.py": "from .resnet import *\n",
        "zoo/resnet.py": "def resnet50_v2(pretrained=False):\n    return None\n\ndef _resnet_old(depth):\n    return None\n",
        "hubconf.py": "from zoo.resnet import *\n\ndef mobilenet_v2(pretrained=False):\n    return None\n",
    }
    assert check(tmp_path, files) == [("zoo/resnet.py", "_resnet_old")]


def test_the_experiment_words_option(tmp_path):
    files = {
        "ablation.py": "def loss_ablation(logits):\n    return logits\n\ndef loss_old(logits):\n    return logits\n",
        "train.py": "import ablation\n",
    }
    assert check(tmp_path, files, **{"experiment-words": ["ablation"]}) == [("ablation.py", "loss_ablation")]


def test_only_runs_given_directories_are_judged(tmp_path):
    """pre-commit names the changed files: one using a definition may not be among them."""
    files = {
        "scripts/utils.py": "def collate_old(batch):\n    return batch\n\ndef resize_tmp(image):\n    return image\n",
        "scripts/train.py": "from utils import collate_old\n",
        "notebooks/eda.ipynb": notebook("def plot_tmp(frame):\n    frame.plot()", "frame.describe()"),
    }
    assert check(tmp_path, files, targets=["scripts/utils.py"]) == []
    assert check(tmp_path, files, targets=["notebooks/eda.ipynb", "scripts/utils.py"]) == []
    assert check(tmp_path, files, targets=["scripts"]) == [("scripts/utils.py", "resize_tmp")]
    assert check(tmp_path, files, targets=["notebooks"]) == [("notebooks/eda.ipynb", "plot_tmp")]


def test_noqa_silences_a_definition_used_from_outside_python(tmp_path):
    files = {
        "conf/models.py": "def encoder_v2(dim):  # noqa: MLS402 - named by conf/model.yaml\n    return dim\n",
        "train.py": "import conf.models\n",
    }
    assert check(tmp_path, files) == []


def test_name_words_and_marks():
    assert name_words("_old_collate") == ("old", "collate")
    assert name_words("ResNetV2Tmp") == ("res", "net", "v2", "tmp")
    assert experiment_mark("threshold_holdout", WORDS) is None
    assert experiment_mark("exp_lr_decay", WORDS) is None  # exponential
    assert experiment_mark("temperature_scale", WORDS) is None
    assert experiment_mark("resnet50", WORDS) is None
    assert experiment_mark("v2", WORDS) is None
    assert experiment_mark("BackupModel", WORDS) == "backup"
    assert experiment_mark("encoder_V3", WORDS) == "v3"
    assert experiment_mark("test_model_and_submit", WORDS) == "test"


def test_a_notebook_cell_that_does_not_parse_still_mentions_names(tmp_path):
    files = {
        "tuning.ipynb": notebook(
            "def save_log_old(path, scores):\n    open(path, 'w').write(str(scores))",
            "def plot_tmp(scores):\n    pass",
            "for fold in folds:\n    print 'fold', fold\n    save_log_old('log.txt', scores)",
        ),
    }
    assert check(tmp_path, files) == [("tuning.ipynb", "plot_tmp")]


def test_classes_registered_by_their_base_class_are_kept(tmp_path):
    files = {
        "tasks/base.py": """
            TASKS = {}

            class Task:
                def __init_subclass__(cls, **kwargs):
                    super().__init_subclass__(**kwargs)
                    TASKS[cls.__name__.lower()] = cls

            class PluginMeta(type):
                pass
            """,
        "tasks/nlp.py": """
            from tasks.base import PluginMeta, Task

            class SentimentTaskV2(Task):
                pass

            class TranslationLegacy(metaclass=PluginMeta):
                pass

            class SummaryTmp:
                pass
            """,
        "run.py": "from tasks.base import TASKS\nimport tasks.nlp\nTASKS[name]().run()\n",
    }
    assert check(tmp_path, files) == [("tasks/nlp.py", "SummaryTmp")]
