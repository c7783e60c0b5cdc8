"""MLS104 and MLS106 beyond their documented examples."""

from __future__ import annotations

from conftest import lint

from mlsmells.engine.linter import lint_notebook
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule


def test_dataloader_shuffle_through_aliases_and_local_imports():
    findings = lint(
        """
        from torch.utils import data as tud
        from transformers import set_seed

        def make_loaders(train_set, val_set, args):
            import torch.utils.data.sampler as samplers
            set_seed(args.seed)
            train = tud.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
            weighted = samplers.WeightedRandomSampler(args.weights, num_samples=len(train_set))
            return train, tud.DataLoader(val_set, sampler=weighted)

        if __name__ == "__main__":
            make_loaders(*load_splits(), parse_args())
        """,
        "MLS104",
    )
    assert [f.span.line for f in findings] == [7, 8]
    assert "`WeightedRandomSampler` without `generator=`" in findings[1].message


def test_dataloader_near_misses():
    code = """
        import torch
        from torch.utils.data import DataLoader, DistributedSampler

        def loaders(train_set, test_set, loader_kwargs, is_train, generator):
            torch.manual_seed(1234)
            yield DataLoader(train_set, shuffle=True, generator=generator)
            yield DataLoader(train_set, shuffle=is_train)
            yield DataLoader(train_set, **loader_kwargs)
            yield DataLoader(test_set, batch_size=512)
            yield DataLoader(train_set, sampler=DistributedSampler(train_set, seed=1234))
        """
    assert lint(code, "MLS104") == []


def test_dataloader_in_a_file_that_never_seeds_torch_is_left_to_other_rules():
    code = """
        import numpy as np
        from torch.utils.data import DataLoader

        np.random.seed(0)
        loader = DataLoader(dataset, shuffle=True)
        """
    assert lint(code, "MLS104") == []


def test_dataloader_in_a_notebook():
    rule = find_rule("MLS104")
    notebook, _ = notebook_from_percent(
        "# %% [1]\nimport torch\ntorch.manual_seed(7)\n"
        "# %% [2]\n!nvidia-smi\nloader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)\n"
    )
    findings = lint_notebook("train.ipynb", notebook, [rule], {rule: rule.default_options()}).findings
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(2, 2, 10)]


def test_nondeterministic_training_reports_missing_determinism_at_the_seed():
    findings = lint(
        """
        import torch as T
        from lightning import seed_everything

        def main(args):
            seed_everything(args.seed)
            device = T.device("cuda")
            for batch in loader:
                loss = model(batch.to(device)).mean()
                loss.backward()

        if __name__ == "__main__":
            main(parse_args())
        """,
        "MLS106",
    )
    assert [f.span.line for f in findings] == [5]
    assert "use_deterministic_algorithms(True)" in findings[0].message


def test_nondeterministic_training_near_misses():
    cpu_only = """
        import torch
        torch.manual_seed(0)
        for x, y in loader:
            torch.nn.functional.mse_loss(model(x), y).backward()
        """
    deterministic_flag = """
        import torch
        import torch.backends.cudnn as cudnn
        torch.manual_seed(0)
        cudnn.deterministic = True
        model.cuda()
        loss.backward()
        """
    lightning_trainer = """
        import torch
        import lightning as L
        torch.manual_seed(0)
        trainer = L.Trainer(accelerator="cuda", deterministic=True)
        loss.backward()
        """
    inference_only = """
        import torch
        torch.manual_seed(0)
        torch.backends.cudnn.benchmark = True
        predictions = model.cuda()(batch.cuda())
        """
    for code in (cpu_only, deterministic_flag, lightning_trainer, inference_only):
        assert lint(code, "MLS106") == [], code


def test_nondeterministic_training_is_advice():
    rule = find_rule("MLS106")
    assert not rule.is_default()


def test_library_modules_that_seed_inside_methods_are_not_programs():
    code = """
        import torch
        from torch.utils.data import DataLoader, RandomSampler

        class Trainer:
            def __init__(self, args):
                torch.manual_seed(args.seed)
                self.device = torch.device("cuda")

            def train_loader(self, dataset):
                return DataLoader(dataset, sampler=RandomSampler(dataset))

            def step(self, loss):
                loss.backward()
        """
    assert lint(code, "MLS104", "MLS106") == []


def test_a_seeding_helper_called_at_module_level_makes_the_file_a_program():
    findings = lint(
        """
        import random

        import numpy as np
        import torch


        def seed_everything(seed=1903):
            random.seed(seed)
            np.random.seed(seed)
            torch.manual_seed(seed)


        seed_everything(seed=1903)


        def run_training(dataset):
            return torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)
        """,
        "MLS104",
    )
    assert [finding.span.line for finding in findings] == [17]
