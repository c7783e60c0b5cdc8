"""MLS205-MLS208 (supply chain) beyond their documented examples."""

from __future__ import annotations

import pytest

from conftest import lint
from mlsmells.engine.linter import lint_notebook
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule
from mlsmells.rules.supply_chain import unpinned_packages


@pytest.mark.parametrize(
    ("command", "unpinned"),
    [
        ("pip install torch", ["torch"]),
        ("pip install -q transformers==4.40.0 datasets", ["datasets"]),
        ("python -m pip install -U 'torch>=2.0' numpy~=1.26", ["torch>=2.0"]),
        ("conda install -c conda-forge numpy=1.26 scipy", ["scipy"]),
        ("pip install git+https://github.com/org/lib.git", ["git+https://github.com/org/lib.git"]),
        ("pip install git+https://github.com/org/lib.git@4f2a9c1", []),
        ("pip install -r requirements.txt -c constraints.txt", []),
        ("pip install -e . ./vendor/pkg dist/pkg-1.0-py3-none-any.whl", []),
        ("pip install -U pip setuptools wheel", []),
        ("pip install {package}", []),
        ("pip list", []),
        ("pip install 'unterminated", []),
    ],
)
def test_unpinned_packages(command, unpinned):
    assert unpinned_packages(command) == unpinned


def test_notebook_shell_and_magic_lines_are_checked():
    rule = find_rule("MLS206")
    notebook, _ = notebook_from_percent(
        "# %% [1]\n!pip install -q torch==2.3.1 transformers\n# %% [2]\nif IN_COLAB:\n"
        "    %pip install -q -U urlextract\n# %% [3]\n!pip install -r requirements.txt\n"
    )
    findings = lint_notebook("nb.ipynb", notebook, [rule], {rule: {}}).findings
    assert [(f.cell, f.span.line, f.span.column) for f in findings] == [(1, 1, 1), (2, 2, 5)]
    assert "installs transformers without pinning" in findings[0].message


def test_subprocess_and_os_system_through_aliases():
    findings = lint(
        """
        import os as operating_system
        from subprocess import check_call as sh

        operating_system.system("pip install lightgbm")
        sh("pip install xgboost==2.0.3", shell=True)
        sh(["pip", "install", PACKAGE])
        """,
        "MLS206",
    )
    assert [f.span.line for f in findings] == [4]
