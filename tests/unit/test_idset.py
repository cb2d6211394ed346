"""IdSet: the iterator's memory of yielded ids stays about one bit per id."""

from __future__ import annotations

import sys

from aiobizstim._pagination import IdSet


def test_membership_for_dense_ints_and_for_everything_else() -> None:
    ids = IdSet()
    members = [0, 7, 8, 999_999, -1, 2**27, 2**40, "abc", None]
    for key in members:
        ids.add(key)
    assert all(key in ids for key in members)
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
