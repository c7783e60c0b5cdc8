"""Running analysis with room for deeply nested code, and stopping it cleanly on Ctrl-C.

Python raises KeyboardInterrupt in the main thread only, wherever it happens to be: in
the middle of a cleanup, or in a thread that merely waits for the one doing the work;
SIGTERM, by default, ends the process at once. `deferred_interrupts` turns both into a
request instead, which long work polls with `interrupt_requested`, stops at a point of
its choosing and raises KeyboardInterrupt itself; another signal while it winds down
only repeats the request.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_interrupt = threading.Event()


def _request_interrupt(signum: int, frame: object) -> None:
    _interrupt.set()


def interrupt_requested() -> bool:
    """Whether Ctrl-C or SIGTERM came inside `deferred_interrupts`: the caller should stop
    and raise KeyboardInterrupt."""
    return _interrupt.is_set()


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """While inside, Ctrl-C (and SIGTERM, if left to its default action: a cancelled CI job)
    sets `interrupt_requested` instead; KeyboardInterrupt is raised on the way out if the
    body did not raise it itself.

    Only the main thread can change how signals are handled; elsewhere, and for a signal
    not handled the default way (inside an outer `deferred_interrupts`, or SIGINT ignored
    by a shell that started mlsmells in the background), this changes nothing.
    """
    defaults = ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL))
    deferred = [number for number, default in defaults if signal.getsignal(number) is default]
    if threading.current_thread() is not threading.main_thread() or not deferred:
        yield
        return
    previous = {number: signal.signal(number, _request_interrupt) for number in deferred}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        requested = _interrupt.is_set()
        _interrupt.clear()
    if requested:
        raise KeyboardInterrupt


def call_with_large_stack(function: Callable[[], T]) -> T:
    """Run `function` in a thread with a large stack and a high recursion limit.

    Parsing and position computation recurse once per nesting level of the analysed
    code; a deep but legitimate file must not overflow the main thread's stack. The
    waiting thread cannot stop `function`: a caller that must stop on Ctrl-C wraps this in
    `deferred_interrupts` and has `function` poll `interrupt_requested`.
    """
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # re-raised in the calling thread
            outcome["error"] = error

    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, 20_000))
    try:
        thread = _start_with_large_stack(target)
        thread.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _start_with_large_stack(target: Callable[[], None]) -> threading.Thread:
    """Start `target` with a 512 MB stack; threads started later get the usual size."""
    previous_size = threading.stack_size(512 * 1024 * 1024)
    try:
        thread = threading.Thread(target=target, name="mlsmells")
        thread.start()
    finally:
        threading.stack_size(previous_size)
    return thread
