"""The async iterators over an in-memory list: order, window, dedupe, stall detection, drift, cleanup."""

from __future__ import annotations

import asyncio
import os
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from aiobizstim import ClientStats, PaginationDriftError, PaginationStalledError
from aiobizstim._pagination import DecodedPage, FanOut, PageIterator, RawPage, RecordIterator


@dataclass
class Rec:
    id: int


class FakeList:
    """A server-side list of ids with optional per-fetch mutation, latency and fetch accounting."""

    def __init__(self, n: int, *, total_offset: int = 0) -> None:
        self.ids = list(range(1, n + 1))
        self.next_id = n + 1
        self.in_flight = 0
        self.peak = 0
        self.fetches: list[int] = []
        self.cancelled = 0
        self.before_fetch: Callable[[FakeList, int], None] | None = None
        self.delay: Callable[[int], float] = lambda offset: 0.0
        self.ignore_start = False

    async def fetch(self, offset: int, limit: int) -> DecodedPage[Rec]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay(offset))
            if self.before_fetch is not None:
                self.before_fetch(self, offset)
            self.fetches.append(offset)
            start = 0 if self.ignore_start else offset
            items = [Rec(i) for i in self.ids[start : start + limit]]
            return DecodedPage(offset, limit, items, len(self.ids), len(items))
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1


def records(
    fetch: Callable[[int, int], Awaitable[DecodedPage[Rec] | RawPage[Rec]]], **options: Any
) -> RecordIterator[Rec]:
    return RecordIterator(PageIterator(fetch, **options))


async def collect(it: AsyncIterator[Rec]) -> list[int]:
    return [r.id async for r in it]


async def test_yields_every_record_in_order_with_out_of_order_completion() -> None:
    data = FakeList(1050)
    rng = random.Random(1)
    data.delay = lambda offset: rng.random() * 0.003
    got = await collect(records(data.fetch, start=0, page_size=50, max_items=None, window=4, overlap=0))
    assert got == data.ids
    assert data.peak <= 4


async def test_window_bounds_the_pages_in_flight() -> None:
    data = FakeList(2000)
    data.delay = lambda offset: 0.001
    await collect(records(data.fetch, start=0, page_size=20, max_items=None, window=3))
    assert data.peak == 3


async def test_overlap_costs_a_few_pages_and_yields_no_duplicates() -> None:
    data = FakeList(1000)
    stats = ClientStats()
    got = await collect(records(data.fetch, start=0, page_size=100, max_items=None, window=4, stats=stats))
    assert got == data.ids
    assert len(data.fetches) == 11  # 10 pages + the ~2 % overlap
    assert stats.duplicates_dropped == 20


async def test_start_and_max_items() -> None:
    data = FakeList(500)
    got = await collect(records(data.fetch, start=100, page_size=40, max_items=95, window=2))
    assert got == list(range(101, 196))


async def test_empty_list() -> None:
    data = FakeList(0)
    assert await collect(records(data.fetch, start=0, page_size=10, max_items=None, window=2)) == []


async def test_server_ignoring_start_is_detected_not_looped() -> None:
    data = FakeList(100)
    data.ignore_start = True
    with pytest.raises(PaginationStalledError, match="stalled"):
        await collect(records(data.fetch, start=0, page_size=10, max_items=None, window=3))
    assert len(data.fetches) <= 5


@pytest.mark.parametrize("window", [1, 3])
async def test_a_page_repeated_because_the_list_moved_by_the_step_is_not_a_stall(window: int) -> None:
    """Inserting exactly one step's worth of records in front of the reader shows the next page the records
    the previous one had, at its own offset: drift (the total grew by as much), not a server ignoring start.
    (Deleting that many between a prefetched page and a bridge read after it does the same, in reverse.)"""
    data = FakeList(100)
    page_size, overlap = 10, 1
    step = page_size - overlap

    def shift_right_by_a_step(lst: FakeList, offset: int) -> None:
        if offset == step and lst.fetches == [0]:
            lst.ids[:0] = range(lst.next_id, lst.next_id + step)
            lst.next_id += step

    data.before_fetch = shift_right_by_a_step
    got = await collect(
        records(data.fetch, start=0, page_size=page_size, max_items=None, window=window, overlap=overlap)
    )
    assert data.fetches[:2] == [0, step]  # the insertion happened as planned
    assert len(got) == len(set(got))
    assert got[:100] == list(range(1, 101))  # every record that existed throughout, in order


