"""Helpers shared by the robustness tests."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

from aiobizstim import RetryPolicy

#: Retries in milliseconds instead of seconds, so fault tests stay fast (the rules are the client's own).
QUICK_RETRIES = RetryPolicy(base=0.005, cap=0.05, jitter=0.5, max_retry_after=5.0)

#: A 40-character API key that is easy to spot anywhere it might leak.
SECRET_KEY = "SeCrEtKeY-0123456789-abcdefghij-KLMNOPQR"
assert len(SECRET_KEY) == 40


def other_tasks() -> set[asyncio.Task[object]]:
    """Tasks of the running loop other than the current one (pending work left behind)."""
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


async def eventually(condition: Callable[[], bool], *, within: float = 5.0, what: str = "condition") -> None:
    """Wait (yielding to the loop, not sleeping a guessed time) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


def collect_garbage() -> None:
    """Run the GC so an unclosed session/connector warns now, inside the test (warnings are errors)."""
    gc.collect()
    gc.collect()
