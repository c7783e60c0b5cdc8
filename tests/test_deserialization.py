"""MLS207 (unsafe deserialization) beyond its documented examples: loads are reported when
what they load comes from outside the project, and only then."""

from __future__ import annotations

from conftest import findings, lines, lint, lint_percent_notebook, write_project


def test_files_named_on_the_command_line_are_reported():
    reported = lint(
        """
        import argparse
        import sys

        import numpy as np
        import torch as T
        import yaml
        from pickle import load as pload

        parser = argparse.ArgumentParser()
        parser.add_argument("--resume")
        parser.add_argument("--features")
        args = parser.parse_args()
        known = parser.parse_known_args()[0]

        def restore():
            from joblib import load

            state = T.load(args.resume, weights_only=False)
            with open(sys.argv[2], "rb") as handle:
                vocab = pload(handle)
            encoder = load(sys.argv[3])
            arrays = np.load(known.features, allow_pickle=True)
            defaults = yaml.load(sys.stdin)
            return state, vocab, encoder, arrays, defaults
        """,
        "MLS207",
    )
    assert lines(reported) == [18, 20, 21, 22, 23]
    assert "with `weights_only=False` unpickles the file named on the command line (`args.resume`)" in reported[0].message
    assert "the file named on the command line (`sys.argv[2]`)" in reported[1].message
    assert "(`known.features`)" in reported[3].message
    assert "without a Loader" in reported[4].message and "`sys.stdin`" in reported[4].message


def test_an_args_parameter_absl_flags_and_command_line_frameworks_are_the_command_line():
    reported = lint(
        """
        import click
        import fire
        import joblib
        import torch
        import typer
        from absl import flags

        FLAGS = flags.FLAGS
        app = typer.Typer()

        def load_model(args, model):
            checkpoint = torch.load(args.resume, map_location="cpu")
            model.load_state_dict(checkpoint["model"])

        def evaluate():
            return torch.load(FLAGS.checkpoint)

        @click.command()
        @click.option("--model-path")
        def predict(model_path):
            return joblib.load(model_path)

        @app.command()
        def score(model_file: str):
            return joblib.load(model_file)

        def export(weights):
            return torch.load(weights)

        if __name__ == "__main__":
            fire.Fire(export)
        """,
        "MLS207",
    )
    assert lines(reported) == [12, 16, 21, 25, 28]
    assert "(`model_path`)" in reported[2].message


def test_typed_input_and_web_uploads_are_reported_but_not_the_environment():
    reported = lint(
        """
        import io
        import os
        import pickle

        import joblib
        from fastapi import FastAPI, UploadFile
        from flask import Flask, request

        web = Flask(__name__)
        api = FastAPI()
        model = joblib.load(os.environ["MODEL_PATH"])
        scaler = joblib.load(os.getenv("SCALER_PATH", "scaler.joblib"))
        encoder = pickle.load(open(input("encoder file: "), "rb"))

        @web.route("/model", methods=["POST"])
        def replace_model():
            return pickle.loads(request.files["model"].read())

        @api.post("/predict")
        async def predict(upload: UploadFile):
            return joblib.load(io.BytesIO(await upload.read()))

        def view(request):
            return pickle.loads(request.body)
        """,
        "MLS207",
    )
    assert lines(reported) == [13, 17, 21, 24]
    assert "the file the user types in" in reported[0].message
    assert "what a web client sent (`request.files[\"model\"]`)" in reported[1].message
    assert "the uploaded file `upload`" in reported[2].message


