"""Real code at scale: every module of the transformers wheel, with no crash and no MLS002.

Slow (about two minutes on two cores) and it downloads the wheel from PyPI; `.ci/run`
runs it. Skip it with `python -m pytest -m "not slow"`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from conftest import run_mlsmells

WHEEL = "transformers==5.23.0"


@pytest.mark.slow
def test_transformers_wheel_has_no_internal_errors(tmp_path):
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    if download.returncode != 0:
        pytest.skip(f"cannot download {WHEEL}: {download.stderr.strip()[-200:]}")
    (wheel,) = tmp_path.glob("transformers-*.whl")
    corpus = tmp_path / "corpus"
    zipfile.ZipFile(wheel).extractall(corpus)
    modules = list(corpus.rglob("*.py"))
    assert len(modules) > 2000
    completed = run_mlsmells("check", "--isolated", "--output-format", "json", str(corpus), cwd=tmp_path, timeout=1800)
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    findings = json.loads(completed.stdout)
    assert [f for f in findings if f["code"] == "MLS002"] == []
    assert f"checked {len(modules)} files" in completed.stderr
