"""Cancellation and lifecycle: leaving ``iter()`` / ``iter_details()`` early (break, aclose, task cancel)
leaves no pending task, no connection in use, no request in flight and no warning; one client shared by 50
coroutines never has more than ``max_concurrency`` requests in flight and respects ``rate_limit``, both
measured at the fake server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, cast

import aiohttp
import pytest

from aiobizstim import Bizstim, ClientClosedError, FanOut, PageIterator, RecordIterator
from aiobizstim.testing import FakeBizstim, Faults
from tests.robustness._support import QUICK_RETRIES, collect_garbage, eventually, other_tasks


def _session(bz: Bizstim) -> aiohttp.ClientSession:
    session = bz._transport._session
    assert session is not None, "the client has not sent anything yet"
    return session


def _connections_in_use(bz: Bizstim) -> int:
    connector = _session(bz).connector
    assert connector is not None
    return len(connector._acquired)


async def assert_quiet(bz: Bizstim, fake: FakeBizstim, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing left running: no task, no connection in use, no request in flight (client and server)."""
    assert other_tasks() == set(), f"pending tasks left behind: {other_tasks()}"
    assert bz._transport.in_flight == 0
    assert _connections_in_use(bz) == 0
    # The server finishes (or abandons) a handler on its own schedule after the client hung up.
    await eventually(lambda: fake.in_flight == 0, what="the server to see no request in flight")
    collect_garbage()
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert problems == [], [r.getMessage() for r in problems]


async def in_flight(fake: FakeBizstim, count: int) -> None:
    """Until ``count`` requests are in flight at the server (bounded: a hang fails the test instead)."""
    async with asyncio.timeout(10):
        await fake.wait_in_flight(count)


@pytest.fixture
async def slow_fake() -> AsyncIterator[FakeBizstim]:
    """1,000 clients, 20 ms per request: pages and lookups are in flight whenever the consumer stops."""
    async with FakeBizstim(clients=1000, seed=11, latency=0.02, jitter=0.01) as server:
        yield server


@pytest.fixture
async def slow_bz(slow_fake: FakeBizstim) -> AsyncIterator[Bizstim]:
    async with Bizstim(
        api_key=slow_fake.api_key, base_url=slow_fake.url, retry_policy=QUICK_RETRIES, max_concurrency=8
    ) as client:
        yield client


def _iterators(bz: Bizstim) -> dict[str, Callable[[], AsyncGenerator[Any, None]]]:
    # iter()/iter_details() are typed AsyncIterator, but are async generators (with aclose) at runtime.
    return {
        "iter": lambda: cast("AsyncGenerator[Any, None]", bz.clients.iter(page_size=20)),
        "iter_pages": lambda: cast("AsyncGenerator[Any, None]", bz.clients.iter_pages(page_size=5)),
        "iter_details": lambda: cast(
            "AsyncGenerator[Any, None]", bz.clients.iter_details(page_size=50, concurrency=8)
        ),
    }


