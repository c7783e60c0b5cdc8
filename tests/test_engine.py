"""Engine guarantees: rule failures are isolated, the repository pass works."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from click.testing import CliRunner

from mlsmells import cli
from mlsmells.config import Settings
from mlsmells.findings import Family
from mlsmells.registry import find_rule
from mlsmells.rule import RepositoryReport, Rule
from mlsmells.runner import run


class ExplodingRule(Rule):
    """Fails on every call: stands for a rule with a bug."""

    code = "MLS798"
    name = "exploding"
    family = Family.REPRODUCIBILITY
    summary = "test rule"

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


class DefinitionsAcrossFiles(Rule):
    """Reports function names defined in more than one file: a repository-pass rule."""

    code = "MLS799"
    name = "duplicate-definitions"
    family = Family.ARCHITECTURE
    summary = "test rule"

    def __init__(self, file, options):
        super().__init__(file, options)
        self.defined: dict[str, int] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.defined[node.name.value] = self.hold(node.name, "defined here")

    def file_facts(self):
        return self.defined or None

    @classmethod
    def check_repository(cls, facts):
        seen: dict[str, list[str]] = {}
        for path, defined in facts.items():
            for name in defined:
                seen.setdefault(name, []).append(path)
        for name, paths in seen.items():
            if len(paths) > 1:
                for path in paths:
                    yield RepositoryReport(path, facts[path][name], f"{name} is defined in {len(paths)} files")


def test_a_failing_rule_becomes_mls002_and_the_others_still_run(tmp_path, write):
    write("a.py", "import numpy as np\nx = np.random.rand(3)\n")
    rules = [ExplodingRule, find_rule("MLS101")]
    result = run([tmp_path], Settings(root=tmp_path), rules, tmp_path)
    assert [f.code for f in result.findings] == ["MLS002", "MLS101"]
    assert "rule MLS798 (exploding) failed on this file: ValueError: boom" in result.findings[0].message
    assert result.internal_errors == 1


def test_internal_errors_exit_two_and_ask_for_a_report(tmp_path, write, monkeypatch):
    write("a.py", "print(1)\n")
    monkeypatch.setattr(cli, "enabled_rules", lambda layers: [ExplodingRule])
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(cli.main, ["check", "--output-format", "concise"])
    assert outcome.exit_code == 2
    assert "MLS002 rule MLS798 (exploding) failed" in outcome.stdout
    assert "this is a bug in mlsmells" in outcome.stderr
    ignored = CliRunner().invoke(cli.main, ["check", "--exit-zero"])
    assert ignored.exit_code == 0


def test_repository_pass_reports_across_files_and_honours_noqa(tmp_path, write):
    write("train.py", "def preprocess(df):\n    return df\n")
    write("serve.py", "def preprocess(df):  # noqa: MLS799\n    return df\n")
    write("other.py", "def unrelated():\n    pass\n")
    result = run([tmp_path], Settings(root=tmp_path), [DefinitionsAcrossFiles], tmp_path)
    assert [(f.path, f.span.line, f.message) for f in result.findings] == [
        ("train.py", 1, "preprocess is defined in 2 files")
    ]
    assert result.suppressed == 1


def test_repository_findings_in_notebooks_point_at_cells_and_survive_the_cache(tmp_path, write):
    import json

    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Features"},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
         "source": "import pandas as pd\n\ndef preprocess(df):\n    return df.dropna()"},
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write("explore.ipynb", json.dumps(notebook))
    write("train.py", "def preprocess(df):\n    return df\n")
    for _ in range(2):  # the second run reads the held findings back from the cache
        result = run([tmp_path], Settings(root=tmp_path), [DefinitionsAcrossFiles], tmp_path, cache_dir=tmp_path / "cache")
        assert [(f.path, f.cell, f.span.line, f.span.column, f.source_line) for f in result.findings] == [
            ("explore.ipynb", 2, 3, 5, "def preprocess(df):"),
            ("train.py", None, 1, 5, "def preprocess(df):"),
        ]
        assert any(entry.is_file() and entry.name != ".gitignore" for entry in (tmp_path / "cache").rglob("*"))


def test_walk_survives_code_deeper_than_the_recursion_limit(tmp_path, write):
    depth = 900  # about 6,000 frames for a recursive visitor: far past the default limit
    write("deep.py", "import numpy as np\nx = " + "-" * depth + "np.random.rand(2)\n")
    outcome = cli.call_with_large_stack(
        lambda: run([tmp_path], Settings(root=tmp_path), [find_rule("MLS101")], tmp_path)
    )
    assert [(f.code, f.span.line) for f in outcome.findings] == [("MLS101", 2)]


def test_code_deeper_than_libcst_handles_well_is_not_analysed(tmp_path, write):
    write("deep.py", "x = " + "-" * 2500 + "1\n")
    write("chain.py", "ok = " + " and ".join(["a"] * 5000) + "\n")
    result = run([tmp_path], Settings(root=tmp_path), [find_rule("MLS001")], tmp_path)
    assert [(f.path, f.code) for f in result.findings] == [("chain.py", "MLS001"), ("deep.py", "MLS001")]
    assert all("nested too deeply" in f.message for f in result.findings)


def test_paths_outside_the_working_directory_are_shown_in_full(tmp_path, write):
    target = write("proj/a.py", "import random\nrandom.shuffle(deck)\n")
    result = run([target], Settings(root=tmp_path), [find_rule("MLS101")], Path("/nonexistent-cwd"))
    assert result.findings[0].path == str(target)


def test_positions_from_single_statements_match_the_whole_module():
    from mlsmells.engine.parsing import parse
    from mlsmells.engine.positions import Positions, all_spans

    root = Path(__file__).resolve().parents[1] / "fixtures" / "demo-project"
    sources = [path.read_text() for path in sorted(root.rglob("*.py"))]
    sources.append(
        '#!/usr/bin/env python\n"""Doc."""\n\n# header comment\nimport os; import sys\n\n\n'
        "# leading comment\n@decorator(\n    arg=1,\n)\n# between\n@other\ndef f(x):\n"
        '    """Multi\n    line."""\n    return [\n        x,\n    ]\n\nclass A:  # trailing\n'
        "    pass\n\nif os:\n    y = 1\nelse:\n    y = 2\n# footer comment\n"
    )
    for source in sources:
        parsed = parse(source)
        module, lines = parsed.module, parsed.statement_lines
        assert lines is not None
        everything = all_spans(module)
        nodes = [node for node in everything if not isinstance(node, cst.Module)]
        near = Positions(module, lines, parsed.tree).near(nodes)
        shared = [node for node in near if node in everything]  # not the one-statement modules
        assert {node: near[node] for node in shared} == {node: everything[node] for node in shared}
        names = [node for node in everything if isinstance(node, cst.Name)]
        assert all(name in near for name in names)


NESTED = (
    'import torch\n\n\nclass Trainer:\n    """Fits a model.\n\n    Long docstring.\n    """\n\n'
    "    # a comment above a decorator\n    @staticmethod\n    @torch.no_grad()\n"
    "    def evaluate(model, loader):  # trailing\n        total = 0; count = 0\n"
    '        query = """\nSELECT *\n  FROM runs""" + model.name\n'
    "        for batch in loader:\n            total += model(batch) \\\n                .sum()\n"
    "        return total / max(count, 1)\n\n"
    "    class Config:\n        lr = 0.1\n\n        def scaled(self, factor):\n"
    "            def inner(value):\n                return value * factor\n"
    "            return inner(self.lr)\n\n"
    "async def stream():\n\tyield 1\n\n\n"
    "def main():\n    if True:\n        print('a'); print('b')\n"
)


def test_positions_inside_definitions_match_the_whole_module():
    """Each node located alone, through the statement of the innermost definition body
    that holds it (multi-line strings, backslash continuations, semicolons, decorators,
    nested classes and functions, a tab-indented body), has the span the whole module gives."""
    from mlsmells.engine.parsing import parse
    from mlsmells.engine.positions import Positions, all_spans

    from mlsmells.engine.walker import descendants

    parsed = parse(NESTED)
    everything = all_spans(parsed.module)
    nodes = [node for node in descendants(parsed.module) if not isinstance(node, cst.Module)]
    assert len(nodes) > 120
    for node in nodes:
        located = Positions(parsed.module, parsed.statement_lines, parsed.tree).near([node])
        assert located[node] == everything[node], cst.Module(body=[]).code_for_node(node)


def test_a_secret_stays_masked_in_other_rules_findings_on_its_line():
    from conftest import lint

    key = "4f3c9a0e1b7d2c8f6a5e4d3c2b1a09f8e7d6c5b4"
    findings = lint(
        f"""
        import pandas as pd
        import wandb

        wandb.login(key="{key}"); frame = pd.read_csv("/home/ana/churn/customers.csv")
        """,
        "MLS201",
        "MLS204",
    )
    assert sorted(f.code for f in findings) == ["MLS201", "MLS204"]
    for finding in findings:
        assert key not in finding.source_line and key[:12] not in finding.source_line
        assert "/home/ana/churn/customers.csv" in finding.source_line
