"""``max_concurrency="auto"`` end to end against a FakeBizstim of limited capacity, and a fixed limit next to
it (which must behave as before)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time

import pytest
from aiohttp import web

from aiobizstim import AutoConcurrency, Bizstim, NotFoundError, RetryPolicy
from aiobizstim.testing import FakeBizstim, Faults
from tests._loopback import serving

FAST = RetryPolicy(base=0.001, cap=0.01)


def _client(fake: FakeBizstim, max_concurrency: object, **options: object) -> Bizstim:
    return Bizstim(
        api_key=fake.api_key,
        base_url=fake.url,
        max_concurrency=max_concurrency,  # type: ignore[arg-type]
        retry_policy=FAST,
        **options,  # type: ignore[arg-type]
    )


async def test_auto_settles_near_the_capacity_with_rare_429s() -> None:
    async with FakeBizstim(clients=400, latency=0.015, capacity=4) as fake, _client(fake, "auto") as bz:
        limits = [bz.stats.concurrency_limit async for _ in bz.clients.iter_details()]
        assert len(limits) == 400
        stats = bz.stats
        shed = sum(r.status == 429 for r in fake.requests)
        assert shed <= 0.02 * len(fake.requests)
        settled = limits[100:]
        # At the capacity or above, never starved; at most 2 C, where the fake starts to shed load. (The
        # median was 4-7 here; once in five clean-clone CI runs, on two loaded cores where client and fake
        # share one event loop, it was 8: a base measured at the start while the loop was slow.)
        assert 4 <= statistics.median(settled) <= 8
        assert max(settled) <= 8  # never where the server sheds load
        assert stats.concurrency_low == 1  # where it started
        assert 4 <= stats.concurrency_high <= 16
        assert stats.concurrency_bounds == (1, 64)
        assert fake.max_in_flight == stats.concurrency_high


async def test_auto_settles_lower_when_the_capacity_halves() -> None:
    async with FakeBizstim(clients=1200, latency=0.012, capacity=8) as fake, _client(fake, "auto") as bz:
        limits: list[int] = []
        async for _ in bz.clients.iter_details():
            limits.append(bz.stats.concurrency_limit)
            if len(limits) == 500:
                fake.set_capacity(4)
                fake.reset_stats()
        # At C or above, below 2 C where the fake sheds load. (The median-based base reads latency without
        # the upward bias the lowest-latency base had, so the sawtooth sits a little higher: 11-14 here,
        # 15 once on a loaded CI.) Over 350 records: in a full test run on two cores a pause of the event
        # loop (client and fake share it) can halve the limit, and the jitter it leaves holds it there for
        # some 75 records, which sank the median of the 150 measured before.
        assert 8 <= statistics.median(limits[150:500]) < 16
        settled = limits[600:]
        assert 4 <= statistics.median(settled) <= 7
        assert max(settled) <= 8
        shed = sum(r.status == 429 for r in fake.requests)
        assert shed <= 0.02 * len(fake.requests)


async def test_the_page_window_follows_the_limit() -> None:
    async with FakeBizstim(clients=20_000, latency=0.02, capacity=3) as fake, _client(fake, "auto") as bz:
        records = [c.id async for c in bz.clients.iter(page_size=100)]
        assert len(records) == 20_000
        assert bz.stats.concurrency_high <= 12
        assert fake.max_in_flight <= bz.stats.concurrency_high


async def test_a_429_pauses_the_whole_client_for_its_retry_after() -> None:
    pause = 0.3
    async with (
        FakeBizstim(clients=50, faults=Faults(retry_after=pause), latency=0.01) as fake,
        _client(fake, AutoConcurrency(start=4)) as bz,
    ):
        ids: list[int] = []
        async for client in bz.clients.iter_details(max_items=40):
            if not ids:  # the list page was read: the next lookup to arrive gets the 429
                fake.fail_next(1, "/api/client", 429)
            ids.append(client.id)
        assert len(ids) == 40
        (shed,) = [r for r in fake.requests if r.status == 429]
        # No request of the client, on any task, was sent during the pause (those arriving within a few ms
        # were on their way before the client read the 429).
        arrivals = [r.started - shed.finished for r in fake.requests]
        assert not any(0.01 < t < pause - 0.02 for t in arrivals)
        assert any(t >= pause - 0.02 for t in arrivals)
        assert bz.stats.retries == 1


async def test_a_fixed_limit_is_unchanged_no_client_wide_pause_no_adaptation() -> None:
    pause = 0.3
    async with (
        FakeBizstim(clients=50, faults=Faults(retry_after=pause), latency=0.01) as fake,
        _client(fake, 3) as bz,
    ):
        ids: list[int] = []
        async for client in bz.clients.iter_details(max_items=40):
            if not ids:  # the list page was read: the next lookup to arrive gets the 429
                fake.fail_next(1, "/api/client", 429)
            ids.append(client.id)
        assert len(ids) == 40
        (shed,) = [r for r in fake.requests if r.status == 429]
        # Only the task that got the 429 waits; the others go on.
        assert any(0.01 < r.started - shed.finished < pause / 2 for r in fake.requests)
        assert fake.max_in_flight == 3
        stats = bz.stats
        assert (stats.concurrency_limit, stats.concurrency_low, stats.concurrency_high) == (3, 3, 3)
        assert stats.concurrency_bounds == (3, 3)
        assert bz.config.auto_concurrency is None


async def test_auto_stays_under_the_rate_limit() -> None:
    rate = 50.0
    async with (
        FakeBizstim(clients=50, latency=0.02) as fake,
        _client(fake, "auto", rate_limit=rate) as bz,
    ):
        start = time.monotonic()
        ids = [c.id async for c in bz.clients.iter_details()]
        elapsed = time.monotonic() - start
        assert len(ids) == 50
        requests = len(fake.requests)
        assert elapsed >= (requests - 1) / rate * 0.95
        # 50 requests/s at 20 ms is one in flight: the limit has no use for more and does not grow there.
        assert bz.stats.concurrency_high <= 4


async def test_changes_are_logged_at_info_without_flooding(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aiobizstim")
    async with FakeBizstim(clients=600, latency=0.01, capacity=8) as fake, _client(fake, "auto") as bz:
        async for _ in bz.clients.iter_details():
            pass
    lines = [r for r in caplog.records if r.getMessage().startswith("concurrency limit")]
    assert lines
    assert all(r.levelno == logging.INFO for r in lines)
    assert lines[0].getMessage().startswith("concurrency limit 1 -> ")
    assert getattr(lines[-1], "concurrency", None) is not None
    assert len(lines) <= 6  # slow start's doublings and a cut or two, not every step of the sawtooth


async def test_failure_envelopes_back_at_once_are_not_taken_for_the_servers_latency() -> None:
    """A third of the lookups find no client: the API says so in a 200 envelope at once, the others take
    30 ms on a server with room to spare. Taking the envelopes for the base latency, every real answer
    looked 30x overloaded and the limit fell to 1-3 (a review measured 16 found/s against 80 with a fixed
    8); not measuring them, the limit climbs as for any idle server."""

    async def lookup(request: web.Request) -> web.Response:
        if int(request.query["id"]) % 3 == 0:
            return web.json_response({"status": "failure", "response": "No client found"})
        await asyncio.sleep(0.03)  # the server's latency
        return web.json_response({"status": "success", "response": {"id": request.query["id"]}})

    app = web.Application()
    app.router.add_get("/api/client", lookup)
    async with serving(app) as url, Bizstim(api_key="k" * 40, base_url=url, max_concurrency="auto") as bz:

        async def get(client_id: int) -> None:
            with contextlib.suppress(NotFoundError):
                await bz.clients.get(client_id)

        for batch in range(20):  # 20 rounds of 64 lookups at once: a load far above the limit
            await asyncio.gather(*(get(batch * 64 + n + 1) for n in range(64)))
        # Loose bounds on purpose: under a loaded CI the loop's own lag reads as latency (a run reached 27);
        # the bug held the limit at 1-3.
        assert bz.stats.concurrency_high >= 12, bz.stats
        assert bz.stats.concurrency_limit >= 8, bz.stats


async def test_each_attempt_is_measured_at_the_most_in_flight_it_met(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request sent alone that shares the server with one sent after it met a load of 2, not 1: measured
    at 1, its loaded latency became the base, and the limit grew over an overloaded server."""
    first_arrived, second_arrived = asyncio.Event(), asyncio.Event()

    async def lookup(request: web.Request) -> web.Response:
        if request.query["id"] == "1":
            first_arrived.set()
            await second_arrived.wait()  # answered only once the second is in flight too
        else:
            second_arrived.set()
        return web.json_response({"status": "success", "response": {"id": request.query["id"]}})

    app = web.Application()
    app.router.add_get("/api/client", lookup)
    seen: list[tuple[str, int]] = []
    async with serving(app) as url, Bizstim(api_key="k" * 40, base_url=url, max_concurrency="auto") as bz:
        adaptive = bz._transport._pool.adaptive
        assert adaptive is not None
        record = adaptive.record

        def spy(latency: float, outcome: object, in_flight: int, kind: object) -> None:
            seen.append((str(kind), in_flight))
            record(latency, outcome, in_flight, kind)  # type: ignore[arg-type]

        monkeypatch.setattr(adaptive, "record", spy)
        bz._transport._pool.semaphore.limit = 2  # type: ignore[union-attr]
        first = asyncio.ensure_future(bz.clients.get(1))
        await first_arrived.wait()  # sent alone
        await asyncio.gather(first, bz.clients.get(2))
    assert [in_flight for _, in_flight in seen] == [2, 2]
