"""FakeBizstim's capacity model: processor sharing past ``capacity``, 429 past ``overload * capacity``."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from aiobizstim.testing import FakeBizstim, Faults
from aiobizstim.testing._capacity import SharedCapacity
from tests.fake.conftest import fetch


async def _burst(session: aiohttp.ClientSession, fake: FakeBizstim, count: int) -> list[int]:
    results = await asyncio.gather(*(fetch(session, fake, "/api/client?id=1") for _ in range(count)))
    return [status for status, _ in results]


async def test_up_to_the_capacity_every_request_takes_the_latency(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=10, latency=0.1, capacity=3) as fake:
        assert await _burst(session, fake, 3) == [200] * 3
        durations = [r.duration for r in fake.requests]
    assert all(0.09 <= d <= 0.14 for d in durations), durations


async def test_past_the_capacity_requests_share_it(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=10, latency=0.1, capacity=2) as fake:
        assert await _burst(session, fake, 4) == [200] * 4  # 4 <= 2 * 2: served, at half speed
        durations = sorted(r.duration for r in fake.requests)
    # Four requests sharing two servers: each takes twice the latency (throughput stays 2 per 0.1 s).
    assert all(0.18 <= d <= 0.25 for d in durations), durations


async def test_far_past_the_capacity_the_server_sheds_load_with_retry_after(
    session: aiohttp.ClientSession,
) -> None:
    async with FakeBizstim(
        clients=10, latency=0.1, capacity=1, overload=2, faults=Faults(retry_after=3)
    ) as fake:
        tasks = [asyncio.create_task(fetch(session, fake, "/api/client?id=1")) for _ in range(2)]
        await fake.wait_in_flight(2)
        async with session.get(fake.url + "/api/client?id=3", headers={"x-api-key": fake.api_key}) as third:
            assert third.status == 429
            assert third.headers["Retry-After"] == "3"
        assert [status for status, _ in await asyncio.gather(*tasks)] == [200, 200]
        shed = [r for r in fake.requests if r.status == 429]
    assert len(shed) == 1
    assert shed[0].fault == "overload"
    assert shed[0].duration < 0.05  # answered at once


async def test_set_capacity_changes_the_service_of_requests_in_flight() -> None:
    loop = asyncio.get_running_loop()
    shared = SharedCapacity(1)
    start = loop.time()
    jobs = [shared.admit(0.1), shared.admit(0.1)]  # half speed each: done at 0.2 s
    loop.call_later(0.05, shared.set_capacity, 2)  # from 0.05 s, full speed: 0.075 s of work left each
    await asyncio.gather(*jobs)
    assert 0.12 <= loop.time() - start <= 0.16
    assert shared.in_service == 0


async def test_a_withdrawn_request_frees_its_share() -> None:
    loop = asyncio.get_running_loop()
    shared = SharedCapacity(1)
    start = loop.time()
    kept, dropped = shared.admit(0.1), shared.admit(0.1)
    shared.withdraw(dropped)
    await kept
    assert loop.time() - start < 0.14  # served alone, at full speed
    assert dropped.cancelled()
    assert shared.in_service == 0


async def test_capacity_is_changeable_and_checked() -> None:
    fake = FakeBizstim(clients=1, capacity=4)
    before = fake.capacity
    fake.set_capacity(None)
    assert (before, fake.capacity) == (4, None)
    for bad in (0, -1, True, "4"):
        with pytest.raises(ValueError, match="capacity"):
            fake.set_capacity(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="overload"):
        FakeBizstim(clients=1, capacity=2, overload=0.5)
