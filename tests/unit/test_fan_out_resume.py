"""Issue 14, point 3 for the fan-out behind ``iter_details()``: a checkpoint at any moment between results
covers exactly the results handed out, whatever lookups ran ahead; ``resume=`` continues after them."""

from __future__ import annotations

import asyncio
import collections
import json
import random
import zlib
from typing import Any

import pytest

from aiobizstim._pagination import FanOut, PageIterator
from tests.unit.test_iterate import FakeList, Rec


class Lookups:
    """The fan-out's call: counts the lookups per id; completes them out of order; fails for ``missing``."""

    def __init__(self, seed: int = 0) -> None:
        self.calls: collections.Counter[int] = collections.Counter()
        self.missing: set[int] = set()
        self._rng = random.Random(seed)

    async def __call__(self, rec: Rec) -> int:
        self.calls[rec.id] += 1
        await asyncio.sleep(self._rng.random() * 0.0005)  # out-of-order completion, not synchronisation
        if rec.id in self.missing:
            raise LookupError(f"no record {rec.id}")
        return rec.id


def fan_out(data: FakeList, lookups: Lookups, resume: Any = None, **options: Any) -> FanOut[Rec, int]:
    settings: dict[str, Any] = {"start": 0, "page_size": 100, "max_items": None, "window": 3}
    source = PageIterator(data.fetch, **(settings | options), resume=FanOut.source_resume(resume))
    return FanOut(source, lookups, concurrency=8, lookahead=64)


async def run_until(it: FanOut[Rec, int], stop_after: int | None) -> tuple[list[int], Any]:
    """Take ``stop_after`` results (all when None), then a checkpoint (through JSON, as a file) and stop."""
    got: list[int] = []
    if stop_after != 0:
        async for ident in it:
            got.append(ident)
            if len(got) == stop_after:
                break
    token = json.loads(json.dumps(it.checkpoint()))
    await it.aclose()
    return got, token


# Pages of 100 overlap by 2: the first hands out 100 records, the others 98 each (ends at 100, 198, 296...).
@pytest.mark.parametrize("stop_after", [0, 1, 57, 100, 101, 198, 250, 1140, 1199, 1200])
async def test_resume_continues_exactly_after_the_results_handed_out(stop_after: int) -> None:
    data = FakeList(1200)
    before = Lookups(seed=stop_after)
    first, token = await run_until(fan_out(data, before), stop_after)
    if 0 < stop_after < 1200 - 64:
        assert before.calls.total() > stop_after  # lookups ran ahead and were dropped at the stop
    fetched_before = len(data.fetches)
    after = Lookups()
    rest, _ = await run_until(fan_out(data, after, resume=token), None)
    assert first + rest == data.ids
    assert set(after.calls) == set(rest)  # looked up only what was not handed out, each once
    assert after.calls.total() == len(rest)
    pages_left = (1200 - stop_after) // 98 + 1
    assert len(data.fetches) - fetched_before <= pages_left + 2  # the page the stop fell in, and on


async def test_a_checkpoint_at_every_result_resumes_exactly_and_compresses_once_a_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compressions = 0
    compress = zlib.compress

    def counting(data: Any, level: int = -1) -> bytes:
        nonlocal compressions
        compressions += 1
        return compress(data, level)

    monkeypatch.setattr(zlib, "compress", counting)  # the id bitmap's compression
    data = FakeList(1000)
    it = fan_out(data, Lookups(), page_size=50)
    tokens = [json.dumps(it.checkpoint())]
    async for _ in it:
        tokens.append(json.dumps(it.checkpoint()))
    pages = 1 + (1000 - 50 + 48) // 49
    assert compressions <= pages + 1  # once per page all handed out, not once per checkpoint
    for taken in (0, 1, 49, 50, 51, 333, 999, 1000):
        resumed = fan_out(data, Lookups(), resume=json.loads(tokens[taken]), page_size=50)
        rest, _ = await run_until(resumed, None)
        assert data.ids[:taken] + rest == data.ids, taken


async def test_a_resumed_fan_out_can_stop_and_resume_again() -> None:
    data = FakeList(1500)
    got: list[int] = []
    token: Any = None
    for stop_after in (130, 0, 1, 211, 98, None):
        part, token = await run_until(fan_out(data, Lookups(), resume=token), stop_after)
        got += part
    assert got == data.ids


