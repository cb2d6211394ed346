"""The client-wide pause of ``max_concurrency="auto"`` over mocked HTTP, on a loop clock the test moves by
hand: which responses hold every task's next request, and until when."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aiobizstim import AutoConcurrency, Bizstim
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
