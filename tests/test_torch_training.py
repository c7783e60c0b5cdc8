"""MLS501 (forward called directly) and MLS502 (missing zero_grad) beyond their examples."""

from __future__ import annotations

from conftest import lines, lint, lint_percent_notebook

# MLS501 -------------------------------------------------------------------------------


def test_forward_on_modules_made_through_aliases_and_local_subclasses():
    findings = lint(
        """
        import torch.nn as tnn
        from torch.nn.parallel import DistributedDataParallel as DDP

        class Encoder(tnn.Module):
            pass

        class ResidualEncoder(Encoder):
            pass

        def run(batch, rank):
            encoder = ResidualEncoder().to(rank).eval()
            wrapped = DDP(encoder, device_ids=[rank])
            hidden = encoder.forward(batch)
            scores = wrapped.forward(batch)
            return tnn.Linear(16, 2).forward(hidden + scores)
        """,
        "MLS501",
    )
    assert lines(findings) == [13, 14, 15]
    assert "call the module instead: `encoder(...)`" in findings[0].message


def test_forward_inside_modules_decisions():
    """`self.<submodule>.forward` is reported; `super().forward`, `self.forward` and an
    unbound parent call are the module's own business and are not."""
    findings = lint(
        """
        import torch
        from torch import nn

        class Attention(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)
                self.norm = nn.LayerNorm(dim)

            def forward(self, x):
                projected = self.proj.forward(x)
                return self.norm(projected)

            def score(self, x):
                return self.forward(x).softmax(-1)

        class CenteredNorm(nn.LayerNorm):
            def forward(self, x):
                return super().forward(x - x.mean(-1, keepdim=True))

        class FrozenNorm(nn.LayerNorm):
            def forward(self, x):
                with torch.no_grad():
                    return nn.LayerNorm.forward(self, x)
        """,
        "MLS501",
    )
    assert lines(findings) == [11]


def test_forward_on_values_not_known_to_be_modules():
    code = """
        import torch
        from torch import nn
        import timm

        class Wrapper(nn.Module):
            def __init__(self, backbone, name):
                super().__init__()
                self.backbone = backbone
                self.timm_model = timm.create_model(name)

            def forward(self, x):
                return self.timm_model.forward(x) + self.backbone.forward(x)

        class NumpyNet:
            def forward(self, x):
                return x

        def evaluate(model, layers, x):
            net = NumpyNet()
            net.forward(x)
            model.forward(x)
            for layer in layers:
                x = layer.forward(x)
            compiled = torch.compile(nn.Linear(2, 2))
            return compiled.forward(x)
        """
    assert lint(code, "MLS501") == []


def test_forward_on_a_name_that_may_hold_a_module_or_not():
    code = """
        from torch import nn

        def build(kind):
            if kind == "mlp":
                model = nn.Sequential(nn.Linear(4, 4))
            else:
                model = load_scripted_model(kind)
            return model.forward
        """
    assert lint(code, "MLS501") == []


def test_forward_across_notebook_cells():
    findings = lint_percent_notebook(
        "# %% [1]\nimport torch.nn as nn\nmodel = nn.GRU(8, 16, batch_first=True)\n"
        "# %% [2]\n%time out, h = model.forward(sequences)\n"
        "# %% [3]\nout, h = model.forward(sequences)\n",
        "MLS501",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1), (3, 1)]  # `%time` runs its code


# MLS502 -------------------------------------------------------------------------------


def test_zero_grad_only_once_per_epoch_is_reported_in_the_batch_loop():
    findings = lint(
        """
        import torch

        def fit(model, loader, epochs):
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
            for epoch in range(epochs):
                optimizer.zero_grad()
                for inputs, targets in loader:
                    loss = torch.nn.functional.cross_entropy(model(inputs), targets)
                    loss.backward()
                    optimizer.step()
        """,
        "MLS502",
    )
    assert lines(findings) == [10]


def test_step_through_a_scaler_and_a_helper_is_reported_at_the_helper_call():
    findings = lint(
        """
        import torch

        scaler = torch.cuda.amp.GradScaler()

        def update(opt_g, loss):
            scaler.scale(loss).backward()
            scaler.step(opt_g)
            scaler.update()

        while step < max_steps:
            loss = generator_loss(next(batches))
            update(generator_optimizer, loss)
            step += 1
        """,
        "MLS502",
    )
    assert lines(findings) == [12]


def test_gradient_clearing_shapes_that_count():
    code = """
        import torch

        class Trainer:
            def _clear(self):
                self.model.zero_grad(set_to_none=True)

            def train(self, loader):
                for batch in loader:
                    self.compute_loss(batch).backward()
                    self.optimizer.step()
                    self._clear()

        def manual_clear(model, loader, optimizer):
            for batch in loader:
                model(batch).sum().backward()
                optimizer.step()
                for param in model.parameters():
                    param.grad.data.zero_()

        def set_to_none(model, loader, optim):
            for batch in loader:
                for p in model.parameters():
                    p.grad = None
                model(batch).mean().backward()
                optim.step()

        def closure_style(model, loader, optimizer):
            for x, y in loader:
                def closure():
                    optimizer.zero_grad()
                    loss = ((model(x) - y) ** 2).mean()
                    loss.backward()
                    return loss
                optimizer.step(closure)
        """
    assert lint(code, "MLS502") == []


