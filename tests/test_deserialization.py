"""MLS207 (unsafe deserialization) beyond its documented examples."""

from __future__ import annotations

from conftest import findings, lines, lint, lint_percent_notebook, write_project


def test_unsafe_loads_through_aliases_and_imports_in_functions():
    findings = lint(
        """
        import sys

        import numpy as np
        import torch as T
        import yaml
        from pickle import load as pload

        def restore(checkpoint):
            from joblib import load
            from yaml import CLoader as Loader

            state = T.load(checkpoint, weights_only=False)
            with open(sys.argv[2], "rb") as handle:
                vocab = pload(handle)
            encoder = load(sys.argv[3])
            arrays = np.load("features.npz", allow_pickle=True)
            settings = yaml.load(open("/etc/trainer/settings.yaml"), Loader=Loader)
            defaults = yaml.load(sys.stdin)
            return state, vocab, encoder, arrays, settings, defaults
        """,
        "MLS207",
    )
    assert [f.span.line for f in findings] == [12, 14, 15, 17, 18]
    assert "with `weights_only=False`" in findings[0].message
    assert "`sys.argv[2]`" in findings[1].message
    assert "'/etc/trainer/settings.yaml', which is not a file inside this repository" in findings[3].message
    assert "without a Loader" in findings[4].message


def test_files_of_the_repository_or_written_by_the_program_are_trusted():
    findings = lint(
        """
        import os
        import pickle
        from pathlib import Path

        import joblib
        import numpy as np
        import pandas as pd
        import torch
        import yaml

        HERE = os.path.dirname(os.path.abspath(__file__))
        ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

        def load_all(model, run_name, args, kwargs):
            with open(os.path.join(HERE, "vocab.pkl"), "rb") as f:
                vocab = pickle.load(f)
            encoder = joblib.load(ARTIFACTS / "encoder.joblib")
            frame = pd.read_pickle("data/processed/frame.pkl")
            state = torch.load(f"checkpoints/{run_name}/last.pt")
            weights = torch.load(args.checkpoint, weights_only=True)
            resumed = torch.load(args.checkpoint, **kwargs)
            arrays = np.load(args.features)
            config = yaml.load(open(args.config), Loader=yaml.SafeLoader)
            full = yaml.load(open(args.config), Loader=yaml.FullLoader)
            copy = pickle.loads(pickle.dumps(model))
            joblib.dump(model, args.output)
            reloaded = joblib.load(args.output)
            return vocab, encoder, frame, state, weights, resumed, arrays, config, full, copy, reloaded
        """,
        "MLS207",
    )
    assert findings == []


def test_files_written_with_the_function_forms_of_pandas_and_numpy_are_trusted():
    findings = lint(
        """
        import argparse

        import numpy as np
        import pandas as pd
        from umap import UMAP

        def fit_embedding(features, model_dir, name):
            reducer = UMAP(n_components=16).fit(features)
            pd.to_pickle(reducer, f"{model_dir}/{name}_umap.pkl")
            np.savez(f"{model_dir}/{name}_stats.npz", mean=features.mean(0), std=features.std(0))
            reducer = pd.read_pickle(f"{model_dir}/{name}_umap.pkl")
            stats = np.load(f"{model_dir}/{name}_stats.npz", allow_pickle=True)
            return reducer, stats

        def load_submitted(parser: argparse.ArgumentParser):
            return pd.read_pickle(parser.parse_args().embedding)
        """,
        "MLS207",
    )
    assert [f.span.line for f in findings] == [16]  # only the file named on the command line


def test_paths_leaving_the_repository_or_urls_are_reported():
    findings = lint(
        """
        import os
        import pickle
        import sys

        import pandas as pd

        shared = pd.read_pickle("../shared/features.pkl")
        remote = pd.read_pickle("https://example.com/exports/features.pkl")
        with open("~/datasets/labels.pkl", "rb") as f:
            labels = pickle.load(f)
        beside_input = pd.read_pickle(os.path.join(os.path.dirname(sys.argv[1]), "meta.pkl"))
        """,
        "MLS207",
    )
    assert [f.span.line for f in findings] == [7, 8, 10, 11]
    assert "a file downloaded from https://example.com/exports/features.pkl" in findings[1].message


def test_trust_remote_code_is_reported_unless_local_or_pinned():
    findings = lint(
        """
        from transformers import AutoModel, AutoModelForCausalLM, pipeline

        def build(args):
            chat = AutoModelForCausalLM.from_pretrained("acme/chat-7b", trust_remote_code=True)
            custom = AutoModel.from_pretrained(args.model, trust_remote_code=True)
            tagger = pipeline("token-classification", model="acme/tagger", trust_remote_code=True, revision="main")
            local = AutoModel.from_pretrained("./models/custom-encoder", trust_remote_code=True)
            pinned = AutoModel.from_pretrained("acme/encoder", trust_remote_code=True, revision="3e1f2d9")
            default = pipeline("text-generation", trust_remote_code=True)
            chosen = AutoModel.from_pretrained(args.model, trust_remote_code=args.trust_remote_code)
        """,
        "MLS207",
    )
    assert [(f.span.line, f.span.column) for f in findings] == [(4, 65), (5, 52), (6, 68)]
    assert "the Hub repository 'acme/chat-7b'" in findings[0].message


