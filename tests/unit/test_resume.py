"""Issue 14, point 3 (library): page iterators give a checkpoint after each page; resume= continues after
it, in a new iterator, with the drift guarantee across the stop."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from aiobizstim import ClientStats
from aiobizstim._pagination import DecodedPage, PageIterator
from tests.unit.test_iterate import FakeList, Rec


def pages(data: FakeList, **options: Any) -> PageIterator[Rec]:
    settings: dict[str, Any] = {"start": 0, "page_size": 100, "max_items": None, "window": 4}
    settings |= options
    return PageIterator(settings.pop("fetch", data.fetch), **settings)


async def run_until(iterator: PageIterator[Rec], stop_after: int | None) -> tuple[list[int], Any]:
    """Take ``stop_after`` pages (all when None), then a checkpoint (through JSON, as a file) and stop."""
    got: list[int] = []
    n = 0
    async for batch in iterator:
        got += [r.id for r in batch]
        n += 1
        if n == stop_after:
            break
    token = json.loads(json.dumps(iterator.checkpoint()))
    await iterator.aclose()
    return got, token


async def test_resume_continues_exactly_after_the_checkpoint() -> None:
    data = FakeList(5000)
    first, token = await run_until(pages(data), 12)
    fetched_before = len(data.fetches)
    rest, _ = await run_until(pages(data, resume=token), None)
    assert first + rest == data.ids
    resumed_fetches = len(data.fetches) - fetched_before
    assert resumed_fetches <= 5000 // 98 - 12 + 3  # about the remaining share of the pages, not all of them
    assert len(json.dumps(token)) < 4000  # small: ids compress


@pytest.mark.parametrize("seed", range(12))
async def test_no_record_twice_and_none_missed_when_the_list_changed_while_stopped(seed: int) -> None:
    rng = random.Random(seed)
    data = FakeList(4000)
    original = set(data.ids)
    first, token = await run_until(pages(data, page_size=100, window=3), rng.randint(1, 30))
    # While stopped: delete some records (read or not yet), insert new ones anywhere.
    for victim in rng.sample(data.ids, rng.randint(0, 300)):
        data.ids.remove(victim)
    for _ in range(rng.randint(0, 300)):
        data.ids.insert(rng.randrange(len(data.ids) + 1), data.next_id)
        data.next_id += 1
    rest, _ = await run_until(pages(data, page_size=100, window=3, resume=token), None)
    got = first + rest
    assert len(got) == len(set(got)), "a record was yielded twice"
    missed = (original & set(data.ids)) - set(got)
    assert not missed, f"{len(missed)} records that existed throughout were missed"
    position = {ident: n for n, ident in enumerate(data.ids)}
    still_there = [ident for ident in rest if ident in position]
    assert still_there == sorted(still_there, key=position.__getitem__), "not in list order"


@pytest.mark.parametrize("inserted", [0, 50], ids=["deleted", "deleted-and-inserted"])
async def test_a_checkpoint_whose_records_were_all_deleted_reads_again_from_the_start(inserted: int) -> None:
    """Deleting the records on and around the checkpoint's page while stopped, more than the bridging pages
    can reach past, failed every later resume with PaginationDriftError (the list was still by then): the
    walk now starts again from the start once, skipping the ids handed out."""
    data = FakeList(6000)
    first, token = await run_until(pages(data, window=2), 30)  # about 2,900 records handed out
    stop = data.ids.index(first[-1])
    del data.ids[stop - 1200 : stop + 1200]
    for n in range(inserted):  # and new records, before and after the stop
        data.ids.insert(n * 50, data.next_id)
        data.next_id += 1
    remaining = set(data.ids)
    original_rest = [i for i in range(first[-1] + 1, 6001) if i in remaining]
    rest, _ = await run_until(pages(data, window=2, resume=token), None)
    assert not set(first) & set(rest), "a record was yielded twice"
    assert [i for i in rest if i <= 6000] == original_rest  # every record not handed out, in list order
    assert len(rest) == len(set(rest))


async def test_max_items_counts_across_the_stop() -> None:
    data = FakeList(3000)
    first, token = await run_until(pages(data, max_items=1234), 5)
    rest, _ = await run_until(pages(data, max_items=1234, resume=token), None)
    assert first + rest == data.ids[:1234]


async def test_a_checkpoint_before_the_first_page_starts_afresh() -> None:
    data = FakeList(250)
    token = pages(data).checkpoint()
    got, _ = await run_until(pages(data, resume=json.loads(json.dumps(token))), None)
    assert got == data.ids


async def test_a_checkpoint_of_a_finished_iteration_yields_nothing_more() -> None:
    data = FakeList(250)
    got, token = await run_until(pages(data), None)
    assert got == data.ids
    stats = ClientStats()
    rest, _ = await run_until(pages(data, resume=token, stats=stats), None)
    assert rest == []
    assert stats.pages == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"page_size": 50}, "in pages of 50, not"),
        ({"what": "clients"}, "taken for clients"),
        ({"version": 99}, "not a checkpoint of this version"),
        ({"seen": {"bits": "!!", "others": []}}, "unreadable id bitmap"),
        ({"page": {"offset": "0"}}, "bad page"),
    ],
)
async def test_a_checkpoint_that_does_not_fit_is_refused(change: dict[str, Any], message: str) -> None:
    data = FakeList(500)
    _, token = await run_until(pages(data), 2)
    if "page" in change:
        token["page"] |= change["page"]
    elif "what" in change:
        token["what"] = change["what"]
    else:
        token |= change
    with pytest.raises(ValueError, match=message):
        pages(data, resume=token)
    with pytest.raises(ValueError, match="not a usable checkpoint"):
        pages(data, resume="nonsense")


async def test_a_checkpoint_after_the_first_page_of_a_capping_server_keeps_the_served_size() -> None:
    data = FakeList(1000)
    fetch = data.fetch

    async def capped(offset: int, limit: int) -> DecodedPage[Rec]:
        page = await fetch(offset, min(limit, 60))  # the server serves at most 60 records a page
        return DecodedPage(offset, limit, page.items, page.total, page.raw_count)

    first, token = await run_until(pages(data, fetch=capped), 1)
    assert token["served_page_size"] == 60
    rest, _ = await run_until(pages(data, fetch=capped, resume=token), None)
    assert first + rest == data.ids


async def test_a_checkpoint_taken_right_after_resuming_continues_from_the_same_place() -> None:
    data = FakeList(3000)
    first, token = await run_until(pages(data), 20)
    again = json.loads(json.dumps(pages(data, resume=token).checkpoint()))
    fetched_before = len(data.fetches)
    rest, _ = await run_until(pages(data, resume=again), None)
    assert first + rest == data.ids
    assert len(data.fetches) - fetched_before <= 3000 // 98 - 20 + 3  # not the list again from its start
