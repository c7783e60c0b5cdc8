"""The hardening issue's attacks on files, caches, configuration and outputs: one test per
problem, named after its number in the issue, with its smallest input. The parser's
limits are in test_hardening_parser.py, worker processes and signals in
test_hardening_processes.py; docs/robustness.md maps each to its boundary."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run_mlsmells
from mlsmells import cli
from mlsmells.cache import signing_key

#: A file with one finding of a default rule: MLS321 at 2:1.
NAN_EQUALITY = "import numpy as np\nnp.zeros(3) == np.nan\n"
FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
#: A file name that is not UTF-8, as the file system gives it to Python.
NON_UTF8 = os.fsdecode(b"caf\xe9-\xff.py")


def project(tmp_path: Path, config: str = "") -> Path:
    """A git-like project (a `.git` marks its root) with one smelly file."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(NAN_EQUALITY)
    if config:
        (tmp_path / "mlsmells.toml").write_text(config)
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` but `.git` and the cache, with its content."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.parts and ".mlsmells_cache" not in path.parts
    }


def no_traceback(completed: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in completed.stderr, completed.stderr


# Data loss and writes outside the project


@pytest.mark.parametrize("cache_dir", [".", "src"])
def test_01_clean_never_deletes_the_project(tmp_path, cache_dir):
    project(tmp_path, f'cache-dir = "{cache_dir}"\n')
    before = snapshot(tmp_path)
    completed = run_mlsmells("clean", cwd=tmp_path)
    assert completed.returncode == 2 and "is not a cache mlsmells created" in completed.stderr
    assert snapshot(tmp_path) == before


def test_01_clean_removes_only_what_mlsmells_wrote(tmp_path):
    project(tmp_path)
    run_mlsmells("check", cwd=tmp_path)
    cache = tmp_path / ".mlsmells_cache"
    (cache / "notes.txt").write_text("mine")
    completed = run_mlsmells("clean", cwd=tmp_path)
    assert completed.returncode == 0 and "left 1 file(s) mlsmells did not write" in completed.stderr
    assert sorted(path.name for path in cache.iterdir()) == [".gitignore", "CACHEDIR.TAG", "notes.txt"]
    assert (cache / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("cache_dir", [".", "src"])
def test_02_a_cache_dir_holding_the_project_is_refused(tmp_path, cache_dir):
    project(tmp_path, f'cache-dir = "{cache_dir}"\n')
    before = snapshot(tmp_path)
    for _ in range(2):
        completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
        assert completed.returncode == 1 and "src/train.py:2:1: MLS321" in completed.stdout
        assert "warning: results are not cached:" in completed.stderr and "checked 1 file" in completed.stderr
    assert snapshot(tmp_path) == before  # no `.gitignore` holding `*`, no tag


def test_02_an_existing_directory_mlsmells_did_not_create_is_not_used(tmp_path):
    project(tmp_path, 'cache-dir = "build-cache"\n')
    (tmp_path / "build-cache").mkdir()
    completed = run_mlsmells("check", cwd=tmp_path)
    assert "is not a cache mlsmells created" in completed.stderr
    assert list((tmp_path / "build-cache").iterdir()) == []


def test_03_the_cache_follows_no_planted_link(tmp_path):
    project(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    run_mlsmells("check", cwd=tmp_path)
    cache = tmp_path / ".mlsmells_cache"
    (cache / ".gitignore").unlink()
    (cache / ".gitignore").symlink_to(outside / "created-by-mlsmells")
    version = next(path for path in cache.iterdir() if path.is_dir())
    for shard in list(version.iterdir()):
        for entry in shard.iterdir():
            entry.unlink()
        shard.rmdir()
        shard.symlink_to(outside, target_is_directory=True)
    (tmp_path / "src" / "train.py").write_text(NAN_EQUALITY + "# changed\n")
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 1
    assert list(outside.iterdir()) == []


def test_04_docs_never_overwrites_a_users_docs(tmp_path, monkeypatch):
    project(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "challenges.md").write_text("# Our own challenges\n")
    own_docs = tmp_path.parent / f"{tmp_path.name}-mlsmells-checkout" / "docs"
    monkeypatch.setattr(cli, "source_checkout_docs", lambda: own_docs)  # as in an editable install
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(cli.main, ["docs"])
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "docs" / "challenges.md").read_text() == "# Our own challenges\n"
    assert (own_docs / "challenges.md").is_file()
    written = CliRunner().invoke(cli.main, ["docs", "--output", "generated"])
    assert written.exit_code == 0 and (tmp_path / "generated" / "challenges.md").is_file()


def test_04_docs_from_an_installed_wheel_needs_an_output(monkeypatch):
    monkeypatch.setattr(cli, "source_checkout_docs", lambda: None)
    outcome = CliRunner().invoke(cli.main, ["docs"])
    assert outcome.exit_code == 2 and "--output DIR" in outcome.output


# The cache is trusted


def cache_entries(root: Path) -> list[Path]:
    return sorted((root / ".mlsmells_cache").rglob("*.json"))


def sign(body: bytes) -> bytes:
    return hmac.new(signing_key(), body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def test_05_an_edited_entry_neither_hides_nor_injects_findings(tmp_path):
    project(tmp_path)
    run_mlsmells("check", cwd=tmp_path)
    [entry] = cache_entries(tmp_path)
    signature, _, body = entry.read_bytes().partition(b"\n")
    document = json.loads(body)
    document["result"]["findings"] = []  # a shipped cache that says "all clean"
    entry.write_bytes(signature + b"\n" + json.dumps(document).encode())
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert completed.returncode == 1 and "MLS321" in completed.stdout
    finding = json.loads(body)["result"]["findings"][0]
    document["result"]["findings"] = [dict(finding, path="/etc/passwd", message="\x1b[2Jpwned", cell="x")]
    entry.write_bytes(b"0" * 64 + b"\n" + json.dumps(document).encode())
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert "pwned" not in completed.stdout and "/etc/passwd" not in completed.stdout
    assert "src/train.py:2:1: MLS321" in completed.stdout


def test_05_a_signed_entry_of_the_wrong_shape_is_a_miss(tmp_path):
    project(tmp_path)
    run_mlsmells("check", cwd=tmp_path)
    [entry] = cache_entries(tmp_path)
    document = json.loads(entry.read_bytes().partition(b"\n")[2])
    document["result"]["findings"][0]["cell"] = "x"
    entry.write_bytes(sign(json.dumps(document).encode()))
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert completed.returncode == 1 and "src/train.py:2:1: MLS321" in completed.stdout
    no_traceback(completed)


@pytest.mark.parametrize("dependencies", [None, "helpers.py", [["", "helpers"]], [[1, 2, 3]], [["", "helpers", {}]]])
def test_05_an_entry_with_malformed_project_lookups_is_a_miss(tmp_path, dependencies):
    project(tmp_path)
    run_mlsmells("check", cwd=tmp_path)
    [entry] = cache_entries(tmp_path)
    document = json.loads(entry.read_bytes().partition(b"\n")[2])
    document["result"]["findings"] = []  # only a hit could hide the finding
    document["result"]["dependencies"] = dependencies
    entry.write_bytes(sign(json.dumps(document).encode()))
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert completed.returncode == 1 and "src/train.py:2:1: MLS321" in completed.stdout
    no_traceback(completed)


@pytest.mark.parametrize("kind", ["nested", "dev-zero", "fifo"])
def test_06_hostile_entries_are_misses(tmp_path, kind):
    project(tmp_path)
    run_mlsmells("check", cwd=tmp_path)
    [entry] = cache_entries(tmp_path)
    entry.unlink()
    if kind == "nested":
        entry.write_bytes(sign(b"[" * 100_000 + b"]" * 100_000))
    elif kind == "dev-zero":
        entry.symlink_to("/dev/zero")
    else:
        os.mkfifo(entry)
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path, timeout=60)
    assert completed.returncode == 1 and "src/train.py:2:1: MLS321" in completed.stdout
    no_traceback(completed)


# Crashes


def test_07_a_file_name_that_is_not_utf8_in_every_output(tmp_path):
    (tmp_path / NON_UTF8).write_text(NAN_EQUALITY)
    for output_format in FORMATS:
        completed = run_mlsmells("check", "--output-format", output_format, "-o", f"out.{output_format}", cwd=tmp_path)
        assert completed.returncode == 1, (output_format, completed.stderr)
        text = (tmp_path / f"out.{output_format}").read_text(encoding="utf-8")
        if output_format in ("full", "concise", "github", "junit"):
            assert "caf\\xe9-\\xff.py" in text
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9-%FF.py"
    ET.parse(tmp_path / "out.junit")
    completed = run_mlsmells("check", "--write-baseline", "baseline.json", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert run_mlsmells("check", "--baseline", "baseline.json", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("metadata", [
    {"kernelspec": None}, {"kernelspec": "python3"}, {"kernelspec": ["python"]},
    {"language_info": None}, {"language_info": "python"}, {"kernelspec": {"language": 3}},
])
def test_08_notebook_metadata_of_any_type(tmp_path, metadata):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1, "source": NAN_EQUALITY}
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": metadata, "cells": [cell]}
    (tmp_path / "analysis.ipynb").write_text(json.dumps(notebook))
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert completed.returncode == 1 and "analysis.ipynb:cell 1:2:1: MLS321" in completed.stdout
    no_traceback(completed)


def test_09_gitignore_lines_that_git_accepts(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("!\n\\\nfoo\\\n[z-a]\nignored.py\n")
    (tmp_path / "ignored.py").write_text(NAN_EQUALITY)
    (tmp_path / "kept.py").write_text(NAN_EQUALITY)
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path)
    assert completed.returncode == 1 and "kept.py" in completed.stdout and "ignored.py" not in completed.stdout


@pytest.mark.parametrize("config, key", [
    ('exclude = ["[z-a]"]\n', "exclude"),
    ('extend-exclude = ["foo\\\\"]\n', "extend-exclude"),
    ('[per-file-ignores]\n"[z-a]" = ["MLS101"]\n', "per-file-ignores"),
])
def test_09_an_invalid_glob_in_the_configuration_names_its_key(tmp_path, config, key):
    project(tmp_path, config)
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 2 and f"mlsmells.toml: {key}" in completed.stderr
    assert completed.stderr.count("\n") == 1
    no_traceback(completed)


def test_10_a_pyproject_nested_too_deeply(tmp_path):
    (tmp_path / "pyproject.toml").write_text("x = " + "[" * 500 + "]" * 500 + "\n")
    (tmp_path / "train.py").write_text(NAN_EQUALITY)
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 2 and "pyproject.toml: invalid TOML: nested too deeply" in completed.stderr
    no_traceback(completed)


@pytest.mark.parametrize("content, reason", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"tool": "mlsmells", "version": 1, "entries": [{"code": "MLS101", "path": "a.py", "fingerprint": "f", '
     '"count": 1e400}]}', "a whole number above 0"),
    ('{"tool": "mlsmells", "version": 1, "entries": [{"code": "MLS101", "path": "a.py", "fingerprint": "f", '
     '"count": -5}]}', "a whole number above 0"),
])
def test_11_hostile_baselines(tmp_path, content, reason):
    project(tmp_path)
    (tmp_path / "baseline.json").write_text(content)
    completed = run_mlsmells("check", "--baseline", "baseline.json", cwd=tmp_path)
    assert completed.returncode == 2 and reason in completed.stderr
    no_traceback(completed)


def test_11_a_baseline_that_is_dev_zero(tmp_path):
    project(tmp_path, 'baseline = "baseline.json"\n')
    (tmp_path / "baseline.json").symlink_to("/dev/zero")
    completed = run_mlsmells("check", cwd=tmp_path, timeout=60)
    assert completed.returncode == 2 and "special file" in completed.stderr


# Hangs and resource blow-ups


def test_17_thousands_of_findings_on_one_long_line_print_little(tmp_path):
    line = "; ".join(f"x{index} = pd.read_csv('/home/alice/{index}.csv')" for index in range(400))
    (tmp_path / "long.py").write_text(f"import pandas as pd\n{line}\n")
    completed = run_mlsmells("check", "--select", "MLS201", cwd=tmp_path)
    assert completed.stdout.count("MLS201") == 400
    assert len(completed.stdout) < 400 * 1_000  # each finding shows a window, not the 16 KB line
    window = "2 | …ome/alice/199.csv'); x200 = pd.read_csv('/home/alice/200.csv'); x201"
    assert window in completed.stdout


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_18_a_gitignore_that_is_a_special_file(tmp_path, kind):
    (tmp_path / ".git").mkdir()
    (tmp_path / "train.py").write_text(NAN_EQUALITY)
    if kind == "fifo":
        os.mkfifo(tmp_path / ".gitignore")
    else:
        (tmp_path / ".gitignore").symlink_to("/dev/zero")
    completed = run_mlsmells("check", "--output-format", "concise", cwd=tmp_path, timeout=60)
    assert completed.returncode == 1 and "train.py:2:1: MLS321" in completed.stdout


def test_19_a_named_file_that_is_a_special_file(tmp_path):
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "train.py").write_text(NAN_EQUALITY)
    completed = run_mlsmells("check", "--output-format", "concise", "zero.py", "pipe.py", "train.py",
                             cwd=tmp_path, timeout=60)
    assert completed.returncode == 1
    assert "zero.py:1:1: MLS001 not read: it is (or links to) /dev/zero, a special file" in completed.stdout
    assert "pipe.py:1:1: MLS001 not read: it is a named pipe (FIFO), not a regular file" in completed.stdout
    assert "train.py:2:1: MLS321" in completed.stdout


# Injection, leaks and wrong locations


def test_23_control_characters_never_reach_a_terminal_or_ci_log(tmp_path):
    error = {"output_type": "error", "ename": "\x1b[2J\n::error::x", "evalue": "\x9b31m", "traceback": []}
    cell = {"cell_type": "code", "metadata": {}, "outputs": [error], "execution_count": 1, "source": "x = 1\n"}
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell]}
    (tmp_path / "run.ipynb").write_text(json.dumps(notebook))
    other = {**notebook, "metadata": {"kernelspec": {"language": "r\x1b[2J\n::error::y"}}}
    (tmp_path / "other.ipynb").write_text(json.dumps(other))
    (tmp_path / "a\x1b[31m\n::error::b.py").write_text("def (:\n    '\x1b[2J'\n")
    for output_format in FORMATS:
        completed = run_mlsmells("check", "--select", "MLS0,MLS6", "--output-format", output_format, cwd=tmp_path)
        assert completed.returncode == 1, completed.stderr
        for stream in (completed.stdout, completed.stderr):
            assert not any(character in stream for character in "\x1b\x9b\r"), (output_format, stream)
            assert not any(line.startswith("::error::") for line in stream.splitlines()), (output_format, stream)
        assert "\\x1b" in completed.stdout or "\\u001b" in completed.stdout


def test_23_configuration_keys_are_escaped_on_stderr(tmp_path):
    project(tmp_path, '"bad\\u001b[2J\\n::error::key" = 1\n')
    completed = run_mlsmells("check", cwd=tmp_path)
    assert completed.returncode == 2 and "\x1b" not in completed.stderr
    assert completed.stderr.count("\n") == 1


def test_24_links_out_of_the_project_are_not_read(tmp_path):
    secret = tmp_path / "home" / ".netrc"
    secret.parent.mkdir()
    secret.write_text("machine example.org login alice password hunter2\n")
    repository = tmp_path / "repository"
    repository.mkdir()
    (repository / "netrc.py").symlink_to(secret)
    (repository / "env.py").symlink_to("/proc/self/environ")
    (repository / "inside.py").symlink_to(repository / "real.py")
    (repository / "real.py").write_text("def (:\n")
    for args in ([], ["netrc.py", "env.py", "inside.py"]):
        completed = run_mlsmells("check", "--output-format", "full", *args, cwd=repository)
        assert "hunter2" not in completed.stdout and "PATH" not in completed.stdout
        assert "netrc.py:1:1: MLS001 not read: it is a symbolic link to a file outside the project" in completed.stdout
        assert "env.py:1:1: MLS001 not read: it is (or links to) /proc/" in completed.stdout
        assert "inside.py:1:" in completed.stdout and "could not parse" in completed.stdout


def test_25_junit_is_well_formed_xml(tmp_path):
    (tmp_path / NON_UTF8).write_text("def (:\n")
    (tmp_path / "b\x01\x1b.py").write_text("x = '\x1b\x00'\ndef (:\n")
    completed = run_mlsmells("check", "--output-format", "junit", cwd=tmp_path)
    cases = ET.fromstring(completed.stdout.encode("utf-8")).iter("testcase")
    assert sorted(case.get("name") for case in cases) == ["b\\x01\\x1b.py", "caf\\xe9-\\xff.py"]


def test_26_sarif_uris_are_percent_encoded(tmp_path):
    for name in ("a#b.py", "x%41.py", "sp ace.py"):
        (tmp_path / name).write_text(NAN_EQUALITY)
    sarif = json.loads(run_mlsmells("check", "--output-format", "sarif", cwd=tmp_path).stdout)
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"])
    assert uris == ["a%23b.py", "sp%20ace.py", "x%2541.py"]


def test_27_a_repeated_cells_key_points_into_the_last_array(tmp_path):
    decoy = '{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1, "source": ["x = 1\\n"]}'
    real = '{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,\n "source": [\n"import numpy as np\\n",\n"np.zeros(3) == np.nan\\n"]}'
    text = '{"nbformat": 4, "nbformat_minor": 4, "metadata": {},\n"cells": [' + decoy + '],\n"cells": [' + real + ']\n}\n'
    (tmp_path / "twice.ipynb").write_text(text)
    sarif = json.loads(run_mlsmells("check", "--output-format", "sarif", cwd=tmp_path).stdout)
    [result] = sarif["runs"][0]["results"]
    line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert text.splitlines()[line - 1] == '"np.zeros(3) == np.nan\\n"]}]'


def test_28_python_m_does_not_import_from_the_working_directory(tmp_path):
    for name in ("click.py", "json.py", "libcst.py"):
        (tmp_path / name).write_text(f"open({str(tmp_path / 'EXECUTED')!r}, 'w').write('{name}')\n")
    completed = subprocess.run([sys.executable, "-m", "mlsmells", "check", "--no-cache"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
    assert not (tmp_path / "EXECUTED").exists(), (tmp_path / "EXECUTED").read_text()
    assert completed.returncode == 0, completed.stderr


# Every uncaught exception


def test_an_internal_error_exits_2_in_one_line(monkeypatch, tmp_path):
    (tmp_path / "train.py").write_text(NAN_EQUALITY)
    monkeypatch.chdir(tmp_path)

    def broken(context):
        raise KeyError("boom")

    monkeypatch.setitem(cli.formats(), "concise", broken)
    monkeypatch.setattr(cli, "formats", lambda: {"concise": broken})
    outcome = CliRunner().invoke(cli.main, ["check", "--no-cache", "--exit-zero", "--output-format", "concise"])
    assert outcome.exit_code == 2
    assert outcome.output.count("mlsmells: error: internal error: KeyError: 'boom'") == 1
    assert "Traceback" not in outcome.output
    verbose = CliRunner().invoke(cli.main, ["check", "--no-cache", "--verbose", "--output-format", "concise"])
    assert verbose.exit_code == 2 and "Traceback" in verbose.output


def test_a_failure_on_one_file_is_an_mls002_for_that_file(monkeypatch, tmp_path):
    from mlsmells.checking import FileChecker

    (tmp_path / "a.py").write_text(NAN_EQUALITY)
    (tmp_path / "b.py").write_text(NAN_EQUALITY)
    real = FileChecker._analyse

    def analyse(self, path, shown, data):
        if shown == "a.py":
            raise AttributeError("'NoneType' object has no attribute 'get'")
        return real(self, path, shown, data)

    monkeypatch.setattr(FileChecker, "_analyse", analyse)
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(cli.main, ["check", "--no-cache", "--jobs", "1", "--output-format", "concise"])
    assert outcome.exit_code == 2
    assert "a.py:1:1: MLS002 mlsmells failed on this file: AttributeError" in outcome.output
    assert "b.py:2:1: MLS321" in outcome.output


def test_a_run_without_a_home_directory_is_uncached_not_broken(tmp_path, monkeypatch):
    from mlsmells.config import Settings
    from mlsmells.registry import find_rule
    from mlsmells.runner import run

    (tmp_path / "train.py").write_text(NAN_EQUALITY)
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    result = run([tmp_path], Settings(root=tmp_path), [find_rule("MLS321")], tmp_path, cache_dir=tmp_path / "cache")
    assert [f.code for f in result.findings] == ["MLS321"]
    assert result.warnings == ["results are not cached: no cache home for the key that signs cache entries: "
                               "set XDG_CACHE_HOME."]


def test_running_out_of_memory_is_the_files_not_a_rules():
    from mlsmells.checking import FileChecker
    from mlsmells.findings import Family
    from mlsmells.rule import Rule

    class Hungry(Rule):
        code = "MLS795"
        name = "hungry"
        family = Family.ARCHITECTURE

        def visit_Module(self, node) -> None:
            raise MemoryError

    checker = FileChecker([Hungry], {Hungry: {}}, max_bytes=1_000_000)
    path = Path(__file__)
    result = checker.check(path, "big.py")
    assert [(f.code, f.message) for f in result.findings] == [
        ("MLS001", "could not analyse the file: it needs more memory than is available")
    ]