def test_downloaded_files_are_reported():
    reported = lint(
        """
        import io
        import os
        import pickle
        import urllib.request

        import joblib
        import pandas as pd
        import requests
        import tensorflow as tf
        import torch
        from huggingface_hub import hf_hub_download, snapshot_download

        URL = "https://example.com/releases/latest/model.pkl"

        path, _ = urllib.request.urlretrieve(URL)
        first = joblib.load(path)
        urllib.request.urlretrieve(URL, "cache/model.pkl")
        second = joblib.load("cache/model.pkl")
        weights = torch.load(hf_hub_download("acme/detector", "weights.pt"))
        root = snapshot_download(repo_id="acme/tabular")
        encoder = joblib.load(os.path.join(root, "encoder.joblib"))
        response = requests.get(URL, timeout=30)
        third = pickle.load(io.BytesIO(response.content))
        fourth = pickle.loads(urllib.request.urlopen(URL).read())
        vocab = pickle.load(open(tf.keras.utils.get_file("vocab.pkl", origin=URL), "rb"))
        frame = pd.read_pickle("s3://acme-exports/features.pkl")
        with open("cache/labels.pkl", "wb") as out:
            out.write(requests.get("https://example.com/labels.pkl").content)
        with open("cache/labels.pkl", "rb") as f:
            labels = pickle.load(f)
        """,
        "MLS207",
    )
    assert lines(reported) == [16, 18, 19, 21, 23, 24, 25, 26, 30]
    assert "the file downloaded from https://example.com/releases/latest/model.pkl" in reported[0].message
    assert "the file downloaded from the Hub repository 'acme/detector'" in reported[2].message
    assert "s3://acme-exports/features.pkl" in reported[7].message
    assert "https://example.com/labels.pkl" in reported[8].message


def test_a_helper_of_the_file_is_reported_when_a_call_passes_it_an_outside_file():
    reported = lint(
        """
        import argparse
        import pickle

        import torch
        from huggingface_hub import hf_hub_download

        def load_checkpoint(model, checkpoint_path):
            state = torch.load(checkpoint_path, map_location="cpu")
            model.load_state_dict(state["model"])

        def fetch_vocabulary():
            return hf_hub_download(repo_id="acme/tokenizer", filename="vocab.pkl")

        class Predictor:
            def __init__(self, path):
                self.model = self.restore(path)

            def restore(self, path):
                with open(path, "rb") as f:
                    return pickle.load(f)

        def main(args):
            load_checkpoint(args.model, "checkpoints/best.pt")
            load_checkpoint(args.model, args.pretrained)
            vocab = pickle.load(open(fetch_vocabulary(), "rb"))
            return Predictor(args.predictor), vocab

        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            main(parser.parse_args())
        """,
        "MLS207",
    )
    assert lines(reported) == [8, 20, 25]
    assert "(`args.pretrained`), given to `load_checkpoint`" in reported[0].message
    assert "acme/tokenizer" in reported[2].message


def test_the_projects_own_files_and_parameters_with_no_outside_caller_are_not_reported():
    source = """
        import argparse
        import os
        import pickle
        from pathlib import Path

        import joblib
        import numpy as np
        import pandas as pd
        import torch
        import yaml

        HERE = Path(__file__).parent

        def load_checkpoint(path, model):
            checkpoint = torch.load(path, map_location="cpu")
            model.load_state_dict(checkpoint["state_dict"])
            return checkpoint["epoch"]

        def load_features(config_path):
            with open(config_path) as stream:
                config = yaml.safe_load(stream)
            with open(config["features"], "rb") as f:
                return pickle.load(f)

        class ModelService:
            def __init__(self, model_dir):
                self.model = joblib.load(os.path.join(model_dir, "model.joblib"))

        def train(model, features, labels, args):
            joblib.dump(model.fit(features, labels), args.output)
            os.makedirs(args.output_dir, exist_ok=True)
            torch.save({"state_dict": model.state_dict()}, os.path.join(args.output_dir, "last.pt"))
            resumed = torch.load(os.path.join(args.output_dir, "last.pt"))
            return joblib.load(args.output), resumed

        train_frame = pd.read_pickle("../input/home-credit/train.pkl")
        stats = np.load("/kaggle/input/stats/stats.npz", allow_pickle=True)
        encoder = joblib.load(HERE / "artifacts" / "encoder.joblib")
        copy = pickle.loads(pickle.dumps(train_frame))
        parser = argparse.ArgumentParser()
        args = parser.parse_args()
        weights = torch.load(args.checkpoint, weights_only=True)
        resumed = torch.load(args.checkpoint, **vars(args))
        settings = yaml.load(open(args.config), Loader=yaml.SafeLoader)
        full = yaml.load(open(args.config), Loader=yaml.FullLoader)
        epoch = load_checkpoint("checkpoints/best.pt", None)
    """
    assert lint(source, "MLS207") == []


