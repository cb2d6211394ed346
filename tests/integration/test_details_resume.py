"""Issue 14, point 3 for ``clients.iter_details()`` over loopback: a checkpoint between records, a stop with
lookups running ahead, the list changed while stopped, and a resume in a new client."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from aiobizstim import Bizstim
from aiobizstim.testing import FakeBizstim

CLIENTS = 2000
PAGE = 200  # pages overlap by 4: the first hands out 200 records, the others 196 each (200, 396, 592...)


def lookups(fake: FakeBizstim, since: float = 0.0) -> list[int]:
    """The ids looked up in requests that arrived at ``since`` or later (``time.monotonic()``)."""
    return [int(r.query["id"]) for r in fake.requests if r.path == "/api/client" and r.started >= since]


def list_pages(fake: FakeBizstim, since: float) -> int:
    return sum(r.path.startswith("/api/clients/") and r.started >= since for r in fake.requests)


async def stop_after(fake: FakeBizstim, count: int) -> tuple[list[int], Any]:
    """Take ``count`` full records, then a checkpoint (through JSON, as a state file) and stop."""
    got: list[int] = []
    async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
        details = bz.clients.iter_details(page_size=PAGE, concurrency=8, lookahead=64)
        async for client in details:
            got.append(client.id)
            if len(got) == count:
                break
        # The scenario needs lookups ahead of the consumer at the stop. At a page boundary the next page's
        # lookups are started but may not have reached the server when the last record is handed out: let
        # one arrive (the event loop runs them; the iterator's state, and so the checkpoint, stays as is).
        async with asyncio.timeout(5):
            await fake.wait_for_requests(lambda request: request.path == "/api/client", count + 1)
        token = json.loads(json.dumps(details.checkpoint()))
        await details.aclose()
    return got, token


async def resume(fake: FakeBizstim, token: Any) -> list[int]:
    async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
        return [c.id async for c in bz.clients.iter_details(page_size=PAGE, concurrency=8, resume=token)]


@pytest.mark.parametrize("count", [1, 150, PAGE, 2 * PAGE - 4, 1000])
async def test_resume_after_a_stop_with_lookups_in_flight_and_the_list_changed(count: int) -> None:
    async with FakeBizstim(clients=CLIENTS, seed=count) as fake:
        fake.set_latency(0.001, jitter=0.002)  # lookups finish out of order
        original = fake.client_ids()
        first, token = await stop_after(fake, count)
        assert first == original[:count]
        assert len(lookups(fake)) > count  # lookups ran ahead of the consumer and were dropped at the stop
        # While stopped: delete clients handed out, looked up ahead and not read yet; insert some anywhere.
        fake.delete_clients(original[count - 1 : count + 30] + original[1500:1520] + original[:5])
        inserted = fake.insert_clients(10, at=0) + fake.insert_clients(10, at=count)
        inserted += fake.insert_clients(10, at=1700)
        resumed = time.monotonic()  # requests of the first run may still be logged after this
        rest = await resume(fake, token)
        now = fake.client_ids()
        got = first + rest
        assert len(got) == len(set(got)), "a client was yielded twice"
        assert set(original) & set(now) <= set(got), "a client that existed throughout was missed"
        assert set(got) <= set(original) | set(inserted)
        position = {ident: n for n, ident in enumerate(now)}
        assert rest == sorted(rest, key=position.__getitem__), "not in list order"
        assert sorted(lookups(fake, resumed)) == sorted(rest)  # looked up only the clients not yielded
        assert list_pages(fake, resumed) <= (CLIENTS - count) // (PAGE - 4) + 3  # the remaining pages


async def test_a_client_deleted_between_list_and_lookup_is_skipped_and_covered() -> None:
    async with FakeBizstim(clients=CLIENTS, seed=3) as fake:
        original = fake.client_ids()
        got: list[int] = []
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            details = bz.clients.iter_details(page_size=PAGE, concurrency=8, lookahead=64)
            async for client in details:
                got.append(client.id)
                if len(got) == 1:  # its summary was read with the first page, its lookup not started
                    fake.delete_clients([original[150]])
            token = json.loads(json.dumps(details.checkpoint()))
            assert bz.stats.records_gone == 1
        assert got == fake.client_ids() == [i for i in original if i != original[150]]
        assert await resume(fake, token) == []  # the checkpoint covers the skipped client too


async def test_a_checkpoint_of_another_iterator_or_size_is_refused(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim
) -> None:
    clients = bizstim_client.clients
    pages_token = json.loads(json.dumps(clients.iter_pages(page_size=PAGE).checkpoint()))
    details_token = json.loads(json.dumps(clients.iter_details(page_size=PAGE).checkpoint()))
    with pytest.raises(ValueError, match=r"taken by another kind of iterator \('pages'\)"):
        clients.iter_details(page_size=PAGE, resume=pages_token)
    with pytest.raises(ValueError, match=r"taken by another kind of iterator \('fan-out'\)"):
        clients.iter_pages(page_size=PAGE, resume=details_token)
    with pytest.raises(ValueError, match=r"taken by another kind of iterator \('fan-out'\)"):
        clients.iter(page_size=PAGE, resume=details_token)
    with pytest.raises(ValueError, match=f"in pages of {PAGE}, not clients from 0 in pages of 100"):
        clients.iter_details(page_size=100, resume=details_token)
    with pytest.raises(ValueError, match=r"taken for clients from offset 0 .* not clients from 5"):
        clients.iter_details(page_size=PAGE, start=5, resume=details_token)
    for garbage in ("resume me", [1, 2], {"version": 1, "kind": "fan-out", "source": "x"}):
        with pytest.raises(ValueError, match="not a usable checkpoint"):
            clients.iter_details(page_size=PAGE, resume=garbage)
    fresh = clients.iter_details(page_size=PAGE, resume=details_token)  # taken before any record
    assert (await anext(fresh)).id == fake_bizstim.client_ids()[0]
    await fresh.aclose()
