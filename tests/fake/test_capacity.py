"""FakeBizstim's capacity model: processor sharing past ``capacity``, 429 past ``overload * capacity``; a
capacity schedule."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import pytest

from aiobizstim.testing import CapacitySchedule, FakeBizstim, Faults
from aiobizstim.testing._capacity import SharedCapacity
from tests._clock import hand_clock
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


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        ("24", CapacitySchedule(24)),
        ("24,10s:12,30s:24", CapacitySchedule(24, ((10, 12), (30, 24)))),
        (" 2.5 , 0.5s : 1 ,1e3s:8", CapacitySchedule(2.5, ((0.5, 1), (1000, 8)))),
    ],
)
def test_a_capacity_schedule_parses(text: str, schedule: CapacitySchedule) -> None:
    assert CapacitySchedule.parse(text) == schedule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the capacity schedule is empty"),
        (" ", "the capacity schedule is empty"),
        ("10s:12,30s:24", "must begin with the capacity at the start (e.g. 24,10s:12), not '10s:12'"),
        (",10s:12", "must begin with the capacity at the start (e.g. 24,10s:12), not ''"),
        ("many", "schedule start 'many': the capacity must be a positive number"),
        ("0,10s:12", "schedule start '0': the capacity must be a positive number"),
        ("24,10:12", "schedule step '10:12' is not <seconds>s:<capacity> (e.g. 10s:12)"),
        ("24,10s", "schedule step '10s' is not <seconds>s:<capacity> (e.g. 10s:12)"),
        ("24,10s:x", "schedule step '10s:x' is not <seconds>s:<capacity>"),
        ("24,,10s:12", "schedule step '' is not <seconds>s:<capacity>"),
        ("24,0s:12", "schedule step '0s:12': the time must be a positive number of seconds"),
        ("24,infs:12", "schedule step 'infs:12': the time must be a positive number of seconds"),
        ("24,10s:-1", "schedule step '10s:-1': the capacity must be a positive number"),
        ("24,10s:nan", "schedule step '10s:nan': the capacity must be a positive number"),
        ("24,10s:12,10s:6", "schedule step '10s:6' is not later than the step before it (10s)"),
        ("24,30s:12,10s:24", "schedule step '10s:24' is not later than the step before it (30s)"),
    ],
)
def test_a_bad_capacity_schedule_is_one_line_naming_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        CapacitySchedule.parse(text)
    assert "\n" not in str(info.value)


def test_a_capacity_schedule_built_in_code_is_checked_too() -> None:
    with pytest.raises(ValueError, match="schedule step '5s:2' is not later"):
        CapacitySchedule(4, ((10, 1), (5, 2)))
    with pytest.raises(ValueError, match="schedule start '4': the capacity"):
        CapacitySchedule("4", ())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capacity or capacity_schedule, not both"):
        FakeBizstim(clients=1, capacity=4, capacity_schedule=CapacitySchedule(4))
    with pytest.raises(
        ValueError, match=r"^schedule changes \[\(10,\)\]: expected \(seconds, capacity\) pairs$"
    ):
        CapacitySchedule(4, [(10,)])  # type: ignore[arg-type]
    pairs: Any = [(10, 2)]  # a list, as code may well pass: kept as a tuple (frozen, hashable)
    listed = CapacitySchedule(4, pairs)
    assert isinstance(listed.changes, tuple)
    assert listed == CapacitySchedule(4, ((10, 2),))
    assert hash(listed) == hash(CapacitySchedule(4, ((10, 2),)))


def test_the_fake_takes_a_capacity_schedule_as_the_clis_text_too() -> None:
    assert FakeBizstim(clients=1, capacity_schedule="24,10s:12").capacity == 24
    assert FakeBizstim(clients=1, capacity_schedule="8").capacity == 8
    with pytest.raises(ValueError, match=r"^schedule step 'x' "):
        FakeBizstim(clients=1, capacity_schedule="24,x")
    with pytest.raises(
        TypeError, match=r"^capacity_schedule must be a CapacitySchedule or its text .*got int 24$"
    ):
        FakeBizstim(clients=1, capacity_schedule=24)  # type: ignore[arg-type]


async def test_a_capacity_schedule_changes_the_capacity_at_its_times_from_the_start() -> None:
    fake = FakeBizstim(clients=1, capacity_schedule=CapacitySchedule.parse("24,10s:12,30s:6"))
    assert fake.capacity == 24  # before the start too
    with hand_clock() as clock:
        await clock.move_to(5)  # not started yet: the schedule has not begun
        await fake.start()
        try:
            seen = []
            for at in (0, 9.999, 10, 29.999, 30, 100):
                await clock.move_to(5 + at)
                seen.append(fake.capacity)
            assert seen == [24, 24, 12, 12, 6, 6]
        finally:
            await fake.close()


async def test_set_capacity_holds_until_the_next_change_and_close_ends_the_schedule() -> None:
    fake = FakeBizstim(clients=1, capacity_schedule=CapacitySchedule(24, ((10, 12), (30, 6))))
    with hand_clock() as clock:
        await fake.start()
        try:
            fake.set_capacity(3)
            await clock.move_to(9.999)
            assert fake.capacity == 3
            await clock.move_to(10)
            assert fake.capacity == 12
        finally:
            await fake.close()
        await clock.move_to(30)
        assert fake.capacity == 12
