"""Sans-I/O adaptive concurrency: a controller fed one completed attempt at a time that says how many
requests may be in flight. No clock, no sockets, no asyncio: the transport feeds it and applies its answer.

The model is a server that shares its capacity ``C`` among the requests it holds (a processor-sharing
queue): up to ``C`` in flight, latency stays at its base ``L`` and throughput grows with the limit; past
``C`` throughput stays at ``C / L`` while latency grows as ``L * n / C``; far past it the server sheds load
(429, 503). So latency over its base says how far past ``C`` the limit is, and settling a little above ``C``
costs nothing while settling below it costs throughput: the controller is biased up.

* **Measurement**: a decision is made once ``limit`` attempts *sent at the current limit* have completed
  (about one round trip at full use). Each attempt's latency is compared with the baseline of its kind (the
  lowest latency seen for that kind of request: a page of 1000 records takes longer than a lookup of one at
  any load; the baseline never creeps up with the load, it is reset when the base latency moves, below), and
  the decision goes by the median of those ratios: ``ratio``.
* **Slow start**: from ``start``, the limit doubles at each decision while it was used (an attempt was
  sent with the limit full) and ``ratio <= slow_start_exit``.
* **Additive increase**: after that, ``+1`` per decision while the limit was used and
  ``ratio <= tolerance``.
* **Latency decrease**: ``ratio > tolerance`` sets the limit to what the throughput measured would need at
  the base latency plus ``headroom`` (Little's law: ``limit * headroom / ratio``), at most halving it.
  When two cuts in a row brought no lower latency although the load fell, the base latency itself moved:
  the cuts are undone and the baseline restarts from the latency measured.
* **Samples**: only 2xx answers are measured, and not the API's failure envelopes among them; any other
  answer may come back at once without the work (a record gone, a proxy's error page) and would pass for
  the base latency.
* **Overload**: a 429, 503, 504 or an attempt that timed out multiplies the limit by ``backoff`` at once;
  failures of attempts sent before that cut are the same episode and are ignored (one cut per round trip,
  as TCP does once per window).
* After any cut, attempts sent during the next round trip are not measured: the server still holds the
  requests sent above the new limit, so they do not show the lower load yet.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import statistics
from collections.abc import Hashable

from aiobizstim._checks import check_concurrency_bounds
from aiobizstim._constants import OVERLOAD_STATUSES

__all__ = ["ConcurrencyController", "Outcome", "Tuning", "outcome_of"]


class Outcome(enum.Enum):
    """What one completed attempt says about the server's load."""

    #: A 2xx response: the server did the work asked for, so its latency measures the server.
    OK = "ok"
    #: The server shed load: 429, 503, 504, or the attempt timed out.
    OVERLOAD = "overload"
    #: Says nothing about load, not used: no response (connection refused, a cut body), or another status
    #: (a 404 or a proxy's 502 may come back at once without the work, and would pass for the base latency).
    OTHER = "other"


def outcome_of(status: int | None, *, timed_out: bool = False, refused: bool = False) -> Outcome:
    """The outcome of an attempt that got HTTP ``status`` (``None``: no response; ``timed_out`` if the
    attempt ran out of time; ``refused`` if a 2xx answer is the API's failure envelope, such as "no client
    found": back at once without the work, like a 404)."""
    if timed_out:
        return Outcome.OVERLOAD
    if status is None:
        return Outcome.OTHER
    if status in OVERLOAD_STATUSES:
        return Outcome.OVERLOAD
    return Outcome.OK if 200 <= status < 300 and not refused else Outcome.OTHER


@dataclasses.dataclass(frozen=True, slots=True)
class Tuning:
    """The controller's parameters (chosen on the measurements in ``docs/benchmarks.md``)."""

    #: Latency ratio (median over baseline) up to which slow start keeps doubling.
    slow_start_exit: float = 1.25
    #: Latency ratio above which the limit shrinks; up to it, a used limit grows.
    tolerance: float = 1.5
    #: After a latency decrease, the limit aims at this ratio (a little above the base latency: bias up).
    headroom: float = 1.25
    #: The multiplier of the limit on overload.
    backoff: float = 0.7


