"""Checking files in worker processes, so that no file can take the run down with it.

Every file is checked in a forked worker, also at `--jobs 1` (one worker): libcst's
native parser has been seen to crash, spin and eat gigabytes on hostile input, and a
worker can die of that where the parent must not. Forked workers inherit the run's
resolved configuration; files go to them in chunks, to keep messages few, and results
come back one file at a time, so the parent always knows which file a worker is on.

Limits. Before each file a worker sets its soft RLIMIT_CPU to the CPU time it has used
so far plus `CPU_SECONDS_PER_FILE`, and its RLIMIT_AS to its current size plus
`MEMORY_BYTES_PER_FILE` (where /proc gives the size). The kernel kills a worker over the
CPU limit with SIGXCPU. Over the memory limit, Python raises MemoryError, which the
checker turns into a finding for that file (the worker goes on), and native code aborts.

Crashes. When a worker dies, the file it was on is reported not analysed (MLS001), with
what its exit status says: CPU-time limit, memory limit or crash. The rest of its chunk
goes to a fresh worker; no file is checked twice.

Cancellation. Workers ignore SIGINT: the terminal sends Ctrl-C to the whole process
group, and only the parent decides what it means. In the parent, Ctrl-C and SIGTERM are
deferred (`stack.deferred_interrupts`): the loop below notices them, terminates every
worker and reaps it, then raises KeyboardInterrupt; another signal meanwhile changes
nothing.

Parent death. Each worker asks the kernel for SIGKILL when the thread that forked it
ends (PR_SET_PDEATHSIG, Linux): that is the thread running `check_all`, which reaps
every worker before it returns, so it outlives them unless the whole parent dies (of
SIGKILL, say). Where prctl is missing, a thread in the worker polls its parent's pid.

Where fork is unavailable (Windows), files are checked in the parent, without limits.
"""

from __future__ import annotations

import ctypes
import faulthandler
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from mlsmells.checking import FileChecker
from mlsmells.engine.linter import FileResult, not_analysed
from mlsmells.stack import call_with_large_stack, deferred_interrupts, interrupt_requested

if sys.platform != "win32":
    import resource

Item = tuple[Path, str]  # (path, how it is shown)
Progress = Callable[[int], None]

CPU_SECONDS_PER_FILE = 60
"""CPU time a worker may spend on one file. The slowest real module measured, a 5 MB
generated API client, takes under 6 s; ten times that is hostile or pathological input,
and skipping it beats holding up the run. Read when a run starts (tests lower it)."""

MEMORY_BYTES_PER_FILE = 3 * 2**30
"""Address space a worker may add while checking one file, on top of what it already
holds (which includes the 512 MB stack reserved by `stack.call_with_large_stack`). That
5 MB module needs about 0.6 GB; hostile input has driven libcst past 6 GB. Read when a
run starts (tests lower it)."""

_POLL_SECONDS = 0.05  # how soon the parent notices a Ctrl-C taken by another thread
_GRACE_SECONDS = 1.0  # how long a worker has to die of SIGTERM before it gets SIGKILL
_PARENT_POLL_SECONDS = 0.5  # how often a worker without prctl checks that its parent lives
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@dataclass(frozen=True)
class _Limits:
    cpu_seconds: int
    memory_bytes: int


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection
    #: Indexes of the files it was sent and has not answered yet, in the order it checks them.
    pending: list[int] = field(default_factory=list)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_all(
    checker: FileChecker, items: Sequence[Item], jobs: int, progress: Progress | None = None
) -> list[FileResult]:
    """Results for `items`, in order. After a Ctrl-C, raises KeyboardInterrupt once no
    worker is left."""
    with deferred_interrupts():
        if "fork" not in multiprocessing.get_all_start_methods():
            return _in_process(checker, items, progress)
        return _Workers(checker, items, jobs).run(progress)


def _in_process(checker: FileChecker, items: Sequence[Item], progress: Progress | None) -> list[FileResult]:
    """Check the files here, one by one: for platforms without fork."""
    results = []
    for path, shown in items:
        if interrupt_requested():
            raise KeyboardInterrupt
        results.append(call_with_large_stack(partial(checker.check, path, shown)))
        if progress:
            progress(1)
    return results