def test_trust_remote_code_is_reported_unless_local_or_pinned():
    reported = lint(
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
    assert [(f.span.line, f.span.column) for f in reported] == [(4, 65), (5, 52), (6, 68)]
    assert "the Hub repository 'acme/chat-7b'" in reported[0].message
    assert "`args.model`" in reported[1].message


def test_trust_remote_code_names_the_model_argument_not_a_served_name():
    reported = lint(
        """
        from transformers import AutoModel
        from serving import EncoderServer

        def serve(model_id):
            return EncoderServer("embedder", model_id_or_path=model_id, trust_remote_code=True)

        def local(model_dir):
            return AutoModel.from_pretrained(model_dir, trust_remote_code=True)

        server = EncoderServer("embedder", model_id_or_path="acme/embedder-v1.5", trust_remote_code=True)
        anonymous = EncoderServer("embedder", trust_remote_code=True)
        model = local("models/encoder")
        """,
        "MLS207",
    )
    assert lines(reported) == [5, 10]
    assert "come with `model_id`" in reported[0].message and "embedder'" not in reported[0].message
    assert "'acme/embedder-v1.5'" in reported[1].message


def test_notebook_downloads_are_followed_across_cells():
    reported = lint_percent_notebook(
        "# %% [1]\nimport pickle\nimport urllib.request\n"
        "# %% [2]\nurllib.request.urlretrieve('https://example.com/mnist.pkl', 'mnist.pkl')\n"
        "# %% [3]\nwith open('mnist.pkl', 'rb') as f:\n    train, valid = pickle.load(f)\n"
        "# %% [4]\nname = f'cache/{2024}_features.pkl'\npickle.dump(valid, open(name, 'wb'))\n"
        "# %% [5]\nwith open('/data/shared/features.pkl', 'rb') as f:\n    shared = pickle.load(f)\n"
        "features = pickle.load(open(name, 'rb'))\n",
        "MLS207",
    )
    assert [(f.cell, f.span.line) for f in reported] == [(3, 2)]
    assert "https://example.com/mnist.pkl" in reported[0].message


def test_a_checkpoint_loaded_from_a_script_in_a_subdirectory_is_not_reported(tmp_path):
    loads = (
        "import sys\nimport pandas as pd\n"
        "features = pd.read_pickle('../data/features.pkl')\n"
        "shared = pd.read_pickle('../../shared/features.pkl')\n"
        "given = pd.read_pickle(sys.argv[1])\n"
    )
    write_project(tmp_path, {"scripts/train.py": loads, "top.py": loads})
    reported = sorted((path, line) for path, _, line in findings(tmp_path, "MLS207"))
    assert reported == [("scripts/train.py", 5), ("top.py", 5)]


def test_a_download_whose_digest_is_checked_first_is_the_published_file():
    source = """
        import hashlib
        import pickle
        import urllib.request


        class Batches:
            url = "https://example.com/cifar/data_batch_1"
            md5 = "c99cafc152244af753f735de768cd75f"

            def load(self):
                path, _ = urllib.request.urlretrieve(self.url)
                with open(path, "rb") as handle:
                    if hashlib.md5(handle.read()).hexdigest() != self.md5:
                        raise RuntimeError("corrupted download: fetch the dataset again")
                with open(path, "rb") as handle:
                    return pickle.load(handle, encoding="latin1")
    """
    assert lint(source, "MLS207") == []
    unchecked = source.replace("hashlib.md5(handle.read()).hexdigest() != self.md5", "not handle.readable()")
    assert lines(lint(unchecked, "MLS207")) == [16]


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


def test_an_options_namespace_is_followed_through_updates_optparse_and_helpers():
    reported = lint(
        """
        import argparse
        import pickle
        from optparse import OptionParser

        import torch

        def load_model(opt, device):
            checkpoint = torch.load(opt.model, map_location=device)
            return checkpoint["model"]

        def main():
            parser = argparse.ArgumentParser()
            opt = parser.parse_args()
            opt.cuda = not opt.no_cuda
            model = load_model(opt, "cpu")
            config = {"vocab": "data/vocab.pkl"}
            vocab = pickle.load(open(config["vocab"], "rb"))
            return model, vocab

        def legacy():
            (options, rest) = OptionParser().parse_args()
            with open(options.load, "rb") as handle:
                return pickle.load(handle)
        """,
        "MLS207",
    )
    assert lines(reported) == [8, 23]
    assert "(`opt.model`)" in reported[0].message
