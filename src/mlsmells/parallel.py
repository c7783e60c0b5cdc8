"""Spreading files over worker processes, and surviving a worker that dies.

Workers are forked, so they inherit the run's resolved configuration instead of building
it again per file; files travel in chunks to keep messages few. A native crash in one
worker (libcst has been seen to kill the process on hostile input) breaks the pool: the
files of every unfinished chunk are then checked again one by one, each in a process of
its own, and a file that kills that process too is reported as not analysed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from mlsmells.checking import FileChecker
from mlsmells.engine.linter import FileResult, not_analysed
from mlsmells.stack import call_with_large_stack

Item = tuple[Path, str]  # (path, how it is shown)
Progress = Callable[[int], None]

_checker: FileChecker | None = None  # set in the parent before forking


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_all(checker: FileChecker, items: Sequence[Item], jobs: int, progress: Progress | None = None) -> Iterator[FileResult]:
    """Results for `items`, in order."""
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for path, shown in items:
            yield checker.check(path, shown)
            if progress:
                progress(1)
        return
    yield from _in_workers(checker, items, jobs, progress)


def _check_chunk(chunk: list[Item]) -> list[FileResult]:
    assert _checker is not None
    checker = _checker
    return call_with_large_stack(lambda: [checker.check(path, shown) for path, shown in chunk])


def _in_workers(checker: FileChecker, items: Sequence[Item], jobs: int, progress: Progress | None) -> Iterator[FileResult]:
    global _checker
    _checker = checker
    size = max(1, min(32, len(items) // (jobs * 8) or 1))
    chunks = [list(items[start:start + size]) for start in range(0, len(items), size)]
    done: dict[int, list[FileResult]] = {}
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_check_chunk, chunk): index for index, chunk in enumerate(chunks)}
            try:
                for future in as_completed(futures):
                    done[futures[future]] = future.result()
                    if progress:
                        progress(len(chunks[futures[future]]))
            except BrokenProcessPool:
                pass  # the unfinished chunks are checked again below, one file at a time
        for index, chunk in enumerate(chunks):
            if index not in done:
                done[index] = [_isolated(item, context) for item in chunk]
                if progress:
                    progress(len(chunk))
    finally:
        _checker = None
    for index in range(len(chunks)):
        yield from done[index]


def _isolated(item: Item, context) -> FileResult:
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_check_chunk, [item]).result()[0]
    except BrokenProcessPool:
        return not_analysed(item[1], "the parser crashed on this file (the worker process died); it was skipped")
