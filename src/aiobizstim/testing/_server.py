"""FakeBizstim: a real aiohttp.web server on loopback that speaks the Bizstim API, with fault injection."""

from __future__ import annotations

import asyncio
import hmac
import random
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Final

from aiohttp import web

from aiobizstim.testing._api import FakeAPI, Handler, envelope
from aiobizstim.testing._capacity import CapacitySchedule, SharedCapacity
from aiobizstim.testing._dataset import Dataset, ondemand_link
from aiobizstim.testing._faults import Fault, FaultPlan, Faults, error_body
from aiobizstim.testing._log import PageRequest, RequestRecord
from aiobizstim.testing._seeded import Record

__all__ = ["DriftHook", "FakeBizstim"]

DriftHook = Callable[["FakeBizstim", PageRequest], None]
"""Called before each page is served (any paginated method); may mutate the fake (insert/delete clients)."""

_INVALID_KEY: Final = {"status": False, "error": "Invalid API key "}
_UNKNOWN_METHOD: Final = {"status": False, "error": "Unknown method"}


#: How long :meth:`FakeBizstim.close` lets requests in flight finish.
_SHUTDOWN_GRACE: Final = 5.0


async def _sleep_until(deadline: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``deadline`` (at once when it has)."""
    remaining = deadline - time.monotonic()
    if remaining > 0:
        await asyncio.sleep(remaining)


class _FailNext:
    __slots__ = ("html", "path_prefix", "remaining", "status")

    def __init__(self, count: int, path_prefix: str, status: int, html: bool) -> None:
        self.remaining = count
        self.path_prefix = path_prefix
        self.status = status
        self.html = html


class FakeBizstim:
    """A local fake of the Bizstim API with deterministic seeded data, for tests, demos and benchmarks.

    ``async with FakeBizstim(clients=1000, seed=0) as fake:`` starts it on ``host``:``port`` (0: a free port);
    point a client at ``fake.url`` with ``fake.api_key``. Same ``seed`` and ``clients`` -> the same bytes for
    every read. ``counts`` overrides how many records the smaller resources hold (see ``DEFAULT_COUNTS``).
    Every response leaves ``latency`` (+ a uniform random ``0..jitter``) seconds after its request arrived,
    building it included; ``faults`` injects failures (both changeable while running). ``trial=True``
    applies the trial-account import limit. ``ssl_context`` (a server-side ``ssl.SSLContext``) serves https.
    ``capacity=C`` makes it a server of limited capacity (:mod:`~aiobizstim.testing._capacity`): up to ``C``
    requests in flight each takes ``latency``, more share ``C`` (each takes ``latency * n / C``, following
    ``n`` during its life), and a request arriving with more than ``overload * C`` in flight is answered
    429 at once, with ``Retry-After`` from ``faults`` (:meth:`set_capacity` changes both while running).
    ``capacity_schedule`` (a :class:`~aiobizstim.testing.CapacitySchedule` or its text, ``"24,10s:12"``,
    instead of ``capacity``) starts at its ``start`` capacity and calls :meth:`set_capacity` at each of its
    changes, timed from :meth:`start`.
    ``log_limit`` caps the request log (the oldest records are dropped in batches, so it may briefly hold ~10%
    more), None keeps everything. It speaks JSON only: a ``?format=`` other than ``json`` (the real API also
    offers xml, jsonp, php and serialized) gets a 406 failure envelope rather than JSON the caller did not ask
    for.
    """

    def __init__(
        self,
        clients: int = 1000,
        seed: int = 0,
        api_key: str | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        counts: Mapping[str, int] | None = None,
        drift: DriftHook | None = None,
        trial: bool = False,
        log_limit: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
        capacity: float | None = None,
        overload: float = 2.0,
        capacity_schedule: CapacitySchedule | str | None = None,
    ) -> None:
        if isinstance(clients, bool) or not isinstance(clients, int):
            raise TypeError(f"clients must be an int, got {type(clients).__name__}")
        if api_key is not None and not api_key.strip():
            raise ValueError("api_key must not be empty (pass None to generate one)")
        self._data = Dataset(clients, seed, counts)
        self._api = FakeAPI(self._data, trial=trial)
        self._seed = seed
        self._api_key = api_key if api_key is not None else secrets.token_hex(20)
        self._host = host
        self._port = port
        self._ssl_context = ssl_context
        self._latency = 0.0
        self._jitter = 0.0
        self.set_latency(latency, jitter)
        self._rng = random.Random(f"latency-{seed}")
        self._plan = FaultPlan(faults or Faults(), seed)
        self._fail_next: list[_FailNext] = []
        self._log: list[RequestRecord] = []
        self._log_limit = log_limit
        self._in_flight = 0
        self._max_in_flight = 0
        self._in_flight_waiters: list[tuple[int, asyncio.Future[None]]] = []
        #: The requests whose response is held back for its latency, and until when.
        self._holding: dict[asyncio.Task[Any], float] = {}
        #: Waiters for logged requests: (which, how many more, resolved when they are in the log).
        self._log_waiters: list[tuple[Callable[[RequestRecord], bool], list[int], asyncio.Future[None]]] = []
        self._shared: SharedCapacity | None = None
        self._overload = 2.0
        if isinstance(capacity_schedule, str):  # the CLI's --capacity-schedule text: "24,10s:12"
            capacity_schedule = CapacitySchedule.parse(capacity_schedule)
        elif capacity_schedule is not None and not isinstance(capacity_schedule, CapacitySchedule):
            raise TypeError(
                "capacity_schedule must be a CapacitySchedule or its text ('24,10s:12'), got "
                f"{type(capacity_schedule).__name__} {capacity_schedule!r}"
            )
        if capacity_schedule is not None:
            if capacity is not None:
                raise ValueError(
                    "give capacity or capacity_schedule, not both (a schedule has a start capacity)"
                )
            capacity = capacity_schedule.start
        self.set_capacity(capacity, overload)
        self._capacity_schedule = capacity_schedule
        self._capacity_timers: list[asyncio.TimerHandle] = []
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.set_drift(drift)

    def __repr__(self) -> str:
        where = self._url or "not started"
        return f"<FakeBizstim {where} clients={len(self._data.clients)} seed={self._seed}>"

    # -- lifecycle --------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening; idempotent."""
        if self._runner is not None:
            return
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        by_path: dict[str, list[tuple[str, Handler]]] = {}
        for verb, path, handler in self._api.routes():
            by_path.setdefault(path, []).append((verb, handler))
        for path, handlers in by_path.items():
            # CodeIgniter's router trims a trailing slash, so the API answers both spellings the same way.
            for spelling in (path, path + "/"):
                resource = app.router.add_resource(spelling)
                for verb, handler in handlers:
                    resource.add_route(verb, handler)
        # On close, requests still in flight get up to 5 s to finish; then their connections are cut.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_GRACE)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port, ssl_context=self._ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"{'https' if self._ssl_context else 'http'}://{host}:{port}"
        self._follow_schedule()

    async def close(self) -> None:
        """Stop listening and close every connection; idempotent.

        Requests already in flight get up to the grace (5 s) to finish; their clients then see the connection
        cut, at once for those held back for a latency that ends later than the grace (under a capacity
        model, by its time with no other request in flight). New connections are refused at once.
        """
        runner, self._runner = self._runner, None
        for timer in self._capacity_timers:
            timer.cancel()
        self._capacity_timers.clear()
        late = time.monotonic() + _SHUTDOWN_GRACE
        for task, until in self._holding.items():
            if until > late:  # it would be cut after the grace anyway: no point waiting for that
                task.cancel()
        if runner is not None:
            await runner.cleanup()

    def _follow_schedule(self) -> None:
        """Set the schedule's start capacity, and each of its changes for its time from now."""
        schedule = self._capacity_schedule
        if schedule is None:
            return
        self.set_capacity(schedule.start)
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._capacity_timers = [
            loop.call_at(now + at, self.set_capacity, capacity) for at, capacity in schedule.changes
        ]

    async def __aenter__(self) -> FakeBizstim:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- what tests read --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The site root, e.g. ``http://127.0.0.1:54321`` (API under ``/api``, links under ``/ondemand``)."""
        if self._url is None:
            raise RuntimeError(
                "FakeBizstim is not running: use `async with FakeBizstim() as fake` or start()"
            )
        return self._url

    @property
    def api_key(self) -> str:
        """The ``x-api-key`` value this server accepts."""
        return self._api_key

    @property
    def seed(self) -> int:
        """The seed the data (and the fault and latency draws) derive from."""
        return self._seed

    @property
    def requests(self) -> list[RequestRecord]:
        """The request log, oldest first (the live list: tests may ``clear()`` it)."""
        return self._log

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests ever handled at the same time (since start or :meth:`reset_stats`)."""
        return self._max_in_flight

    async def wait_in_flight(self, count: int = 1) -> None:
        """Return once at least ``count`` requests are being handled at the same time (e.g. to close or cancel
        mid-request in a test without sleeping); must be awaited on the server's event loop."""
        if self._in_flight >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._in_flight_waiters.append((count, future))
        try:
            await future
        finally:
            self._in_flight_waiters = [w for w in self._in_flight_waiters if w[1] is not future]

    async def wait_for_requests(self, which: Callable[[RequestRecord], bool], count: int = 1) -> None:
        """Return once the request log holds at least ``count`` requests ``which`` picks (answered ones: a
        request is logged when its answer is ready), counting those logged already; must be awaited on the
        server's event loop."""
        missing = count - sum(1 for record in self._log if which(record))
        if missing <= 0:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._log_waiters.append((which, [missing], future))
        try:
            await future
        finally:
            self._log_waiters = [w for w in self._log_waiters if w[2] is not future]

    def reset_stats(self) -> None:
        """Clear the request log and the in-flight peak."""
        self._log.clear()
        self._max_in_flight = self._in_flight

    def client_ids(self) -> list[int]:
        """Ids of every client currently stored, in list order."""
        return self._data.clients.ids()

    def client(self, client_id: int) -> Record | None:
        """The full wire-form record of one client (what GET CLIENT returns), or None."""
        return self._data.clients.detail(client_id)

    def ondemand_link(self, identifier: str, primary_agent_id: int = 0, secondary_agent_id: int = 0) -> str:
        """The link this fake answers for these (decoded) arguments.

        Compare it with what a client got to prove the identifier survived percent-encoding intact.
        """
        return ondemand_link(self._seed, identifier, primary_agent_id, secondary_agent_id)

    def records(self, resource: str) -> list[Record]:
        """The wire-form records of a small resource (``services``, ``payments``, ``practitioners``, ...)."""
        return [dict(r) for r in self._data.tables[resource]]

    # -- knobs ------------------------------------------------------------------------------------------

    def set_faults(self, faults: Faults | None) -> None:
        """Replace the fault probabilities (None = no faults); takes effect for the next request."""
        self._plan.faults = faults or Faults()

    def set_latency(self, latency: float, jitter: float = 0.0) -> None:
        """Answer every request ``latency`` plus a uniform random ``0..jitter`` seconds after it arrived."""
        if latency < 0 or jitter < 0:
            raise ValueError(f"latency and jitter must be >= 0, got {latency} and {jitter}")
        self._latency, self._jitter = float(latency), float(jitter)

    @property
    def capacity(self) -> float | None:
        """Requests served at full speed at once (``None``: unlimited)."""
        return None if self._shared is None else self._shared.capacity

    def set_capacity(self, capacity: float | None, overload: float | None = None) -> None:
        """Serve ``capacity`` requests at full speed at once, more at a shared rate, and answer 429 past
        ``overload`` times that (see the class docstring); ``None``: unlimited. Takes effect at once, for the
        requests in service too (and lasts until the next change of a ``capacity_schedule``)."""
        if overload is not None:
            if not (isinstance(overload, int | float) and overload >= 1):
                raise ValueError(f"overload must be a number >= 1, got {overload!r}")
            self._overload = float(overload)
        if capacity is None:
            self._shared = None
        elif isinstance(capacity, bool) or not isinstance(capacity, int | float) or not capacity > 0:
            raise ValueError(f"capacity must be a positive number or None, got {capacity!r}")
        elif self._shared is None:
            self._shared = SharedCapacity(float(capacity))
        else:
            self._shared.set_capacity(float(capacity))

    def fail_next(
        self, count: int, path_prefix: str = "/api/", status: int = 503, *, html: bool = False
    ) -> None:
        """Answer the next ``count`` requests whose raw path starts with ``path_prefix`` with HTTP ``status``
        (with its query when ``path_prefix`` has one: ``"/api/client?id=21"`` picks one client's lookups).

        Status 429 carries ``Retry-After`` from the current :class:`Faults`. Rules queue up in call order.
        """
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status}")
        if count:
            self._fail_next.append(_FailNext(count, path_prefix, status, html))

    def set_drift(self, hook: DriftHook | None) -> None:
        """Call ``hook(fake, PageRequest)`` before serving each page (None = stop)."""
        if hook is None:
            self._api.drift = None
        else:
            self._api.drift = lambda page: hook(self, page)

    def insert_clients(self, count: int, *, at: int | None = None) -> list[int]:
        """Create ``count`` clients at list position ``at`` (default: the end, like new rows); returns ids."""
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        return self._data.clients.insert(count, at=at)

    def delete_clients(self, ids: Iterable[int]) -> int:
        """Delete these clients (unknown ids are ignored); returns how many were deleted."""
        return self._data.clients.delete(ids)

    # -- the request pipeline ---------------------------------------------------------------------------

    def _take_fail_next(self, raw_path: str) -> _FailNext | None:
        path = raw_path.split("?", 1)[0]
        for rule in self._fail_next:
            if (raw_path if "?" in rule.path_prefix else path).startswith(rule.path_prefix):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._fail_next.remove(rule)
                return rule
        return None

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.monotonic()
        self._in_flight += 1
        self._max_in_flight = max(self._max_in_flight, self._in_flight)
        for count, waiter in self._in_flight_waiters:
            if self._in_flight >= count and not waiter.done():
                waiter.set_result(None)
        raw_path = request.raw_path.split("?", 1)[0]
        status = 0
        fault_name: str | None = None
        shared, served = self._shared, None
        try:
            # Latency runs from arrival to response: the response is built first, then held back until
            # then. Sleeping first would queue the builds of concurrent requests behind one another after
            # the delay, so every burst would take the latency plus all their build times.
            work = self._latency + (self._rng.uniform(0.0, self._jitter) if self._jitter else 0.0)
            until = started + work
            rule = self._take_fail_next(request.raw_path)
            fault, html = (None, False) if rule else self._plan.draw()
            response: web.StreamResponse
            overloaded = False
            if shared is not None and rule is None and fault is None:
                overloaded = shared.in_service >= self._overload * shared.capacity
                if not overloaded:
                    served = shared.admit(work)
            if overloaded:  # load shed at once, as a front proxy does
                fault_name = "overload"
                response = self._error(429, html=False)
                until = started
            elif rule is not None:
                fault_name = f"fail_next:{rule.status}"
                response = self._error(rule.status, rule.html)
            elif fault is Fault.DROP:
                fault_name = "drop"
                await self._hold(until)
                if request.transport is not None:
                    request.transport.close()
                return web.Response()  # never reaches the client: the transport is closed
            elif fault is not None and fault is not Fault.TRUNCATE:
                assert isinstance(fault.value, int)
                fault_name = str(fault.value)
                response = self._error(fault.value, html)
            elif not hmac.compare_digest(
                request.headers.get("x-api-key", "").encode(), self._api_key.encode()
            ):
                response = envelope(_INVALID_KEY, status=403)
            elif (wanted := request.query.get("format", "json")).lower() != "json":
                response = envelope(
                    {
                        "status": False,
                        "error": f"FakeBizstim serves format=json only, not format={wanted[:20]}",
                    },
                    status=406,
                )
            else:
                try:
                    response = await handler(request)
                except web.HTTPNotFound:
                    response = envelope(_UNKNOWN_METHOD, status=404)
                except web.HTTPMethodNotAllowed:
                    response = envelope(_UNKNOWN_METHOD, status=405)
                if fault is Fault.TRUNCATE and isinstance(response, web.Response) and response.body:
                    fault_name = "truncate"
                    await self._hold(until)
                    response = await self._send_truncated(request, response)
            await self._hold(until, served)
            status = response.status
            return response
        finally:
            if shared is not None and served is not None:
                shared.withdraw(served)
            self._in_flight -= 1
            query = dict(request.rel_url.query)
            self._record(
                RequestRecord(request.method, raw_path, query, status, started, time.monotonic(), fault_name)
            )

    async def _hold(self, until: float, served: asyncio.Future[None] | None = None) -> None:
        """Hold the response back until ``until`` (or until the capacity model has ``served`` it)."""
        task = asyncio.current_task()
        assert task is not None
        self._holding[task] = until
        try:
            if served is not None:
                await served
            else:
                await _sleep_until(until)
        finally:
            del self._holding[task]

    def _error(self, status: int, html: bool) -> web.Response:
        body, content_type = error_body(status, html=html)
        response = web.Response(body=body, status=status, content_type=content_type)
        if status == 429:
            retry = self._plan.faults.retry_after
            response.headers["Retry-After"] = str(int(retry)) if float(retry).is_integer() else str(retry)
        return response

    @staticmethod
    async def _send_truncated(request: web.Request, response: web.Response) -> web.StreamResponse:
        """Send the headers and about half of ``response``'s body, then close the connection."""
        body = bytes(response.body)  # type: ignore[arg-type]  # a Response built from bytes
        partial = web.StreamResponse(status=response.status, headers={"Content-Type": response.content_type})
        partial.content_length = len(body)
        await partial.prepare(request)
        await partial.write(body[: max(1, len(body) // 2)])
        if request.transport is not None:
            request.transport.close()
        return partial

    def _record(self, record: RequestRecord) -> None:
        self._log.append(record)
        for which, missing, future in self._log_waiters:
            if not future.done() and which(record):
                missing[0] -= 1
                if missing[0] <= 0:
                    future.set_result(None)
        limit = self._log_limit
        # Trim in batches (up to ~10% over the limit) so a full log does not cost a memmove per request.
        if limit is not None and len(self._log) > limit + limit // 10:
            del self._log[: len(self._log) - limit]
