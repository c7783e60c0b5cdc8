"""Hardening of the worker processes: defects 20-22 of the hardening issue, and the
limits every file is checked under.

The signal tests drive a real `python -m mlsmells check --jobs 2` in a session of its
own, as a terminal or a CI runner would, over files slow enough to analyse that the run
is still going when the signal arrives. The workers are found in /proc before the
signal; afterwards none may survive, and no new process may appear (nothing re-checked).
Waits poll with deadlines that only bound a failure; on success each test takes seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import libcst as cst
import pytest

from mlsmells import parallel
from mlsmells.config import Settings
from mlsmells.findings import Family
from mlsmells.registry import find_rule
from mlsmells.rule import Rule
from mlsmells.runner import run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; Linux-only prctl")

Process = tuple[int, str]  # (pid, start time): a pid can be reused, the pair cannot

SLOW_MODULE_HEADER = (
    "import pandas as pd\nimport torch\nfrom sklearn.preprocessing import StandardScaler\n"
    "from sklearn.model_selection import train_test_split\n"
)
SLOW_MODULE_BLOCK = '''
def step_{n}(model, rows):
    import numpy as np
    data = pd.read_csv("data_{n}.csv").dropna()
    scaled = StandardScaler().fit_transform(data[["a", "b", "c"]].values)
    train, test = train_test_split(scaled, test_size=0.2)
    for index, row in data.iterrows():
        rows.append(row["a"] * np.random.rand())
    model.fit(train, data["y"][: len(train)])
    if model.score(test, data["y"][len(train):]) == 0.5:
        print(index)
    return torch.tensor(scaled).cuda()
'''


@pytest.fixture(scope="module")
def slow_project(tmp_path_factory) -> Path:
    """120 modules of about half a second of analysis each: a minute of work for two workers."""
    root = tmp_path_factory.mktemp("slow_project")
    module = SLOW_MODULE_HEADER + "".join(SLOW_MODULE_BLOCK.format(n=n) for n in range(40))
    for index in range(120):
        (root / f"module_{index:03}.py").write_text(module)
    return root


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from its third field on (state, parent, ...); None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _children(parent: int) -> set[Process]:
    found = set()
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields and fields[1] == str(parent) and fields[0] != "Z":
            found.add((int(entry.name), fields[19]))
    return found


def _alive(process: Process) -> bool:
    """Still running (a zombie is not: it only waits to be reaped)."""
    fields = _stat(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] != "Z"


def _poll(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


class Check:
    """A running `mlsmells check --jobs 2 --no-cache`, and every child it was seen with."""

    def __init__(self, project: Path, output: Path, ignoring_ctrl_c: bool = False) -> None:
        self.output = output
        env = {key: value for key, value in os.environ.items() if key != "CI"}
        # A shell that starts a job in the background, as CI runners may, ignores SIGINT for it.
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignoring_ctrl_c else None
        with open(output / "stdout", "wb") as stdout, open(output / "stderr", "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mlsmells", "check", "--isolated", "--jobs", "2", "--no-cache"],
                cwd=project, stdout=stdout, stderr=stderr, env=env, start_new_session=True, preexec_fn=ignore,
            )
        self.pid = self.process.pid
        self.seen: set[Process] = set()

    def workers(self) -> set[Process]:
        """Wait until both workers are at work; return them."""
        _poll(lambda: len(self._look()) >= 2, 20, "both workers to start")
        return self._look()

    def wait(self, interrupt_every: float | None = None) -> int:
        """Wait for the run to end, watching for new children; with `interrupt_every`, press
        Ctrl-C again at that interval meanwhile."""
        deadline = time.monotonic() + 10
        pressed = time.monotonic()
        while self.process.poll() is None:
            assert time.monotonic() < deadline, "the run did not end"
            self._look()
            if interrupt_every is not None and time.monotonic() - pressed >= interrupt_every:
                self.press_ctrl_c()
                pressed = time.monotonic()
            time.sleep(0.005)
        return self.process.returncode

    def press_ctrl_c(self) -> None:
        """What a terminal does: SIGINT to the whole foreground process group."""
        try:
            os.killpg(self.pid, signal.SIGINT)
        except ProcessLookupError:
            pass  # it has just ended

    def stdout(self) -> str:
        return (self.output / "stdout").read_text()

    def stderr(self) -> str:
        return (self.output / "stderr").read_text()

    def _look(self) -> set[Process]:
        children = _children(self.pid)
        self.seen |= children
        return children

    def close(self) -> None:
        """Whatever happened, leave nothing running: the session's group holds only this run."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def check(slow_project, tmp_path) -> Iterator[Check]:
    started = Check(slow_project, tmp_path)
    try:
        yield started
    finally:
        started.close()