async def test_a_server_ignoring_start_on_a_fast_growing_list_is_still_detected() -> None:
    """Each page read appends a step's worth of rows, so each repeat of the first page comes with a total
    that explains it as drift: allowed twice in a row, then it is a stall (the walk never ended)."""
    data = FakeList(100)
    data.ignore_start = True
    page_size, overlap = 10, 1

    def grow(lst: FakeList, offset: int) -> None:
        lst.ids.extend(range(lst.next_id, lst.next_id + page_size - overlap))
        lst.next_id += page_size - overlap

    data.before_fetch = grow
    with pytest.raises(PaginationStalledError, match="stalled"):
        async with asyncio.timeout(10):
            await collect(
                records(data.fetch, start=0, page_size=page_size, max_items=None, window=1, overlap=overlap)
            )
    assert len(data.fetches) <= 6


@pytest.mark.parametrize("bursts", [3, 6])
async def test_many_repeats_explained_by_real_insertions_are_drift_not_a_stall(bursts: int) -> None:
    """One step of records inserted in front before each of several reads: every page repeats the one before
    and the total explains it. Past two in a row, one page read far off tells a server that honours start
    (this one) from one that ignores it; three were reported as a stalled server."""
    data = FakeList(100)
    page_size, overlap = 10, 1
    step = page_size - overlap

    def insert_in_front(lst: FakeList, offset: int) -> None:
        if 1 <= len(lst.fetches) <= bursts:
            lst.ids[:0] = range(lst.next_id, lst.next_id + step)
            lst.next_id += step

    data.before_fetch = insert_in_front
    got = await collect(
        records(data.fetch, start=0, page_size=page_size, max_items=None, window=1, overlap=overlap)
    )
    assert len(got) == len(set(got))
    assert set(range(1, 101)) <= set(got)


async def test_records_are_never_yielded_twice_when_pages_repeat_records() -> None:
    data = FakeList(300)

    def insert_front(lst: FakeList, offset: int) -> None:  # shifts later pages right: they repeat records
        if offset:
            lst.ids.insert(0, lst.next_id)
            lst.next_id += 1

    data.before_fetch = insert_front
    got = await collect(records(data.fetch, start=0, page_size=20, max_items=None, window=1))
    assert len(got) == len(set(got))
    assert set(range(1, 301)) <= set(got)


@pytest.mark.parametrize("seed", range(int(os.environ.get("DRIFT_SEEDS", "12"))))
async def test_drift_never_misses_a_record_that_exists_throughout(seed: int) -> None:
    rng = random.Random(seed)
    data = FakeList(3000)
    initial = set(data.ids)
    deleted: set[int] = set()

    def drift(lst: FakeList, offset: int) -> None:  # a third of the fetches see up to 30 deletes + 30 inserts
        if rng.random() > 1 / 3:
            return
        for _ in range(rng.randrange(0, 30)):
            victim = lst.ids.pop(rng.randrange(len(lst.ids)))
            deleted.add(victim)
        for _ in range(rng.randrange(0, 30)):
            lst.ids.insert(rng.randrange(len(lst.ids) + 1), lst.next_id)
            lst.next_id += 1

    data.before_fetch = drift  # no random latency: each seed replays exactly
    stats = ClientStats()
    got = await collect(
        records(data.fetch, start=0, page_size=100, max_items=None, window=4, stats=stats, max_repairs=8)
    )
    assert len(got) == len(set(got))
    assert not (initial - deleted) - set(got)
    _assert_list_order(got, data.ids)


def _assert_list_order(got: list[int], final: list[int]) -> None:
    position = {cid: n for n, cid in enumerate(final)}
    still_there = [i for i in got if i in position]
    assert still_there == sorted(still_there, key=position.__getitem__)


@pytest.mark.parametrize("shift", [10, -10, 30, -30])
async def test_heavy_drift_behind_the_reader_on_every_fetch(shift: int) -> None:
    rng = random.Random(shift)
    data = FakeList(5000)
    initial = set(data.ids)
    deleted: set[int] = set()

    def drift(lst: FakeList, offset: int) -> None:  # every request moves the list by |shift| behind it
        for _ in range(abs(shift)):
            at = rng.randint(0, max(offset - 1, 0))
            if shift > 0:
                lst.ids.insert(at, lst.next_id)
                lst.next_id += 1
            elif lst.ids:
                deleted.add(lst.ids.pop(min(at, len(lst.ids) - 1)))

    data.before_fetch = drift
    stats = ClientStats()
    got = await collect(records(data.fetch, start=0, page_size=100, max_items=None, window=4, stats=stats))
    assert len(got) == len(set(got))
    assert not (initial - deleted) - set(got)
    _assert_list_order(got, data.ids)
    if shift < 0:  # deletions behind the reader open gaps between pages; inserts only add overlap
        assert stats.drift_repairs > 0


