"""MLS104 and MLS106 beyond their documented examples."""

from __future__ import annotations

from conftest import lint

from mlsmells.engine.linter import lint_notebook
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule


def test_unseeded_program_reports_its_first_shuffling_loader_once():
    findings = lint(
        """
        from torch.utils import data as tud

        def make_loaders(train_set, val_set, weights):
            import torch.utils.data.sampler as samplers
            train = tud.DataLoader(train_set, batch_size=128, shuffle=True)
            weighted = samplers.WeightedRandomSampler(weights, num_samples=len(train_set))
            return train, tud.DataLoader(val_set, sampler=weighted)

        def main():
            train, _ = make_loaders(*load_splits())
            for features, target in train:
                loss_fn(net(features), target).backward()

        if __name__ == "__main__":
            main()
        """,
        "MLS104",
    )
    assert [f.span.line for f in findings] == [5]
    assert "never seeds (as does 1 more loader or sampler here)" in findings[0].message


def test_script_with_module_level_loader_and_sampler():
    findings = lint(
        """
        import torch
        from torch.utils.data import DataLoader, SubsetRandomSampler

        sampler = SubsetRandomSampler(train_indices)
        loader = DataLoader(spectra, batch_size=32, sampler=sampler)
        for epoch in range(20):
            train_one_epoch(model, loader, optimizer)
        """,
        "MLS104",
    )
    assert [f.span.line for f in findings] == [4]
    assert findings[0].message.startswith("`SubsetRandomSampler` without `generator=`")


def test_programs_that_seed_torch_anywhere_are_not_reported():
    seeded_in_a_function = """
        import torch
        from torch.utils.data import DataLoader

        def run(seed):
            torch.manual_seed(seed)
            loader = DataLoader(reviews, batch_size=16, shuffle=True)
            for batch in loader:
                model(**batch).loss.backward()

        if __name__ == "__main__":
            run(3)
        """
    lightning = """
        import lightning as L
        from torch.utils.data import DataLoader

        L.seed_everything(2024)
        trainer = L.Trainer(max_epochs=3)
        trainer.fit(model, DataLoader(tiles, batch_size=8, shuffle=True))
        """
    fabric = """
        from lightning.fabric import Fabric
        from torch.utils.data import DataLoader

        fabric = Fabric(accelerator="cuda")
        fabric.seed_everything(11)
        loader = fabric.setup_dataloaders(DataLoader(clips, batch_size=4, shuffle=True))
        for clip in loader:
            fabric.backward(model(clip).mean())
        """
    project_helper = """
        import torch
        from torch.utils.data import DataLoader

        def fix_randomness(value):
            torch.manual_seed(value)

        fix_randomness(5)
        loader = DataLoader(sounds, batch_size=64, shuffle=True)
        model.train()
        """
    for code in (seeded_in_a_function, lightning, fabric, project_helper):
        assert lint(code, "MLS104") == [], code


def test_dataloader_near_misses():
    code = """
        import torch
        from torch.utils.data import DataLoader, DistributedSampler

        def loaders(train_set, test_set, loader_kwargs, is_train, generator):
            yield DataLoader(train_set, shuffle=True, generator=generator)
            yield DataLoader(train_set, shuffle=is_train)
            yield DataLoader(train_set, **loader_kwargs)
            yield DataLoader(test_set, batch_size=512)
            yield DataLoader(train_set, sampler=DistributedSampler(train_set, seed=1234))

        if __name__ == "__main__":
            for batch in next(loaders(*splits())):
                model(batch).sum().backward()
        """
    assert lint(code, "MLS104") == []


def test_library_modules_and_programs_that_do_not_train_are_not_reported():
    library = """
        from torch.utils.data import DataLoader

        def build_loader(dataset, batch_size):
            return DataLoader(dataset, batch_size=batch_size, shuffle=True)

        def fit(model, loader):
            for x, y in loader:
                model.loss(x, y).backward()
        """
    peek_at_a_batch = """
        import matplotlib.pyplot as plt
        from torch.utils.data import DataLoader

        loader = DataLoader(digits, batch_size=16, shuffle=True)
        images, labels = next(iter(loader))
        plt.imshow(images[0].squeeze())
        """
    for code in (library, peek_at_a_batch):
        assert lint(code, "MLS104") == [], code


def test_programs_drawing_from_torch_directly_are_left_to_mls101():
    code = """
        import torch
        from torch.utils.data import DataLoader, random_split

        train_set, val_set = random_split(images, [0.8, 0.2])
        loader = DataLoader(train_set, batch_size=32, shuffle=True)
        for x, y in loader:
            criterion(model(x), y).backward()
        """
    findings = lint(code, "MLS101", "MLS104")
    assert [(f.code, f.span.line) for f in findings] == [("MLS101", 4)]


def test_dataloader_in_a_notebook():
    rule = find_rule("MLS104")
    notebook, _ = notebook_from_percent(
        "# %% [1]\nimport torch\nimport numpy as np\nnp.random.seed(7)\n"
        "# %% [2]\n!nvidia-smi\nloader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)\n"
        "# %% [3]\ntrainer.fit(model, loader)\n"
    )
    findings = lint_notebook("train.ipynb", notebook, [rule], {rule: rule.default_options()}).findings
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(2, 2, 10)]


def test_a_notebook_that_fixes_no_seed_at_all_is_not_reported():
    """A teaching notebook seeds nothing and wants no repeatable runs; one that fixes its
    split's seed does, and its batch order then still changes every run."""
    rule = find_rule("MLS104")
    cells = (
        "# %% [1]\nimport torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n"
        "from sklearn.model_selection import train_test_split\n"
        "# %% [2]\ntrain_idx, val_idx = train_test_split(indices, test_size=0.2{seed})\n"
        "loader = DataLoader(torch.utils.data.Subset(fashion, train_idx), batch_size=64, shuffle=True)\n"
        "# %% [3]\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "for images, labels in loader:\n"
        "    loss = nn.functional.cross_entropy(model(images), labels)\n"
        "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n"
    )

    def cells_reported(seed: str) -> list[int]:
        notebook, _ = notebook_from_percent(cells.format(seed=seed))
        return [f.cell for f in lint_notebook("lesson.ipynb", notebook, [rule], {rule: rule.default_options()}).findings]

    assert cells_reported("") == []
    assert cells_reported(", random_state=42") == [2]


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


def test_a_seeding_helper_defined_and_called_in_the_file_seeds_torch():
    code = """
        import random

        import numpy as np
        import torch


        def seed_everything(seed=1903):
            random.seed(seed)
            np.random.seed(seed)
            torch.manual_seed(seed)


        seed_everything(seed=1903)


        def run_training(dataset):
            loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)
            return train_model(loader)
        """
    assert lint(code, "MLS104") == []


def test_a_helper_seeding_only_numpy_leaves_torch_unseeded():
    findings = lint(
        """
        import numpy as np
        import torch


        def set_numpy_seed(value):
            np.random.seed(value)


        set_numpy_seed(1903)
        loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)
        train_model(loader)
        """,
        "MLS104",
    )
    assert [finding.span.line for finding in findings] == [10]
