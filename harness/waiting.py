"""The one way to wait for something that happens elsewhere (another process, a thread, a
server): poll a condition until it holds, with a deadline instead of a fixed sleep."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimedOut(AssertionError):
    """The condition still did not hold at the deadline (an assertion: in a test it fails it)."""


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float,
    message: str | Callable[[], str] = "",
    interval: float = 0.05,
) -> T:
    """Call `condition()` until it returns something true, and return that; raise
    WaitTimedOut with `message` (called only then, if it is a function: e.g. a server's
    log) once `timeout` seconds have passed without it."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise WaitTimedOut(f"not done within {timeout:g} s" + (f": {text}" if text else ""))
        time.sleep(interval)