@pytest.mark.parametrize("order", ["ascending", "shuffled"])
@pytest.mark.parametrize("at", [5, 12, 14, 35, 99, 140])
async def test_an_id_repeated_further_on_drops_that_row_only(order: str, at: int) -> None:
    """A row listed twice (a JOIN, a list ordered by name): its second copy is dropped, and nothing before
    it (those records are not behind the reader: the page links to the one before where they begin)."""
    data = FakeList(150)
    if order == "shuffled":
        random.Random(at).shuffle(data.ids)
    listed = list(data.ids)
    data.ids.insert(at, data.ids[3 if at < 14 else 9])
    stats, control = ClientStats(), ClientStats()
    got = await collect(records(data.fetch, start=0, page_size=10, max_items=None, window=3, stats=stats))
    assert got == listed
    data.ids.pop(at)
    data.ids.insert(at, 1000)  # the same list with a new id there instead: one duplicate fewer
    await collect(records(data.fetch, start=0, page_size=10, max_items=None, window=3, stats=control))
    assert stats.duplicates_dropped == control.duplicates_dropped + 1


async def test_deletions_before_the_boundary_are_repaired_not_skipped() -> None:
    data = FakeList(1000)
    stats = ClientStats()

    def delete_front(lst: FakeList, offset: int) -> None:  # before page 2: 10 deleted ahead of the boundary
        if offset and len(lst.fetches) == 1:
            del lst.ids[:10]

    data.before_fetch = delete_front
    got = await collect(records(data.fetch, start=0, page_size=100, max_items=None, window=1, stats=stats))
    assert set(got) >= set(range(11, 1001))  # without the repair, records 99..108 would be skipped
    assert len(got) == len(set(got))
    assert stats.drift_repairs >= 1


async def test_a_page_the_bridges_passed_is_dropped_not_chased(caplog: pytest.LogCaptureFixture) -> None:
    # Page 2 (offset 9) is read, then its records and the ones after it are deleted before the gap to
    # page 1 is bridged. The bridges link to page 1 and move past offset 9 without ever meeting page 2:
    # it is stale, so it is dropped instead of bridged towards until the repair budget runs out.
    data = FakeList(100)

    def delete(lst: FakeList, offset: int) -> None:
        if offset == 9 and 2 in lst.ids:  # before page 2: two deletions behind the reader open a gap
            lst.ids = [i for i in lst.ids if i not in (2, 3)]
        if offset == 5 and 11 in lst.ids:  # before the first bridge: page 2's records vanish
            lst.ids = [i for i in lst.ids if not 11 <= i <= 25]

    data.before_fetch = delete
    stats = ClientStats()
    got = await collect(
        records(data.fetch, start=0, page_size=10, max_items=None, window=1, stats=stats, max_repairs=3)
    )
    assert got == [*range(1, 11), *range(26, 101)]
    assert "passed the page at offset 9 without meeting its records" in caplog.text
    assert stats.drift_repairs >= 2


async def test_pages_decode_in_order_after_the_refill_request_went_out() -> None:
    # RawPage bodies are decoded when the iterator reaches them, after it started the request that
    # takes the freed slot: with no drift to repair, decoding a page never delays the next request.
    started: list[int] = []
    decoded: list[tuple[int, int]] = []  # (offset, requests started when it was decoded)

    async def fetch(offset: int, limit: int) -> RawPage[Rec]:
        started.append(offset)
        await asyncio.sleep(0.001 if offset % 20 else 0.003)  # out-of-order arrival

        def decode(body: bytes) -> DecodedPage[Rec]:
            decoded.append((offset, len(started)))
            items = [Rec(i) for i in range(offset + 1, min(offset + limit, 95) + 1)]
            return DecodedPage(offset, limit, items, 95, len(items))

        return RawPage(b"", decode)

    pages = [
        page async for page in PageIterator(fetch, start=0, page_size=10, max_items=None, window=3, overlap=0)
    ]
    assert [r.id for page in pages for r in page] == list(range(1, 96))
    assert [offset for offset, _ in decoded] == list(range(0, 100, 10))  # consumer order
    # Page k (k >= 1) is decoded once pages 0..k+3 were requested: its slot went to page k + window first.
    assert [requests for _, requests in decoded] == [1, *(min(k + 4, 10) for k in range(1, 10))]


