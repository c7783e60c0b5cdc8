"""MLS202 beyond its documented examples: configuration modules across files, and library
functions that bypass the configuration they receive."""

from __future__ import annotations

import json

from conftest import lint, run_json


def test_literals_beside_an_imported_configuration_module(write, tmp_path):
    write("churn/__init__.py")
    write("churn/settings.py", "from dataclasses import dataclass\n\n@dataclass\nclass Train:\n    batch_size: int = 256\n    epochs: int = 30\n")
    write("churn/train.py", "from churn.settings import Train\nimport torch\n\nloader = torch.utils.data.DataLoader(ds, batch_size=128)\nfor epoch in range(Train.epochs):\n    fit(lr=0.1)\n")
    write("scripts/evaluate.py", "from .. import churn\nbatch_size = 64\n")
    write("other/report.py", "import pandas as pd\nBATCH_SIZE = 512\n")
    code, findings = run_json("--select", "MLS202", cwd=tmp_path)
    assert code == 1
    assert [(f["path"], f["line"]) for f in findings] == [("churn/train.py", 4)]
    assert "imports churn/settings.py, which defines `batch_size`" in findings[0]["message"]


def test_relative_imports_and_notebooks_reach_the_configuration(write, tmp_path):
    write("project/config.py", "LR = 3e-4\n")
    write("project/finetune.py", "from .config import LR\nfrom torch.optim import Adam\nopt = Adam(params, lr=1e-4)\n")
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
              "source": "import config\nfrom torch import optim\nopt = optim.SGD(params, lr=0.01)"}]
    write("project/explore.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    _, findings = run_json("--select", "MLS202", cwd=tmp_path)
    assert sorted((f["path"], f["cell"], f["line"]) for f in findings) == [
        ("project/explore.ipynb", 1, 3),
        ("project/finetune.py", None, 3),
    ]


def test_scripts_without_a_configuration_module_are_not_reported(write, tmp_path):
    write("examples/mnist/main.py", "from torch import optim\noptimizer = optim.Adam(params, lr=1e-3)\n")
    write("examples/cifar/main.py", "from torch import optim\noptimizer = optim.Adam(params, lr=1e-3)\n")
    write("tests/test_train.py", "from config import LR\nfit(lr=0.5)\n")
    write("config.py", "LR = 0.5\n")
    code, findings = run_json("--select", "MLS202", cwd=tmp_path)
    assert (code, findings) == (0, [])


def test_library_function_bypassing_its_configuration():
    findings = lint(
        """
        from transformers import get_linear_schedule_with_warmup

        class FineTuner:
            def __init__(self, model, hparams):
                self.model = model
                self.hparams = hparams

            def configure(self):
                optimizer = make_optimizer(self.model, weight_decay=self.hparams.weight_decay, lr=2e-5)
                return get_linear_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=self.hparams.steps)
        """,
        "MLS202",
    )
    assert [(f.span.line, f.context) for f in findings] == [(9, "FineTuner.configure")]
    assert "`lr=2e-05` is hard-coded although `self.hparams` is at hand" in findings[0].message


def test_library_near_misses():
    code = """
        from torch import nn

        def build_head(config):
            # architecture constants and switched-off features are design, not tuning
            head = MLPHead(config.d_model, 4, num_layers=3, dropout=0.0)
            return head, make_optimizer(head, weight_decay=0.0)

        def evaluate(model, batches):
            # no configuration at hand
            return score(model, batches, batch_size=32)

        def train(args):
            # args is received but never read: nothing is bypassed
            return fit(lr=0.1)
        """
    assert lint(code, "MLS202") == []
    script = """
        import argparse

        def main(args):
            fit(args.data, lr=0.1)

        if __name__ == "__main__":
            main(argparse.ArgumentParser().parse_args())
        """
    assert lint(script, "MLS202") == []
