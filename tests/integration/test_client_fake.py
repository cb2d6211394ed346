"""The client end to end against FakeBizstim over real loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
import random

import aiohttp
import pytest
from aiohttp import web

from aiobizstim import (
    APIConnectionError,
    AuthenticationError,
    AutoConcurrency,
    Bizstim,
    BizstimError,
    NotFoundError,
    Page,
    RetryPolicy,
    ServerError,
)
from aiobizstim.models import Client, ClientSummary, Discount, Testimonial
from aiobizstim.testing import FakeBizstim, Faults, PageRequest
from tests._loopback import serving

FAST = RetryPolicy(base=0.001, cap=0.01)


def _our_tasks() -> list[asyncio.Task[object]]:
    """Tasks started by the client's iterators that are still alive."""
    names = ("PageIterator", "FanOut")
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and any(n in getattr(t.get_coro(), "__qualname__", "") for n in names)
    ]


async def test_public_api_block(fake_bizstim: FakeBizstim, bizstim_client: Bizstim) -> None:
    fake, bz = fake_bizstim, bizstim_client
    ids = fake.client_ids()

    page = await bz.clients.list(start=0, limit=1000)
    assert isinstance(page, Page)
    assert all(isinstance(c, ClientSummary) for c in page.items)
    assert ([c.id for c in page.items], page.total, page.has_more) == (ids, len(ids), False)

    assert [c.id async for c in bz.clients.iter()] == ids

    full = await bz.clients.get(id=ids[0])
    assert isinstance(full, Client)
    assert full.id == ids[0]
    assert full.username
    assert (await bz.clients.get(username=full.username)).id == ids[0]
    assert full.first_name
    assert full.last_name
    assert (await bz.clients.get(first_name=full.first_name, last_name=full.last_name)).id is not None

    details = [c.id async for c in bz.clients.iter_details()]
    assert details == ids

    link = await bz.ondemand.link("9054554671B", primary_agent_id=0, secondary_agent_id=0)
    assert link == fake.ondemand_link("9054554671B", 0, 0)

    testimonials = await bz.testimonials.list()
    assert testimonials
    assert all(isinstance(t, Testimonial) for t in testimonials)

    discounts = [d async for d in bz.discounts.iter()]
    assert all(isinstance(d, Discount) for d in discounts)
    assert [d.id for d in discounts] == [int(r["id"]) for r in fake.records("discounts")]
    first_id = discounts[0].id
    assert first_id is not None
    assert (await bz.discounts.get(first_id)).code == discounts[0].code


@pytest.mark.parametrize(
    "resource", ["services", "sessions", "payments", "practitioners", "locations", "staffs", "meetourstaff"]
)
async def test_every_paginated_resource(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim, resource: str
) -> None:
    namespace = getattr(bizstim_client, resource)
    expected = [int(r["id"]) for r in fake_bizstim.records(resource)]
    assert [r.id async for r in namespace.iter()] == expected
    first = await namespace.list(limit=2)
    assert [r.id for r in first.items] == expected[:2]
    assert first.total == len(expected)
    if hasattr(namespace, "get"):
        assert (await namespace.get(expected[0])).id == expected[0]


async def test_availability(bizstim_client: Bizstim, fake_bizstim: FakeBizstim) -> None:
    summary = (await bizstim_client.clients.list(limit=1)).items[0]
    assert summary.avail_id is not None
    assert (await bizstim_client.availability.get(summary.avail_id)).id == summary.avail_id


@pytest.mark.parametrize("identifier", ["a/b", "what?#", "100% sure", "Zoë Ünal", "..", "ID 7/8?x=1#frag"])
async def test_ondemand_identifier_arrives_intact(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim, identifier: str
) -> None:
    link = await bizstim_client.ondemand.link(identifier, 200, 242)
    assert link == fake_bizstim.ondemand_link(identifier, 200, 242)
    path = fake_bizstim.requests[-1].path
    assert path.startswith("/ondemand/")
    assert path.endswith("/200/242")
    assert path.count("/") == 4  # the identifier stayed one segment