def _assert_all_gone(workers: set[Process]) -> None:
    _poll(lambda: not any(_alive(worker) for worker in workers), 10, f"workers {sorted(workers)} to die")


def test_20_ctrl_c_cancels_without_rechecking(check):
    workers = check.workers()
    check.press_ctrl_c()
    assert check.wait() == 130
    assert check.stderr() == "mlsmells: interrupted.\n"
    assert check.stdout() == ""  # no report of a run that did not finish
    assert check.seen == workers  # no process was started to check the unfinished files again
    _assert_all_gone(workers)


@pytest.mark.parametrize("attempt", range(3))
def test_21_second_ctrl_c_neither_deadlocks_nor_prints_tracebacks(check, attempt):
    workers = check.workers()
    check.press_ctrl_c()
    assert check.wait(interrupt_every=0.01 * (attempt + 1)) == 130
    assert check.stderr() == "mlsmells: interrupted.\n"
    assert check.seen == workers
    _assert_all_gone(workers)


def test_22_sigterm_leaves_no_worker_alive(check):
    workers = check.workers()
    os.kill(check.pid, signal.SIGTERM)  # what a cancelled CI job gets
    assert check.wait() == 130
    assert check.stderr() == "mlsmells: interrupted.\n"
    assert check.seen == workers
    _assert_all_gone(workers)


def test_22_sigterm_is_handled_when_ctrl_c_is_ignored(slow_project, tmp_path):
    check = Check(slow_project, tmp_path, ignoring_ctrl_c=True)
    try:
        workers = check.workers()
        os.kill(check.pid, signal.SIGTERM)
        assert check.wait() == 130
        assert check.stderr() == "mlsmells: interrupted.\n"
        _assert_all_gone(workers)
    finally:
        check.close()


def test_22_parent_killed_leaves_no_worker_alive(check):
    workers = check.workers()
    os.kill(check.pid, signal.SIGKILL)
    assert check.wait() == -signal.SIGKILL
    _assert_all_gone(workers)
    assert "Traceback" not in check.stderr()


ORPHAN = """
import os, time
from mlsmells import parallel

parallel._kernel_kills_with_parent = lambda: False  # as on a system without prctl
parent = os.getpid()
if os.fork() == 0:
    parallel._die_with(parent)
    time.sleep(60)
    os._exit(0)
time.sleep(60)
"""


def test_22_parent_killed_without_prctl_leaves_no_worker_alive(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN], cwd=tmp_path, start_new_session=True)
    try:
        _poll(lambda: bool(_children(parent.pid)), 20, "the worker to start")
        workers = _children(parent.pid)
        parent.kill()
        parent.wait(timeout=10)
        _assert_all_gone(workers)
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        parent.wait(timeout=10)


class SpinningRule(Rule):
    """Never returns on one file, as libcst has been seen not to on hostile input."""

    code = "MLS794"
    name = "spinning"
    family = Family.ARCHITECTURE

    def visit_Module(self, node: cst.Module) -> None:
        if self.file.path.endswith("spin.py"):
            while True:
                pass


def test_parser_runs_under_cpu_and_memory_limits_at_jobs_1(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "CPU_SECONDS_PER_FILE", 1)
    monkeypatch.setattr(parallel, "MEMORY_BYTES_PER_FILE", 16 * 2**20)
    (tmp_path / "hungry.py").write_bytes(b"x = 1\n" * (32 * 2**20 // 6))  # twice the memory allowed
    (tmp_path / "spin.py").write_text("x = 1\n")
    others = [f"z{index:02}.py" for index in range(30)]  # some share a chunk with the two above
    for name in others:
        (tmp_path / name).write_text("import random\nrandom.shuffle(deck)\n")
    settings = Settings(root=tmp_path, max_file_size_mb=100)
    result = run([tmp_path], settings, [SpinningRule, find_rule("MLS001"), find_rule("MLS101")], tmp_path, jobs=1)
    findings = {finding.path: finding for finding in result.findings}
    spin, hungry = findings.pop("spin.py"), findings.pop("hungry.py")
    assert spin.code == "MLS001" and "took more than the CPU-time limit of 1 s;" in spin.message
    assert hungry.code == "MLS001" and "memory" in hungry.message
    assert sorted(findings) == others and {finding.code for finding in findings.values()} == {"MLS101"}
    assert sorted(result.files_not_analysed) == ["hungry.py", "spin.py"] and result.files_checked == 32


def test_without_fork_files_are_checked_in_process(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # as on Windows
    for index in range(3):
        (tmp_path / f"m{index}.py").write_text("import random\nrandom.shuffle(deck)\n")
    result = run([tmp_path], Settings(root=tmp_path), [find_rule("MLS101")], tmp_path, jobs=2)
    assert [(finding.path, finding.code) for finding in result.findings] == [(f"m{i}.py", "MLS101") for i in range(3)]
