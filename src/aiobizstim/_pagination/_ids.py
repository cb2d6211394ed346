"""Id de-duplication: which of a page's records are new, in about one bit per id already yielded."""

from __future__ import annotations

import base64
import operator
import zlib
from bisect import bisect_right
from collections.abc import Sequence
from itertools import islice
from typing import Any, Final, Generic, TypeVar

from aiobizstim._pagination._pages import DecodedPage, ids_of
from aiobizstim._stats import ClientStats

__all__ = ["IdSet", "NewRecords", "ascending_ids", "scalar_ids"]

T = TypeVar("T")

#: Ranges of ids this much wider than their count are read key by key: a bitmap slice would cost more.
_SPARSE = 64
#: The bits from one id to the next, by the gap between them (index 0 unused: the ids are distinct). A list:
#: its ``__getitem__`` is a faster call than a tuple's.
_GAP_BITS: Final = ["", *("0" * (gap - 1) + "1" for gap in range(1, _SPARSE + 1))]


class IdSet:
    """The ids already yielded, in about one bit per id for the usual dense MySQL auto-increment ints
    (``None``, a record without an id, is never one of them).

    A plain ``set`` costs ~60 bytes per id (the int object plus its slot) and would make a long export's
    memory grow with the list; ints in ``[0, 2**27)`` go into a bitmap instead (at most 16 MiB, 125 kB for
    ids up to a million), anything else into a set.
    """

    __slots__ = ("_bits", "_others", "_packed")

    _BITMAP_LIMIT = 1 << 27

    def __init__(self) -> None:
        self._bits = bytearray()
        self._others: set[Any] = set()
        #: The compressed bitmap of the latest :meth:`dump`, until an id is added.
        self._packed: str | None = None

    def dump(self) -> dict[str, Any]:
        """A JSON-able copy: the bitmap zlib-compressed and base64-encoded (dense ids compress to a few
        hundred bytes per million), the other ids as a list. Compressed once until an id is added: dumping
        an unchanged set again costs no more than copying ``others``."""
        if self._packed is None:
            self._packed = base64.b64encode(zlib.compress(bytes(self._bits), 6)).decode("ascii")
        return {"bits": self._packed, "others": sorted(self._others, key=repr)}

    def copy(self) -> IdSet:
        """An independent copy."""
        ids = IdSet()
        ids._bits, ids._others, ids._packed = bytearray(self._bits), set(self._others), self._packed
        return ids

    @classmethod
    def load(cls, dumped: Any) -> IdSet:
        """The set :meth:`dump` described; ``ValueError`` for anything else."""
        if not isinstance(dumped, dict) or not isinstance(dumped.get("bits"), str):
            raise ValueError("not a dumped id set")
        others = dumped.get("others")
        if not isinstance(others, list):
            raise ValueError("not a dumped id set")
        ids = cls()
        try:
            ids._bits = bytearray(zlib.decompress(base64.b64decode(dumped["bits"], validate=True)))
        except (ValueError, zlib.error) as exc:
            raise ValueError(f"unreadable id bitmap ({exc})") from None
        if len(ids._bits) > cls._BITMAP_LIMIT // 8:
            raise ValueError("id bitmap too large")
        if not scalar_ids(others):
            raise ValueError("not a dumped id set (an id that is not a JSON scalar)")
        ids._others = set(others)
        return ids

    def __contains__(self, key: Any) -> bool:
        if type(key) is int and 0 <= key < self._BITMAP_LIMIT:
            byte = key >> 3
            return byte < len(self._bits) and bool(self._bits[byte] & (1 << (key & 7)))
        return key in self._others

    def last_member(self, keys: Sequence[Any]) -> int:
        """One past the index of the last of ``keys`` already remembered (0 when none is)."""
        bits, size, others, limit = self._bits, len(self._bits), self._others, self._BITMAP_LIMIT
        for n in range(len(keys) - 1, -1, -1):
            key = keys[n]
            if type(key) is int and 0 <= key < limit:
                if (key >> 3) < size and bits[key >> 3] >> (key & 7) & 1:
                    return n + 1
            elif key in others:
                return n + 1
        return 0

    def add_all(self, keys: Sequence[Any]) -> None:
        """Remember every key of ``keys``."""
        limit = self._BITMAP_LIMIT
        int_keys = [key for key in keys if type(key) is int and 0 <= key < limit]
        if len(int_keys) != len(keys):  # None is no id: a record without one is never remembered
            self._others.update(
                key for key in keys if not (type(key) is int and 0 <= key < limit) and key is not None
            )
        self._packed = None
        if not int_keys:
            return
        self._grow((max(int_keys) >> 3) + 1)
        bits = self._bits
        for key in int_keys:
            bits[key >> 3] |= 1 << (key & 7)

    def last_member_ascending(self, keys: Sequence[int]) -> int:
        """:meth:`last_member` for :func:`ascending_ids` keys: the highest remembered id in the keys' range,
        read from one slice of the bitmap, then found among the keys by bisection (sparse keys, spread over
        more than :data:`_SPARSE` ids each, go key by key)."""
        if not keys:
            return 0
        lo, hi = keys[0], keys[-1]
        if hi - lo > _SPARSE * len(keys):
            return self.last_member(keys)
        first, bits = lo >> 3, self._bits
        if first >= len(bits):
            return 0
        window = int.from_bytes(bits[first : (hi >> 3) + 1], "little") >> (lo & 7)
        window &= (1 << (hi - lo + 1)) - 1
        if not window:
            return 0
        n = bisect_right(keys, lo + window.bit_length() - 1)
        while n and keys[n - 1] not in self:  # the highest remembered id is not on the page (rare)
            n -= 1
        return n

    def add_ascending(self, keys: Sequence[int]) -> None:
        """:meth:`add_all` for :func:`ascending_ids` keys, a page's bits written as one slice of the bitmap:
        all set when the ids have no gap, else built as a string of ``0``/``1`` from the gaps between
        consecutive ids (one C-level pass, no Python step per id). Sparse keys, or a gap wider than
        :data:`_SPARSE`, go key by key (:meth:`add_all`)."""
        if not keys:
            return
        lo, hi = keys[0], keys[-1]
        if hi - lo > _SPARSE * len(keys):
            self.add_all(keys)
            return
        self._packed = None
        self._grow((hi >> 3) + 1)
        if hi - lo == len(keys) - 1:
            self._set_run(lo, hi)
            return
        gaps = map(operator.sub, islice(keys, 1, None), keys)
        try:
            pattern = "1" + "".join(map(_GAP_BITS.__getitem__, gaps))
        except IndexError:  # a gap wider than the table: key by key
            self.add_all(keys)
            return
        bits, first, last = self._bits, lo >> 3, (hi >> 3) + 1
        mask = int(pattern[::-1], 2) << (lo & 7)
        merged = int.from_bytes(bits[first:last], "little") | mask
        bits[first:last] = merged.to_bytes(last - first, "little")

    def _set_run(self, lo: int, hi: int) -> None:
        """Set the bits of the ids ``lo`` to ``hi``, both included."""
        bits, first, last = self._bits, lo >> 3, hi >> 3
        if first == last:
            bits[first] |= ((1 << (hi - lo + 1)) - 1) << (lo & 7)
            return
        bits[first] |= 0xFF & (0xFF << (lo & 7))
        bits[first + 1 : last] = b"\xff" * (last - first - 1)
        bits[last] |= (1 << ((hi & 7) + 1)) - 1

    def _grow(self, need: int) -> None:
        """Make the bitmap at least ``need`` bytes long: at least doubling it, never past the limit (a larger
        bitmap would make a dump that :meth:`load` refuses)."""
        bits = self._bits
        if need > len(bits):
            bits.extend(bytes(min(max(need - len(bits), len(bits)), self._BITMAP_LIMIT // 8 - len(bits))))

    def discard_all(self, keys: Sequence[Any]) -> None:
        """Forget every key of ``keys`` (those not remembered are left as they are)."""
        self._packed = None
        bits, size, limit = self._bits, len(self._bits), self._BITMAP_LIMIT
        for key in keys:
            if type(key) is int and 0 <= key < limit:
                if (key >> 3) < size:
                    bits[key >> 3] &= ~(1 << (key & 7)) & 0xFF
            else:
                self._others.discard(key)

    def add(self, key: Any) -> None:
        """Remember ``key``."""
        self._packed = None
        if type(key) is int and 0 <= key < self._BITMAP_LIMIT:
            self._grow((key >> 3) + 1)
            self._bits[key >> 3] |= 1 << (key & 7)
        elif key is not None:  # None is no id
            self._others.add(key)


def scalar_ids(keys: list[Any]) -> bool:
    """Whether every one of ``keys`` read back from a checkpoint can be an id: a JSON scalar (``None`` stands
    for a record without one)."""
    return all(key is None or isinstance(key, int | str | float) for key in keys)


def ascending_ids(keys: Sequence[Any], distinct: int) -> bool:
    """Whether ``keys`` (``distinct`` of them different) are ints in :class:`IdSet`'s bitmap range in strictly
    ascending order: a page of a list ordered by id, the usual, which :class:`IdSet` handles in slices."""
    if not keys or distinct != len(keys):
        return False
    lo, hi = keys[0], keys[-1]
    if type(lo) is not int or type(hi) is not int or lo < 0 or hi >= IdSet._BITMAP_LIMIT:
        return False
    quarter = len(keys) // 4
    try:  # five samples first: an unordered page rarely passes them, and then costs no sort
        ordered = lo <= keys[quarter] <= keys[2 * quarter] <= keys[3 * quarter] <= hi and keys == sorted(keys)
    except TypeError:  # None or text among them
        return False
    return ordered and set(map(type, keys)) == {int}


class NewRecords(Generic[T]):
    """Picks the records of each page not yielded yet, in list order, and counts down ``max_items``."""

    __slots__ = ("_previous", "_remaining", "_seen", "_stats")

    def __init__(self, stats: ClientStats, max_items: int | None, seen: IdSet | None = None) -> None:
        self._seen = seen if seen is not None else IdSet()
        self._stats = stats
        self._remaining = max_items
        #: The ids of the page taken last, in list order (the walker links every page to it).
        self._previous: Sequence[Any] = ()

    @property
    def remaining(self) -> int | None:
        """Records still to take under ``max_items`` (``None``: no limit)."""
        return self._remaining

    @property
    def seen(self) -> IdSet:
        """The ids taken so far."""
        return self._seen

    def done(self) -> bool:
        """``max_items`` records were taken."""
        return self._remaining is not None and self._remaining <= 0

    def take(self, page: DecodedPage[T]) -> list[T]:
        """The page's records not yielded yet, skipping those behind the reader: before the last record this
        page shares with the page taken before it. The list order is stable, so those were inserted after
        the reader passed (yielding them would break order). A yielded id met again further on is a
        repeated row: only that record is dropped."""
        keys = page.keys
        seen = self._seen
        ascending = ascending_ids(keys, len(page.key_set))
        frontier = (seen.last_member_ascending if ascending else seen.last_member)(keys)
        frontier += self._idless_tail(keys, frontier)
        known = sum(1 for key in keys[:frontier] if key is None or key in seen)
        if known < frontier:  # unseen records before a yielded one: inserted behind, or an id repeated later
            end = self._link_end(keys, frontier)
            out = self._take_slowly(page, end + self._idless_tail(keys, end))
        elif not ascending and (None in keys or len(page.key_set) != len(keys)):  # ids missing or repeated
            out = self._take_slowly(page, frontier)
        else:
            self._stats.duplicates_dropped += known
            (seen.add_ascending if ascending else seen.add_all)(keys[frontier:])
            out = page.items[frontier:] if frontier else page.items
        self._previous = keys
        if self._remaining is not None:
            if len(out) > self._remaining:  # the last page: its records past max_items were not handed out
                seen.discard_all(ids_of(out[self._remaining :]))
                out = out[: self._remaining]
            self._remaining -= len(out)
        return out

    def _idless_tail(self, keys: Sequence[Any], end: int) -> int:
        """How many records without an id right after ``end`` were yielded with the page taken before: when
        ``keys[end - 1]`` is that page's last id, the id-less records that followed it there, as far as they
        follow it here too (an overlap can end in them, and ids cannot tell them apart)."""
        previous = self._previous
        if not end or not previous or previous[-1] is not None:  # the usual page: it ends in an id
            return 0
        last = len(previous) - 1
        while last >= 0 and previous[last] is None:
            last -= 1
        if last < 0 or previous[last] != keys[end - 1]:
            return 0
        tail = len(previous) - 1 - last
        count = 0
        while count < tail and end + count < len(keys) and keys[end + count] is None:
            count += 1
        return count

    def _link_end(self, keys: Sequence[Any], frontier: int) -> int:
        """One past the first place in ``keys`` (up to ``frontier``, the last yielded id) of the latest record
        of the page taken before that was yielded too: where the reader stood. ``frontier`` when the pages
        share none (the first page after a checkpoint)."""
        rank = {key: n for n, key in enumerate(self._previous) if key is not None}
        seen, latest, end = self._seen, -1, frontier
        for n, key in enumerate(keys[:frontier]):
            at = rank.get(key, -1)
            if at > latest and key in seen:
                latest, end = at, n + 1
        return end

    def _take_slowly(self, page: DecodedPage[T], frontier: int) -> list[T]:
        """The records from ``frontier`` on whose id was not yielded yet. Those before it, with an id or
        without, were yielded with the page before (the overlap) or inserted behind the reader."""
        seen, out = self._seen, []
        for n, (key, item) in enumerate(zip(page.keys, page.items, strict=True)):
            if key is not None:
                if key in seen or n < frontier:
                    self._stats.duplicates_dropped += key in seen
                    continue
                seen.add(key)
            elif n < frontier:
                continue
            out.append(item)
        return out
