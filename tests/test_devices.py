"""MLS203 (hard-coded device) beyond its documented examples: aliases, files that choose
their device, GPU-only code, CUDA_VISIBLE_DEVICES and notebooks."""

from __future__ import annotations

import pytest
from conftest import lines, lint, lint_percent_notebook


def test_devices_through_aliases():
    findings = lint(
        """
        import torch as T
        from torch import device as make_device

        def build():
            import tensorflow as tflow
            with tflow.device("/device:GPU:1"):
                return Net()

        main = make_device("cuda:1")
        inputs = T.zeros(8, 3, device="cuda")
        """,
        "MLS203",
    )
    assert lines(findings) == [6, 9, 10]


@pytest.mark.parametrize(
    "check",
    [
        "use_gpu = torch.cuda.is_available()",
        "n_gpus = torch.cuda.device_count()",
        "from transformers.utils import is_torch_cuda_available\nok = is_torch_cuda_available()",
        "if args.cuda:\n    pass",
        "def fit(model, loader, device):\n    return model.to(device)",
        "parser.add_argument('--no-cuda', action='store_true')",
        "from accelerate import Accelerator",
        "import tensorrt as trt",
    ],
)
def test_a_file_that_chooses_its_device_anywhere_is_quiet(check):
    code = f"import torch\n{check}\nmodel = Net().cuda()\nbatch = batch.to('cuda:0')\n"
    assert not lint(code, "MLS203")
    assert lines(lint("import torch\nmodel = Net().cuda()\nbatch = batch.to('cuda:0')\n", "MLS203")) == [2, 3]


def test_device_comparisons_computed_devices_and_forwarding_methods_are_quiet():
    assert not lint(
        """
        import tensorflow as tf
        import torch

        class Rotation:
            def cuda(self):
                return Rotation(self.matrices.cuda())

        def shard(rank):
            return torch.device(f"cuda:{rank}")

        def autocast_off(tensor):
            with torch.autocast(device_type="cuda", enabled=False):
                return tensor.float()

        cpu_only = torch.device("cpu")
        is_gpu = cpu_only.type == "cuda"
        with tf.device("/cpu:0"):
            pass
        """,
        "MLS203",
    )


def test_code_that_says_it_is_for_the_gpu_is_quiet():
    assert not lint(
        """
        import pytest
        import torch

        @pytest.mark.requires_cuda
        def test_median_filter_matches_cpu():
            signal = torch.randn(4, 100)
            assert torch.allclose(median(signal), median(signal.cuda()).cpu())

        def test_fused_kernel_cuda():
            weights = torch.ones(3, device="cuda")

        def to_gpu(batch):
            return [tensor.cuda(non_blocking=True) for tensor in batch]
        """,
        "MLS203",
    )


def test_visible_devices_are_reported_even_when_availability_is_checked():
    findings = lint(
        """
        import os
        import torch

        os.environ["CUDA_VISIBLE_DEVICES"] = "2"
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "0,1")
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
        os.environ["CUDA_VISIBLE_DEVICES"] = args.gpus
        device = "cuda" if torch.cuda.is_available() else "cpu"
        """,
        "MLS203",
    )
    assert lines(findings) == [4, 5]


def test_notebook_checks_count_across_cells_and_env_magics_are_reported():
    findings = lint_percent_notebook(
        "# %% [1]\n%env CUDA_VISIBLE_DEVICES=1\nimport torch\nmodel = Net().cuda()\n"
        "# %% [2]\nprint(torch.cuda.is_available())\n",
        "MLS203",
    )
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(1, 1, 1)]
    assert "CUDA_VISIBLE_DEVICES" in findings[0].message


def test_a_device_named_in_a_branch_on_the_device_kind_is_chosen_not_hard_coded():
    findings = lint(
        """
        import torch
        from ultralytics import YOLO


        def train(model: YOLO, data_path: str, is_apple_silicon_env: bool = False, train_on_gpu: bool = True):
            if train_on_gpu:
                model.train(data=data_path, device=[0])
            elif is_apple_silicon_env:
                model.train(data=data_path, device="mps")
            else:
                model.train(data=data_path, device="cpu")


        def place(net, on_gpu):
            return net.to("cuda:0" if on_gpu else "cpu")


        if torch.backends.mps.is_built():
            accelerator = "mps"


        backbone = torch.nn.Linear(4, 2).cuda()
        """,
        "MLS203",
    )
    assert [finding.span.line for finding in findings] == [22]