async def test_drift_faster_than_repairs_raises() -> None:
    data = FakeList(1000)

    def churn(lst: FakeList, offset: int) -> None:  # replace the whole list on every fetch
        lst.ids = list(range(lst.next_id, lst.next_id + 1000))
        lst.next_id += 1000

    data.before_fetch = churn
    with pytest.raises(PaginationDriftError, match="changed"):
        await collect(records(data.fetch, start=0, page_size=100, max_items=None, window=2, max_repairs=2))


async def test_break_cancels_and_awaits_the_pages_in_flight() -> None:
    data = FakeList(10_000)
    data.delay = lambda offset: 0.0 if offset < 20 else 10.0
    it = records(data.fetch, start=0, page_size=10, max_items=None, window=4, overlap=0)
    seen = 0
    async for _ in it:
        seen += 1
        if seen == 20:
            break
    await it.aclose()
    assert data.in_flight == 0
    assert data.cancelled == 4  # pages 20-50: a page leaves the window (its slot refilled) as it is handed on


async def test_cancelling_the_consumer_cancels_the_pages() -> None:
    data = FakeList(10_000)
    data.delay = lambda offset: 0.0 if offset == 0 else 10.0
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in records(data.fetch, start=0, page_size=10, max_items=None, window=3):
            started.set()

    task = asyncio.ensure_future(consume())
    await started.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert data.in_flight == 0
    assert data.cancelled == 3


def walk(data: FakeList, page_size: int = 100) -> PageIterator[Rec]:
    """A page walk over ``data``, as the source of a fan-out."""
    return PageIterator(data.fetch, start=0, page_size=page_size, max_items=None, window=3)


async def test_fan_out_keeps_source_order_and_bounds_concurrency() -> None:
    active = 0
    peak = 0
    rng = random.Random(3)

    async def call(rec: Rec) -> int:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        try:
            await asyncio.sleep(rng.random() * 0.002)
            return rec.id * 10
        finally:
            active -= 1

    got = [x async for x in FanOut(walk(FakeList(200), 30), call, concurrency=5, lookahead=160)]
    assert got == [i * 10 for i in range(1, 201)]
    assert peak == 5


async def test_fan_out_close_cancels_calls_and_closes_source() -> None:
    cancelled = 0

    async def call(rec: Rec) -> int:
        nonlocal cancelled
        try:
            await asyncio.sleep(0 if rec.id == 1 else 10)
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return rec.id

    source = walk(FakeList(1000))
    it = FanOut(source, call, concurrency=4, lookahead=8)
    assert await it.__anext__() == 1
    await it.aclose()
    with pytest.raises(StopAsyncIteration):  # closed: it reads no further page
        await source.__anext__()
    assert cancelled == 4  # the calls that had started (concurrency); queued ones never started


@pytest.mark.parametrize(("concurrency", "lookahead"), [(1, 1), (4, 16), (8, 256), (256, 256)])
async def test_fan_out_starts_no_more_than_lookahead_while_the_consumer_waits(
    concurrency: int, lookahead: int
) -> None:
    started = completed = 0
    settled = asyncio.Event()
    release = asyncio.Event()

    async def call(rec: Rec) -> int:
        nonlocal started, completed
        started += 1
        if rec.id > 1:
            await release.wait()  # the first result comes at once, the others once the consumer waits
        completed += 1
        if release.is_set() and completed == started:
            settled.set()
        return rec.id

    it = FanOut(walk(FakeList(10_000)), call, concurrency=concurrency, lookahead=lookahead)
    assert await it.__anext__() == 1  # the first result as soon as it is there: one page's calls at most
    assert started <= min(lookahead, 100)
    release.set()
    if completed == started:
        settled.set()
    # The consumer holds one result and waits: the calls started finish, and the fan-out starts no other.
    await asyncio.wait_for(settled.wait(), timeout=10)
    assert started == completed <= lookahead
    # Asked for more, it runs ahead up to the lookahead again.
    assert [await it.__anext__() for _ in range(lookahead)] == list(range(2, lookahead + 2))
    assert started <= completed + lookahead
    await it.aclose()


async def test_fan_out_keeps_its_calls_going_across_pages_for_a_slow_consumer() -> None:
    """A consumer slower than the calls always finds the oldest result ready. A page read that had finished
    was taken up only when the consumer had to wait, so the lookahead drained to nothing at every page."""
    started = handed_out = 0
    low = 10**9

    async def call(rec: Rec) -> int:
        nonlocal started
        started += 1
        await asyncio.sleep(0)
        return rec.id

    it = FanOut(walk(FakeList(2_000)), call, concurrency=64, lookahead=256)
    async for _ in it:
        handed_out += 1
        if 300 <= handed_out <= 1_700:  # past the start, before the end
            low = min(low, started - handed_out)
        for _ in range(3):  # the consumer's own work, giving the loop a turn or three
            await asyncio.sleep(0)
    assert handed_out == 2_000
    assert low >= 256 - 100  # never less than the lookahead but a page


