"""Id de-duplication: which of a page's records are new, in about one bit per id already yielded."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from aiobizstim._pagination._pages import DecodedPage
from aiobizstim._stats import ClientStats

__all__ = ["IdSet", "NewRecords"]

T = TypeVar("T")


class IdSet:
    """The ids already yielded, in about one bit per id for the usual dense MySQL auto-increment ints.

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
        ids._others = {key for key in others if isinstance(key, int | str)}
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
        if len(int_keys) != len(keys):
            self._others.update(key for key in keys if not (type(key) is int and 0 <= key < limit))
        self._packed = None
        if not int_keys:
            return
        need = (max(int_keys) >> 3) + 1
        bits = self._bits
        if need > len(bits):
            bits.extend(bytes(max(need - len(bits), len(bits))))
        for key in int_keys:
            bits[key >> 3] |= 1 << (key & 7)

    def add(self, key: Any) -> None:
        """Remember ``key``."""
        self._packed = None
        if type(key) is int and 0 <= key < self._BITMAP_LIMIT:
            byte = key >> 3
            if byte >= len(self._bits):
                self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
            self._bits[byte] |= 1 << (key & 7)
        else:
            self._others.add(key)


class NewRecords(Generic[T]):
    """Picks the records of each page not yielded yet, in list order, and counts down ``max_items``."""

    __slots__ = ("_remaining", "_seen", "_stats")

    def __init__(self, stats: ClientStats, max_items: int | None, seen: IdSet | None = None) -> None:
        self._seen = seen if seen is not None else IdSet()
        self._stats = stats
        self._remaining = max_items

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
        """The page's records not yielded yet, skipping those before its last already-yielded record: the
        list order is stable, so those were inserted behind the reader (yielding them would break order)."""
        keys = page.keys
        seen = self._seen
        frontier = seen.last_member(keys)
        if None in keys or len(page.key_set) != len(keys):  # keys missing or repeated within the page
            out = self._take_slowly(page, frontier)
        else:
            self._stats.duplicates_dropped += sum(1 for key in keys[:frontier] if key in seen)
            seen.add_all(keys[frontier:])
            out = page.items[frontier:] if frontier else page.items
        if self._remaining is not None:
            out = out[: self._remaining]
            self._remaining -= len(out)
        return out

    def _take_slowly(self, page: DecodedPage[T], frontier: int) -> list[T]:
        seen, out = self._seen, []
        for n, (key, item) in enumerate(zip(page.keys, page.items, strict=True)):
            if key is not None:
                if key in seen or n < frontier:
                    self._stats.duplicates_dropped += key in seen
                    continue
                seen.add(key)
            out.append(item)
        return out
