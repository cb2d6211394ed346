"""FakeBizstim's capacity model: a processor-sharing server that serves ``capacity`` requests at full speed
and shares that among more.

Each request brings ``work`` seconds of service (the fake's latency). With ``n`` requests in service each
progresses at ``min(1, capacity / n)`` of full speed, so up to ``capacity`` in flight every request takes
its ``work``, and past it throughput stays at ``capacity`` requests per ``work`` while each takes
``work * n / capacity``: exactly, as ``n`` changes during a request's life (virtual time: the service every
request in service has received so far advances at that rate; a request finishes when it has received its
work). Changing the capacity takes effect at once for the requests in service.

:class:`CapacitySchedule` is a capacity that changes at given times after the server starts.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from dataclasses import dataclass
from typing import TypeGuard

__all__ = ["CapacitySchedule", "SharedCapacity"]


@dataclass(frozen=True, slots=True)
class CapacitySchedule:
    """A capacity that changes while the server runs: ``start`` from its start, then each ``(seconds,
    capacity)`` of ``changes`` from that many seconds after it (later and later).

    ``CapacitySchedule.parse("24,10s:12,30s:24")`` is ``CapacitySchedule(24, ((10, 12), (30, 24)))``: a server
    that gets busy 10 s after it starts and recovers at 30 s.
    """

    start: float
    changes: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if not _positive(self.start):
            raise ValueError(f"schedule start {_shown(self.start)}: the capacity must be a positive number")
        # A list of pairs is fine too: kept as a tuple, so the schedule stays frozen and hashable.
        try:
            changes = tuple((at, capacity) for at, capacity in self.changes)
        except (TypeError, ValueError):
            raise ValueError(
                f"schedule changes {self.changes!r}: expected (seconds, capacity) pairs"
            ) from None
        object.__setattr__(self, "changes", changes)
        before = 0.0
        for at, capacity in changes:
            step = _shown(at, capacity)
            if not _positive(at):
                raise ValueError(f"schedule step {step}: the time must be a positive number of seconds")
            if not _positive(capacity):
                raise ValueError(f"schedule step {step}: the capacity must be a positive number")
            if at <= before:
                raise ValueError(f"schedule step {step} is not later than the step before it ({before:g}s)")
            before = at

    @classmethod
    def parse(cls, text: str) -> CapacitySchedule:
        """``C`` or ``C,Ts:C,...``: the capacity at the start, then each change as seconds after the start
        (an ``s`` suffix) and the capacity from then, e.g. ``24,10s:12,30s:24``. A bad part is a one-line
        :class:`ValueError` naming it."""
        if not text.strip():
            raise ValueError("the capacity schedule is empty")
        first, *rest = [part.strip() for part in text.split(",")]
        if not first or ":" in first:
            raise ValueError(
                f"the schedule must begin with the capacity at the start (e.g. 24,10s:12), not {first!r}"
            )
        try:
            start = float(first)
        except ValueError:
            raise ValueError(f"schedule start {first!r}: the capacity must be a positive number") from None
        return cls(start, tuple(_change(part) for part in rest))


def _change(part: str) -> tuple[float, float]:
    """``"10s:12"`` -> ``(10.0, 12.0)``."""
    at, colon, capacity = part.partition(":")
    at = at.strip()
    try:
        if not (colon and at.endswith("s")):
            raise ValueError
        return float(at[:-1]), float(capacity)
    except ValueError:
        raise ValueError(f"schedule step {part!r} is not <seconds>s:<capacity> (e.g. 10s:12)") from None


def _positive(value: object) -> bool:
    return _number(value) and 0 < value < math.inf


def _shown(value: object, capacity: object = None) -> str:
    """A start capacity (``'24'``) or a step (``'10s:12'``) as the schedule's text writes it, quoted; a value
    that is not a number as its repr."""
    if capacity is None:
        return repr(f"{value:g}") if _number(value) else repr(value)
    return (
        repr(f"{value:g}s:{capacity:g}") if _number(value) and _number(capacity) else repr((value, capacity))
    )


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


class SharedCapacity:
    """Requests served ``capacity`` at a time at full speed, more at a shared rate (see the module)."""

    def __init__(self, capacity: float) -> None:
        self._capacity = capacity
        #: Service each request in service has received since the clock's start (virtual time).
        self._served = 0.0
        self._stamp: float | None = None
        #: (virtual finish time, arrival order, waiter), earliest first.
        self._jobs: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def capacity(self) -> float:
        """Requests served at full speed at once."""
        return self._capacity

    @property
    def in_service(self) -> int:
        """Requests being served now."""
        return len(self._jobs)

    def set_capacity(self, capacity: float) -> None:
        """Change the capacity, for the requests in service too."""
        self._advance()
        self._capacity = capacity
        self._schedule()

    def admit(self, work: float) -> asyncio.Future[None]:
        """Take a request of ``work`` seconds into service now; the future is done once it was served
        (:meth:`withdraw` it if it is abandoned before)."""
        self._advance()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._jobs, (self._served + work, next(self._order), waiter))
        self._schedule()
        return waiter

    def withdraw(self, waiter: asyncio.Future[None]) -> None:
        """Take a request out of service before it was served (its connection went, say); no-op after."""
        if not waiter.done():
            waiter.cancel()
        if any(job[2] is waiter for job in self._jobs):
            self._advance()
            self._jobs = [job for job in self._jobs if job[2] is not waiter]
            heapq.heapify(self._jobs)
            self._schedule()

    def _rate(self) -> float:
        n = len(self._jobs)
        return 1.0 if n <= self._capacity else self._capacity / n

    def _advance(self) -> None:
        """Bring the virtual time up to now, at the rate of the requests in service until now."""
        now = asyncio.get_running_loop().time()
        if self._stamp is not None:
            self._served += (now - self._stamp) * self._rate()
        self._stamp = now

    def _schedule(self) -> None:
        """Finish the requests that received their work; set a timer for the next one."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        jobs = self._jobs
        while jobs and jobs[0][0] <= self._served + 1e-9:
            waiter = heapq.heappop(jobs)[2]
            if not waiter.done():
                waiter.set_result(None)
        if jobs:
            delay = (jobs[0][0] - self._served) / self._rate()
            self._timer = asyncio.get_running_loop().call_later(delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self._advance()
        self._schedule()
