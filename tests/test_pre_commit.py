"""The real pre-commit runs this checkout's hook against a throwaway repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

pytestmark = pytest.mark.skipif(
    not PRE_COMMIT.exists() or shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs pre-commit, git and a git checkout of mlsmells",
)


@pytest.fixture(scope="module")
def hook(tmp_path_factory):
    """A repository using the hook, and a function that runs it on some files."""
    repo = tmp_path_factory.mktemp("user-repo")
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    files = {
        "pyproject.toml": (
            '[tool.mlsmells]\nextend-exclude = ["vendored/"]\nbaseline = "mlsmells-baseline.json"\n'
            '[tool.mlsmells.per-file-ignores]\n"tests/*.py" = ["MLS321"]\n'
        ),
        "legacy.py": "import numpy as np\n\nold = np.ones(3) != np.nan\n",
        "tests/test_legacy.py": "import numpy as np\n\nassert not (np.ones(3) == np.nan).any()\n",
        "smelly.py": "import numpy as np\n\nempty = np.zeros(3) == np.nan\n",
        "clean.py": "import numpy as np\n\nempty = np.isnan(np.zeros(3))\n",
        "vendored/lib.py": "import numpy as np\n\nnp.zeros(3) == np.nan\n",
        "explore.ipynb": textwrap.dedent("""\
            {"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, "outputs": [],
              "source": ["import numpy as np\\n", "np.zeros(3) == np.nan"]}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """),
    }
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)
    # The team's baseline records legacy.py's finding, from a run on the whole repository.
    recorded = subprocess.run(
        [str(PRE_COMMIT.with_name("mlsmells")), "check", "--isolated", "--write-baseline", "mlsmells-baseline.json", "legacy.py"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )
    assert "recorded 1 finding(s)" in recorded.stderr, recorded.stderr
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)

    def run(*names: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(ROOT), "mlsmells", "--files", *names],
            cwd=repo, env=env, capture_output=True, text=True, timeout=900,
        )

    return run


def test_hook_fails_on_a_smelly_file_and_notebook(hook):
    completed = hook("smelly.py", "explore.ipynb")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "smelly.py:3:9: MLS321" in completed.stdout
    assert "explore.ipynb:cell 1:2:1: MLS321" in completed.stdout


def test_hook_passes_on_clean_and_excluded_files(hook):
    completed = hook("clean.py", "vendored/lib.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_hook_speaks_only_of_the_staged_files(hook):
    """A commit staging one file: the baseline's entries for other files are not gone, and
    the per-file-ignores pattern for the tests is not unused."""
    completed = hook("smelly.py")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "smelly.py:3:9: MLS321" in output
    assert "no longer occur" not in output and "matched no checked file" not in output


def test_hook_passes_on_baselined_and_ignored_findings(hook):
    completed = hook("legacy.py", "tests/test_legacy.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_readmes_local_hook_runs_as_written(tmp_path):
    """The README's copy-paste path: its `repo: local` block, with mlsmells installed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in b)
    (tmp_path / ".pre-commit-config.yaml").write_text(block)
    (tmp_path / "smelly.py").write_text("import numpy as np\n\nempty = np.zeros(3) == np.nan\n")
    (tmp_path / "clean.py").write_text("import numpy as np\n\nempty = np.isnan(np.zeros(3))\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / ".pre-commit-home"),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True, env=env)
    completed = subprocess.run(
        [str(PRE_COMMIT), "run", "--files", "smelly.py", "clean.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "smelly.py:3:9: MLS321" in completed.stdout and "clean.py:" not in completed.stdout
