"""Issue 13, points 2 and 3: one shape for every single-record lookup, and "no such record" is catchable."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from aiobizstim import APIResponseError, APIStatusError, Bizstim, NotFoundError
from aiobizstim.testing import FakeBizstim

LOOKUPS = ["clients", "discounts", "services", "payments", "locations", "availability"]


def _first_id(fake: FakeBizstim, resource: str) -> int:
    if resource == "clients":
        return fake.client_ids()[0]
    return int(fake.records(resource)[0]["id"])


@pytest.mark.parametrize("resource", LOOKUPS)
async def test_every_lookup_takes_the_id_positionally_and_by_name(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim, resource: str
) -> None:
    namespace = getattr(bizstim_client, resource)
    ident = _first_id(fake_bizstim, resource)
    by_position = await namespace.get(ident)
    by_name = await namespace.get(id=ident)
    assert by_position == by_name


@pytest.mark.parametrize("resource", LOOKUPS)
async def test_no_such_record_is_a_not_found_error_whatever_the_server_sends(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim, resource: str
) -> None:
    get: Callable[..., Awaitable[Any]] = getattr(bizstim_client, resource).get
    with pytest.raises(NotFoundError) as envelope:  # the fake answers a 200 failure envelope
        await get(987654)
    assert not isinstance(envelope.value.__cause__, NotFoundError)
    assert isinstance(envelope.value.__cause__, APIResponseError)
    assert "found" in envelope.value.message
    path = "/api/client" if resource == "clients" else f"/api/{resource.rstrip('s')}/"
    fake_bizstim.fail_next(1, path, status=404)
    with pytest.raises(NotFoundError) as http_404:
        await get(_first_id(fake_bizstim, resource))
    assert http_404.value.status == 404


@pytest.mark.parametrize("status", [400, 409, 422])
async def test_a_failure_envelope_of_another_status_is_not_taken_for_no_such_record(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim, status: int
) -> None:
    """A 400, 409 or 422 with a failure envelope is about the request, not the record: code that drops its
    copy of a record on NotFoundError must not do so then (a review found them all NotFoundError)."""
    fake_bizstim.fail_next(1, "/api/client", status=status)
    with pytest.raises(APIResponseError) as info:
        await bizstim_client.clients.get(fake_bizstim.client_ids()[0])
    error: Exception = info.value
    assert not isinstance(error, NotFoundError)
    assert isinstance(error.__cause__, APIStatusError)
    assert error.__cause__.status == status


@pytest.mark.parametrize("resource", LOOKUPS)
async def test_a_bad_id_is_named_as_the_user_passed_it(bizstim_client: Bizstim, resource: str) -> None:
    get = getattr(bizstim_client, resource).get
    with pytest.raises(ValueError, match=r"^id must be a positive int"):
        await get(0)
    with pytest.raises(TypeError, match=r"^id must be an int"):
        await get(id="17")


async def test_iter_pages_resumes_from_a_checkpoint_in_a_new_client() -> None:
    """Issue 14, point 3 over loopback: checkpoint, stop, change the list, continue with a new client."""
    async with FakeBizstim(clients=5000, seed=6) as fake:
        first: list[int] = []
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            pages = bz.clients.iter_pages(page_size=200)
            async for batch in pages:
                first += [c.id for c in batch]
                if len(first) >= 1500:
                    break
            token = json.loads(json.dumps(pages.checkpoint()))
            await pages.aclose()
        original = set(fake.client_ids())
        fake.delete_clients(fake.client_ids()[100:140] + fake.client_ids()[3000:3050])
        fake.insert_clients(30, at=10)
        fake.insert_clients(30, at=2500)
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            rest = [c.id async for c in bz.clients.iter(page_size=200, resume=token)]
            requests = bz.stats.requests
    got = first + rest
    assert len(got) == len(set(got))
    assert (original & set(fake.client_ids())) <= set(got)
    assert requests < 5000 // 196 * 0.8  # about the remaining share, not every page again


@pytest.mark.parametrize("stop_after", [0, 1, 37, 200, 1234])
async def test_iter_checkpoints_between_any_two_records(stop_after: int) -> None:
    """``iter()`` took ``resume=`` but had no checkpoint: the records of a page come one at a time, so its
    checkpoint covers exactly those handed out, mid-page too (a library-user review)."""
    async with FakeBizstim(clients=3000, seed=8) as fake:
        first: list[int] = []
        async with (
            Bizstim(api_key=fake.api_key, base_url=fake.url) as bz,
            bz.clients.iter(page_size=200) as it,
        ):
            while len(first) < stop_after:
                first.append((await anext(it)).id)
            token = json.loads(json.dumps(it.checkpoint()))
        original = set(fake.client_ids())
        fake.delete_clients(fake.client_ids()[2000:2030])
        fake.insert_clients(25, at=5)
        fake.insert_clients(25, at=2500)
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            rest = [c.id async for c in bz.clients.iter(page_size=200, resume=token)]
    got = first + rest
    assert len(got) == len(set(got))  # none twice
    assert (original & set(fake.client_ids())) <= set(got)  # none missed that existed throughout
    assert first == sorted(original)[:stop_after]
    listed = fake.client_ids()
    assert rest == [i for i in listed if i not in set(first)][-len(rest) :]  # in list order, from the stop


async def test_an_iter_checkpoint_in_the_last_page_of_max_items_keeps_the_rest() -> None:
    """The last page's records past max_items were remembered as handed out: a checkpoint inside that page
    resumed with nothing (a code review found it)."""
    async with FakeBizstim(clients=100, seed=8) as fake:
        async with (
            Bizstim(api_key=fake.api_key, base_url=fake.url) as bz,
            bz.clients.iter(page_size=10, max_items=25) as it,
        ):
            first = [(await anext(it)).id for _ in range(22)]
            token = it.checkpoint()
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            rest = [c.id async for c in bz.clients.iter(page_size=10, max_items=25, resume=token)]
    assert first + rest == fake.client_ids()[:25]


async def test_checkpoints_within_a_page_share_one_compressed_bitmap() -> None:
    """The ids handed out before the page are copied and compressed once per page, not per checkpoint: a
    checkpoint after every record of a long export stays cheap."""
    async with (
        FakeBizstim(clients=500, seed=8) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url) as bz,
        bz.clients.iter(page_size=200) as it,
    ):
        for _ in range(250):  # into the second page
            await anext(it)
        one = it.checkpoint()
        await anext(it)
        two = it.checkpoint()
    assert one["seen"]["bits"] is two["seen"]["bits"]
    assert len(two["taken"]) == len(one["taken"]) + 1
