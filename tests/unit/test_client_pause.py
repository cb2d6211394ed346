"""The client-wide pause of ``max_concurrency="auto"`` over mocked HTTP, on a loop clock the test moves by
hand: which responses hold every task's next request, and until when."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aioresponses import CallbackResult

from aiobizstim import AutoConcurrency, Bizstim, ClientClosedError, RateLimitError
from tests._clock import HandClock, hand_clock, settle
from tests.unit._aioresponses_shim import MockedAPI
from tests.unit.conftest import BASE, KEY, SleepLog, requests_sent

SHED = 17  # the record whose first lookup the server answers with an error status
OTHERS = (1, 2, 3)


@pytest.fixture
async def clock() -> AsyncIterator[HandClock]:
    with hand_clock() as hand:
        yield hand


def _url(record: int) -> str:
    return f"{BASE}/api/discount/{record}"


def _record(record: int) -> dict[str, object]:
    return {"status": "success", "response": {"id": str(record)}}


async def _shed_while_others_run(
    api: MockedAPI, bz: Bizstim, status: int, headers: dict[str, str]
) -> tuple[asyncio.Task[int], list[asyncio.Task[int]], asyncio.Event]:
    """Three tasks read a record each and wait for ``go``; a fourth then gets ``status`` (with ``headers``),
    then a 200 on its retry. Returns the fourth task, the three and their ``go``."""
    api.get(_url(SHED), status=status, headers=headers)
    api.get(_url(SHED), payload=_record(SHED))
    for record in OTHERS:
        api.get(_url(record), payload=_record(record), repeat=True)
    go = asyncio.Event()

    async def twice(record: int) -> int:
        await bz.discounts.get(record)
        await go.wait()
        return (await bz.discounts.get(record)).id

    others = [asyncio.create_task(twice(record)) for record in OTHERS]
    await settle()
    assert requests_sent(api) == 3
    shed = asyncio.create_task(_id(bz, SHED))
    await settle()
    return shed, others, go


async def _id(bz: Bizstim, record: int) -> int:
    return (await bz.discounts.get(record)).id


def _client(sleeps: SleepLog) -> Bizstim:
    bz = Bizstim(api_key=KEY, max_concurrency=AutoConcurrency(start=8))
    bz._transport._sleep = sleeps  # the retry's own backoff returns at once: only the pause holds it
    return bz


@pytest.mark.parametrize("status", [503, 429])
async def test_a_retry_after_holds_every_other_tasks_next_request_until_the_pause_ends(
    api: MockedAPI, sleeps: SleepLog, clock: HandClock, status: int
) -> None:
    async with _client(sleeps) as bz:
        shed, others, go = await _shed_while_others_run(api, bz, status, {"Retry-After": "1"})
        assert requests_sent(api) == 4
        assert sleeps.delays == [1.0]
        go.set()
        await settle()
        assert requests_sent(api) == 4  # the retry and the three next requests are all held
        await clock.move_to(0.999)
        assert requests_sent(api) == 4
        assert not shed.done()
        assert not any(task.done() for task in others)
        await clock.move_to(1.0)
        assert requests_sent(api) == 8
        assert await shed == SHED
        assert await asyncio.gather(*others) == list(OTHERS)
        assert bz.stats.retries == 1


@pytest.mark.parametrize(
    ("status", "headers"), [(503, {}), (502, {"Retry-After": "1"}), (504, {"Retry-After": "1"})]
)
async def test_no_pause_without_a_retry_after_or_on_another_status(
    api: MockedAPI, sleeps: SleepLog, clock: HandClock, status: int, headers: dict[str, str]
) -> None:
    async with _client(sleeps) as bz:
        shed, others, go = await _shed_while_others_run(api, bz, status, headers)
        go.set()
        await settle()  # the clock has not moved: nothing waits for it
        assert requests_sent(api) == 8
        assert await shed == SHED
        assert await asyncio.gather(*others) == list(OTHERS)
        assert bz.stats.retries == 1


def _answer_when(event: asyncio.Event, status: int, retry_after: str) -> Callable[..., Any]:
    """A mocked response that waits for ``event``: the other tasks queue meanwhile."""

    async def answer(url: Any, **kwargs: Any) -> CallbackResult:
        await event.wait()
        return CallbackResult(status=status, headers={"Retry-After": retry_after})

    return answer


def _shedding_client(
    api: MockedAPI, sleeps: SleepLog, retry_after: str, **options: Any
) -> tuple[Bizstim, asyncio.Event]:
    """A client (``AutoConcurrency(start=8)`` unless ``options`` say otherwise) whose first lookup of
    ``SHED`` is answered 429 with ``retry_after`` once the returned event is set."""
    answer = asyncio.Event()
    api.get(_url(SHED), callback=_answer_when(answer, 429, retry_after))
    bz = Bizstim(api_key=KEY, **{"max_concurrency": AutoConcurrency(start=8), **options})
    bz._transport._sleep = sleeps
    return bz, answer


async def _one_shed_one_queued(
    bz: Bizstim, answer: asyncio.Event
) -> tuple[asyncio.Task[int], asyncio.Task[int]]:
    """The lookup of ``SHED`` takes the one slot and a lookup of 1 queues for it; then the 429 is answered."""
    shed = asyncio.create_task(_id(bz, SHED))
    queued = asyncio.create_task(_id(bz, 1))
    await settle()
    answer.set()
    return shed, queued


async def test_the_request_queued_for_the_slot_is_held_too(
    api: MockedAPI, sleeps: SleepLog, clock: HandClock
) -> None:
    # One slot: the second task waits for it while the first gets a 429. The slot must not reach it
    # before the pause is in force (it did, and the request went out during the pause).
    bz, answer = _shedding_client(api, sleeps, "1", max_concurrency=AutoConcurrency(minimum=1, maximum=1))
    api.get(_url(SHED), payload=_record(SHED))
    api.get(_url(1), payload=_record(1))
    async with bz:
        shed, queued = await _one_shed_one_queued(bz, answer)
        await settle()
        assert requests_sent(api) == 1
        await clock.move_to(0.999)
        assert requests_sent(api) == 1
        await clock.move_to(1.0)
        assert (await shed, await queued) == (SHED, 1)
        assert requests_sent(api) == 3


async def test_requests_waiting_for_the_rate_limit_are_held_too(
    api: MockedAPI, sleeps: SleepLog, clock: HandClock
) -> None:
    bz, answer = _shedding_client(api, sleeps, "3", rate_limit=2)
    api.get(_url(SHED), payload=_record(SHED))
    for record in OTHERS:
        api.get(_url(record), payload=_record(record))
    async with bz:
        shed = asyncio.create_task(_id(bz, SHED))
        await settle()
        others = [asyncio.create_task(_id(bz, record)) for record in OTHERS]
        await settle()  # each holds a slot, waiting for its turn of the rate limit
        answer.set()
        await settle()
        for tick in range(1, 6):  # their turns at 0.5 s, 1.0 s, ...: all inside the pause
            await clock.move_to(tick * 0.5)
            assert requests_sent(api) == 1
        await clock.move_to(2.999)
        assert requests_sent(api) == 1
        for tick in range(6, 20):
            await clock.move_to(tick * 0.5)
        assert await shed == SHED
        assert await asyncio.gather(*others) == list(OTHERS)
        assert requests_sent(api) == 5


async def test_a_pause_is_not_a_requests_own_time(api: MockedAPI, sleeps: SleepLog, clock: HandClock) -> None:
    # timeout=1 s, Retry-After 3 s: a request waiting for the slot when the pause begins waits it out and
    # is then sent, rather than timing out "waiting for a free request slot" after 1 s.
    one_slot = AutoConcurrency(minimum=1, maximum=1)
    bz, answer = _shedding_client(api, sleeps, "3", max_concurrency=one_slot, timeout=1, max_retries=0)
    api.get(_url(1), payload=_record(1))
    async with bz:
        shed, queued = await _one_shed_one_queued(bz, answer)
        with pytest.raises(RateLimitError):
            await shed
        await clock.move_to(2.5)
        assert not queued.done()
        await clock.move_to(3.0)
        assert await queued == 1


async def test_closing_the_client_ends_the_wait_of_a_paused_request(
    api: MockedAPI, sleeps: SleepLog, clock: HandClock
) -> None:
    api.get(_url(SHED), status=429, headers={"Retry-After": "60"})
    bz = Bizstim(api_key=KEY, max_concurrency=AutoConcurrency(start=8), max_retries=0)
    bz._transport._sleep = sleeps
    with pytest.raises(RateLimitError):
        await _id(bz, SHED)
    held = asyncio.create_task(_id(bz, 1))
    await settle()
    assert not held.done()
    await bz.aclose()
    await settle()  # the clock has not moved: closing ends the wait
    assert held.done()
    with pytest.raises(ClientClosedError) as info:
        await held
    assert info.value.request == "GET /api/discount/1"  # which request it ended, as for one in flight
    assert requests_sent(api) == 1
