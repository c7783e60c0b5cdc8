"""A reader that stops reading (`mlsmells rules | head`) ends the run quietly, the way
click ends any command whose pipe breaks (exit code 1), not as an internal error."""

from __future__ import annotations

import subprocess

import pytest
from conftest import mlsmells_command


@pytest.mark.parametrize("command", [["rules"], ["explain", "MLS321"], ["check", "--no-cache", "checks.py"]])
def test_a_reader_that_went_away_ends_the_run_quietly(tmp_path, command):
    (tmp_path / "checks.py").write_text("import numpy as np\n\nmissing = np.zeros(3) == np.nan\n")
    process = subprocess.Popen(
        [*mlsmells_command(), *command], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdout.close()  # before mlsmells writes: its first write meets a closed pipe
    errors = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert "internal error" not in errors and "Traceback" not in errors and "Exception" not in errors
