"""MLS204 (hard-coded secret) beyond its documented examples: credential names,
placeholders, tokenizer tokens, test fixtures, notebook magics, and secrets that never
reach any output."""

from __future__ import annotations

import nbformat
import pytest
from conftest import lines, lint, lint_percent_notebook, run_mlsmells
from nbformat.v4 import new_code_cell, new_notebook

from mlsmells.rules.configuration.secrets import (
    HardCodedSecret,
    credential_kind,
    maybe_secret,
)

HF_TOKEN = "hf_" + "Qx7LmN2pRs9TuVw4YzAb6CdEf8GhIj1KlMo"
WANDB_KEY = "9c1e5f0a7b3d2e8f4a6c0b9d1e7f3a5c8b2d4e6f"
DB_PASSWORD = "Tr41n-f3atur3s"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("password", "password"), ("DB_PASSWD", "password"), ("client_secret", "secret"), ("api_key", "key"),
     ("AWS_SECRET_ACCESS_KEY", "key"), ("openaiApiKey", "key"), ("hf_token", "token"), ("use_auth_token", "token"),
     ("token", None), ("pad_token", None), ("token_type_ids", None), ("cache_key", None), ("secret_name", None),
     ("password_prompt", None), ("auth", None)],
)
def test_credential_names(name, kind):
    assert credential_kind(name) == kind


@pytest.mark.parametrize(
    "value", ["", "xxx", "********", "<your-token>", "YOUR_API_KEY", "HF_TOKEN", "changeme", "test-password",
              "${WANDB_API_KEY}", "secrets/kaggle.json", "enter your password", "dummy_key_123"],
)
def test_placeholders_are_not_secrets(value):
    assert not maybe_secret(value)


def test_published_default_credentials_of_local_services_are_quiet():
    """A feature-store client talking to the in-cluster MinIO of a demo uses the password
    MinIO's documentation publishes; a project's own key beside it is still reported."""
    findings = lint(
        f"""
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url="http://minio-service.kubeflow:9000",
            aws_access_key_id="minio",
            aws_secret_access_key="minio123",
        )
        archive = boto3.client("s3", aws_secret_access_key="{DB_PASSWORD}")
        """,
        "MLS204",
    )
    assert lines(findings) == [9]


def test_credentials_by_name_call_and_shape():
    findings = lint(
        f"""
        import os
        import requests
        import wandb as wb
        from huggingface_hub import login

        login("{HF_TOKEN}")
        wb.login(key="{WANDB_KEY}")
        os.environ["KAGGLE_KEY"] = "{WANDB_KEY}"
        settings = {{"db_password": "{DB_PASSWORD}"}}
        reply = requests.get(API, auth=("trainer", "{DB_PASSWORD}"))
        headers = {{"Authorization": "Bearer {WANDB_KEY}"}}
        notes = "pushed with {HF_TOKEN} yesterday"
        session.auth = requests.auth.HTTPBasicAuth("trainer", "{DB_PASSWORD}")
        """,
        "MLS204",
    )
    assert lines(findings) == [6, 7, 8, 9, 10, 11, 12, 13]
    assert all(HF_TOKEN not in f.message and WANDB_KEY not in f.message for f in findings)


def test_tokenizer_tokens_env_lookups_and_placeholders_are_quiet():
    assert not lint(
        """
        \"\"\"Connects with a URL such as postgresql://ml:s3cr3tpw@db/features.\"\"\"
        import os
        from transformers import AutoTokenizer, PreTrainedTokenizerFast

        tokenizer = PreTrainedTokenizerFast(
            tokenizer_file="tokenizer.json", bos_token="<s>", eos_token="</s>", unk_token="<unk>",
            pad_token="<pad>", mask_token="[MASK]", token="[CLS]",
        )
        token = "<|endoftext|>"
        token_type_ids = "token_type_ids"
        hf_token = os.environ["HF_TOKEN"]
        api_key = os.getenv("OPENAI_API_KEY", "")
        model = AutoTokenizer.from_pretrained("gpt2", token=hf_token, use_auth_token=True)
        auth = "basic"
        WANDB_API_KEY = "<paste your key here>"
        DB_URL = "postgresql://trainer:{password}@db:5432/features"
        AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
        mapbox_access_token = "pk.eyJ1IjoiY2h1cm4tbWFwcyIsImEiOiJjbHg3c2Q5In0.q8Yt3mN2xR"
        """,
        "MLS204",
    )


def test_header_names_and_test_fixtures_are_not_secrets():
    assert not lint('XET_AUTH_KEY = "xet-auth"\nAPI_KEY_HEADER = "X-Api-Key"\n', "MLS204")
    fixtures = f"""
        def test_device_flow():
            response = {{"access_token": "ya29.a0Af8Zq2Lm", "refresh_token": "rt_123"}}
            engine = connect("postgresql://tester:s3cr3t-pw@localhost/test_db", password="hunter22")
            leaked = "{HF_TOKEN}"
        """
    assert lines(lint(fixtures, "MLS204", path="tests/test_auth.py")) == [4]
    assert lines(lint(fixtures, "MLS204", path="auth.py")) == [2, 3, 3, 4]


def test_secrets_in_notebook_magics():
    findings = lint_percent_notebook(
        f"# %% [1]\n%env WANDB_API_KEY={WANDB_KEY}\n!huggingface-cli login --token {HF_TOKEN}\n"
        "# %% [2]\n%env WANDB_PROJECT=churn\n!wandb login\n"
        "!OPENAI_API_KEY={openai_api_key} openai wandb sync --id ftjob-x7Yq2LmN9pRs4TuV\n",
        "MLS204",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(1, 1), (1, 2)]
    assert all(WANDB_KEY not in f.source_line and HF_TOKEN not in f.source_line for f in findings)


@pytest.mark.parametrize(
    "line",
    [
        f'login("{HF_TOKEN}")',
        f'DB_URL = "postgresql://trainer:{DB_PASSWORD}@db:5432/features"',
        f"headers = {{'Authorization': 'Bearer {WANDB_KEY}'}}",
        f'password = """{DB_PASSWORD}',
        f"%env WANDB_API_KEY={WANDB_KEY}",
    ],
)
def test_shown_lines_are_masked_and_keep_their_columns(line):
    shown = HardCodedSecret.shown_line(line)
    assert len(shown) == len(line)
    assert all(secret not in shown for secret in (HF_TOKEN, WANDB_KEY, DB_PASSWORD))


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "sarif", "github", "gitlab", "junit"])
def test_no_output_format_shows_a_secret(tmp_path, output_format):
    (tmp_path / "train.py").write_text(
        f'import wandb\nwandb.login(key="{WANDB_KEY}")\nDB_URL = "mysql://trainer:{DB_PASSWORD}@db/features"\n'
    )
    notebook = new_notebook(cells=[new_code_cell(f"%env HF_TOKEN={HF_TOKEN}\nTOKEN = '{HF_TOKEN}'")])
    nbformat.write(notebook, tmp_path / "explore.ipynb")
    completed = run_mlsmells("check", "--isolated", "--select", "MLS204", "--output-format", output_format, ".",
                             cwd=tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1
    assert "MLS204" in output
    assert all(secret not in output for secret in (HF_TOKEN, WANDB_KEY, DB_PASSWORD))