@pytest.mark.parametrize("seed", range(10))
async def test_no_record_twice_and_none_missed_when_the_list_changed_while_stopped(seed: int) -> None:
    rng = random.Random(seed)
    data = FakeList(2500)
    original = set(data.ids)
    first, token = await run_until(fan_out(data, Lookups(seed)), rng.randint(1, 2400))
    # While stopped: delete some records (handed out, looked up ahead, or not read yet), insert new ones.
    for victim in rng.sample(data.ids, rng.randint(0, 300)):
        data.ids.remove(victim)
    for _ in range(rng.randint(0, 300)):
        data.ids.insert(rng.randrange(len(data.ids) + 1), data.next_id)
        data.next_id += 1
    after = Lookups(seed)
    rest, _ = await run_until(fan_out(data, after, resume=token), None)
    got = first + rest
    assert len(got) == len(set(got)), "a record was yielded twice"
    missed = (original & set(data.ids)) - set(got)
    assert not missed, f"{len(missed)} records that existed throughout were missed"
    assert not set(after.calls) & set(first), "a record handed out before the stop was looked up again"
    position = {ident: n for n, ident in enumerate(data.ids)}
    still_there = [ident for ident in rest if ident in position]
    assert still_there == sorted(still_there, key=position.__getitem__), "not in list order"


async def test_a_failed_lookup_is_not_covered_and_a_resume_skips_it_once_deleted() -> None:
    data = FakeList(900)
    lookups = Lookups()
    lookups.missing = {333}
    it = fan_out(data, lookups)
    got: list[int] = []

    async def consume() -> None:
        async for ident in it:
            got.append(ident)

    with pytest.raises(LookupError):
        await consume()
    assert got == data.ids[:332]
    token = json.loads(json.dumps(it.checkpoint()))
    again = Lookups()
    rest, _ = await run_until(fan_out(data, again, resume=token), 10)
    assert rest == data.ids[332:342]  # still listed: looked up again, from the record that failed
    data.ids.remove(333)  # deleted between list and lookup
    rest, _ = await run_until(fan_out(data, Lookups(), resume=token), None)
    assert got + rest == data.ids


async def test_max_items_counts_across_the_stop() -> None:
    data = FakeList(1000)
    first, token = await run_until(fan_out(data, Lookups(), max_items=345), 150)
    rest, _ = await run_until(fan_out(data, Lookups(), max_items=345, resume=token), None)
    assert first + rest == data.ids[:345]


async def test_a_checkpoint_that_does_not_fit_is_refused() -> None:
    data = FakeList(500)
    _, details = await run_until(fan_out(data, Lookups()), 150)
    pages = PageIterator(data.fetch, start=0, page_size=100, max_items=None, window=2)
    await pages.__anext__()
    page_token = json.loads(json.dumps(pages.checkpoint()))
    await pages.aclose()
    with pytest.raises(ValueError, match=r"fan-out: it was taken by another kind of iterator \('pages'\)"):
        fan_out(data, Lookups(), resume=page_token)
    with pytest.raises(ValueError, match=r"iterator: it was taken by another kind of iterator \('fan-out'\)"):
        PageIterator(data.fetch, start=0, page_size=100, max_items=None, window=2, resume=details)
    with pytest.raises(ValueError, match="in pages of 100, not list from 0 in pages of 50"):
        fan_out(data, Lookups(), resume=details, page_size=50)
    for garbage in ("nonsense", {"version": 1, "kind": "fan-out"}, {**details, "version": 2}):
        with pytest.raises(ValueError, match="not a usable checkpoint"):
            fan_out(data, Lookups(), resume=garbage)
    damaged = json.loads(json.dumps(details))
    damaged["source"]["taken"] = ["1", {"id": 2}]
    with pytest.raises(ValueError, match="bad taken ids"):
        fan_out(data, Lookups(), resume=damaged)
    damaged = json.loads(json.dumps(details))
    assert damaged["source"]["page"]["ids"]
    damaged["source"]["page"]["ids"][0] = [1]
    with pytest.raises(ValueError, match="bad page ids"):
        fan_out(data, Lookups(), resume=damaged)


async def test_a_failed_page_read_comes_after_the_results_of_the_pages_before_it() -> None:
    """The lookups of the records already read are handed out (and covered by a checkpoint) before a page
    read's error, as a walk one page at a time would have them: they were cancelled, and lost to a resume's
    checkpoint."""
    data = FakeList(1000)

    def fail_third_page(fake: FakeList, offset: int) -> None:
        if offset >= 196:  # pages of 100 overlap by 2: the third page starts at 196
            raise ConnectionResetError("the third page's read failed")

    data.before_fetch = fail_third_page
    lookups = Lookups()
    it = fan_out(data, lookups, window=1)
    got: list[int] = []

    async def consume() -> None:
        async for ident in it:
            got.append(ident)

    with pytest.raises(ConnectionResetError, match="third page"):
        await consume()
    assert got == data.ids[:198]
    token = json.loads(json.dumps(it.checkpoint()))
    data.before_fetch = None
    rest, _ = await run_until(fan_out(data, Lookups(), resume=token), None)
    assert got + rest == data.ids