class ConcurrencyController:
    """How many requests may be in flight, from the outcomes of those completed; see the module docstring.

    ``record(latency, outcome, in_flight, now, kind)`` takes one completed attempt: its latency (seconds from
    send to the full response), its :class:`Outcome`, the requests in flight when it was sent (itself
    included), the current time (any monotonic clock, the same as the latency's) and its kind (any hashable:
    attempts of one kind share a base latency); it returns the limit.
    """

    def __init__(self, minimum: int, maximum: int, start: int, tuning: Tuning | None = None) -> None:
        self.minimum, self.start, self.maximum = check_concurrency_bounds(minimum, start, maximum)
        self.tuning = tuning or Tuning()
        self._limit = self.start
        self._slow_start = True
        #: When the limit last changed: only attempts sent since then measure it.
        self._epoch = -math.inf
        #: When the limit was last cut: overloads of attempts sent before it are the same episode.
        self._cut_at = -math.inf
        #: The attempts measured at the current limit: (kind, latency).
        self._samples: list[tuple[Hashable, float]] = []
        self._used = False
        #: The median latency of the last decision: how long the server takes now.
        self._round_trip = 0.0
        #: The lowest latency seen for each kind since the base latency last moved.
        self._baselines: dict[Hashable, float] = {}
        #: The latency decreases awaiting their check: (the limit before the first, the ratio that caused
        #: the last, how many in a row did not lower latency).
        self._pending_cut: tuple[int, float, int] | None = None

    def __repr__(self) -> str:
        phase = "slow start" if self._slow_start else "steady"
        return f"<ConcurrencyController limit={self._limit} [{self.minimum}, {self.maximum}] {phase}>"

    @property
    def limit(self) -> int:
        """Requests that may be in flight now."""
        return self._limit

    def baseline(self, kind: Hashable = None) -> float | None:
        """The base latency attempts of ``kind`` are measured against (``None`` before any of them)."""
        return self._baselines.get(kind)

    def record(
        self, latency: float, outcome: Outcome, in_flight: int, now: float, kind: Hashable = None
    ) -> int:
        """Take one completed attempt into account; return the limit. ``ValueError`` for a latency that is
        not a finite number of seconds >= 0; a latency of 0 measures nothing (no base to compare with)."""
        if not (math.isfinite(latency) and latency >= 0):
            raise ValueError(f"latency must be a finite number of seconds >= 0, got {latency!r}")
        sent = now - latency
        if outcome is Outcome.OVERLOAD:
            if sent >= self._cut_at:  # a new episode: attempts sent after the last cut failed too
                self._slow_start = False
                self._pending_cut = None
                self._set(math.floor(self._limit * self.tuning.backoff), now, cut=True)
            return self._limit
        if outcome is not Outcome.OK or sent < self._epoch or latency == 0:
            return self._limit
        self._samples.append((kind, latency))
        self._used = self._used or in_flight >= self._limit
        if len(self._samples) >= self._limit:
            self._decide(now)
        return self._limit

    def _decide(self, now: float) -> None:
        """One decision on the attempts sent at the current limit."""
        tuning, samples, baselines = self.tuning, self._samples, self._baselines
        for kind, latency in samples:
            if latency < baselines.get(kind, math.inf):
                baselines[kind] = latency
        self._round_trip = statistics.median(latency for _, latency in samples)
        ratio = statistics.median(latency / baselines[kind] for kind, latency in samples)
        used = self._used
        samples.clear()
        self._used = False
        pending, self._pending_cut = self._pending_cut, None
        if ratio > tuning.tolerance:
            self._slow_start = False
            before, strikes = self._limit, 0
            if pending is not None and ratio >= 0.9 * pending[1]:  # the last cut did not lower latency
                before, strikes = pending[0], pending[2] + 1
                if strikes == 2:  # twice: the base latency moved. Undo the cuts, measure from here.
                    for kind in baselines:
                        baselines[kind] *= ratio
                    self._set(before, now)
                    return
            target = math.floor(self._limit * max(0.5, tuning.headroom / ratio))
            if target < self._limit:
                self._pending_cut = (before, ratio, strikes)
            self._set(target, now, cut=True)
        elif not used:
            return
        elif self._slow_start and ratio <= tuning.slow_start_exit:
            self._set(self._limit * 2, now)
        else:
            self._slow_start = False
            self._set(self._limit + 1, now)

    def _set(self, limit: int, now: float, *, cut: bool = False) -> None:
        self._limit = min(self.maximum, max(self.minimum, limit))
        self._epoch = now
        self._samples.clear()
        self._used = False
        if cut:
            self._cut_at = now
            # The server still serves what was sent above the new limit for one (slow) round trip: attempts
            # sent meanwhile share it with them and do not yet show the lower load.
            self._epoch = now + self._round_trip
