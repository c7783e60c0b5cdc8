"""The cache and the worker pool: they change how fast a run is, never what it finds."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import threading
from pathlib import Path

import libcst as cst
import pytest

from conftest import run_mlsmells
from mlsmells.cache import signing_key
from mlsmells.config import Settings
from mlsmells.findings import Family
from mlsmells.registry import all_rules, find_rule
from mlsmells.rule import RepositoryReport, Rule
from mlsmells.runner import run

#: Where CountingRule records the files it is run on: a file, as it runs in worker processes.
ANALYSED_LOG: dict[str, Path] = {}


class CountingRule(Rule):
    """Records every file it is run on, and reports names defined in two files."""

    code = "MLS797"
    name = "counting"
    family = Family.ARCHITECTURE
    options = ()

    def __init__(self, file, options):
        super().__init__(file, options)
        with open(ANALYSED_LOG["path"], "a", encoding="utf-8") as log:
            log.write(file.path + "\n")
        self.names: list[list] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.append([node.name.value, self.hold(node.name, "")])

    def file_facts(self):
        return self.names or None

    @classmethod
    def check_repository(cls, facts):
        paths_by_name: dict[str, list[tuple[str, list]]] = {}
        for path, names in facts.items():
            for entry in names:
                paths_by_name.setdefault(entry[0], []).append((path, entry))
        for name, places in paths_by_name.items():
            if len(places) > 1:
                for path, (_, held) in places:
                    yield RepositoryReport(path, held, f"{name} twice")


def project(write):
    write("a.py", "def preprocess(df):\n    return df\n")
    write("b.py", "def preprocess(df):\n    return df.dropna()\n")
    write("c.py", "import random\nrandom.shuffle(deck)\n")


def checked(tmp_path, cache, **overrides):
    ANALYSED_LOG["path"] = log = tmp_path / "analysed.log"
    log.write_text("")
    rules = [CountingRule, find_rule("MLS101")]
    settings = Settings(root=tmp_path, **overrides)
    result = run([tmp_path], settings, rules, tmp_path, cache_dir=cache)
    return sorted(log.read_text().split()), [(f.path, f.code, f.span.line, f.message) for f in result.findings]


def test_cache_hits_misses_and_the_repository_pass(tmp_path, write):
    project(write)
    cache = tmp_path / ".mlsmells_cache"
    first_analysed, first = checked(tmp_path, cache)
    assert first_analysed == ["a.py", "b.py", "c.py"]
    assert [f[:2] for f in first] == [("a.py", "MLS797"), ("b.py", "MLS797"), ("c.py", "MLS101")]
    again_analysed, again = checked(tmp_path, cache)
    assert again_analysed == [] and again == first  # repository findings come from cached facts
    write("b.py", "def preprocess(df):\n    return df.fillna(0)\n")
    touched_analysed, touched = checked(tmp_path, cache)
    assert touched_analysed == ["b.py"] and touched == first


def test_cache_misses_after_configuration_or_version_change(tmp_path, write, monkeypatch):
    project(write)
    cache = tmp_path / "cache"
    checked(tmp_path, cache)
    assert checked(tmp_path, cache, max_file_size_mb=5)[0] == ["a.py", "b.py", "c.py"]
    assert checked(tmp_path, cache, rule_options={"unseeded-random": {"seed-functions": ["x.y"]}})[0] != []
    monkeypatch.setattr("mlsmells.cache.__version__", "99.0")
    assert checked(tmp_path, cache)[0] == ["a.py", "b.py", "c.py"]


def read_entry(path):
    signature, _, body = path.read_text().partition("\n")
    return json.loads(body)


def write_signed(path, document):
    """Write an entry as mlsmells would, signed with this user's key: only its content can
    then make it a miss."""
    body = json.dumps(document).encode()
    path.write_bytes(hmac.new(signing_key(), body, hashlib.sha256).hexdigest().encode() + b"\n" + body)


def test_corrupt_and_foreign_entries_are_ignored_and_rewritten(tmp_path, write):
    project(write)
    cache = tmp_path / "cache"
    _, expected = checked(tmp_path, cache)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 3
    entries[0].write_text("{not json")
    document = read_entry(entries[1])
    document["identity"][2] = "someone-else.py"
    write_signed(entries[1], document)
    analysed, findings = checked(tmp_path, cache)
    assert len(analysed) == 2 and findings == expected
    assert read_entry(entries[0])["identity"][0]  # rewritten


def test_entries_without_held_findings_are_analysed_again(tmp_path, write):
    """An entry written before held findings existed, or with broken ones, is a miss."""
    project(write)
    cache = tmp_path / "cache"
    _, expected = checked(tmp_path, cache)
    entries = sorted(cache.rglob("*.json"))
    old = read_entry(entries[0])
    del old["result"]["held"]
    write_signed(entries[0], old)
    broken = read_entry(entries[1])
    broken["result"]["held"] = {"MLS797": [{"span": "nowhere"}]}
    write_signed(entries[1], broken)
    analysed, findings = checked(tmp_path, cache)
    assert len(analysed) == 2 and findings == expected


def test_parallel_runs_find_exactly_what_serial_runs_find(tmp_path, write):
    for index in range(40):
        write(f"pkg/m{index:02}.py", "import numpy as np\n\nx = np.random.rand(3)\n" if index % 3 else "x = 1\n")
    write("pkg/broken.py", "def (:\n")
    rules = list(all_rules())
    serial = run([tmp_path], Settings(root=tmp_path), rules, tmp_path, jobs=1)
    parallel = run([tmp_path], Settings(root=tmp_path), rules, tmp_path, jobs=2)
    assert parallel.findings == serial.findings and parallel.files == serial.files
    assert len(serial.findings) == 27


class CrashingRule(Rule):
    """Kills its process on one file, as a native parser crash would."""

    code = "MLS796"
    name = "crashing"
    family = Family.ARCHITECTURE

    def visit_Module(self, node: cst.Module) -> None:
        if self.file.path.endswith("poison.py"):
            # To this thread, as a fault in native code is: sent to the process, the signal
            # may be handled by another thread while this one finishes the file.
            signal.pthread_kill(threading.get_ident(), signal.SIGSEGV)


@pytest.mark.skipif(not hasattr(signal, "SIGSEGV"), reason="POSIX signals")
def test_a_worker_that_dies_loses_only_its_file(tmp_path, write):
    for index in range(12):
        write(f"m{index:02}.py", "import random\nrandom.shuffle(deck)\n")
    write("poison.py", "x = 1\n")
    result = run([tmp_path], Settings(root=tmp_path), [CrashingRule, find_rule("MLS101"), find_rule("MLS001")],
                 tmp_path, jobs=2)
    codes = {finding.path: finding.code for finding in result.findings}
    assert codes.pop("poison.py") == "MLS001"
    assert set(codes.values()) == {"MLS101"} and len(codes) == 12
    assert "the parser crashed" in next(f.message for f in result.findings if f.path == "poison.py")


def test_clean_and_no_cache(tmp_path, write):
    (tmp_path / ".git").mkdir()
    project(write)
    run_mlsmells("check", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / ".mlsmells_cache").exists()
    run_mlsmells("check", cwd=tmp_path)
    assert (tmp_path / ".mlsmells_cache" / ".gitignore").read_text().endswith("*\n")
    assert (tmp_path / ".mlsmells_cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f")
    completed = run_mlsmells("clean", cwd=tmp_path)
    assert completed.returncode == 0 and not (tmp_path / ".mlsmells_cache").exists()
    run_mlsmells("check", "--cache-dir", "elsewhere", cwd=tmp_path)
    assert (tmp_path / "elsewhere").is_dir()


def test_no_progress_bar_when_not_a_terminal(tmp_path, write):
    project(write)
    completed = run_mlsmells("check", "--jobs", "2", cwd=tmp_path)
    assert "\r" not in completed.stderr and "files/s" not in completed.stderr
