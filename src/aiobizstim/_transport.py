"""The one place that sends HTTP requests: auth header, timeout, concurrency cap, rate limit, retries,
logging.

:meth:`Transport.request` is a short retry loop over named steps: :meth:`~Transport._attempt` sends one
attempt (following same-origin redirects) and hands the response to the sans-I/O
:func:`~aiobizstim._envelope.read_response`; :meth:`~Transport._should_retry` and :func:`retry_delay` decide
whether and when to try again. Only GET is retried: on a connection error, a timeout, a body that is not
JSON at all (cut short or garbled in transfer; a well-formed envelope with bad records is *not* retried: that
is deterministic) and on HTTP 408/429/500/502/503/504 (:data:`RETRYABLE_STATUSES`). Writes (PUT/POST) are
sent exactly once, by the client and by aiohttp (:class:`_SentOnce`): the API has no idempotency keys, so
after a failure we cannot know whether the server applied the write.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import time
import warnings
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple, TypeVar

import aiohttp
import msgspec
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_exceptions import ContentEncodingError, HttpProcessingError
from yarl import URL

from aiobizstim._backoff import RetryPolicy, client_pause, retry_delay
from aiobizstim._config import AutoConcurrency, ClientConfig, RequestOptions, proxy_from_env
from aiobizstim._constants import (
    CONCURRENCY_LOG_INTERVAL,
    CONCURRENCY_LOG_MIN_GAP,
    CONCURRENCY_LOG_MIN_STEP,
    ERROR_BODY_LIMIT,
    MAX_REDIRECTS,
    RETRYABLE_STATUSES,
)
from aiobizstim._envelope import Response, is_failure_envelope, read_response
from aiobizstim._gate import GatePausedError, SlotGate
from aiobizstim._log import logger
from aiobizstim._stats import ClientStats, RetryEvent

if TYPE_CHECKING:
    from aiobizstim._adaptive import Outcome
from aiobizstim.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BizstimError,
    ClientClosedError,
    DecodeError,
    EventLoopError,
    ResponseTooLargeError,
    ServerError,
    excerpt,
)

__all__ = ["Transport"]

T = TypeVar("T")


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _Request(NamedTuple):
    """What every attempt of one request sends, and how it is named: resolved once by
    :meth:`Transport.request`; a redirect changes only ``url``."""

    method: str
    url: URL
    data: bytes | None
    #: Seconds for one attempt, every redirect hop included (and the wait for a slot and the rate limit if
    #: ``queue_timed``).
    timeout: float
    #: Whether the wait for a slot and the rate limit counts against ``timeout`` (RequestOptions.queue_timed).
    queue_timed: bool
    #: ``METHOD /path?query`` as first asked, for logs and errors (never the API key).
    label: str
    #: What is asked for (an endpoint, a page size), for the adaptive limit's per-kind base latency.
    kind: Hashable


class _AttemptClock:
    """When one attempt must be done by (loop time): its ``timeout`` from its start, moved on by the waits
    that are not its time."""

    __slots__ = ("_loop", "deadline")

    def __init__(self, timeout: float) -> None:
        self._loop = asyncio.get_running_loop()
        self.deadline = self._loop.time() + timeout

    def now(self) -> float:
        return self._loop.time()

    def exclude(self, since: float) -> None:
        """Do not count the time from ``since`` (:meth:`now`) until now."""
        self.deadline += self._loop.time() - since


class _RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart, measured from when each one really started.

    Callers queue on a lock and the next start time is set from the loop clock after the wait, so a loop
    that stalls (a consumer busy with a page) cannot turn the waiting requests into a burst.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next = loop.time() + self._interval


class _Sends:
    """How many times aiohttp sent one attempt's request: it re-sends an idempotent request once, silently,
    when the connection drops before the response (``ClientSession``'s built-in connection retry)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class _SentOnce(aiohttp.BytesPayload):
    """A write's body, which aiohttp may send only once. Its connection retry re-sends a PUT whose connection
    dropped before the answer (HTTP calls PUT idempotent), but Bizstim's PUTs create records: a body that
    has started to go out counts as consumed, and aiohttp then raises instead of re-sending it."""

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        self._consumed = True
        await super().write_with_length(writer, content_length)


class _Load:
    """The most requests in flight one attempt met, from its send to its answer (itself included)."""

    __slots__ = ("most",)

    def __init__(self, most: int) -> None:
        self.most = most


class _AdaptiveLimit:
    """The I/O side of ``max_concurrency="auto"``: feeds each completed attempt to the sans-I/O
    :class:`ConcurrencyController`, resizes the :class:`SlotGate` to its answer, pauses the gate for the
    ``Retry-After`` of a 429 or 503 (:func:`client_pause`), keeps ``stats`` and logs the changes that matter
    (INFO: a limit doubled or halved since the last line, at least ``CONCURRENCY_LOG_MIN_GAP`` seconds after
    it, else at most one line per ``CONCURRENCY_LOG_INTERVAL`` seconds, with the range since)."""

    def __init__(self, auto: AutoConcurrency, stats: ClientStats) -> None:
        # Imported here: a client with a fixed limit never needs the controller (nor ``statistics``), and
        # the CLI's start-up is shorter without them.
        from aiobizstim._adaptive import ConcurrencyController, outcome_of

        self.outcome_of = outcome_of
        first = auto.first_limit
        self.controller = ConcurrencyController(auto.minimum, auto.maximum, first)
        self.gate = SlotGate(first)
        self._stats = stats
        stats.concurrency_bounds = (auto.minimum, auto.maximum)
        stats.concurrency_limit = stats.concurrency_low = stats.concurrency_high = first
        self._logged = first
        self._logged_at = time.perf_counter()
        self._since = (first, first)  # the range since the last line
        self._lines = 0
        self._loads: set[_Load] = set()  # of the attempts in flight
        self._why = ""

    def sent(self, in_flight: int) -> _Load:
        """Start following the load of one attempt, sent with ``in_flight`` requests in flight (itself
        included): each attempt still in flight now met that many too."""
        for load in self._loads:
            if load.most < in_flight:
                load.most = in_flight
        load = _Load(in_flight)
        self._loads.add(load)
        return load

    def finished(self, load: _Load) -> int:
        """Stop following ``load`` (its attempt is answered or failed); return the most requests in flight
        it met. An attempt sent alone can still share the server with many sent after it: measured at 1,
        its loaded latency would pass for the base latency."""
        self._loads.discard(load)
        return load.most

    def record(self, latency: float, outcome: Outcome, in_flight: int, kind: Hashable) -> None:
        """Take one completed attempt of ``kind`` into account (``in_flight``: the most it met)."""
        now = time.perf_counter()
        limit = self.controller.record(latency, outcome, in_flight, now, kind)
        stats = self._stats
        if limit != self.gate.limit:
            if limit < self.gate.limit:
                cut_to = stats.concurrency_cut_to
                stats.concurrency_cut_to = limit if cut_to is None else min(cut_to, limit)
            self.gate.limit = limit
            self._why = self.controller.why  # what the log says of the latest change
            stats.concurrency_limit = limit
            stats.concurrency_low = min(stats.concurrency_low, limit)
            stats.concurrency_high = max(stats.concurrency_high, limit)
            self._since = (min(self._since[0], limit), max(self._since[1], limit))
        logged = self._logged
        if limit == logged:  # nothing the log has not said (a change held back by the gap is said later)
            return
        low, high = self._since
        moved = abs(limit - logged) >= CONCURRENCY_LOG_MIN_STEP
        doubled = moved and (limit >= 2 * logged or 2 * limit <= logged)
        ago = now - self._logged_at
        # A doubling or halving at most once per gap (the first at once: where slow start is heading).
        gap = (CONCURRENCY_LOG_MIN_GAP if self._lines else 0.0) if doubled else CONCURRENCY_LOG_INTERVAL
        if ago < gap:
            return
        self._lines += 1
        self._logged, self._logged_at, self._since = limit, now, (limit, limit)
        logger.info(
            "concurrency limit %d -> %d (auto, bounds %d..%d; %d..%d over the last %.1f s; %s)",
            logged,
            limit,
            *stats.concurrency_bounds,
            low,
            high,
            ago,
            self._why,
            extra={"concurrency": limit},
        )

    def pause(self, response: Response, policy: RetryPolicy) -> None:
        """Hold every new request of the client for as long as ``response`` asks (:func:`client_pause`)."""
        delay = client_pause(response.status, response.headers, policy)
        if delay is not None:
            self.gate.pause_until(asyncio.get_running_loop().time() + delay)


class _Pool:
    """What a client and its :meth:`~aiobizstim.Bizstim.with_options` copies share: the session (its
    connection pool), the event loop it belongs to, the concurrency cap (a semaphore, or the gate of an
    adaptive limit), the rate limiter and the counters."""

    def __init__(self, config: ClientConfig, session: aiohttp.ClientSession | None) -> None:
        self.session = session
        self.owns_session = session is None
        if session is not None:
            _check_connector(session, config)
        self.stats = ClientStats()
        auto = config.auto_concurrency
        self.adaptive = None if auto is None else _AdaptiveLimit(auto, self.stats)
        self.semaphore: asyncio.Semaphore | SlotGate
        if self.adaptive is not None:
            self.semaphore = self.adaptive.gate
        else:
            self.semaphore = asyncio.Semaphore(config.max_concurrency)
            limit = config.max_concurrency
            self.stats.concurrency_limit = self.stats.concurrency_low = self.stats.concurrency_high = limit
            self.stats.concurrency_bounds = (limit, limit)
        self.limiter = _RateLimiter(config.rate_limit) if config.rate_limit else None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        #: Set by ``aclose()``: wakes the requests waiting to retry, so that they fail at once.
        self.closing = asyncio.Event()
        #: The server has answered once (any status): a connection it refuses now is a restart, not a wrong
        #: address (``RetryPolicy.first_contact_wait``).
        self.answered = False
        # Requests in flight now and at most, for tests and benchmarks.
        self.in_flight = 0
        self.max_in_flight = 0


class Transport:
    """Sends requests for one client; owns the session it creates, never an injected one. Copies made by
    :meth:`with_config` share its :class:`_Pool` and never close it."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        policy: RetryPolicy | None = None,
        pool: _Pool | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or RetryPolicy()
        self._pool = pool if pool is not None else _Pool(config, session)
        self._is_copy = pool is not None
        self._closed = False
        self._proxy, self._proxy_authorization = _route(config)
        limit = config.auto_concurrency or config.max_concurrency
        self._slot_wait = f"for a free request slot (max_concurrency={limit})"
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests swap it to observe delays

    def with_config(self, config: ClientConfig, policy: RetryPolicy) -> Transport:
        """A transport with other per-call settings over the same pool, cap, rate limit and counters."""
        return Transport(config, policy=policy, pool=self._pool)

    @property
    def stats(self) -> ClientStats:
        """Counters of the traffic through this client's pool."""
        return self._pool.stats

    @property
    def in_flight(self) -> int:
        """Requests in flight now, through this client's pool."""
        return self._pool.in_flight

    @property
    def max_in_flight(self) -> int:
        """Requests in flight at most so far."""
        return self._pool.max_in_flight

    def concurrency_limit(self) -> int:
        """Requests that may be in flight now: ``max_concurrency``, or where ``"auto"`` has taken it."""
        adaptive = self._pool.adaptive
        return self.config.max_concurrency if adaptive is None else adaptive.gate.limit

    @property
    def adaptive(self) -> bool:
        """Whether the concurrency limit adapts to the server (``max_concurrency="auto"``)."""
        return self._pool.adaptive is not None

    @property
    def _session(self) -> aiohttp.ClientSession | None:
        return self._pool.session

    @property
    def _semaphore(self) -> asyncio.Semaphore | SlotGate:
        return self._pool.semaphore

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran (on this client, or on the client it was copied from)."""
        return self._closed or self._pool.closed

    def _require_open(self, request: str | None = None) -> None:
        if self._closed:
            raise ClientClosedError("this Bizstim client is closed; create a new one", request=request)
        if self._pool.closed:
            raise ClientClosedError(
                "the Bizstim client this one was copied from is closed; create a new one", request=request
            )

    def _check_loop(self) -> None:
        """The client's connections, limits and locks belong to the event loop it first ran in."""
        pool = self._pool
        loop = asyncio.get_running_loop()
        if pool.loop is None:
            pool.loop = loop
        elif loop is not pool.loop:
            gone = "which has since been closed" if pool.loop.is_closed() else "which is still running"
            raise EventLoopError(
                f"this Bizstim client was first used in another event loop, {gone}: create one client per "
                "event loop (for example inside the coroutine you pass to asyncio.run())"
            )

    def _get_session(self) -> aiohttp.ClientSession:
        self._require_open()
        self._check_loop()
        pool = self._pool
        if pool.session is None:
            # Created lazily, inside the running loop of the first request, never at construction time.
            pool.session = aiohttp.ClientSession(
                # aiohttp's own cap (100 connections by default) would queue requests our cap lets through.
                connector=aiohttp.TCPConnector(limit=self.config.max_concurrency),
                timeout=aiohttp.ClientTimeout(total=self.config.timeout),
                raise_for_status=False,
                trust_env=False,  # the environment's proxy is read once, in __init__: no per-request lookups
                trace_configs=[_resend_counter(pool.stats)],
            )
        elif pool.session.closed:
            raise ClientClosedError("the aiohttp session given to Bizstim(session=...) is closed")
        return pool.session

    async def aclose(self) -> None:
        """Close the session we created (an injected one is left open). Safe to call twice. A copy only
        closes itself: the pool stays with the client it was copied from.

        Called from another event loop than the client ran in: :class:`EventLoopError` while that loop
        runs (its connections are its own); once it is closed, the client closes what it can, and then
        raises :class:`EventLoopError` if connections were open (their sockets stay open until garbage
        collection: they can only be closed by the loop they belong to)."""
        if self._closed:
            return
        pool = self._pool
        stranded = self._stranded_connections()
        self._closed = True
        if self._is_copy or pool.closed:
            return
        pool.closed = True
        pool.closing.set()
        if pool.adaptive is not None:
            pool.adaptive.gate.resume_now()  # requests held by a Retry-After pause fail now, not at its end
        session, pool.session = pool.session, None
        if session is not None and pool.owns_session and not session.closed:
            await session.close()
        if stranded:
            raise EventLoopError(
                f"this Bizstim client ran in another event loop, which has since been closed: its {stranded} "
                "open connection(s) could not be closed from this one and stay open until garbage "
                "collection; close the client in the loop it ran in (`async with Bizstim(...) as bz:` "
                "inside the coroutine you pass to asyncio.run())"
            )

    def _stranded_connections(self) -> int:
        """Before closing from another event loop than the client ran in: the connections open there, which
        cannot be closed from here; :class:`EventLoopError` while that loop still runs. 0 otherwise."""
        pool = self._pool
        if self._is_copy or pool.closed or pool.session is None or not pool.owns_session:
            return 0
        if pool.loop is None or pool.loop is asyncio.get_running_loop():
            return 0
        if not pool.loop.is_closed():
            raise EventLoopError(
                "this Bizstim client runs in another event loop, which is still running: close it there "
                "(its connections are that loop's), e.g. asyncio.run_coroutine_threadsafe(bz.aclose(), loop)"
            )
        return _open_connections(pool.session)

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        # Our own warning for a client that was never closed, in place of aiohttp's "Unclosed client
        # session" / "Unclosed connector" pair, which names neither Bizstim nor the way to close it.
        pool: _Pool | None = getattr(self, "_pool", None)
        if pool is None or self._is_copy or pool.closed or not pool.owns_session:
            return
        session, pool.session = pool.session, None
        if session is None or session.closed:
            return
        _warn(
            "a Bizstim client was not closed: use `async with Bizstim(...) as bz:` or `await bz.aclose()`",
            ResourceWarning,
            source=self,
        )
        connector = session.connector
        session.detach()
        if connector is not None:
            with contextlib.suppress(Exception):  # its loop may be gone: close the sockets as we can
                connector._close(abort_ssl=True)

    def url(self, path: str) -> URL:
        """The absolute URL of an already percent-encoded ``path`` under the base URL."""
        base = self.config.base_url
        return base.with_path(base.raw_path.rstrip("/") + path, encoded=True)

    async def request(
        self,
        method: str,
        path: str,
        decode: Callable[[bytes, str], T],
        *,
        options: RequestOptions,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        kind: Hashable = None,
    ) -> T:
        """Send ``method path`` and return ``decode(body, label)`` of the 2xx response, retrying a GET on
        transient faults up to ``options.max_retries`` times. ``kind`` names what is asked for (an endpoint,
        a page size): an adaptive limit compares each request's latency with the base latency of its kind.

        ``path`` is already percent-encoded. Raises the typed :mod:`aiobizstim.errors` error of the last
        attempt.
        """
        self._require_open()
        url = self.url(path)
        if params:
            url = url.with_query(params)
        label = f"{method} {url.raw_path_qs}"
        data = msgspec.json.encode(json) if json is not None else None
        sent = _Request(method, url, data, options.timeout, options.queue_timed, label, kind)
        budget = options.max_retries if method in _IDEMPOTENT else 0
        attempt, first = 0, time.monotonic()
        try:
            while True:
                attempt += 1
                try:
                    body = await self._attempt(sent, attempt)
                    return decode(body, label)
                except BizstimError as error:
                    self.redact(error)
                    delay = retry_delay(attempt - 1, getattr(error, "retry_after", None), self.policy)
                    if not self._should_retry(error, attempt, budget, time.monotonic() - first + delay):
                        raise
                    self._require_open(label)  # closed while the attempt ran (its error may be the closing)
                    self.note_retry(error, label, attempt, budget, delay)
                    await self._rest(delay)
                    self._require_open(label)  # closed while it waited: no further attempt
        except BizstimError:
            self.stats.errors += 1
            raise

    def redact(self, error: BaseException) -> None:
        """Remove the API key (as sent) from ``error`` and the errors it was raised from, in place: their
        messages, body and value excerpts. A server that echoes request headers cannot leak it."""
        secret = self.config.api_key
        current: BaseException | None = error
        while current is not None:
            current.args = tuple(secret.redact(a) if isinstance(a, str) else a for a in current.args)
            for name in ("message", "body", "excerpt"):
                value = getattr(current, name, None)
                if isinstance(value, str):
                    setattr(current, name, secret.redact(value))
            current = current.__cause__

    def _should_retry(self, error: BizstimError, attempt: int, budget: int, next_at: float) -> bool:
        """Whether a failed attempt is worth another: budget left, and a fault that may pass (``next_at``:
        when the next attempt would start, in seconds from the first)."""
        if attempt > budget:
            return False
        if isinstance(error, APIConnectionError):
            if _untrusted_certificate(error):
                return False
            wait = self.policy.first_contact_wait
            return not (_nothing_there(error) and not self._pool.answered and next_at > wait)
        if isinstance(error, DecodeError):
            return error.unreadable
        if isinstance(error, APIStatusError):
            return error.status in RETRYABLE_STATUSES and (
                error.retry_after is None or error.retry_after <= self.policy.max_retry_after
            )
        return False

    def note_retry(self, error: BizstimError, label: str, attempt: int, budget: int, delay: float) -> None:
        """Count and log (WARNING) the retry of ``label`` after ``attempt`` failed with ``error``."""
        self.stats.retries += 1
        reason = _reason(error)
        logger.warning(
            "retrying %s in %.2f s (attempt %d of %d failed: %s)",
            label,
            delay,
            attempt,
            budget + 1,
            reason,
            extra={"retry": RetryEvent(label, delay, attempt, budget + 1, reason)},
        )

    async def _rest(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or until the client is closed."""
        closing = self._pool.closing
        if closing.is_set():
            return
        sleep, closed = asyncio.ensure_future(self._sleep(delay)), asyncio.ensure_future(closing.wait())
        try:
            await asyncio.wait((sleep, closed), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleep.cancel()
            closed.cancel()
            await asyncio.wait((sleep, closed))  # gone before this returns or raises: nothing left behind

    async def _attempt(self, sent: _Request, attempt: int) -> bytes:
        """One attempt: send, follow same-origin redirects, and read the response (sans-I/O). The attempt's
        ``timeout`` covers the whole redirect chain, not each hop."""
        clock = _AttemptClock(sent.timeout)
        response = await self._send(sent, attempt, clock)
        redirects = 0
        while response.status in _REDIRECTS and "Location" in response.headers and redirects < MAX_REDIRECTS:
            sent = sent._replace(url=_redirect_target(sent, response.headers["Location"], response.status))
            redirects += 1
            response = await self._send(sent, attempt, clock)
        return read_response(
            response, request=sent.label, attempts=attempt, max_retry_after=self.policy.max_retry_after
        )

    async def _send(self, sent: _Request, attempt: int, clock: _AttemptClock) -> Response:
        """Send one request under the concurrency cap and the rate limit by the attempt's deadline. The
        ``Retry-After`` pause of an adaptive limit holds the whole client, and is not the request's time: a
        request not yet on the wire when one begins gives its slot back, waits it out untimed, and starts
        again (the time it had queued not counted either)."""
        session, pool = self._get_session(), self._pool
        while True:
            if pool.adaptive is not None and pool.adaptive.gate.paused:
                paused_at = clock.now()
                await pool.adaptive.gate.wait_open()
                clock.exclude(paused_at)
            queued_at = clock.now()
            try:
                return await self._send_once(session, sent, attempt, clock)
            except GatePausedError:
                clock.exclude(queued_at)

    async def _send_once(
        self, session: aiohttp.ClientSession, sent: _Request, attempt: int, clock: _AttemptClock
    ) -> Response:
        """:meth:`_send` between two pauses; a transfer fault becomes :class:`APIConnectionError` /
        :class:`APITimeoutError`, chained to aiohttp's error unless that holds the request headers."""
        pool = self._pool
        adaptive = pool.adaptive
        waiting = self._slot_wait
        started, in_flight = 0.0, 0
        queued_at = clock.now()
        try:
            async with (
                asyncio.timeout_at(clock.deadline if sent.queue_timed else None) as scope,
                pool.semaphore,
            ):
                if pool.limiter is not None:
                    waiting = "for the rate limit"
                    await pool.limiter.wait()
                    if adaptive is not None and adaptive.gate.paused:
                        raise GatePausedError  # began while this waited for its turn: the slot goes back
                waiting = ""
                if not sent.queue_timed:  # timed from its turn on (RequestOptions.queue_timed)
                    clock.exclude(queued_at)
                    scope.reschedule(clock.deadline)
                self._require_open(sent.label)
                pool.in_flight = in_flight = pool.in_flight + 1
                pool.max_in_flight = max(pool.max_in_flight, in_flight)
                pool.stats.requests += 1
                load = None if adaptive is None else adaptive.sent(in_flight)
                started = time.perf_counter()
                try:
                    response = await self._exchange(session, sent)
                    pool.answered = True
                finally:
                    pool.in_flight -= 1
                    if adaptive is not None and load is not None:
                        in_flight = adaptive.finished(load)  # the most it met, not just when sent
                if adaptive is not None:  # before the slot is given back, so a Retry-After holds the next too
                    latency = time.perf_counter() - started
                    refused = 200 <= response.status < 300 and is_failure_envelope(response.body)
                    outcome = adaptive.outcome_of(response.status, refused=refused)
                    adaptive.record(latency, outcome, in_flight, sent.kind)
                    adaptive.pause(response, self.policy)
        except (TimeoutError, aiohttp.ClientError) as exc:
            if adaptive is not None and not waiting:
                timed_out = isinstance(exc, TimeoutError)
                outcome = adaptive.outcome_of(None, timed_out=timed_out)
                adaptive.record(time.perf_counter() - started, outcome, in_flight, sent.kind)
            failure, cause = _transfer_fault(exc, sent.timeout, waiting, sent.label, attempt)
        else:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s -> %d in %.1f ms (attempt %d)",
                    sent.label,
                    response.status,
                    (time.perf_counter() - started) * 1e3,
                    attempt,
                )
            return response
        raise failure from cause  # outside the except blocks, so no implicit __context__ either

    async def _exchange(self, session: aiohttp.ClientSession, sent: _Request) -> Response:
        """The HTTP exchange itself: the request, then the body (a 2xx one up to ``max_response_bytes``)."""
        headers = {
            "x-api-key": self.config.api_key.reveal(),
            "User-Agent": self.config.user_agent,
            "Accept": "application/json",
        }
        if sent.data is not None:
            headers["Content-Type"] = "application/json"
        proxy_headers = None
        if self._proxy_authorization is not None:  # to the proxy: on its CONNECT (https), else on the request
            if sent.url.scheme == "https":
                proxy_headers = {"Proxy-Authorization": self._proxy_authorization}
            else:
                headers["Proxy-Authorization"] = self._proxy_authorization
        async with session.request(
            sent.method,
            sent.url,
            data=sent.data if sent.method in _IDEMPOTENT or sent.data is None else _SentOnce(sent.data),
            headers=headers,
            # A per-request timeout replaces the whole session ClientTimeout: always pass a full one (the
            # attempt's own deadline in _send_once, which binds first).
            timeout=aiohttp.ClientTimeout(total=sent.timeout),
            allow_redirects=False,  # followed by _attempt(), same origin only
            raise_for_status=False,  # an injected session's own setting would hide the status
            proxy=self._proxy,
            proxy_headers=proxy_headers,
            ssl=self.config.ssl_context if self.config.ssl_context is not None else True,
            trace_request_ctx=_Sends() if self._pool.owns_session else None,
        ) as resp:
            if 200 <= resp.status < 300:
                body = await self._read_capped(resp, sent.label)
            else:
                body = await _read_head(resp.content, ERROR_BODY_LIMIT)
            return Response(resp.status, resp.reason or "", resp.headers, body)

    async def _read_capped(self, resp: aiohttp.ClientResponse, label: str) -> bytes:
        """The body, read as it arrives (decompressed, as aiohttp hands it over) and never past the limit."""
        limit = self.config.max_response_bytes
        declared = resp.content_length
        if declared is not None and declared > limit and not resp.headers.get("Content-Encoding"):
            raise _too_large(f"its Content-Length is {declared:,} bytes", limit, label)
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise _too_large("it grew past that while being read", limit, label)
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _read_head(content: aiohttp.StreamReader, limit: int) -> bytes:
    """The body's first ``limit`` bytes, or all of a shorter one: however the network split it (one
    ``read(limit)`` returns only what has arrived)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := await content.read(limit - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _open_connections(session: aiohttp.ClientSession) -> int:
    """The connections ``session``'s connector holds, idle or in use (none known for a foreign connector)."""
    connector = session.connector
    idle = getattr(connector, "_conns", {})
    in_use = getattr(connector, "_acquired", ())
    return sum(len(conns) for conns in idle.values()) + len(in_use)


def _check_connector(session: aiohttp.ClientSession, config: ClientConfig) -> None:
    """Warn when an injected session's connector holds fewer connections than ``max_concurrency`` lets
    requests be in flight: the rest would queue inside aiohttp, unseen (an adaptive limit reads that as
    server latency)."""
    limit = session.connector.limit if session.connector is not None else 0
    if 0 < limit < config.max_concurrency:
        logger.warning(
            "the session given to Bizstim(session=...) holds at most %d connections, fewer than "
            "max_concurrency (%s): requests past %d wait inside aiohttp; "
            "give it aiohttp.TCPConnector(limit=%d)",
            limit,
            config.auto_concurrency or config.max_concurrency,
            limit,
            config.max_concurrency,
        )


def _redirect_target(sent: _Request, location: str, status: int) -> URL:
    """Where a redirect of ``sent`` leads, if we may follow it: same origin and an idempotent request only,
    so the API key is never sent to another host (aiohttp's own redirect handling would forward it)."""
    try:
        target = sent.url.join(URL(location))
        other_origin = target.origin() != sent.url.origin()
    except ValueError:  # not a URL, or one without an origin (file:///...)
        raise APIStatusError(
            f"the redirect has an unusable Location ({excerpt(location, 80)})",
            status=status,
            request=sent.label,
        ) from None
    if other_origin:
        raise APIStatusError(
            f"refusing to follow a redirect to another origin ({target.origin()}): "
            "the API key would be sent there; if the API moved, point base_url at it",
            status=status,
            request=sent.label,
        )
    if sent.method not in _IDEMPOTENT:
        raise APIStatusError(
            f"refusing to re-send a {sent.method} to a redirect target", status=status, request=sent.label
        )
    return target


def _resend_counter(stats: ClientStats) -> aiohttp.TraceConfig:
    """Count aiohttp's silent re-sends in ``stats`` (as requests and retries), so that the stats say what
    went over the wire. Only on the session we create: an injected one has its own trace configs."""
    config = aiohttp.TraceConfig()

    async def headers_sent(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestHeadersSentParams
    ) -> None:
        sends = context.trace_request_ctx
        if isinstance(sends, _Sends):
            sends.count += 1
            if sends.count > 1:  # logged like the client's own retries: every retry is a warning
                stats.requests += 1
                stats.retries += 1
                request = f"{params.method} {params.url.raw_path_qs}"
                reason = "the connection dropped before the response"
                logger.warning(
                    "retrying %s at once (aiohttp re-sends it by itself: %s)",
                    request,
                    reason,
                    extra={"retry": RetryEvent(request, 0.0, None, None, reason)},
                )

    config.on_request_headers_sent.append(headers_sent)
    return config


def _route(config: ClientConfig) -> tuple[URL | None, str | None]:
    """The proxy every request goes through: ``proxy=``, else the environment's unless ``trust_env=False``;
    credentials in its URL become the ``Proxy-Authorization`` value."""
    proxy = config.proxy
    if proxy is None and config.trust_env:
        proxy = proxy_from_env(config.base_url)
    if proxy is None or proxy.user is None:
        return proxy, None
    return proxy.with_user(None), aiohttp.encode_basic_auth(proxy.user, proxy.password or "")


def _transfer_fault(
    exc: TimeoutError | aiohttp.ClientError, timeout: float, waiting: str, label: str, attempt: int
) -> tuple[BizstimError, BaseException | None]:
    """The typed error of an attempt that got no usable response, and the error it may be chained to."""
    if isinstance(exc, TimeoutError):
        where = f" waiting {waiting}" if waiting else ""
        return APITimeoutError(f"timed out after {timeout:g} s{where}", request=label, attempts=attempt), exc
    if isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy's answer to the tunnel's CONNECT
        return _proxy_refusal(exc, label, attempt), None
    if isinstance(exc, aiohttp.ClientPayloadError):
        what = _unreadable_body(exc)
    elif isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return APIConnectionError(_untrusted(exc), request=label, attempts=attempt), _chainable(exc)
    elif isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(exc, aiohttp.ClientSSLError):
        failure = APIConnectionError(_unreachable(exc), request=label, attempts=attempt, no_connection=True)
        return failure, _chainable(exc)
    elif isinstance(exc, aiohttp.ClientConnectionError):
        what = f"connection failed: {type(exc).__name__}: {excerpt(str(exc), 160)}"
    else:
        what = f"request failed: {type(exc).__name__}: {excerpt(str(exc), 160)}"
    return APIConnectionError(what, request=label, attempts=attempt), _chainable(exc)


def _unreadable_body(exc: aiohttp.ClientPayloadError) -> str:
    """``the response body was cut short (received 10 of 100 bytes ...)``: aiohttp's text quotes its parser's
    error, ``<ContentLengthError: 400, ...>``, which reads like an HTTP 400."""
    cause = exc.__cause__
    detail = cause.message if isinstance(cause, HttpProcessingError) and cause.message else str(exc)
    if isinstance(cause, ContentEncodingError):
        return f"the response body could not be decompressed ({excerpt(detail.rstrip('.'), 120)})"
    return f"the response body was cut short ({excerpt(detail.rstrip('.'), 120)})"


#: Failures to connect that say nothing listens there: a refused connection, a host name that does not exist.
_NOTHING_THERE: Final = frozenset({errno.ECONNREFUSED, socket.EAI_NONAME})


def _nothing_there(error: APIConnectionError) -> bool:
    """Whether ``error`` is a connection refused or a host name that does not exist (not a failure that may
    pass by itself: a network not up yet, a name server's temporary failure)."""
    cause = error.__cause__
    return isinstance(cause, aiohttp.ClientConnectorError) and cause.os_error.errno in _NOTHING_THERE


def _proxy_refusal(exc: aiohttp.ClientHttpProxyError, label: str, attempts: int) -> APIStatusError:
    """The proxy's refusal of a tunnel: a :class:`ServerError` for a 5xx (retried as a server's), else a
    plain :class:`APIStatusError`: its 403 is no API key's fault, its 404 no missing record."""
    reason = "the proxy refused the tunnel" + (f" ({excerpt(exc.message, 80)})" if exc.message else "")
    kind = ServerError if exc.status >= 500 else APIStatusError
    return kind(reason, status=exc.status, request=label, attempts=attempts)


#: OpenSSL's verify codes of a certificate outside its validity period, and of one for another host name
#: or IP address.
_EXPIRED_OR_EARLY: Final = frozenset({9, 10})
_OTHER_HOST: Final = frozenset({62, 64})


def _untrusted(exc: aiohttp.ClientConnectorCertificateError) -> str:
    """``the TLS certificate of host:443 is not trusted (unable to get local issuer certificate) ...``: the
    reason first, which aiohttp's own text puts past where a message is cut, and what to check for it."""
    cert = exc.certificate_error
    reason = excerpt(getattr(cert, "verify_message", None) or str(cert), 120)
    code = getattr(cert, "verify_code", None)
    if code in _EXPIRED_OR_EARLY:
        advice = "check this machine's clock, then the server's certificate"
    elif code in _OTHER_HOST:
        advice = "check the host name of the base URL"
    else:
        advice = "a private CA is trusted with SSL_CERT_FILE=ca.pem or ssl_context="
    return f"the TLS certificate of {exc.host}:{exc.port} is not trusted ({reason}); {advice}"


def _untrusted_certificate(error: APIConnectionError) -> bool:
    """Whether ``error`` is a certificate that failed verification: it fails the same way every time."""
    return isinstance(error.__cause__, aiohttp.ClientConnectorCertificateError)


def _unreachable(exc: aiohttp.ClientConnectorError) -> str:
    """``connection refused (127.0.0.1:8798)``, what went wrong first (a progress bar cuts the end): aiohttp's
    own text reads ``ssl:default`` for a plain http:// URL and quotes the socket call."""
    which = "the proxy " if isinstance(exc, aiohttp.ClientProxyConnectionError) else ""
    problem = exc.os_error.strerror or type(exc.os_error).__name__
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot find {which}host {exc.host} ({problem})"
    if exc.os_error.errno is not None and exc.os_error.errno > 0:
        problem = os.strerror(exc.os_error.errno)
    return f"{problem[:1].lower()}{problem[1:]} ({which}{exc.host}:{exc.port})"


def _chainable(exc: aiohttp.ClientError) -> aiohttp.ClientError | None:
    """``exc`` if it may be kept as a ``__cause__``: not when it carries ``request_info`` (the request
    headers, the API key among them)."""
    return None if hasattr(exc, "request_info") else exc


def _too_large(why: str, limit: int, label: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the response body is larger than max_response_bytes ({limit:,} bytes): {why}",
        limit=limit,
        request=label,
    )


def _reason(error: BizstimError) -> str:
    """What went wrong in one attempt, for the retry log line."""
    if isinstance(error, APIStatusError):
        return f"HTTP {error.status}"
    if isinstance(error, DecodeError):
        return "the 2xx body is not JSON (truncated?)"
    if isinstance(error, APIConnectionError):  # the log line counts the attempts itself
        return error.message.removesuffix(f" after {error.attempts} attempts")
    return error.message
