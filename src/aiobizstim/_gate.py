"""Admission to the wire for an adaptive limit: a slot gate whose size may change at any time, and the
client-wide pause the ``Retry-After`` of a 429 or 503 asks for."""

from __future__ import annotations

import asyncio
import collections
from types import TracebackType

__all__ = ["GatePausedError", "SlotGate"]


class GatePausedError(Exception):
    """The gate is paused, or a pause began while waiting for a slot: wait it out
    (:meth:`SlotGate.wait_open`) and ask again. A pause is not spent queueing, so it never counts against
    the waiter's own timeout."""


class SlotGate:
    """At most :attr:`limit` holders at once, first come first served; :attr:`limit` may change at any time.

    Raising it lets waiters in at once; lowering it takes no slot back: holders finish and the gate admits
    nobody until fewer than the new limit hold one. Used as ``async with gate:`` like a semaphore.
    :meth:`pause_until` admits nobody until a loop time: :meth:`acquire` raises :class:`GatePausedError`
    while the gate is paused, and in the waiters queued when a pause begins; :meth:`wait_open` waits for the
    end.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._open = asyncio.Event()
        self._open.set()
        self._resume_at = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def limit(self) -> int:
        """Slots that may be held at once."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = value
        self._admit()

    @property
    def held(self) -> int:
        """Slots held now."""
        return self._held

    @property
    def waiting(self) -> int:
        """Tasks waiting for a slot."""
        return len(self._waiters)

    @property
    def paused(self) -> bool:
        """Whether a pause holds the gate now."""
        return not self._open.is_set()

    async def acquire(self) -> None:
        """Take a slot, waiting for one if all are held (or others wait before us); :class:`GatePausedError`
        if the gate is paused or a pause begins meanwhile."""
        if not self._open.is_set():
            raise GatePausedError
        if self._held < self._limit and not self._waiters:
            self._held += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except GatePausedError:
            raise
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # the slot was handed over as we were cancelled: pass it on
            elif waiter in self._waiters:  # else _admit() already dropped it
                self._waiters.remove(waiter)
            raise
        if not self._open.is_set():  # handed the slot, then a pause began before this task ran
            self.release()
            raise GatePausedError

    def release(self) -> None:
        """Give a slot back."""
        self._held -= 1
        self._admit()

    def _admit(self) -> None:
        while self._waiters and self._held < self._limit and self._open.is_set():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._held += 1
                waiter.set_result(None)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    # -- the client-wide pause --------------------------------------------------------------------------

    @property
    def resume_at(self) -> float:
        """The loop time until which the gate is paused (in the past when it is open)."""
        return self._resume_at

    def pause_until(self, when: float) -> None:
        """Admit nobody before loop time ``when`` (a later pause extends it, an earlier one does not shorten
        it): the waiters queued now get :class:`GatePausedError`; holders keep their slots."""
        if when <= self._resume_at:
            return
        loop = asyncio.get_running_loop()
        self._resume_at = when
        if when <= loop.time():
            return
        self._open.clear()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(when, self._reopen)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(GatePausedError())

    def resume_now(self) -> None:
        """End a pause at once (a client being closed lets its waiting requests fail now, not at its end)."""
        if self._timer is not None:
            self._timer.cancel()
            self._resume_at = asyncio.get_running_loop().time()
            self._reopen()

    def _reopen(self) -> None:
        self._timer = None
        self._open.set()
        self._admit()

    async def wait_open(self) -> None:
        """Return once the gate is not paused."""
        while not self._open.is_set():
            await self._open.wait()