async def test_writes_round_trip(fake_bizstim: FakeBizstim, bizstim_client: Bizstim) -> None:
    cid = fake_bizstim.client_ids()[0]
    message = await bizstim_client.clients.update(cid, city="Hamilton")
    assert isinstance(message, str)
    assert (await bizstim_client.clients.get(id=cid)).city == "Hamilton"
    assert fake_bizstim.requests[-2].method == "PUT"


async def test_iterating_a_few_thousand_clients_matches_the_fake() -> None:
    async with (
        FakeBizstim(clients=4321, seed=3) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url) as bz,
    ):
        got = [c.id async for c in bz.clients.iter()]
        assert got == fake.client_ids()
        small = [c.id async for c in bz.clients.iter(page_size=250, start=100, max_items=1000)]
        assert small == fake.client_ids()[100:1100]


async def test_concurrency_cap_holds_for_50_coroutines() -> None:
    async with (
        FakeBizstim(clients=200, seed=0, latency=0.01) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, max_concurrency=4) as bz,
    ):
        ids = fake.client_ids()

        async def worker(i: int) -> None:
            await bz.clients.get(id=ids[i])
            [d async for d in bz.discounts.iter(page_size=5)]

        await asyncio.gather(*(worker(i) for i in range(50)))
        assert fake.max_in_flight == 4
        assert bz._transport.max_in_flight == 4


async def test_rate_limit_is_measured_at_the_server() -> None:
    async with (
        FakeBizstim(clients=50, seed=0) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, rate_limit=40) as bz,
    ):
        await asyncio.gather(*(bz.discounts.list() for _ in range(20)))
        starts = sorted(r.started for r in fake.requests)
        assert len(starts) == 20
        assert starts[-1] - starts[0] >= 19 / 40 * 0.9
        for a, b in zip(starts, starts[10:], strict=False):  # no 1-s window holds more than rate + 1
            assert b - a >= 10 / 40 * 0.9


async def test_break_and_cancel_leave_nothing_behind() -> None:
    async with (
        FakeBizstim(clients=3000, seed=0, latency=0.05) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url) as bz,
    ):
        it = bz.clients.iter(page_size=100)
        async for _ in it:
            break
        await it.aclose()
        assert _our_tasks() == []

        details = bz.clients.iter_details(page_size=100)
        count = 0
        async for _ in details:
            count += 1
            if count == 150:
                break
        await details.aclose()
        assert _our_tasks() == []

        async def consume() -> None:
            async for _ in bz.clients.iter(page_size=50):
                pass

        task = asyncio.ensure_future(consume())
        await fake.wait_in_flight(3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert _our_tasks() == []
        assert bz._transport.in_flight == 0
    assert bz.closed


async def test_transient_faults_are_retried_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    async with (
        FakeBizstim(clients=2500, seed=0) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=FAST) as bz,
    ):
        fake.fail_next(3, path_prefix="/api/clients/", status=503, html=True)
        fake.fail_next(1, path_prefix="/api/clients/", status=429)
        assert [c.id async for c in bz.clients.iter()] == fake.client_ids()
        assert bz.stats.retries == 4
        assert sum("retrying GET /api/clients/" in r.getMessage() for r in caplog.records) == 4
        assert fake.api_key not in caplog.text


async def test_permanent_fault_raises_the_typed_error_naming_the_request() -> None:
    async with (
        FakeBizstim(clients=2500, seed=0) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=FAST) as bz,
    ):
        fake.fail_next(100, path_prefix="/api/clients/980/", status=502, html=True)
        with pytest.raises(ServerError) as info:
            [c async for c in bz.clients.iter()]
        assert "GET /api/clients/980/1000" in str(info.value)
        assert info.value.attempts == 11  # the export budget: 10 retries
        assert "<html>" in info.value.body.lower() or "502" in info.value.body


async def test_drift_during_export_keeps_the_guarantee() -> None:
    rng = random.Random(7)
    async with FakeBizstim(clients=6000, seed=1) as fake:
        initial = set(fake.client_ids())

        def drift(f: FakeBizstim, page: PageRequest) -> None:
            if page.number % 2:
                current = f.client_ids()
                f.delete_clients(rng.sample(current, 40))
                f.insert_clients(30, at=rng.randrange(len(current)))

        fake.set_drift(drift)
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            got = [c.id async for c in bz.clients.iter(page_size=200)]  # overlap 4: drift crosses it
        persistent = initial & set(fake.client_ids())
        assert len(got) == len(set(got))
        assert persistent <= set(got)
        assert bz.stats.drift_repairs > 0