def test_notebook_unpickling_is_checked_across_cells():
    findings = lint_percent_notebook(
        "# %% [1]\nimport pickle\n"
        "# %% [2]\nwith open(\"/data/shared/features.pkl\", \"rb\") as f:\n    features = pickle.load(f)\n"
        "# %% [3]\nwith open(\"cache/features.pkl\", \"rb\") as f:\n    cached = pickle.load(f)\n",
        "MLS207",
    )
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(2, 2, 16)]


def test_climbing_out_of_the_files_directory_stays_inside_the_project(tmp_path):
    loads = (
        "import pandas as pd\n"
        "features = pd.read_pickle('../data/features.pkl')\n"
        "shared = pd.read_pickle('../../shared/features.pkl')\n"
    )
    write_project(tmp_path, {"scripts/train.py": loads, "top.py": loads})
    reported = sorted((path, line) for path, _, line in findings(tmp_path, "MLS207"))
    # In scripts/, '../data' is the project's data/; at the top, both climb out of it.
    assert reported == [("scripts/train.py", 3), ("top.py", 2), ("top.py", 3)]


def test_a_loading_helper_called_only_with_files_the_program_wrote_is_trusted():
    notebook = (
        "# %% [1]\nimport torch\n"
        "def save_checkpoint(model, filepath):\n"
        "    torch.save({'state_dict': model.state_dict()}, filepath)\n"
        "def load_checkpoint(checkpoint_path):\n"
        "    checkpoint = torch.load(checkpoint_path)\n"
        "    return checkpoint['state_dict']\n"
        "# %% [2]\nsave_checkpoint(model, 'checkpoint.pth')\n"
        "# %% [3]\nstate = load_checkpoint('checkpoint.pth')\n"
    )
    assert lint_percent_notebook(notebook, "MLS207") == []
    downloaded = notebook.replace(
        "state = load_checkpoint('checkpoint.pth')\n",
        "state = load_checkpoint('checkpoint.pth')\nremote = load_checkpoint('/tmp/downloads/weights.pth')\n",
    )
    [finding] = lint_percent_notebook(downloaded, "MLS207")
    assert finding.cell == 1 and "`checkpoint_path`" in finding.message


def test_a_file_whose_digest_is_checked_first_is_the_published_one():
    source = """
        import hashlib
        import os
        import pickle


        class Batches:
            md5s = {"data_batch_1": "c99cafc152244af753f735de768cd75f"}

            def __init__(self, root):
                self.root = root
                if not self._check_integrity():
                    raise RuntimeError("corrupted download: fetch the dataset again")

            def _check_integrity(self):
                for name, expected in self.md5s.items():
                    with open(os.path.join(self.root, name), "rb") as handle:
                        if hashlib.md5(handle.read()).hexdigest() != expected:
                            return False
                return True

            def load(self, name):
                with open(os.path.join(self.root, name), "rb") as handle:
                    return pickle.load(handle, encoding="latin1")
    """
    assert lint(source, "MLS207") == []
    unchecked = source.replace("        if not self._check_integrity():\n", "        if not os.path.isdir(root):\n")
    unchecked = unchecked.replace("    def _check_integrity(self):", "    def _listing(self):").replace("hashlib.md5", "len")
    assert [finding.code for finding in lint(unchecked, "MLS207")] == ["MLS207"]


def test_loading_inside_an_unpickling_hook_crosses_no_new_boundary():
    source = """
        import dill


        class SurrogateModel:
            def __getstate__(self):
                return {"network": dill.dumps(self.network), "epochs": self.epochs}

            def __setstate__(self, state):
                self.network = dill.loads(state["network"])
                self.epochs = state["epochs"]

            def restore(self, blob):
                self.network = dill.loads(blob)
    """
    assert lines(lint(source, "MLS207")) == [13]


def test_a_hash_checked_download_does_not_vouch_for_a_local_checkpoint():
    source = """
        import torch


        def load_pretrained(model, args):
            if args.finetune.startswith("https"):
                checkpoint = torch.hub.load_state_dict_from_url(args.finetune, map_location="cpu", check_hash=True)
            else:
                checkpoint = torch.load(args.finetune, map_location="cpu")
            model.load_state_dict(checkpoint["model"])
    """
    assert lines(lint(source, "MLS207")) == [8]