def test_accumulation_with_an_inner_micro_batch_loop_is_not_reported():
    code = """
        import torch

        for it in range(max_iters):
            for micro_step in range(gradient_accumulation_steps):
                loss = model(X, Y) / gradient_accumulation_steps
                loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        """
    assert lint(code, "MLS502") == []


def test_steps_that_are_not_optimizer_steps_or_not_local_backward():
    code = """
        import torch
        import torch.distributed.autograd as dist_autograd

        def rl_loop(env, policy, loss_fn, scheduler):
            for episode in range(100):
                state, reward, done, info = env.step(policy(state))
                loss_fn(policy, state).backward()
                scheduler.step()

        def rpc_training(model, loader, dist_optimizer):
            for data, target in loader:
                with dist_autograd.context() as context_id:
                    loss = model(data, target)
                    dist_autograd.backward(context_id, [loss])
                    dist_optimizer.step(context_id)
        """
    assert lint(code, "MLS502") == []


def test_lightning_training_step_is_left_to_lightning():
    code = """
        import torch
        import lightning as L

        class MultiTaskModule(L.LightningModule):
            def training_step(self, batch, batch_idx):
                optimizer = self.optimizers()
                for head in self.heads:
                    self.manual_backward(head(batch))
                    optimizer.step()
        """
    assert lint(code, "MLS502") == []


def test_missing_zero_grad_in_a_notebook():
    findings = lint_percent_notebook(
        "# %% [1]\nimport torch\noptimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "# %% [2]\nfor x, y in loader:\n    criterion(net(x), y).backward()\n    optimizer.step()\n",
        "MLS502",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 3)]


# MLS505 -------------------------------------------------------------------------------


def test_loss_tensor_totals_and_lists_are_reported():
    findings = lint(
        """
        import torch

        def train_epoch(model, loader, optimizer, scaler, criterion):
            epoch_loss, history = 0.0, []
            for step, (inputs, targets) in enumerate(loader):
                optimizer.zero_grad()
                with torch.autocast("cuda"):
                    loss = criterion(model(inputs), targets)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                epoch_loss += loss * inputs.size(0)
                history.append(loss)
            return epoch_loss, history
        """,
        "MLS505",
    )
    assert lines(findings) == [12, 13]
    assert "accumulate loss.item()" in findings[0].message


def test_converted_losses_and_validation_losses_are_not_reported():
    code = """
        import torch

        def fit(model, train_loader, val_loader, optimizer, criterion, epochs):
            for epoch in range(epochs):
                train_total, val_total, per_batch = 0.0, 0.0, []
                for x, y in train_loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    train_total += loss.item()
                    per_batch.append(loss.detach().cpu())
                    loss = float(loss)
                    train_total += loss
                with torch.no_grad():
                    for x, y in val_loader:
                        loss = criterion(model(x), y)
                        val_total += loss
        """
    assert lint(code, "MLS505") == []


def test_a_summed_multi_part_loss_is_not_reported():
    code = """
        import torch

        for batch in loader:
            optimizer.zero_grad()
            parts = []
            total = 0
            for name, head in heads.items():
                part = head.loss(batch[name])
                total += part
                parts.append(part)
            total.backward()
            optimizer.step()
        """
    assert lint(code, "MLS505") == []


def test_loss_graph_accumulated_across_notebook_cells():
    findings = lint_percent_notebook(
        "# %% [1]\nimport torch\nlosses = []\n"
        "# %% [2]\nfor x, y in loader:\n    opt.zero_grad()\n    loss = torch.nn.functional.mse_loss(net(x), y)\n"
        "    loss.backward()\n    opt.step()\n    losses.append(loss)\n",
        "MLS505",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 6)]


def test_forward_on_a_submodule_that_is_sometimes_not_a_module():
    code = """
        from torch import nn

        class Head(nn.Module):
            def __init__(self, dim, projection=None):
                super().__init__()
                self.proj = nn.Identity()
                if projection is not None:
                    self.proj: nn.Module = projection

            def forward(self, x):
                return self.proj.forward(x)
        """
    assert lint(code, "MLS501") == []


def test_forward_on_a_parameter_or_variable_annotated_as_a_module():
    found = lint(
        """
        from typing import Optional

        import torch
        from torch import nn


        class Classifier(nn.Module):
            def forward(self, x):
                return x


        def train_step(model: nn.Module, batch: torch.Tensor):
            return model.forward(batch)


        def score(classifier: Classifier, batch):
            return classifier.forward(batch)


        def evaluate(model, batch):
            return model.forward(batch)


        def maybe(model: Optional[nn.Module], batch):
            return model.forward(batch)


        def explain(explainer: "Explainer", batch):
            return explainer.forward(batch)


        net: nn.Module = torch.load("net.pt", weights_only=False)
        net.forward(torch.zeros(1))
        """,
        "MLS501",
    )
    assert [finding.span.line for finding in found] == [13, 17, 33]


def test_a_training_helper_that_never_imports_torch_is_checked_by_its_idiom():
    helper = (
        "import numpy as np\n"
        "\n"
        "def train_epoch(model, loader, optimizer, loss_fn):\n"
        "    model.train()\n"
        "    for features, targets in loader:\n"
        "        loss = loss_fn(model(features), targets)\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
    )
    assert lines(lint(helper, "MLS502")) == [8]
    # Without a backward pass nothing marks the file as PyTorch code.
    stepping = helper.replace("        loss.backward()\n", "")
    assert lint(stepping, "MLS502") == []
