"""A clock for the running event loop that moves only when the test moves it: a timer fires exactly when the
clock is moved past it, and never on its own, so timed behaviour is tested without sleeping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

__all__ = ["HandClock", "hand_clock", "settle"]


class HandClock:
    """Stands in for the loop's ``time()`` (see :func:`hand_clock`)."""

    def __init__(self, start: float) -> None:
        self.start = self.now = start

    def __call__(self) -> float:
        return self.now

    async def move_to(self, offset: float) -> None:
        """Set the clock ``offset`` seconds after its start and let every task run that then may."""
        self.now = self.start + offset
        await settle()


@contextlib.contextmanager
def hand_clock() -> Iterator[HandClock]:
    """Replace the running loop's clock with a :class:`HandClock` for the block."""
    loop = asyncio.get_running_loop()
    clock = HandClock(loop.time())
    loop.time = clock  # type: ignore[method-assign]
    try:
        yield clock
    finally:
        del loop.time


async def settle() -> None:
    """Give the ready tasks 100 turns of the loop: enough for every chain of callbacks these tests start to
    run out (no I/O is awaited: mocked requests, timers, futures)."""
    for _ in range(100):
        await asyncio.sleep(0)