def test_fan_out_refuses_a_lookahead_below_its_concurrency() -> None:
    async def call(rec: Rec) -> int:
        return rec.id

    with pytest.raises(ValueError, match="lookahead"):
        FanOut(walk(FakeList(10)), call, concurrency=8, lookahead=4)


async def test_the_iterators_expose_the_servers_latest_total() -> None:
    data = FakeList(300)

    def grow(fake: FakeList, offset: int) -> None:
        if offset == 200:
            fake.ids.append(fake.next_id)
            fake.next_id += 1

    data.before_fetch = grow
    pages = PageIterator(data.fetch, start=0, page_size=100, max_items=None, window=1, overlap=0)
    totals = [pages.total]
    await pages.__anext__()
    totals.append(pages.total)
    rest = [r.id async for page in pages for r in page]
    totals.append(pages.total)
    assert totals == [None, 300, 301]
    assert rest == list(range(101, 302))
    records = RecordIterator(PageIterator(data.fetch, start=0, page_size=100, max_items=None, window=2))
    totals = [records.total]
    assert (await records.__anext__()).id == 1
    assert [*totals, records.total] == [None, 301]
    await records.aclose()


async def test_a_page_s_records_are_let_go_once_handed_out() -> None:
    """The walk keeps a page's ids (the next page links to them), not its records: those go as soon as the
    consumer drops them, not a page or two later."""
    data = FakeList(50)
    pages = PageIterator(data.fetch, start=0, page_size=10, max_items=None, window=3)  # overlapping pages
    batch = await pages.__anext__()
    refs = [weakref.ref(record) for record in batch]
    mark = pages.position.page  # what a checkpoint (or a fan-out's batch) keeps: the ids alone
    assert mark is not None
    assert mark.items == []
    assert mark.keys == list(range(1, 11))
    del batch, mark
    batch = await pages.__anext__()
    assert batch[0].id == 11  # linked to the first page by the shared record (id 10)
    assert [ref() for ref in refs] == [None] * 10
    rest = [record.id async for page in pages for record in page]
    assert [record.id for record in batch] + rest == list(range(11, 51))


async def test_one_at_a_time_a_page_is_let_go_before_the_next_one_is_decoded() -> None:
    data = FakeList(30)
    handed_out: list[weakref.ref[Rec]] = []
    alive_at_decode: list[int] = []

    async def fetch(offset: int, limit: int) -> RawPage[Rec]:
        page = await data.fetch(offset, limit)

        def decode(body: bytes) -> DecodedPage[Rec]:
            alive_at_decode.append(sum(ref() is not None for ref in handed_out))
            return page

        return RawPage(b"", decode)

    async for record in records(fetch, start=0, page_size=10, max_items=None, window=2):
        handed_out.append(weakref.ref(record))
    # Decoding each later page, of the records handed out only the latest is still held (by the loops).
    assert alive_at_decode == [0, 1, 1, 1]  # pages at offsets 0, 9, 18, 27 (one record of overlap)
    assert len(handed_out) == 30


async def test_reprs_say_what_is_walked_not_where_the_class_lives() -> None:
    """They read ``<aiobizstim._pagination._walker.RecordIterator object at 0x...>``; a page's listed every
    record (a megabyte for a page of 1000 clients)."""

    async def call(rec: Rec) -> int:
        return rec.id

    data = FakeList(250)
    pages = PageIterator(data.fetch, start=0, page_size=100, max_items=None, window=2, what="clients")
    records = RecordIterator(pages)
    assert repr(records) == "<RecordIterator over clients (no total yet)>"
    assert await records.__anext__() == Rec(1)
    assert repr(records) == "<RecordIterator over clients (total 250)>"
    assert repr(pages) == "<PageIterator over clients (total 250)>"
    await records.aclose()
    fan_out = FanOut(walk(data), call, concurrency=2, lookahead=16)
    assert repr(fan_out) == "<FanOut over list: a call per record, up to 16 ahead (no total yet)>"
    await fan_out.aclose()
    from aiobizstim import Page

    page = Page([Rec(1), Rec(2)], total=250, start=0, limit=100)
    assert repr(page) == "Page(start=0, limit=100, total=250, items=[2 Rec])"
    assert repr(Page([], total=None, start=0, limit=100, skipped=1)) == (
        "Page(start=0, limit=100, total=None, items=[0], skipped=1)"
    )