async def test_wrong_key_and_unknown_record(fake_bizstim: FakeBizstim) -> None:
    wrong = "x" * 40
    async with Bizstim(api_key=wrong, base_url=fake_bizstim.url) as bz:
        with pytest.raises(AuthenticationError, match="Invalid API key") as info:
            await bz.discounts.list()
        assert wrong not in str(info.value)
        assert info.value.attempts == 1
    async with Bizstim(api_key=fake_bizstim.api_key, base_url=fake_bizstim.url) as bz:
        with pytest.raises((NotFoundError, Exception)) as missing:
            await bz.discounts.get(999_999)
        assert fake_bizstim.api_key not in str(missing.value)


async def test_injected_session_against_the_fake(fake_bizstim: FakeBizstim) -> None:
    async with aiohttp.ClientSession() as session:
        async with Bizstim(api_key=fake_bizstim.api_key, base_url=fake_bizstim.url, session=session) as bz:
            assert (await bz.clients.list(limit=3)).items
        assert not session.closed


async def test_server_gone_is_a_connection_error() -> None:
    async with FakeBizstim(clients=10, seed=0) as fake:
        url, key = fake.url, fake.api_key
    port = url.rsplit(":", 1)[1]
    async with Bizstim(api_key=key, base_url=url, retry_policy=FAST) as bz:
        # In our words: aiohttp's read "Cannot connect to host 127.0.0.1:PORT ssl:default [Connect call
        # failed ('127.0.0.1', PORT)]" (ssl:default for a plain http:// URL). FAST's retries all fit in the
        # first-contact wait (FIRST_CONTACT_WAIT): every one is made.
        with pytest.raises(APIConnectionError) as info:
            await bz.discounts.list()
    assert info.value.message == f"connection refused (127.0.0.1:{port}) after 4 attempts"
    assert info.value.no_connection


async def test_a_refused_first_contact_stops_retrying_after_the_first_contact_wait() -> None:
    """A wrong port took every retry (an export's ten: about 45 s). While the server has never answered,
    a refused connection is retried until the next attempt would start past ``first_contact_wait``."""
    async with FakeBizstim(clients=10, seed=0) as fake:
        url, key = fake.url, fake.api_key
    # Attempts 0.2 s apart: the 4th would start at 0.6 s.
    policy = RetryPolicy(base=0.2, cap=0.2, jitter=0.0, first_contact_wait=0.5)
    async with Bizstim(api_key=key, base_url=url, retry_policy=policy, max_retries=10) as bz:
        with pytest.raises(APIConnectionError, match="after 3 attempts"):
            await bz.discounts.list()


async def test_a_server_that_answered_once_gets_every_retry_when_it_goes() -> None:
    # Once it has answered, a refused connection is a restart: worth every retry (FAST allows 3).
    async with (
        FakeBizstim(clients=10, seed=0) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=FAST) as bz,
    ):
        assert (await bz.discounts.list()).items
        await fake.close()
        with pytest.raises(APIConnectionError, match="after 4 attempts") as info:
            await bz.discounts.list()
    assert info.value.no_connection


async def test_iter_pages_yields_the_records_of_iter_a_page_at_a_time(
    fake_bizstim: FakeBizstim, bizstim_client: Bizstim
) -> None:
    pages = [page async for page in bizstim_client.clients.iter_pages(page_size=40, max_items=170)]
    assert all(pages)
    assert [c.id for page in pages for c in page] == fake_bizstim.client_ids()[:170]
    assert max(len(page) for page in pages) <= 40


