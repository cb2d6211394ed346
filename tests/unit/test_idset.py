"""IdSet: the iterator's memory of yielded ids stays about one bit per id."""

from __future__ import annotations

import sys

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobizstim._pagination import IdSet
from aiobizstim._pagination._ids import ascending_ids


def test_membership_for_dense_ints_and_for_everything_else() -> None:
    ids = IdSet()
    members = [0, 7, 8, 999_999, -1, 2**27, 2**40, "abc"]
    for key in [*members, None]:
        ids.add(key)
    assert all(key in ids for key in members)
    assert None not in ids  # a record without an id is never remembered as handed out
    assert 1 not in ids
    assert 1_000_000 not in ids
    assert 2**27 + 1 not in ids
    assert "abd" not in ids
    assert True not in ids  # a bool is not the id 1


def test_a_million_dense_ids_cost_kilobytes_not_megabytes() -> None:
    ids = IdSet()
    for key in range(1, 1_000_001):
        ids.add(key)
    assert 999_999 in ids
    assert sys.getsizeof(ids._bits) < 300_000  # a set of the same ints would take ~60 MB
    assert not ids._others


def test_batch_methods_agree_with_the_single_ones() -> None:
    ids = IdSet()
    ids.add_all([5, 9, "x", -3, 2**30])
    assert all(key in ids for key in (5, 9, "x", -3, 2**30))
    assert ids.last_member([1, 5, 2, 3]) == 2
    assert ids.last_member([1, 2, "x", 4]) == 3
    assert ids.last_member([1, 2, 3]) == 0
    assert ids.last_member([]) == 0


def test_a_dump_follows_every_addition_and_a_copy_is_independent() -> None:
    ids = IdSet()
    ids.add_all([1, 2, 3])
    before = ids.dump()
    assert ids.dump() == before  # unchanged: the same dump again
    twin = ids.copy()
    ids.add(90)
    ids.add_all([5000, "x"])
    after = IdSet.load(ids.dump())
    assert all(key in after for key in (1, 2, 3, 90, 5000, "x"))
    assert twin.dump() == before
    assert 90 not in twin
    twin.add(7)
    assert 7 not in ids


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(
        st.integers(-(2**40), 2**40)
        | st.text(max_size=5)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.booleans()
        | st.none(),
        max_size=40,
    )
)
def test_a_dump_loads_back_to_the_same_members_whatever_the_ids(keys: list[object]) -> None:
    ids = IdSet()
    ids.add_all(keys)
    loaded = IdSet.load(msgspec.json.decode(msgspec.json.encode(ids.dump())))  # as a checkpoint file has it
    probes = [*keys, 1, 1.5, "1", True, False, None, 2**27 + 5]
    assert [key in loaded for key in probes] == [key in ids for key in probes]


def test_a_dump_with_an_id_that_is_not_a_scalar_is_refused() -> None:
    dumped = IdSet().dump()
    with pytest.raises(ValueError, match="not a JSON scalar"):
        IdSet.load({**dumped, "others": [1, [2, 3]]})


# Dense pages (few gaps, short ones: the bit pattern), sparse ones (gaps past the pattern table) and between.
ascending_pages = st.integers(40, 4000).flatmap(
    lambda top: st.lists(st.integers(0, top), unique=True, max_size=300).map(sorted)
)


@settings(max_examples=400, deadline=None)
@given(before=st.lists(st.integers(0, 4000), max_size=300), page=ascending_pages)
def test_the_ascending_fast_paths_agree_with_the_generic_ones(before: list[int], page: list[int]) -> None:
    fast, generic = IdSet(), IdSet()
    fast.add_all(before)
    generic.add_all(before)
    if page:
        assert ascending_ids(page, len(set(page)))
        assert fast.last_member_ascending(page) == generic.last_member(page)
    fast.add_ascending(page)
    generic.add_all(page)
    assert fast._bits.rstrip(b"\0") == generic._bits.rstrip(b"\0")


def test_ascending_pages_set_exactly_their_bits() -> None:
    ids = IdSet()
    gap_free = [*range(13, 70)]  # one run, starting and ending inside bytes
    ids.add_ascending(gap_free)
    page = [*range(3, 10), 72, *range(80, 300), 301, 1000]  # gaps up to 699 ids wide
    ids.add_ascending(page)
    assert [key for key in range(1100) if key in ids] == sorted({*gap_free, *page})
    assert ids.last_member_ascending([0, 1, 2]) == 0
    assert ids.last_member_ascending([70, 71, 72, 73]) == 3
    assert ids.last_member_ascending([299, 300, 302]) == 1  # 301 is remembered but not on the page
    assert ids.last_member_ascending([5000, 5001]) == 0  # beyond the bitmap
    assert ids.last_member_ascending([]) == ids.last_member([]) == 0
    sparse = [0, 10_000_000]  # wider than the slice is worth: key by key
    assert ids.last_member_ascending(sparse) == 0
    ids.add_ascending(sparse)
    assert 10_000_000 in ids
    assert 9_999_999 not in ids


def test_only_distinct_ascending_ints_in_the_bitmap_take_the_fast_path() -> None:
    assert ascending_ids([1, 2, 5], 3)
    assert not ascending_ids([], 0)
    assert not ascending_ids([1, 1, 2], 2)  # repeated
    assert not ascending_ids([3, 1, 2], 3)
    assert not ascending_ids([1, 2, 4, 3, 5, 6, 7, 8], 8)  # passes the samples, not the sort
    assert not ascending_ids([1, None, 3], 3)
    assert not ascending_ids([1, "2", 3], 3)
    assert not ascending_ids([1, 2.5, 3], 3)
    assert not ascending_ids([True, 2], 2)
    assert not ascending_ids([-1, 2], 2)
    assert not ascending_ids([1, 2**27], 2)


def test_ids_up_to_the_bitmap_limit_survive_a_dump_and_load() -> None:
    ids = IdSet()
    ids.add(2**26)
    ids.add(2**27 - 1)  # the bitmap grows to its limit, not to twice its size
    ids.add_ascending([2**27 - 20, 2**27 - 3])
    loaded = IdSet.load(ids.dump())
    assert all(key in loaded for key in (2**26, 2**27 - 1, 2**27 - 20, 2**27 - 3))
    assert 2**27 - 2 not in loaded


def test_discard_all_forgets_only_the_keys_given() -> None:
    ids = IdSet()
    ids.add_all([1, 2, 3, 9, 1 << 28, "x", None])
    packed = ids.dump()
    ids.discard_all([2, 9, 1 << 28, "x", 12345, "absent"])
    assert [key for key in (1, 2, 3, 9, 1 << 28, "x", None, 12345) if key in ids] == [1, 3]
    assert ids.dump() != packed  # the packed copy is made again
    assert IdSet.load(ids.dump()).dump() == ids.dump()
