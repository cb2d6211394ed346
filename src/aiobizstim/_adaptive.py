"""Sans-I/O adaptive concurrency: a controller fed one completed attempt at a time that says how many
requests may be in flight. No clock, no sockets, no asyncio: the transport feeds it and applies its answer.

The model is a server that shares its capacity ``C`` among the requests it holds (a processor-sharing
queue): up to ``C`` in flight, latency stays at its base ``L`` and throughput grows with the limit; past
``C`` throughput stays at ``C / L`` while latency grows as ``L * n / C``; far past it the server sheds load
(429, 503). So latency over its base says how far past ``C`` the limit is, and settling a little above ``C``
costs nothing while settling below it costs throughput: the controller is biased up.

* **Measurement**: a decision is made once ``limit`` attempts *sent at the current limit* have completed
  (about one round trip at full use), and at least as many as the jitter asks for (below). Each attempt's
  latency is compared with the base latency of its kind (a page of 1000 records takes longer than a lookup
  of one at any load), and the decision goes by the median of those ratios: ``ratio``.
* **Base latency**: what an attempt of that kind takes at the lowest load of ours seen. Latencies are kept
  by load (the most requests in flight the attempt met; the latest 32 of each); the base is the median of
  those at the lowest loads, or the median at a higher load where that is lower beyond its error (the
  server got faster). It never creeps up with our own load, and it moves with the server's own latency
  when that rises (below). Not the lowest latency ever seen: on a server whose answers scatter (30-60 ms
  at random) that is an outlier, and every typical answer looked overloaded.
* **Jitter**: the scatter of the latencies (a robust standard deviation of their logarithms, from the
  latest decisions) sets how many attempts a decision and its base take, so that ``confidence`` standard
  errors of ``ratio`` fit within ``tolerance``: one on a steady server, up to 32 on a wild one. Growth
  also asks for that confidence: the limit grows only while ``ratio`` is that far below ``tolerance``.
* **Slow start**: from ``start``, the limit doubles at each decision while it was used (an attempt was
  sent with the limit full) and ``ratio <= slow_start_exit``; such a doubling may be decided on half the
  attempts the jitter asks for. Up to ``confidence`` standard errors above that, it measures again rather
  than end slow start on the jitter. Attempts that all met the lowest load of their kind are that base
  themselves (their ratio is 1 by construction): they double at once. But the limit leaves the loads a base
  pools only once the bases hold ``_FIRST_BASE`` latencies between them, and half what the jitter asks for:
  no later attempt meets a load that low to correct a base of two or three lucky first attempts.
* **Additive increase**: after that, ``+1`` per decision while the limit was used and ``ratio`` is within
  ``tolerance`` (by the confidence above).
* **Latency decrease**: ``ratio > tolerance`` sets the limit to what the throughput measured would need at
  the base latency plus ``headroom`` (Little's law: ``limit * headroom / ratio``), at most halving it.
  When two cuts in a row brought no lower latency although the load fell, the base latency itself moved:
  the cuts are undone and the base is scaled by the ratio measured.
* **Samples**: only 2xx answers are measured, and not the API's failure envelopes among them; any other
  answer may come back at once without the work (a record gone, a proxy's error page) and would pass for
  the base latency.
* **Overload**: a 429, 503, 504 or an attempt that timed out multiplies the limit by ``backoff`` at once;
  failures of attempts sent before that cut are the same episode and are ignored (one cut per round trip,
  as TCP does once per window). Once latency is flat again, the limit doubles back to where the first cut
  of such a storm put it (a storm of a few seconds can cut it to 1), then grows +1 as before.
* **Ceiling**: a level the server shed load at twice (the two at most one apart), each time within
  ``_FRESH_ROUND_TRIPS`` round trips of the limit reaching it and in one cut after which the level below
  was fine (its own cap on requests in flight, a rate limit, or a base latency that fell unseen), is not
  reached again for ``_CEILING_HOLD`` seconds, twice that each time it sheds load there again: every 429
  pauses the whole client for its ``Retry-After``. Past a ceiling tried and held, it is gone. Not set by a
  storm that sheds load at every level (an outage), nor by 503s that come at random.
* After any cut, attempts sent during the next round trip are not measured: the server still holds the
  requests sent above the new limit, so they do not show the lower load yet.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import itertools
import math
import statistics
from collections.abc import Hashable, Iterator

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
    slow_start_exit: float = 1.15
    #: Latency ratio above which the limit shrinks; up to it, a used limit grows.
    tolerance: float = 1.5
    #: After a latency decrease, the limit aims at this ratio (a little above the base latency: bias up).
    headroom: float = 1.25
    #: The multiplier of the limit on overload.
    backoff: float = 0.7
    #: How sure a decision must be that latency really crossed ``tolerance`` and is not the server's jitter,
    #: in standard errors: the noisier the latencies, the more attempts a decision and its base take.
    confidence: float = 2.0


#: Latencies kept per kind of request and load (the base latency is estimated from these).
_KEPT_PER_LOAD = 32
#: Deviations kept to estimate the jitter from (each attempt's log ratio from its decision's mean).
_KEPT_SPREADS = 64
#: At most this many attempts per decision, however noisy the server.
_MAX_DECISION_SAMPLES = 32
#: The standard error of a median over that of a mean, for normal noise (sqrt(pi / 2)).
_MEDIAN_ERROR = math.sqrt(math.pi / 2)
#: A robust standard deviation from a median absolute deviation, for normal noise.
_MAD_TO_SIGMA = 1.4826
#: A base pools the latencies at loads up to this times the lowest seen (more would mix in loaded ones).
_POOLED_LOADS = 2
#: In slow start a flat latency doubles the limit on this share of the attempts the jitter asks for: a
#: doubling on weaker evidence costs little (a cut follows), a slow start at 1 costs seconds.
_EARLY_DOUBLING = 0.5
#: Seconds the limit stays below where the server shed load before it tries that level again (then twice as
#: long each time the server sheds load there again, up to the maximum).
_CEILING_HOLD = 10.0
_CEILING_HOLD_MAX = 480.0
#: A level the server shed load at within this many round trips of the limit reaching it may be a ceiling.
_FRESH_ROUND_TRIPS = 16
#: Slow start takes the limit past the loads a base pools only once the base is the median of this many
#: latencies at least (and of the share above of what the jitter asks for): every later decision is measured
#: against it, and no later attempt meets a load that low to correct it.
_FIRST_BASE = 8


class _BaseLatency:
    """The base latency of one kind of request (see the module docstring). Latencies are kept by the exact
    number of requests in flight they met (a load); the base is the median of those kept at the lowest
    loads (from the lowest up, to twice the lowest, until ``count`` are pooled), or lower where a higher
    load shows a lower median beyond its error: the server got faster since the lowest load was measured."""

    __slots__ = ("_loads",)

    def __init__(self) -> None:
        self._loads: dict[int, collections.deque[float]] = {}

    def add(self, latency: float, load: int) -> None:
        kept = self._loads.get(load)
        if kept is None:
            kept = self._loads[load] = collections.deque(maxlen=_KEPT_PER_LOAD)
        kept.append(latency)

    def estimate(self, count: int, error: float) -> tuple[float, int]:
        """The base and how many latencies it is the median of; ``error``: the log error of one latency
        (a median of ``n`` errs by ``error / sqrt(n)``)."""
        loads, top = sorted(self._loads), self.top
        pooled: list[float] = []
        used = 0  # the loads pooled
        for load in loads:
            if len(pooled) >= count or load > top:
                break
            pooled.extend(self._loads[load])  # all of a load: its latest few could be its luckiest
            used += 1
        base, made_of = statistics.median(pooled), len(pooled)
        for load in loads[used:]:  # the higher ones
            kept = self._loads[load]
            if len(kept) >= count:
                latest = list(itertools.islice(reversed(kept), count))
                bound = statistics.median(latest) * math.exp(error / math.sqrt(count))
                if bound < base:
                    base, made_of = bound, count
        return base, made_of

    @property
    def top(self) -> int:
        """The highest load the base pools latencies at: ``_POOLED_LOADS`` times the lowest seen."""
        return _POOLED_LOADS * min(self._loads)

    def pooled(self) -> tuple[int, int]:
        """:attr:`top`, and how many latencies the base holds up to that load."""
        top = self.top
        return top, sum(len(kept) for load, kept in self._loads.items() if load <= top)

    def scale(self, factor: float) -> None:
        """The server's own latency moved by ``factor``: every load's latencies with it."""
        for load, kept in self._loads.items():
            self._loads[load] = collections.deque((x * factor for x in kept), maxlen=_KEPT_PER_LOAD)


class ConcurrencyController:
    """How many requests may be in flight, from the outcomes of those completed; see the module docstring.

    ``record(latency, outcome, in_flight, now, kind)`` takes one completed attempt: its latency (seconds from
    send to the full response), its :class:`Outcome`, the most requests in flight it met from its send to its
    answer (itself included), the current time (any monotonic clock, the same as the latency's) and its kind
    (any hashable: attempts of one kind share a base latency); it returns the limit.
    """

    def __init__(self, minimum: int, maximum: int, start: int, tuning: Tuning | None = None) -> None:
        self.minimum, self.start, self.maximum = check_concurrency_bounds(minimum, start, maximum)
        self.tuning = tuning or Tuning()
        self._limit = self.start
        #: Why the limit last changed (for the log).
        self.why = "the start"
        self._slow_start = True
        #: When the limit last changed: only attempts sent since then measure it.
        self._epoch = -math.inf
        #: When the limit was last cut: overloads of attempts sent before it are the same episode.
        self._cut_at = -math.inf
        #: The attempts measured at the current limit: (kind, latency, requests in flight).
        self._samples: list[tuple[Hashable, float, int]] = []
        self._used = False
        #: The median latency of the last decision: how long the server takes now.
        self._round_trip = 0.0
        #: The base latency of each kind.
        self._bases: dict[Hashable, _BaseLatency] = {}
        #: The latest deviations of attempts (log latency over base) from their decision's mean.
        self._spreads: collections.deque[float] = collections.deque(maxlen=_KEPT_SPREADS)
        #: How many attempts a decision and a base take, for the jitter measured so far (two at first: one
        #: says nothing of the jitter).
        self._needed = 2
        #: The scatter of the latencies: a robust standard deviation of their logarithms.
        self._sigma = 0.0
        #: The standard error of the last decision's log latency ratio (from the jitter).
        self._error = 0.0
        #: After overloads (429s, 503s, timeouts), the limit of the first cut: while latency is flat the
        #: limit doubles back to it rather than climb +1 per round trip from where a storm left it.
        self._regain: int | None = None
        self._regained = False  # the limit doubled back towards _regain since the last cut
        #: A level the server shed load at twice, each time in one cut after which the level below it was
        #: fine (a cap of its own on requests in flight, a rate limit): the limit grows up to below it, and
        #: to it only ``_hold`` seconds after ``_shed_at`` (each such 429 pauses the whole client for its
        #: ``Retry-After``). Not a storm's levels (it sheds load at every level) nor a random 503's.
        self._ceiling: int | None = None
        self._shed_at = -math.inf
        self._hold = _CEILING_HOLD
        #: The level the latest storm began at, while it may prove to be one cut (a calm decision follows).
        self._shedding: int | None = None
        #: When the limit last rose.
        self._raised_at = -math.inf
        #: The level the latest one-cut storm began at: shed at about it again, it is a ceiling.
        self._candidate: int | None = None
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

    @property
    def samples_per_decision(self) -> int:
        """How many attempts the next decision takes at least (more on a server whose latency scatters)."""
        return self._needed

    def baseline(self, kind: Hashable = None) -> float | None:
        """The base latency attempts of ``kind`` are measured against (``None`` before any of them)."""
        return None if kind not in self._bases else self._base(kind, self._needed, self._sigma)[0]

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
                cut = math.floor(self._limit * self.tuning.backoff)
                # The first cut of a storm: where to double back to after it (shed again at a level doubled
                # back to, a new storm). A second cut in a storm: it sheds load below its first level too.
                # Only a level the limit had just reached tells of a cap: a 503 long after is chance.
                fresh = now - self._raised_at <= _FRESH_ROUND_TRIPS * max(self._round_trip, latency)
                if self._regain is None or self._regained:
                    self._regain, self._regained = cut, False
                    self._shedding = self._limit if fresh else None
                else:
                    self._shedding = None
                self._set(cut, now, "the server shed load or an attempt timed out", cut=True)
            return self._limit
        if outcome is not Outcome.OK or sent < self._epoch or latency == 0:
            return self._limit
        self._samples.append((kind, latency, in_flight))
        self._base_of(kind).add(latency, in_flight)
        self._used = self._used or in_flight >= self._limit
        if len(self._samples) >= max(self._limit, self._needed):
            self._decide(now)
        return self._limit

    def _measure(self) -> float | None:
        """The latency ratio of the attempts measured (the median of each over its base), or ``None`` while
        the jitter they show asks for more of them."""
        n, sigma, needed = len(self._samples), self._sigma, self._needed
        deviations = list(self._deviations())
        if deviations:
            spreads = [*self._spreads, *deviations]
            # sigma of the log latencies, inflated while few deviations are known (two alike latencies
            # say little of the next ones); a decision's median and its base's each err by
            # MEDIAN_ERROR * sigma / sqrt(n): n so that `confidence` of those errors fit in log(tolerance).
            sigma = _MAD_TO_SIGMA * statistics.median(spreads) * (1 + 1 / math.sqrt(len(spreads)))
            margin = math.log(self.tuning.tolerance) / self.tuning.confidence
            needed = min(_MAX_DECISION_SAMPLES, max(1, math.ceil(2 * (_MEDIAN_ERROR * sigma / margin) ** 2)))
        ratio, made_of = self._ratio(needed, sigma)
        ready = n >= needed
        if self._slow_start and n < _MAX_DECISION_SAMPLES:
            pools = {kind: self._bases[kind].pooled() for kind, _, _ in self._samples}
            leaving = any(2 * self._limit > top for top, _ in pools.values())
            first_base = sum(held for _, held in pools.values())  # a rare kind's alone would hold slow start
            if leaving and first_base < max(_FIRST_BASE, needed * _EARLY_DOUBLING):
                return None  # the next doubling would leave the loads of a base too short to measure by
            # Attempts that all met the lowest load of their kind are their base: nothing to wait for.
            ready = ready or all(load * _POOLED_LOADS <= pools[kind][0] for kind, _, load in self._samples)
        doubling = self._slow_start and ratio <= self.tuning.slow_start_exit
        if not ready and not (doubling and n >= needed * _EARLY_DOUBLING):
            return None
        self._spreads.extend(deviations)
        self._sigma, self._needed = sigma, needed
        self._error = _MEDIAN_ERROR * sigma * math.sqrt(1 / n + 1 / made_of)
        return ratio

    def _ratio(self, count: int, sigma: float) -> tuple[float, int]:
        """The median over the attempts measured of latency / the base of its kind (each a median of
        ``count`` latencies), and the fewest latencies a base is the median of."""
        samples = self._samples
        bases = {kind: self._base(kind, count, sigma) for kind in {kind for kind, _, _ in samples}}
        ratio = statistics.median(latency / bases[kind][0] for kind, latency, _ in samples)
        return ratio, min(made_of for _, made_of in bases.values())

    def _base(self, kind: Hashable, count: int, sigma: float) -> tuple[float, int]:
        """The base latency of ``kind`` as a median of ``count``, and how many it is the median of; a higher
        load lowers it only beyond ``confidence`` standard errors of one latency (from ``sigma``)."""
        return self._bases[kind].estimate(count, self.tuning.confidence * _MEDIAN_ERROR * sigma)

    def _deviations(self) -> Iterator[float]:
        """How far each attempt's log latency is from the mean of those of its kind in this decision (only
        like attempts at one load say how much the server's answers scatter), scaled up to the distance
        from the true mean (a sample mean sits closer to its own samples)."""
        by_kind: dict[Hashable, list[float]] = {}
        for kind, latency, _ in self._samples:
            by_kind.setdefault(kind, []).append(math.log(latency))
        for logs in by_kind.values():
            if (n := len(logs)) > 1:
                mean, scale = statistics.fmean(logs), math.sqrt(n / (n - 1))
                yield from (abs(x - mean) * scale for x in logs)

    def _base_of(self, kind: Hashable) -> _BaseLatency:
        base = self._bases.get(kind)
        if base is None:
            base = self._bases[kind] = _BaseLatency()
        return base

    def _decide(self, now: float) -> None:
        """One decision on the attempts sent at the current limit."""
        tuning = self.tuning
        ratio = self._measure()
        if ratio is None:
            return
        self._round_trip = statistics.median(latency for _, latency, _ in self._samples)
        if self._shedding is not None:  # the storm was one cut: the level below its first is fine
            self._remember_shedding(self._shedding, now)
            self._shedding = None
        used = self._used
        self._samples = []
        self._used = False
        pending, self._pending_cut = self._pending_cut, None
        if self._regain is not None and (ratio > tuning.tolerance or self._limit >= self._regain):
            self._regain = None  # regained, or latency says the capacity is lower now
        if ratio > tuning.tolerance:
            self._slow_start = False
            before, strikes = self._limit, 0
            if pending is not None and ratio >= 0.9 * pending[1]:  # the last cut did not lower latency
                before, strikes = pending[0], pending[2] + 1
                if strikes == 2:  # twice: the base latency moved. Undo the cuts, measure from here.
                    for base in self._bases.values():
                        base.scale(ratio)
                    self._set(before, now, f"latency stayed {ratio:.1f}x the base as the load fell: it moved")
                    return
            target = math.floor(self._limit * max(0.5, tuning.headroom / ratio))
            if target < self._limit:
                self._pending_cut = (before, ratio, strikes)
            self._set(target, now, f"latency {ratio:.1f}x the base", cut=True)
        elif not used:
            return
        elif self._regain is not None and ratio <= tuning.slow_start_exit:
            why = f"latency {ratio:.2f}x the base after overload"
            self._set(min(self._limit * 2, self._regain), now, why)
            self._regained = True
        elif self._slow_start and ratio <= tuning.slow_start_exit:
            self._set(self._limit * 2, now, f"latency {ratio:.2f}x the base: slow start")
        elif self._slow_start and ratio <= tuning.slow_start_exit * math.exp(self._error * tuning.confidence):
            return
        else:
            self._slow_start = False
            # Not past tolerance by the jitter's error, or at the base latency if the jitter is too wide
            # for that: then only a clear excess of latency (above) or the server's 429s say stop.
            if ratio <= max(1.0, tuning.tolerance * math.exp(-self._error * tuning.confidence)):
                self._grow(now, f"latency {ratio:.2f}x the base")

    def _remember_shedding(self, level: int, now: float) -> None:
        """The server shed load at ``level`` in one cut: at a ceiling tried again, the hold doubles; at
        about the level of the one-cut storm before, that level is a ceiling."""
        ceiling = self._ceiling
        if ceiling is not None and level >= ceiling:
            self._hold, self._shed_at = min(_CEILING_HOLD_MAX, 2 * self._hold), now
        elif self._candidate is not None and abs(level - self._candidate) <= 1:
            self._ceiling, self._shed_at, self._hold = min(level, self._candidate), now, _CEILING_HOLD
        self._candidate = level

    def _grow(self, now: float, why: str) -> None:
        """One more, unless that reaches a ceiling less than the hold ago; past a ceiling, it is gone."""
        ceiling = self._ceiling
        if ceiling is not None and self._limit + 1 >= ceiling:
            if now - self._shed_at < self._hold:
                return
            if self._limit + 1 > ceiling:  # it was tried and held: the server takes more now
                self._ceiling = None
        self._set(self._limit + 1, now, why)

    def _set(self, limit: int, now: float, why: str, *, cut: bool = False) -> None:
        limit = min(self.maximum, max(self.minimum, limit))
        if limit > self._limit:
            self._raised_at = now
        self._limit = limit
        self.why = why
        self._epoch = now
        self._samples.clear()
        self._used = False
        if cut:
            self._cut_at = now
            # The server still serves what was sent above the new limit for one (slow) round trip: attempts
            # sent meanwhile share it with them and do not yet show the lower load.
            self._epoch = now + self._round_trip
