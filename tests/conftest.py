"""Shared test helpers: lint a snippet in-process, or run the installed command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlsmells.config import Settings
from mlsmells.engine.linter import lint_notebook, lint_source
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule
from mlsmells.runner import run


def lint(code: str, *rule_selectors: str, path: str = "example.py"):
    """Findings of the named rules on `code` (dedented; line 1 is its first non-blank line)."""
    rules = [find_rule(selector) for selector in rule_selectors]
    options = {rule: rule.default_options() for rule in rules}
    return lint_source(path, textwrap.dedent(code).lstrip("\n"), rules, options).findings


def lint_percent_notebook(code: str, *rule_selectors: str, path: str = "analysis.ipynb"):
    """Findings of the named rules on a notebook written in the percent format (`# %% [3]`)."""
    rules = [find_rule(selector) for selector in rule_selectors]
    notebook, _ = notebook_from_percent(code)
    return lint_notebook(path, notebook, rules, {rule: rule.default_options() for rule in rules}).findings


def lines(findings) -> list[int]:
    """The lines findings point at, in order."""
    return sorted(finding.span.line for finding in findings)


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def mlsmells_command() -> list[str]:
    """The installed console script, next to the running interpreter."""
    script = Path(sys.executable).with_name("mlsmells")
    if script.exists():
        return [str(script)]
    found = shutil.which("mlsmells")
    assert found, "the mlsmells command is not installed"
    return [found]


def run_mlsmells(*args: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    # Neither a CI runner's flag nor a colour setting of the terminal running the tests.
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "FORCE_COLOR", "NO_COLOR")}
    return subprocess.run(
        [*mlsmells_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def run_json(*args: str, cwd: Path) -> tuple[int, list[dict]]:
    completed = run_mlsmells("check", "--output-format", "json", *args, cwd=cwd)
    return completed.returncode, json.loads(completed.stdout or "[]")


@pytest.fixture
def write(tmp_path: Path):
    """write("pkg/mod.py", code) creates a file (dedented) under tmp_path."""

    def _write(relative: str, content: str | bytes = "") -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    return _write


#: One finding of a default rule: MLS321 at 4:9 (the comparison `np.zeros(10) == np.nan`).
SMELLY = """
import numpy as np

empty = np.zeros(10) == np.nan
"""

#: The same test written correctly: no finding.
CLEAN = """
import numpy as np

empty = np.isnan(np.zeros(10))
"""


@pytest.fixture(autouse=True, scope="session")
def _cache_key_home(tmp_path_factory):
    """The key that signs cache entries lives in the user's cache home: the tests keep
    theirs apart from the developer's (subprocesses inherit it)."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache-home"))
    yield
    if previous is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = previous


def write_project(root: Path, files: dict[str, str]) -> None:
    """Write a small project: each relative name to its (dedented) code."""
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip("\n"))


def findings(root: Path, *selectors: str, cache: Path | None = None) -> list[tuple[str, str, int]]:
    """Check a project in-process: (path, code, line) of each finding."""
    rules = [find_rule(selector) for selector in selectors]
    result = run([root], Settings(root=root), rules, root, cache_dir=cache)
    return [(finding.path, finding.code, finding.span.line) for finding in result.findings]