async def test_stats_count_the_requests_aiohttp_resends_silently(caplog: pytest.LogCaptureFixture) -> None:
    # aiohttp re-sends a GET once, by itself, when the connection drops before the response; the stats
    # count what really went over the wire, so each of the 2 attempts here is 2 requests at the server.
    async with FakeBizstim(clients=10, seed=2, faults=Faults(p_drop=1.0)) as fake:
        async with Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=FAST) as bz:
            with pytest.raises(APIConnectionError):
                await bz.discounts.get(1, max_retries=1)
            stats = bz.stats
        sent = len(fake.requests)
    assert sent == 4
    assert (stats.requests, stats.retries, stats.errors) == (4, 3, 1)
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrying")]
    assert len(retries) == 3  # each retry is a warning, aiohttp's own re-sends too
    assert sum("aiohttp re-sends it by itself" in m for m in retries) == 2


async def test_a_write_is_sent_exactly_once_even_a_put_aiohttp_would_resend() -> None:
    # The client never retries a write, and aiohttp, which re-sends a GET or a PUT (idempotent in HTTP) once
    # by itself when the connection drops before any answer, does not re-send ours: Bizstim's PUTs create
    # records. A POST is sent once too.
    async with FakeBizstim(clients=10, seed=2, faults=Faults(p_drop=1.0)) as fake:
        client_id = fake.client_ids()[0]
        async with Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=FAST) as bz:
            with pytest.raises(APIConnectionError):
                await bz.clients.update(client_id, first_name="Ann")
            assert (bz.stats.requests, bz.stats.retries) == (1, 0)
            with pytest.raises(APIConnectionError):
                await bz.payments.create(client_id=client_id, revenue_amount="10.00", send_email=False)
            assert (bz.stats.requests, bz.stats.retries) == (2, 0)
        assert [r.method for r in fake.requests] == ["PUT", "POST"]


async def test_an_injected_sessions_put_is_sent_once_too() -> None:
    async with (
        FakeBizstim(clients=10, seed=2, faults=Faults(p_drop=1.0)) as fake,
        aiohttp.ClientSession() as session,
        Bizstim(api_key=fake.api_key, base_url=fake.url, session=session) as bz,
    ):
        with pytest.raises(APIConnectionError):
            await bz.clients.update(fake.client_ids()[0], first_name="Ann")
    assert [r.method for r in fake.requests] == ["PUT"]


async def test_an_injected_session_keeps_its_own_tracing() -> None:
    seen: list[str] = []
    config = aiohttp.TraceConfig()

    async def start(session: object, context: object, params: aiohttp.TraceRequestStartParams) -> None:
        seen.append(f"{params.method} {params.url.path}")

    config.on_request_start.append(start)
    async with (
        FakeBizstim(clients=10, seed=2) as fake,
        aiohttp.ClientSession(trace_configs=[config]) as session,
        Bizstim(api_key=fake.api_key, base_url=fake.url, session=session) as bz,
    ):
        await bz.clients.list(limit=1)
        assert bz.stats.requests == 1
    assert seen == ["GET /api/clients/0/1"]


class _LookupCounter:
    """Counts the detail lookups a session starts and finishes; ``reached`` is set at ``target`` finished."""

    def __init__(self, target: int) -> None:
        self.started = self.finished = 0
        self.target = target
        self.reached = asyncio.Event()
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)
        self.config.on_request_end.append(self._end)

    async def _start(self, session: object, context: object, params: aiohttp.TraceRequestStartParams) -> None:
        self.started += params.url.path == "/api/client"

    async def _end(self, session: object, context: object, params: aiohttp.TraceRequestEndParams) -> None:
        self.finished += params.url.path == "/api/client"
        if self.finished == self.target:
            self.reached.set()


@pytest.mark.parametrize(("max_concurrency", "lookahead", "expected"), [(8, 40, 40), (16, None, 256)])
async def test_iter_details_looks_ahead_no_further_than_documented(
    max_concurrency: int, lookahead: int | None, expected: int
) -> None:
    """Issue 12: while the consumer holds one record, the lookups started stop at ``lookahead`` (256 by
    default: "a few hundred records at most")."""
    counter = _LookupCounter(expected)
    async with (
        FakeBizstim(clients=3000, seed=4) as fake,
        aiohttp.ClientSession(trace_configs=[counter.config]) as session,
        Bizstim(
            api_key=fake.api_key, base_url=fake.url, max_concurrency=max_concurrency, session=session
        ) as bz,
    ):
        details = bz.clients.iter_details(lookahead=lookahead)
        first = await details.__anext__()
        assert first.id == fake.client_ids()[0]
        assert details.total == 3000
        await asyncio.wait_for(counter.reached.wait(), timeout=20)
        assert counter.started == expected
        await details.aclose()


