"""Configuration discovery, precedence, per-file-ignores and error messages."""

from __future__ import annotations

import pytest

from conftest import SMELLY, run_json, run_mlsmells
from mlsmells.config import ConfigError, find_config, load_settings

#: After SMELLY (MLS321 on line 4), a second default rule: MLS323 on line 7.
PANDAS = "import pandas as pd\nframe = pd.DataFrame({'a': [1.0]})\nframe.dropna()\n"


def found_codes(tmp_path, *args, cwd=None):
    _, findings = run_json(*args, cwd=cwd or tmp_path)
    return [(f["path"], f["code"]) for f in findings]


def test_nearest_configuration_wins_walking_up(tmp_path, write):
    write("pyproject.toml", "[tool.mlsmells]\nignore = ['MLS321']\n")
    write("sub/pkg/a.py", SMELLY + PANDAS)
    assert found_codes(tmp_path) == [("sub/pkg/a.py", "MLS323")]
    assert found_codes(tmp_path, cwd=tmp_path / "sub" / "pkg") == [("a.py", "MLS323")]
    write("sub/mlsmells.toml", "ignore = ['MLS323']\n")
    assert found_codes(tmp_path, cwd=tmp_path / "sub") == [("pkg/a.py", "MLS321")]


def test_pyproject_without_our_table_is_skipped(tmp_path, write):
    write("mlsmells.toml", "select = ['MLS102']\n")
    write("proj/pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path / "proj") == tmp_path / "mlsmells.toml"


def test_dot_mlsmells_toml_and_explicit_config_and_isolated(tmp_path, write):
    write("a.py", SMELLY + PANDAS)
    write(".mlsmells.toml", "select = ['MLS323']\n")
    write("other.toml", "select = ['MLS321']\n")
    assert found_codes(tmp_path) == [("a.py", "MLS323")]
    assert found_codes(tmp_path, "--config", "other.toml") == [("a.py", "MLS321")]
    assert found_codes(tmp_path, "--isolated") == [("a.py", "MLS321"), ("a.py", "MLS323")]


def test_command_line_overrides_the_file(tmp_path, write):
    write("a.py", SMELLY + PANDAS)
    write("pyproject.toml", "[tool.mlsmells]\nselect = ['MLS321']\n")
    assert found_codes(tmp_path) == [("a.py", "MLS321")]
    assert found_codes(tmp_path, "--select", "MLS323") == [("a.py", "MLS323")]
    assert found_codes(tmp_path, "--extend-select", "MLS323") == [("a.py", "MLS321"), ("a.py", "MLS323")]
    assert found_codes(tmp_path, "--ignore", "MLS321") == []


def test_per_file_ignores_globs_and_negation(tmp_path, write):
    write("pyproject.toml", """
        [tool.mlsmells.per-file-ignores]
        "tests/**" = ["nan-equality"]
        "!src/**" = ["MLS323"]
        "legacy_*.py" = ["MLS3"]
        """)
    write("src/model.py", SMELLY + PANDAS)
    write("tests/test_model.py", SMELLY + PANDAS)
    write("scripts/legacy_run.py", SMELLY + PANDAS)
    assert found_codes(tmp_path) == [
        ("src/model.py", "MLS321"), ("src/model.py", "MLS323"),
    ]
    completed = run_mlsmells("check", cwd=tmp_path)
    assert "4 suppressed" in completed.stderr


def test_per_file_ignores_are_relative_to_the_configuration_file(tmp_path, write):
    write("project/pyproject.toml", '[tool.mlsmells.per-file-ignores]\n"train.py" = ["MLS321"]\n')
    write("project/train.py", SMELLY)
    assert found_codes(tmp_path, cwd=tmp_path / "project") == []


def test_unused_per_file_ignores_pattern_warns(tmp_path, write):
    write("pyproject.toml", '[tool.mlsmells.per-file-ignores]\n"nothing/*.py" = ["MLS321"]\n')
    write("a.py", SMELLY)
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 1
    assert "per-file-ignores pattern 'nothing/*.py' matched no checked file" in completed.stderr


def test_a_run_on_named_files_does_not_call_patterns_for_other_files_unused(tmp_path, write):
    """pre-commit names the staged files: a pattern for the tests is not unused then."""
    write("pyproject.toml", '[tool.mlsmells.per-file-ignores]\n"tests/*.py" = ["MLS321"]\n')
    write("tests/test_a.py", SMELLY)
    write("a.py", SMELLY)
    completed = run_mlsmells("check", "a.py", cwd=tmp_path)
    assert completed.returncode == 1 and "checked 1 file" in completed.stderr
    assert "matched no checked file" not in completed.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[tool.mlsmells]\nselect = 'MLS101'\n", "tool.mlsmells.select: expected a list of strings, got a string ('MLS101')"),
        ("[tool.mlsmells]\nignore = ['MLS999']\n", "tool.mlsmells.ignore: unknown rule code or name 'MLS999'"),
        ("[tool.mlsmells]\nignore = ['unseeded-randm']\n", "did you mean unseeded-random"),
        ("[tool.mlsmells]\nexclude = [1]\n", "tool.mlsmells.exclude: expected a list of strings"),
        ("[tool.mlsmells.per-file-ignores]\n'a.py' = 'MLS101'\n", 'tool.mlsmells.per-file-ignores."a.py": expected a list'),
        ("[tool.mlsmells.rules.unseeded-random]\nseed-functions = 'x.y'\n", "tool.mlsmells.rules.unseeded-random.seed-functions: expected list[str], got a string"),
        ("[tool.mlsmells.rules.unseeded-random]\nseeds = []\n", "rules.unseeded-random.seeds: unknown option (seed-functions)"),
        ("[tool.mlsmells.rules.no-such-rule]\nx = 1\n", "tool.mlsmells.rules.no-such-rule: unknown rule"),
        ("[tool.mlsmells.rules.hard-coded-path]\nallowed-prefixes = '/kaggle'\n", "tool.mlsmells.rules.hard-coded-path.allowed-prefixes: expected list[str], got a string"),
        ("[tool.mlsmells.rules.MLS202]\nhyperparameters = [1e-3]\n", "tool.mlsmells.rules.MLS202.hyperparameters: expected list[str]"),
        ("[tool.mlsmells\nselect = []\n", "invalid TOML"),
    ],
)
def test_configuration_errors_name_file_and_key(tmp_path, write, content, message):
    config = write("pyproject.toml", content)
    with pytest.raises(ConfigError) as error:
        load_settings(find_config(tmp_path) or config, tmp_path)
    assert str(error.value).startswith(str(config))
    assert message in str(error.value)


def test_configuration_error_exits_two_with_one_message(tmp_path, write):
    write("a.py", SMELLY)
    write("pyproject.toml", "[tool.mlsmells]\nselect = 'MLS101'\n")
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and "pyproject.toml: tool.mlsmells.select" in completed.stderr
    missing = run_mlsmells("check", "--config", "missing.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "missing.toml: configuration file not found" in missing.stderr


def test_rule_options_are_applied(tmp_path, write):
    # unseeded-random is advice (off by default): select it, then configure it.
    write("a.py", "import numpy as np\nfrom lab.env import prepare\nprepare()\nx = np.random.rand(3)\n")
    write("pyproject.toml", "[tool.mlsmells]\nextend-select = ['unseeded-random']\n")
    assert found_codes(tmp_path) == [("a.py", "MLS101")]
    write("pyproject.toml", "[tool.mlsmells]\nextend-select = ['unseeded-random']\n"
                            "[tool.mlsmells.rules.unseeded-random]\nseed-functions = ['lab.env.prepare']\n")
    assert found_codes(tmp_path) == []
