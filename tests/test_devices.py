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

        def build(device="cpu"):
            import tensorflow as tflow
            with tflow.device("/device:GPU:1"):
                return Net()

        main = make_device("cuda:1").index
        inputs = T.zeros(8, 3, device="cuda")
        """,
        "MLS203",
    )
    assert lines(findings) == [6, 9, 10]


@pytest.mark.parametrize(
    ("signal", "because"),
    [
        ("use_gpu = torch.cuda.is_available()", "checks `is_available()`"),
        ("from transformers.utils import is_torch_cuda_available\nok = is_torch_cuda_available()",
         "checks `is_torch_cuda_available()`"),
        ("device = torch.device('cuda' if args.cuda else 'cpu')", "chooses the device from `args.cuda`"),
        ("if use_gpu:\n    device = torch.device('cuda')", "chooses the device from `use_gpu`"),
        ("def place(x):\n    return x.to(cfg.device)", "reads `cfg.device`"),
        ("def fit(model, loader, device='cpu'):\n    return model.to(device)", "takes a `device` parameter that defaults"),
        ("def fit(model, loader, device):\n    return model.to(device)\nfit(net, loader, 'cpu')",
         "passes a CPU or computed device to `fit(device=...)`"),
        ("parser.add_argument('--cpu', action='store_true')", "has a `--cpu` option"),
        ("if torch.cuda.is_available():\n    device = 'cuda'\nelse:\n    device = 'cpu'", "checks `is_available()`"),
    ],
)
def test_a_hard_coded_device_in_a_file_that_offers_a_cpu_path_is_reported(signal, because):
    findings = lint(f"import torch\n{signal}\nmodel = Net().cuda()\nbatch = batch.to('cuda:0')\n", "MLS203")
    assert len(findings) == 2
    assert all(because in finding.message for finding in findings)


@pytest.mark.parametrize(
    "signal",
    [
        "",  # GPU-only throughout: a design decision
        "n_gpus = torch.cuda.device_count()",
        "assert torch.cuda.is_available(), 'training needs a GPU'",
        "if not torch.cuda.is_available():\n    raise SystemExit('no GPU')",
        "if torch.cuda.is_available():\n    torch.backends.cudnn.benchmark = True",
        "torch.cuda.set_device(args.local_rank)",
        # a tensor's own device follows the tensor; it offers no CPU path
        "def sample_noise(w, n):\n    return torch.randn(n, w.shape[1], device=w.device)",
        "from accelerate import Accelerator\nuse_gpu = torch.cuda.is_available()",
        "import tensorrt as trt\nuse_gpu = torch.cuda.is_available()",
    ],
)
def test_code_that_assumes_a_gpu_throughout_is_quiet(signal):
    assert not lint(f"import torch\n{signal}\nmodel = Net().cuda()\nbatch = batch.to('cuda:0')\n", "MLS203")


def test_the_one_place_a_device_is_picked_is_not_a_hard_coding():
    findings = lint(
        """
        import torch

        DEVICE = "cuda:1"
        device = torch.device("cuda:0")

        def evaluate(model, loader, device):
            return [model(batch.to(device)) for batch in loader]

        scores = evaluate(model.to(DEVICE), loader, DEVICE)
        extra = torch.ones(3, device="cuda")
        """,
        "MLS203",
    )
    assert lines(findings) == [10]


def test_code_after_an_early_exit_without_a_gpu_and_skip_conditions_are_quiet():
    assert not lint(
        """
        import pytest
        import torch

        def check_transfer(batch, device):
            assert batch.to(device).shape == batch.shape
            if not torch.cuda.is_available():
                return
            assert batch.to("cuda").is_cuda

        @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
        def test_half_precision():
            weights = torch.ones(3).cuda().half()
        """,
        "MLS203",
    )


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
        "# %% [2]\ndevice = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n",
        "MLS203",
    )
    findings = sorted(findings, key=lambda finding: finding.span.line)
    assert [(f.cell, f.span.line) for f in findings] == [(1, 1), (1, 3)]
    assert "CUDA_VISIBLE_DEVICES" in findings[0].message
    assert "although this file checks `is_available()`" in findings[1].message


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


        use_gpu = torch.cuda.is_available()
        backbone = torch.nn.Linear(4, 2).cuda()
        """,
        "MLS203",
    )
    assert [finding.span.line for finding in findings] == [23]


def test_a_file_choosing_its_device_that_still_calls_cuda_is_reported():
    findings = lint(
        """
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"


        def embed(encoder, images, device="cpu"):
            encoder.eval()
            with torch.no_grad():
                return encoder(images.to(device))


        encoder = ResNetEncoder(width=64).to(device)
        prototypes = torch.load("prototypes.pt").cuda()
        """,
        "MLS203",
    )
    assert lines(findings) == [13]
    assert "although this file checks `is_available()`" in findings[0].message


def test_a_cpu_default_device_parameter_is_named_as_the_cpu_path():
    findings = lint(
        """
        import torch


        def denoise(unet, noisy, steps=50, device="cpu"):
            x = noisy.to(device)
            for t in reversed(range(steps)):
                x = unet(x, torch.full((x.shape[0],), t, device=device))
            return x


        unet = UNet(channels=3).cuda()
        """,
        "MLS203",
    )
    assert lines(findings) == [11]
    assert "takes a `device` parameter that defaults to the CPU" in findings[0].message


def test_gpu_only_helpers_with_cuda_default_device_parameters_are_quiet():
    assert not lint(
        """
        import torch


        def sample_latents(generator, batch_size, dim_z=128, device="cuda"):
            z = torch.randn(batch_size, dim_z, device=device)
            classes = torch.randint(0, generator.n_classes, (batch_size,), device=device)
            return generator(z, classes)


        def interpolate(generator, steps, device='cuda'):
            a, b = torch.randn(2, 1, generator.dim_z, device=device)
            return [generator(a + (b - a) * t / steps) for t in range(steps)]


        def sample_sheet(generator, rows):
            return [sample_latents(generator, 8, device="cuda") for _ in range(rows)]


        generator = Generator(resolution=128).cuda()
        generator.load_state_dict(torch.load("G_ema.pth"))
        frames = interpolate(generator, 16)
        """,
        "MLS203",
    )


def test_a_gpu_flag_that_only_places_secondary_values_is_no_cpu_path():
    assert not lint(
        """
        import argparse

        import torch
        import torch.nn.functional as F

        parser = argparse.ArgumentParser()
        parser.add_argument("--k", type=int, default=20)
        parser.add_argument("--use_cuda", action="store_true")
        args = parser.parse_args()

        model = build_backbone("resnet50").cuda()
        model.eval()

        bank, labels = [], []
        with torch.no_grad():
            for images, targets in train_loader:
                bank.append(F.normalize(model(images.cuda(non_blocking=True)), dim=1))
                labels.append(targets)
        bank = torch.cat(bank).t()
        labels = torch.cat(labels)
        if args.use_cuda:
            bank, labels = bank.cuda(), labels.cuda()
        else:
            bank = bank.cpu()


        def knn_predict(features, k):
            similarity = features @ bank.to(features.device)
            return labels[similarity.topk(k, dim=1).indices.cpu()].mode(dim=1).values
        """,
        "MLS203",
    )