class _Workers:
    """The worker processes of one run, what each was given, and what came back."""

    def __init__(self, checker: FileChecker, items: Sequence[Item], jobs: int) -> None:
        self.checker = checker
        self.items = items
        self.jobs = jobs
        self.limits = _Limits(CPU_SECONDS_PER_FILE, MEMORY_BYTES_PER_FILE)
        self.context = multiprocessing.get_context("fork")
        self.queue = deque(_chunks(len(items), jobs))
        self.workers: list[_Worker] = []
        self.results: dict[int, FileResult] = {}

    def run(self, progress: Progress | None) -> list[FileResult]:
        """Every file's result, in order; whatever happens, no worker is left afterwards."""
        try:
            while True:
                if interrupt_requested():
                    raise KeyboardInterrupt
                self._assign()
                if not any(worker.pending for worker in self.workers):
                    break
                finished = self._collect()
                if progress and finished:
                    progress(finished)
        finally:
            self._stop()
        return [self.results[index] for index in range(len(self.items))]

    def _assign(self) -> None:
        """Give every idle worker a chunk, then start workers, up to `jobs`, for the rest."""
        for worker in self.workers:
            if self.queue and not worker.pending:
                self._give(worker, self.queue.popleft())
        while self.queue and len(self.workers) < self.jobs:
            self._give(self._start(), self.queue.popleft())

    def _give(self, worker: _Worker, chunk: list[int]) -> None:
        worker.pending = chunk
        try:
            worker.connection.send([(index, *self.items[index]) for index in chunk])
        except OSError:
            pass  # it was killed from outside while idle: its sentinel will tell `_bury`

    def _start(self) -> _Worker:
        """Fork a worker. Ctrl-C and SIGTERM are held back until it has set its own handling."""
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(theirs, self.checker, os.getpid(), self.limits), name="mlsmells-worker", daemon=True
        )
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def _collect(self) -> int:
        """Wait a moment for answers and deaths; return how many files were finished."""
        owners: dict[object, _Worker] = {}
        for worker in self.workers:
            owners[worker.connection] = owners[worker.process.sentinel] = worker
        finished = 0
        for ready in wait(list(owners), _POLL_SECONDS):
            worker = owners[ready]
            if worker not in self.workers:
                continue  # buried already, its connection and sentinel both being ready
            finished += self._receive(worker) if ready is worker.connection else self._bury(worker)
        return finished

    def _receive(self, worker: _Worker) -> int:
        """Take in every answer the worker has sent; return how many."""
        count = 0
        try:
            while worker.connection.poll():
                index, result = worker.connection.recv()
                self.results[index] = result
                worker.pending.remove(index)
                count += 1
        except EOFError:
            pass  # it died: its sentinel says so too
        return count

    def _bury(self, worker: _Worker) -> int:
        """A worker died: keep what it sent first, report the file it was on, requeue the rest."""
        finished = self._receive(worker)
        worker.process.join()
        worker.connection.close()
        self.workers.remove(worker)
        if not worker.pending:
            return finished
        culprit, *rest = worker.pending
        reason = _death_reason(worker.process.exitcode, self.limits)
        self.results[culprit] = not_analysed(self.items[culprit][1], reason)
        if rest:
            self.queue.appendleft(rest)
        return finished + 1

    def _stop(self) -> None:
        """End every worker, busy or idle, and reap it: SIGTERM, then SIGKILL after a grace."""
        for worker in self.workers:
            worker.process.terminate()
        deadline = time.monotonic() + _GRACE_SECONDS
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers.clear()


def _chunks(count: int, jobs: int) -> list[list[int]]:
    """Indexes 0..count-1 in runs short enough to share out evenly, long enough to keep
    messages few."""
    size = max(1, min(32, count // (jobs * 8)))
    return [list(range(start, min(start + size, count))) for start in range(0, count, size)]


def _death_reason(exitcode: int | None, limits: _Limits) -> str:
    """What a worker's exit status says about the file it was checking."""
    if exitcode == -signal.SIGXCPU:
        return f"checking this file took more than the CPU-time limit of {limits.cpu_seconds} s; it was skipped"
    how = f"died from {_signal_name(-exitcode)}" if exitcode and exitcode < 0 else f"exited with status {exitcode}"
    if exitcode in (-signal.SIGABRT, -signal.SIGKILL):  # how native code and the OOM killer end an allocation
        return (
            f"the parser crashed on this file or exceeded the memory limit of {_size(limits.memory_bytes)} "
            f"(the worker process {how}); it was skipped"
        )
    return f"the parser crashed on this file (the worker process {how}); it was skipped"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _size(count: int) -> str:
    return f"{count / 2**30:.3g} GB" if count >= 2**30 else f"{count / 2**20:.3g} MB"


# In the worker process


def _serve(connection: Connection, checker: FileChecker, parent: int, limits: _Limits) -> None:
    """A worker's life: settle in, then answer file after file until it is terminated."""
    _leave_interrupts_to_the_parent()
    faulthandler.disable()  # the parent reports a crash as the file's finding; a dump on stderr is noise
    _die_with(parent)
    _set_soft_limit(resource.RLIMIT_CORE, 0)  # a worker killed by a limit leaves no core file in the user's tree
    call_with_large_stack(lambda: _answer(connection, checker, limits))


def _leave_interrupts_to_the_parent() -> None:
    """Ignore Ctrl-C (the terminal sends it to the whole process group); die of SIGTERM at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_SIGNALS)


def _die_with(parent: int) -> None:
    """Make sure this worker ends when its parent does, however the parent ends."""
    if not _kernel_kills_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), name="mlsmells-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _kernel_kills_with_parent() -> bool:
    """Ask Linux for SIGKILL when the parent's forking thread ends; False where it cannot."""
    if sys.platform != "linux":
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        return prctl(ctypes.c_int(_PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL), *[ctypes.c_ulong(0)] * 3) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _answer(connection: Connection, checker: FileChecker, limits: _Limits) -> None:
    """Check each file sent under its own limits, and answer with its result. The checker
    turns a MemoryError into a not-analysed result, so a file over the memory limit costs
    that file only."""
    while True:
        for index, path, shown in connection.recv():
            _limit_next_file(limits)
            connection.send((index, checker.check(path, shown)))


def _limit_next_file(limits: _Limits) -> None:
    """Allow the next file `limits` on top of what this worker has used and holds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _set_soft_limit(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime) + limits.cpu_seconds)
    size = _address_space()
    if size is not None:
        _set_soft_limit(resource.RLIMIT_AS, size + limits.memory_bytes)


def _set_soft_limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _address_space() -> int | None:
    """This process's size in bytes, where /proc tells it (Linux)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return None
