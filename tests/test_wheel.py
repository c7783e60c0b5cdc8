"""The catalog and the measured precision ship inside the wheel: a wheel-installed mlsmells explains its rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installed_explain_reads_the_packaged_catalog(tmp_path):
    wheels, site, source = tmp_path / "wheels", tmp_path / "site", tmp_path / "source"
    # A copy without build outputs: setuptools reuses `build/lib`, where modules since
    # renamed would still sit and ship.
    ignored = shutil.ignore_patterns("build", ".venv", ".git", ".corpora", "checkouts", "*.egg-info", "__pycache__", ".*_cache")
    shutil.copytree(ROOT, source, ignore=ignored)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = wheels.glob("mlsmells-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    assert sorted(p.name for p in (site / "mlsmells" / "_challenges").glob("*.toml")) == sorted(
        p.name for p in (ROOT / "rules").glob("*.toml")
    )
    # The wheel's copy comes first on the path; the dependencies come from this environment.
    env = {**os.environ, "PYTHONPATH": str(site)}
    script = "import mlsmells, sys; print(mlsmells.__file__, file=sys.stderr); from mlsmells.cli import main; main()"
    completed = subprocess.run(
        [sys.executable, "-c", script, "explain", "MLS101"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.startswith(str(site))
    assert "`SLR-CM25`: Maintaining and replicating results of model training." in completed.stdout
    # The measured precision ships too (mlsmells/measured_precision.toml).
    assert "Precision: " in completed.stdout and "judged findings" in completed.stdout