@pytest.mark.parametrize("which", ["iter", "iter_pages", "iter_details"])
async def test_aclose_mid_way_cancels_everything(
    slow_bz: Bizstim, slow_fake: FakeBizstim, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    caplog.set_level(logging.WARNING)
    got = 0
    async with contextlib.aclosing(_iterators(slow_bz)[which]()) as records:
        async for _ in records:
            got += 1
            if got == 30:
                await in_flight(slow_fake, 2)  # requests are really in flight when we stop
                break
    assert got == 30
    await assert_quiet(slow_bz, slow_fake, caplog)
    assert slow_bz.stats.errors == 0


@pytest.mark.parametrize("which", ["iter", "iter_pages", "iter_details"])
async def test_plain_break_mid_way_cleans_up(
    slow_bz: Bizstim, slow_fake: FakeBizstim, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    """Without aclosing(), Python closes the abandoned generator through the loop's async-generator hooks."""
    caplog.set_level(logging.WARNING)
    got = 0
    async for _ in _iterators(slow_bz)[which]():
        got += 1
        if got == 30:
            await in_flight(slow_fake, 2)
            break
    await eventually(lambda: not other_tasks(), what="the abandoned iterator to close")
    await assert_quiet(slow_bz, slow_fake, caplog)


@pytest.mark.parametrize("which", ["iter", "iter_pages", "iter_details"])
async def test_returning_out_of_the_loop_closes_the_iterator_without_the_cyclic_gc(
    caplog: pytest.LogCaptureFixture, which: str
) -> None:
    """The everyday ``return`` out of ``async for`` drops the iterator: its generator's last reference goes,
    and the loop closes it at once, cancelling the requests it had started. An iterator in a reference cycle
    with its generator left them running until the cyclic GC came by, and then two generators were closed at
    once ("aclose(): asynchronous generator is already running", logged by asyncio). Each request takes 1 s:
    those started ahead must be gone well before."""
    caplog.set_level(logging.WARNING)
    async with (
        FakeBizstim(clients=1000, seed=11, latency=1.0) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, max_concurrency=8) as bz,
    ):

        async def until_requests_run_ahead() -> object:
            async for record in _iterators(bz)[which]():
                if which == "iter_details":  # its first record comes with its lookup, before the next go out
                    await in_flight(fake, 2)
                if fake.in_flight >= 2:  # requests for what follows are under way
                    return record
            raise AssertionError("the iterator never ran ahead")

        gc.disable()  # the cyclic GC must not be what closes it
        try:
            await until_requests_run_ahead()
            loop = asyncio.get_running_loop()
            returned = loop.time()
            await eventually(lambda: not other_tasks(), within=5.0, what="the dropped iterator to close")
            assert loop.time() - returned < 0.5, "the requests ran on after the consumer returned"
            assert bz._transport.in_flight == 0
        finally:
            gc.enable()
        await assert_quiet(bz, fake, caplog)


@pytest.mark.parametrize("which", ["iter", "iter_pages", "iter_details"])
async def test_leaving_async_with_closes_the_iterator(
    slow_bz: Bizstim, slow_fake: FakeBizstim, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    """``async with bz.clients.iter() as it:`` closes it as ``contextlib.aclosing`` would: the requests
    running ahead are cancelled when the block ends, not when the iterator is collected."""
    caplog.set_level(logging.WARNING)
    got = 0
    made: RecordIterator[Any] | PageIterator[Any] | FanOut[Any, Any]
    if which == "iter":
        made = slow_bz.clients.iter(page_size=20)
    elif which == "iter_pages":
        made = slow_bz.clients.iter_pages(page_size=5)
    else:
        made = slow_bz.clients.iter_details(page_size=50, concurrency=8)
    async with made as it:
        assert it is made
        async for _ in it:
            got += 1
            if got == 30:
                await in_flight(slow_fake, 2)
                break
        assert other_tasks()  # still running ahead inside the block
    assert not other_tasks()
    await assert_quiet(slow_bz, slow_fake, caplog)


@pytest.mark.parametrize("which", ["iter", "iter_pages", "iter_details"])
async def test_cancelling_the_consumer_task_cancels_everything(
    slow_bz: Bizstim, slow_fake: FakeBizstim, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    caplog.set_level(logging.WARNING)
    reached = asyncio.Event()
    got = 0

    async def consume() -> None:
        nonlocal got
        async for _ in _iterators(slow_bz)[which]():
            got += 1
            if got == 30:
                reached.set()

    task = asyncio.create_task(consume())
    await reached.wait()
    await in_flight(slow_fake, 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert got >= 30
    await assert_quiet(slow_bz, slow_fake, caplog)


async def test_cancel_while_waiting_for_a_retry(
    fake: FakeBizstim, bz: Bizstim, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled during a backoff sleep: nothing is left behind either."""
    caplog.set_level(logging.WARNING)
    slow = Bizstim(api_key=fake.api_key, base_url=fake.url)  # the real policy: seconds between retries
    try:
        fake.fail_next(5, "/api/discounts/", status=503)
        task = asyncio.create_task(slow.discounts.list())
        await eventually(lambda: slow.stats.retries >= 1, what="the first retry to be scheduled")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await assert_quiet(slow, fake, caplog)
    finally:
        await slow.aclose()


async def test_closing_the_client_ends_a_wait_to_retry_at_once(
    fake: FakeBizstim, caplog: pytest.LogCaptureFixture
) -> None:
    """``aclose()`` while a request waits out a ``Retry-After`` of 30 s: it fails now, naming the request, and
    is not tried again."""
    caplog.set_level(logging.WARNING)
    fake.set_faults(Faults(retry_after=30))
    fake.fail_next(5, "/api/discounts/", status=429)
    client = Bizstim(api_key=fake.api_key, base_url=fake.url)
    task = asyncio.create_task(client.discounts.list())
    await eventually(lambda: client.stats.retries >= 1, what="the first retry to be scheduled")
    async with asyncio.timeout(5):  # not the 30 s the server asked for
        await client.aclose()
        with pytest.raises(ClientClosedError) as info:
            await task
    assert info.value.request == "GET /api/discounts/0/20"
    assert client.stats.retries == 1
    assert len(fake.requests) == 1


async def test_closing_the_client_fails_a_request_in_flight_without_retrying_it(
    fake: FakeBizstim, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake.set_latency(30)
    client = Bizstim(api_key=fake.api_key, base_url=fake.url)
    task = asyncio.create_task(client.discounts.list())
    await in_flight(fake, 1)
    async with asyncio.timeout(5):
        await client.aclose()
        with pytest.raises(ClientClosedError) as info:
            await task
    assert info.value.request == "GET /api/discounts/0/20"
    assert client.stats.retries == 0
    assert "retrying" not in caplog.text


async def test_closing_the_client_closes_its_session(fake: FakeBizstim) -> None:
    bz = Bizstim(api_key=fake.api_key, base_url=fake.url)
    await bz.clients.list(limit=3)
    session = _session(bz)
    await bz.aclose()
    await bz.aclose()  # twice is fine
    assert session.closed
    assert bz.closed
    collect_garbage()


async def test_an_injected_session_is_left_open(fake: FakeBizstim) -> None:
    async with aiohttp.ClientSession() as session:
        async with Bizstim(api_key=fake.api_key, base_url=fake.url, session=session) as bz:
            await bz.clients.list(limit=3)
        assert not session.closed
        async with session.get(fake.url + "/api/testimonials", headers={"x-api-key": fake.api_key}) as r:
            assert r.status == 200


async def test_fifty_coroutines_never_exceed_max_concurrency(slow_fake: FakeBizstim) -> None:
    cap = 4
    async with Bizstim(
        api_key=slow_fake.api_key, base_url=slow_fake.url, max_concurrency=cap, retry_policy=QUICK_RETRIES
    ) as bz:
        ids = slow_fake.client_ids()

        async def worker(n: int) -> int:
            if n % 5 == 0:
                return len([c async for c in bz.clients.iter(page_size=100, max_items=300)])
            if n % 5 == 1:
                return len([c async for c in bz.clients.iter_details(max_items=6, concurrency=6)])
            if n % 5 == 2:
                return len((await bz.discounts.list()).items)
            got = [await bz.clients.get(id=ids[(n * 7 + k) % len(ids)]) for k in range(3)]
            return len(got)

        slow_fake.reset_stats()
        results = await asyncio.gather(*(worker(n) for n in range(50)))
    assert results.count(300) == 10
    log = slow_fake.requests
    assert len(log) == bz.stats.requests
    assert slow_fake.max_in_flight == cap, "the test must reach the cap to prove it holds"
    # The same from the log's timestamps: the most requests whose handling overlapped.
    events = sorted([(r.started, 1) for r in log] + [(r.finished, -1) for r in log])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak <= cap


async def test_rate_limit_holds_at_the_server(fake: FakeBizstim) -> None:
    rate = 100.0
    async with Bizstim(api_key=fake.api_key, base_url=fake.url, rate_limit=rate, max_concurrency=16) as bz:
        fake.reset_stats()
        await asyncio.gather(*(bz.discounts.list(limit=5) for _ in range(40)))
        await asyncio.gather(*(bz.clients.get(id=i) for i in fake.client_ids()[:20]))
    starts = sorted(r.started for r in fake.requests)
    assert len(starts) == 60
    span = starts[-1] - starts[0]
    assert span >= (len(starts) - 1) / rate * 0.95, f"{len(starts)} requests in {span:.3f} s"
    window = 10
    for i in range(len(starts) - window):
        # any 11 consecutive starts span at least 10 intervals (some loopback/scheduling jitter allowed)
        assert starts[i + window] - starts[i] >= window / rate - 0.03, f"burst at request {i}"


async def test_rate_limit_holds_after_the_event_loop_stalls(fake: FakeBizstim) -> None:
    """A consumer that blocks the loop for a while (CPU-heavy work on a page) must not turn the waiting
    requests into a burst: the limit is on requests per second at the server, not on average."""
    rate = 50.0
    async with Bizstim(api_key=fake.api_key, base_url=fake.url, rate_limit=rate, max_concurrency=16) as bz:
        fake.reset_stats()
        tasks = [asyncio.create_task(bz.discounts.list(limit=5)) for _ in range(30)]
        await eventually(lambda: len(fake.requests) >= 2, what="the first requests")
        time.sleep(0.3)  # noqa: ASYNC251 - simulates a loop stall on purpose; not synchronisation
        await asyncio.gather(*tasks)
    starts = sorted(r.started for r in fake.requests)
    assert len(starts) == 30
    span = 5 / rate  # any 5 intervals' worth of time holds at most 5 (+1 for the boundary) starts
    busiest = max(sum(1 for t in starts if a <= t < a + span) for a in starts)
    assert busiest <= 6, f"{busiest} requests started within {span:.2f} s at {rate:g} requests/s"


async def test_closing_the_client_mid_iteration_ends_it_cleanly(
    slow_fake: FakeBizstim, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bz = Bizstim(api_key=slow_fake.api_key, base_url=slow_fake.url, retry_policy=QUICK_RETRIES)
    got = 0

    async def consume() -> None:
        nonlocal got
        async for _ in bz.clients.iter(page_size=50):
            got += 1
            if got == 120:
                await bz.aclose()

    with pytest.raises(ClientClosedError):
        await consume()
    assert 120 <= got < 1000
    assert other_tasks() == set()
    assert bz._transport.in_flight == 0
    await eventually(lambda: slow_fake.in_flight == 0, what="the server to see no request in flight")
    collect_garbage()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "limits",
    [{"max_concurrency": 2}, {"max_concurrency": 8, "rate_limit": 8.0}],
    ids=["behind the cap", "behind the rate limit"],
)
async def test_an_iterators_requests_are_timed_from_their_turn(limits: dict[str, Any]) -> None:
    """iter_details runs twice the cap of lookups, so half of them always queue: a queued lookup is timed
    from when it gets its slot and its rate-limit turn, not from when the fan-out started it. Each request
    takes 0.3 s against a 0.5 s timeout; with the queue counted, most lookups timed out."""
    async with (
        FakeBizstim(clients=24, seed=5, latency=0.3) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, **limits) as bz,
    ):
        ids = [c.id async for c in bz.clients.iter_details(timeout=0.5, max_retries=0)]
        assert len(ids) == 24
        assert bz.stats.retries == 0
        assert fake.max_in_flight <= limits["max_concurrency"]
        # A single call still counts its wait against its timeout (issue 11): see tests/hostile.
