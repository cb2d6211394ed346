"""Fault injection, latency, the request log, in-flight tracking and drift helpers of FakeBizstim."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time

import aiohttp
import msgspec
import pytest

from aiobizstim.testing import FakeBizstim, Faults, PageRequest
from tests.fake.conftest import fetch, get_json


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_with_json_and_html_bodies(status: int, session: aiohttp.ClientSession) -> None:
    faults = {500: Faults(p_500=1.0), 502: Faults(p_502=1.0), 503: Faults(p_503=1.0)}[status]
    async with FakeBizstim(clients=10, faults=faults) as fake:
        kinds: collections.Counter[str] = collections.Counter()
        for _ in range(40):
            async with session.get(fake.url + "/api/clients", headers={"x-api-key": fake.api_key}) as resp:
                assert resp.status == status
                body = await resp.read()
                if resp.content_type == "text/html":
                    assert b"<center>nginx</center>" in body
                    assert str(status).encode() in body
                    kinds["html"] += 1
                else:
                    assert msgspec.json.decode(body)["status"] == "failure"
                    kinds["json"] += 1
        assert kinds["html"] > 5
        assert kinds["json"] > 5
        assert {r.fault for r in fake.requests} == {str(status)}


async def test_429_carries_retry_after(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=10, faults=Faults(p_429=1.0, retry_after=2)) as fake:
        async with session.get(fake.url + "/api/clients", headers={"x-api-key": fake.api_key}) as resp:
            assert resp.status == 429
            assert resp.headers["Retry-After"] == "2"
        fake.set_faults(Faults(p_429=1.0, retry_after=0.25))
        async with session.get(fake.url + "/api/clients", headers={"x-api-key": fake.api_key}) as resp:
            assert resp.headers["Retry-After"] == "0.25"


async def test_dropped_connection(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=10, faults=Faults(p_drop=1.0)) as fake:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await fetch(session, fake, "/api/clients")
        assert fake.requests[-1].status == 0
        assert fake.requests[-1].fault == "drop"


async def test_truncated_body(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=50, faults=Faults(p_truncate=1.0)) as fake:
        with pytest.raises(aiohttp.ClientPayloadError):
            await fetch(session, fake, "/api/clients")
        assert fake.requests[-1].fault == "truncate"
        # Faults change while running: the next request is clean.
        fake.set_faults(None)
        doc = await get_json(session, fake, "/api/clients")
        assert len(doc["response"]) == 50


async def test_fault_mix_is_seeded_and_roughly_proportional(session: aiohttp.ClientSession) -> None:
    outcomes: list[list[str | None]] = []
    for _ in range(2):
        async with FakeBizstim(clients=10, seed=5, faults=Faults.mixed(0.5, retry_after=0)) as fake:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError):
                    await fetch(session, fake, "/api/testimonials")
            outcomes.append([r.fault for r in fake.requests])
    assert outcomes[0] == outcomes[1]  # same seed, same sequence of faults
    counts = collections.Counter(outcomes[0])
    assert 60 <= 200 - counts[None] <= 140
    assert {"500", "502", "503", "429", "drop", "truncate"} <= set(counts)


async def test_fail_next(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    fake.fail_next(2, "/api/clients", status=503)
    fake.fail_next(1, "/api/discount", status=429, html=True)
    assert (await fetch(session, fake, "/api/testimonials"))[0] == 200  # other paths are unaffected
    assert (await fetch(session, fake, "/api/clients/0/10"))[0] == 503
    assert (await fetch(session, fake, "/api/discounts"))[0] == 429
    assert (await fetch(session, fake, "/api/clients"))[0] == 503
    assert (await fetch(session, fake, "/api/clients"))[0] == 200
    assert (await fetch(session, fake, "/api/discounts"))[0] == 200
    assert [r.fault for r in fake.requests] == [
        None,
        "fail_next:503",
        "fail_next:429",
        "fail_next:503",
        None,
        None,
    ]
    with pytest.raises(ValueError, match="status"):
        fake.fail_next(1, status=200)


async def test_request_log(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    await fetch(session, fake, "/api/client?email=a%40b.c&id=5")
    async with session.get(fake.url + "/api/clients") as resp:  # no key
        assert resp.status == 403
    first, second = fake.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET", "/api/client", {"email": "a@b.c", "id": "5"}, 200
    )  # fmt: skip
    assert list(first.query) == ["email", "id"]
    assert second.status == 403
    assert first.started <= first.finished <= second.started <= second.finished
    assert fake.api_key not in repr(fake.requests)
    assert fake.api_key not in repr(fake)
    fake.reset_stats()
    assert fake.requests == []


async def test_log_limit(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=1, log_limit=20) as fake:
        for _ in range(60):
            await fetch(session, fake, "/api/testimonials")
        assert 20 <= len(fake.requests) <= 22


async def test_latency_and_max_in_flight(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=100, latency=0.05, jitter=0.02) as fake:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.gather(*(fetch(session, fake, f"/api/clients/{i}/1") for i in range(12)))
        elapsed = loop.time() - t0
        assert fake.max_in_flight == 12
        assert fake.in_flight == 0
        assert all(0.049 <= r.duration < 0.5 for r in fake.requests)
        assert elapsed < 0.5  # served concurrently, not one after another
        fake.set_latency(0.0)
        fake.reset_stats()
        await fetch(session, fake, "/api/clients/0/1")
        assert fake.max_in_flight == 1
        assert fake.requests[0].duration < 0.05
    with pytest.raises(ValueError, match="latency"):
        FakeBizstim(latency=-1)


def test_faults_validation() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults(p_500=1.5)
    with pytest.raises(ValueError, match="sum"):
        Faults(p_500=0.6, p_drop=0.6)
    with pytest.raises(TypeError, match="number"):
        Faults(p_429="0.1")  # type: ignore[arg-type]
    mixed = Faults.mixed(0.2)
    assert mixed.total == pytest.approx(0.2)
    assert mixed.p_429 == pytest.approx(0.05)


async def test_insert_and_delete_clients(fake: FakeBizstim, session: aiohttp.ClientSession) -> None:
    ids = fake.client_ids()
    new = fake.insert_clients(3)
    assert fake.client_ids() == ids + new
    front = fake.insert_clients(2, at=0)
    assert fake.client_ids()[:2] == front
    assert fake.delete_clients([ids[0], ids[1], 999_999_999]) == 2
    assert fake.client_ids() == front + ids[2:] + new
    assert (await get_json(session, fake, f"/api/client?id={ids[0]}"))["status"] == "failure"
    assert (await get_json(session, fake, f"/api/client?id={new[0]}"))["response"]["id"] == str(new[0])
    doc = await get_json(session, fake, "/api/clients/0/3")
    assert doc["total"] == len(ids) + 3
    assert [int(r["id"]) for r in doc["response"]] == [*front, ids[2]]


async def test_latency_runs_from_arrival_so_build_time_overlaps_it(session: aiohttp.ClientSession) -> None:
    def slow_build(fake: FakeBizstim, page: PageRequest) -> None:
        time.sleep(0.3)  # stands for a page that takes 300 ms to build (blocks the server like CPU work)

    async with FakeBizstim(clients=10, latency=0.4, drift=slow_build) as fake:
        await fetch(session, fake, "/api/clients/0/5")
        (record,) = fake.requests
        assert 0.4 <= record.duration < 0.6  # the latency, not latency + build time (0.7 s)


async def test_drift_hook_runs_between_page_fetches(session: aiohttp.ClientSession) -> None:
    calls: list[PageRequest] = []

    def drift(fake: FakeBizstim, page: PageRequest) -> None:
        calls.append(page)
        if page.resource == "clients" and page.number == 1:
            fake.delete_clients(fake.client_ids()[:5])  # shifts everything after the first page left

    async with FakeBizstim(clients=30, drift=drift) as fake:
        first = await get_json(session, fake, "/api/clients/0/10")
        second = await get_json(session, fake, "/api/clients/10/10")
        assert first["total"] == 30
        assert second["total"] == 25
        assert int(second["response"][0]["id"]) == fake.client_ids()[10]
        fake.set_drift(None)
        await get_json(session, fake, "/api/clients/20/10")
    assert [(c.resource, c.start, c.limit, c.number) for c in calls] == [
        ("clients", 0, 10, 0),
        ("clients", 10, 10, 1),
    ]


async def test_close_refuses_new_connections_and_lets_in_flight_requests_finish(
    session: aiohttp.ClientSession,
) -> None:
    fake = FakeBizstim(clients=5, latency=0.2)
    await fake.start()
    in_flight = asyncio.create_task(fetch(session, fake, "/api/clients"))
    await asyncio.wait_for(fake.wait_in_flight(1), 5)
    await fake.close()
    status, _ = await in_flight
    assert status == 200
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(session, fake, "/api/clients")
    await fake.close()  # idempotent


async def test_close_cuts_at_once_a_request_held_past_the_grace(session: aiohttp.ClientSession) -> None:
    """A request that would be held for 30 s cannot finish in the 5 s grace: close does not wait for it."""
    fake = FakeBizstim(clients=5, latency=30)
    await fake.start()
    in_flight = asyncio.create_task(fetch(session, fake, "/api/clients"))
    await asyncio.wait_for(fake.wait_in_flight(1), 5)
    async with asyncio.timeout(3):  # the grace is 5 s
        await fake.close()
        with pytest.raises(aiohttp.ClientConnectionError):
            await in_flight
    assert fake.in_flight == 0
    assert [r.status for r in fake.requests] == [0]  # logged, never answered


async def test_a_test_can_wait_for_requests_to_be_logged(session: aiohttp.ClientSession) -> None:
    async with FakeBizstim(clients=5) as fake:
        await get_json(session, fake, "/api/clients/0/5")
        lookup = "/api/client"
        await asyncio.wait_for(fake.wait_for_requests(lambda r: r.path.startswith("/api/clients")), 5)
        waiting = asyncio.create_task(fake.wait_for_requests(lambda r: r.path == lookup, 2))
        ident = fake.client_ids()[0]
        await get_json(session, fake, f"{lookup}?id={ident}")
        assert not waiting.done()  # one of the two
        await get_json(session, fake, "/api/clients/0/5")  # not one it waits for
        await get_json(session, fake, f"{lookup}?id={ident}")
        await asyncio.wait_for(waiting, 5)
        assert sum(r.path == lookup for r in fake.requests) == 2
