"""Running analysis with room for deeply nested code."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def call_with_large_stack(function: Callable[[], T]) -> T:
    """Run `function` in a thread with a large stack and a high recursion limit.

    Parsing and position computation recurse once per nesting level of the analysed
    code; a deep but legitimate file must not overflow the main thread's stack.
    """
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # re-raised in the calling thread
            outcome["error"] = error

    previous_limit = sys.getrecursionlimit()
    previous_size = threading.stack_size()
    sys.setrecursionlimit(max(previous_limit, 20_000))
    threading.stack_size(512 * 1024 * 1024)
    try:
        thread = threading.Thread(target=target, name="mlsmells")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous_size)
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