async def test_more_than_a_hundred_requests_reach_the_server_at_once() -> None:
    # aiohttp's default connector holds at most 100 connections: the client's own cap must be the only one
    # (here an adaptive one starting at 150; a fixed cap goes the same way).
    async with (
        FakeBizstim(clients=10, latency=3.0) as fake,
        Bizstim(
            api_key=fake.api_key, base_url=fake.url, max_concurrency=AutoConcurrency(minimum=150, maximum=200)
        ) as bz,
    ):
        first = fake.client_ids()[0]
        lookups = asyncio.gather(*(bz.clients.get(first) for _ in range(150)))
        async with asyncio.timeout(20):  # a bound on the test, not a wait: it returns as soon as they are in
            await fake.wait_in_flight(150)
        assert {client.id for client in await lookups} == {first}


async def test_iter_details_skips_a_client_deleted_between_list_and_lookup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client listed, then deleted before its lookup (the API answers "No client found"), is skipped,
    counted and logged, as the drift guarantee allows for a record deleted meanwhile; it failed the whole
    iteration with NotFoundError."""
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    async with FakeBizstim(clients=300, seed=8) as fake:
        initial = fake.client_ids()
        victim = initial[80]  # on the first page
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            details = bz.clients.iter_details(page_size=100, concurrency=8, lookahead=64)
            ids = []
            async for client in details:
                ids.append(client.id)
                if len(ids) == 1:  # listed; its lookup, 80 on, past the 64 started ahead
                    fake.delete_clients([victim])
            checkpoint = details.checkpoint()
            assert bz.stats.records_gone == 1
        assert ids == [i for i in initial if i != victim]
        assert f"client {victim} is gone since it was listed (No client found)" in caplog.text
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:  # the checkpoint covers it
            rest = [c.id async for c in bz.clients.iter_details(page_size=100, resume=checkpoint)]
        assert rest == []


async def test_iter_details_fails_on_a_404_that_is_no_answer_about_the_client() -> None:
    """Only the API's own "no such client" means a client is gone: a route answering 404 to every lookup
    (a proxy, a wrong base path) skipped every client, and the export ended with 0 records and exit 0."""
    async with FakeBizstim(clients=300, seed=8) as fake:
        fake.fail_next(1000, "/api/client?", status=404)
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            with pytest.raises(NotFoundError):
                [c.id async for c in bz.clients.iter_details(page_size=100)]
            assert bz.stats.records_gone == 0


@pytest.mark.parametrize(
    ("status", "message", "gone"),
    [
        (200, "No client found", True),
        (404, "No client found", True),  # the same answer with a 404
        (200, "Client not found", True),
        (200, "Your trial has ended", False),  # about the account: every lookup would say so
        (400, "Invalid API key", False),
        (200, "No search parameters provided", False),
    ],
)
async def test_iter_details_takes_only_a_not_found_answer_for_a_client_gone(
    status: int, message: str, gone: bool
) -> None:
    """A failure envelope about the request or the account skipped every client as deleted (0 records,
    exit 0); the API's "not found" came with a 404 failed the export."""

    async def page(request: web.Request) -> web.Response:
        rows = [{"id": str(i)} for i in range(1, 4)]
        return web.json_response({"status": "success", "total": 3, "response": rows})

    async def lookup(request: web.Request) -> web.Response:
        if request.query["id"] == "2":
            return web.json_response({"status": "failure", "response": message}, status=status)
        return web.json_response({"status": "success", "response": {"id": request.query["id"]}})

    app = web.Application()
    app.router.add_get("/api/clients/{start}/{limit}", page)
    app.router.add_get("/api/client", lookup)
    async with serving(app) as url, Bizstim(api_key="k" * 40, base_url=url, max_retries=0) as bz:
        if gone:
            assert [c.id async for c in bz.clients.iter_details()] == [1, 3]
            assert bz.stats.records_gone == 1
        else:
            with pytest.raises(BizstimError, match=message):
                [c.id async for c in bz.clients.iter_details()]
            assert bz.stats.records_gone == 0
