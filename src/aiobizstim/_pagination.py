"""Offset pagination: sans-I/O page planning, :class:`Page`, and the ordered, windowed async iterators.

Drift guarantee of :func:`iterate_records` (records inserted or deleted while an export runs):

* **no record is yielded twice**: records are deduplicated by ``id`` (about one bit per id: :class:`IdSet`);
* **a record that exists for the whole export is never missed**, provided the list keeps a stable order
  (records are only inserted or deleted, never reordered). Consecutive pages overlap by ``overlap`` records
  (default :func:`default_overlap`: about 2 % of a page, at least 1). Two pages that share a record cover
  every record between them, whatever was inserted or deleted in between, so the iterator checks that each
  page shares a record with the one before it. When it does not (more than ``overlap`` records shifted
  between the two fetches), it reads a bridging page overlapping the previous one by a quarter page or more
  (``stats.drift_repairs``), and raises :class:`PaginationDriftError` if nothing links after 8 such pages.
  Records found *behind* the last record already yielded were inserted during the export and are skipped,
  so what is yielded stays in list order.
  The iteration ends on a page that reached the end of the list when it was fetched (short, or reaching its
  own ``total``), so records appended during the export are read too. A *first* page that comes back short
  although its ``total`` says more follow means the server caps the page size below the documented
  maximum: the iterator then reads pages of the size the server serves (logged as a warning).

When the bridging pages get past where a page was read without meeting it (its records moved behind them),
that page is dropped: the next one must link to the last page used, as any page must.

Cost: about ``overlap / (page_size - overlap)`` extra page requests (≈2 %) without drift, plus usually one
page request for each page boundary the drift actually crossed; memory: ``window`` page bodies (pages are
decoded when the iterator reaches them), two decoded pages, and one bit per id yielded (for ids up to 2**27).
Records without an ``id`` are not deduplicated and the guarantee does not cover them.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import logging
import operator
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from aiobizstim._stats import ClientStats
from aiobizstim.errors import PaginationDriftError, PaginationStalledError

__all__ = [
    "FetchedPage",
    "IdSet",
    "OnDecodeError",
    "Page",
    "PaginationDriftError",
    "PaginationStalledError",
    "ReceivedPage",
    "check_int",
    "check_page_args",
    "default_overlap",
    "fan_out",
    "is_terminal",
    "iterate_pages",
    "iterate_records",
    "plan_offsets",
]

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")

OnDecodeError = Literal["raise", "skip"]

logger = logging.getLogger("aiobizstim")

_get_id = operator.attrgetter("id")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paginated list: its records and where it sits in the whole list."""

    items: list[T]
    #: The number of matching records the server reported (``None`` if it sent no total).
    total: int | None
    start: int
    limit: int
    #: Records of this page dropped by ``on_decode_error="skip"`` (0 otherwise).
    skipped: int = field(default=0, repr=False)

    @property
    def has_more(self) -> bool:
        """True when records exist after this page."""
        count = len(self.items) + self.skipped
        if self.total is not None:
            return self.start + count < self.total
        return count >= self.limit

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class FetchedPage(Generic[T]):
    """A page as the iterator sees it: decoded items plus the raw record count (skipped records included)."""

    offset: int
    limit: int
    items: list[T]
    total: int | None
    raw_count: int

    @functools.cached_property
    def keys(self) -> list[Any]:
        """The records' ids in page order (``None`` for a record without one)."""
        items = self.items
        try:
            return list(map(_get_id, items))
        except AttributeError:  # a model without ``id``: no keys
            return [getattr(item, "id", None) for item in items]

    @functools.cached_property
    def key_set(self) -> frozenset[Any]:
        """The records' ids, ``None`` left out."""
        return frozenset(self.keys).difference((None,))

    @property
    def full(self) -> bool:
        """The page returned as many records as asked for."""
        return self.raw_count >= self.limit

    @property
    def terminal(self) -> bool:
        """The page reached the end of the list at the time it was fetched."""
        return is_terminal(self.offset, self.raw_count, self.limit, self.total)


@dataclass(frozen=True)
class ReceivedPage(Generic[T]):
    """A page whose body has arrived, decoded only when the iterator reaches it.

    The iterator then decodes pages in the order it yields them, and sends the request that refills the
    window before decoding: the decoding of pages still queued no longer delays the next requests.
    """

    decode: Callable[[], FetchedPage[T]]


def _opened(page: FetchedPage[T] | ReceivedPage[T]) -> FetchedPage[T]:
    return page.decode() if isinstance(page, ReceivedPage) else page


# --- pure planning ------------------------------------------------------------------------------------------


def check_int(name: str, value: object) -> int:
    """``value`` if it is an int (bools refused), else ``TypeError`` naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return value


def check_page_args(start: object, limit: object, max_limit: int) -> tuple[int, int]:
    """Validate ``start``/``limit`` of one page request: ints, ``start >= 0``, ``1 <= limit <= max_limit``."""
    start_i, limit_i = check_int("start", start), check_int("limit", limit)
    if start_i < 0:
        raise ValueError(f"start must be >= 0, got {start_i}")
    if not 1 <= limit_i <= max_limit:
        raise ValueError(f"limit must be between 1 and {max_limit} (the documented maximum), got {limit_i}")
    return start_i, limit_i


def default_overlap(page_size: int) -> int:
    """Records consecutive pages share by default: ~2 % of the page, at least 1, 0 for one-record pages."""
    if page_size <= 1:
        return 0
    return max(1, page_size // 50)


def is_terminal(offset: int, raw_count: int, limit: int, total: int | None) -> bool:
    """True when a page that returned ``raw_count`` records reached the end of the list."""
    if raw_count < limit:
        return True
    return total is not None and offset + raw_count >= total


def plan_offsets(
    start: int, total: int, page_size: int, *, overlap: int = 0, max_items: int | None = None
) -> list[int]:
    """Offsets of every page needed to read records ``[start, total)`` (capped at ``max_items`` records),
    first page included, consecutive pages overlapping by ``overlap`` records."""
    if page_size < 1 or not 0 <= overlap < page_size:
        raise ValueError(f"need page_size >= 1 and 0 <= overlap < page_size, got {page_size}, {overlap}")
    end = total if max_items is None else min(total, start + max_items)
    offsets = [start]
    step = page_size - overlap
    offset = start
    while offset + page_size < end:
        offset += step
        offsets.append(offset)
    return offsets


class IdSet:
    """The ids already yielded, in about one bit per id for the usual dense MySQL auto-increment ints.

    A plain ``set`` costs ~60 bytes per id (the int object plus its slot) and would make a long export's
    memory grow with the list; ints in ``[0, 2**27)`` go into a bitmap instead (at most 16 MiB, 125 kB for
    ids up to a million), anything else into a set.
    """

    __slots__ = ("_bits", "_others")

    _BITMAP_LIMIT = 1 << 27

    def __init__(self) -> None:
        self._bits = bytearray()
        self._others: set[Any] = set()

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
        if type(key) is int and 0 <= key < self._BITMAP_LIMIT:
            byte = key >> 3
            if byte >= len(self._bits):
                self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
            self._bits[byte] |= 1 << (key & 7)
        else:
            self._others.add(key)


# --- the async iterators ------------------------------------------------------------------------------------


async def _cancel_all(tasks: Sequence[asyncio.Future[Any]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def _capped(page: FetchedPage[Any]) -> bool:
    """A non-empty short page whose own ``total`` says more records follow it."""
    return (
        0 < page.raw_count < page.limit
        and page.total is not None
        and page.offset + page.raw_count < page.total
    )


async def iterate_pages(
    fetch: Callable[[int, int], Awaitable[FetchedPage[T] | ReceivedPage[T]]],
    *,
    start: int,
    page_size: int,
    max_items: int | None,
    window: int,
    overlap: int | None = None,
    stats: ClientStats | None = None,
    what: str = "list",
    max_repairs: int = 8,
) -> AsyncGenerator[list[T], None]:
    """Yield every record from offset ``start`` in list order, each at most once (see the module docstring),
    a page's worth at a time: each yielded list holds the new records of one fetched page (never empty).

    ``fetch(offset, limit)`` reads one page (decoded, or a :class:`ReceivedPage` to decode when its turn
    comes). The first page is read alone (it gives ``total``); later pages are fetched concurrently, at most
    ``window`` at a time, and yielded in order. Closing the generator (``break``, cancellation, an error)
    cancels and awaits the page requests still in flight.
    """
    stats = stats if stats is not None else ClientStats()
    ov = default_overlap(page_size) if overlap is None else overlap
    if not 0 <= ov < page_size:
        raise ValueError(f"overlap must be between 0 and page_size - 1, got {ov}")
    step = page_size - ov
    end = None if max_items is None else start + max_items
    seen = IdSet()
    remaining = max_items
    window_tasks: collections.deque[asyncio.Task[FetchedPage[T] | ReceivedPage[T]]] = collections.deque()
    total_hint: int | None = None
    next_offset = start

    async def get(offset: int) -> FetchedPage[T] | ReceivedPage[T]:
        stats.pages += 1
        return await fetch(offset, page_size)

    def refill() -> bool:
        """Start page requests until ``window`` are outstanding (none past the known end of the list); say
        whether any was started."""
        nonlocal next_offset
        started = False
        # A page starting within ``ov`` of the end would hold only records the previous one had.
        while len(window_tasks) < window and (total_hint is None or next_offset + ov < total_hint):
            if end is not None and next_offset >= end:
                break
            window_tasks.append(asyncio.ensure_future(get(next_offset)))
            next_offset += step
            started = True
        return started

    def fresh(page: FetchedPage[T]) -> list[T]:
        """The page's records not yielded yet, skipping those before its last already-yielded record: the
        list order is stable, so those were inserted behind the reader (yielding them would break order)."""
        nonlocal remaining
        keys = page.keys
        frontier = seen.last_member(keys)
        if None in keys or len(page.key_set) != len(keys):  # keys missing or repeated within the page
            out = _fresh_slow(page, frontier)
        else:
            stats.duplicates_dropped += sum(1 for key in keys[:frontier] if key in seen)
            seen.add_all(keys[frontier:])
            out = page.items[frontier:] if frontier else page.items
        if remaining is not None:
            out = out[:remaining]
            remaining -= len(out)
        return out

    def _fresh_slow(page: FetchedPage[T], frontier: int) -> list[T]:
        out = []
        for n, (key, item) in enumerate(zip(page.keys, page.items, strict=True)):
            if key is not None:
                if key in seen or n < frontier:
                    stats.duplicates_dropped += key in seen
                    continue
                seen.add(key)
            out.append(item)
        return out

    def done() -> bool:
        return remaining is not None and remaining <= 0

    def linked(a: FetchedPage[T], b: FetchedPage[T]) -> bool:
        if ov == 0 or not a.full or not a.key_set:
            return True  # no overlap asked for, ``a`` was short (it ended the list), or records without ids
        return not a.key_set.isdisjoint(b.key_set)

    def stalled(a: FetchedPage[T], b: FetchedPage[T]) -> bool:
        if b.offset == a.offset or not b.items or b.keys[:1] != a.keys[:1]:
            return False
        return None not in b.keys and b.keys == a.keys

    try:
        first_limit = page_size if end is None else min(page_size, end - start)
        stats.pages += 1
        prev = _opened(await fetch(start, first_limit))
        if out := fresh(prev):
            yield out
        if not done() and _capped(prev):
            # Fewer records than asked for although ``total`` says more follow: the server caps the page
            # size below the documented maximum. Read pages of the size it serves rather than stop early.
            logger.warning(
                "%s: the server returned %d records for limit %d although its total is %d; "
                "it caps the page size, reading pages of %d records",
                what,
                prev.raw_count,
                first_limit,
                prev.total,
                prev.raw_count,
            )
            page_size = first_limit = prev.raw_count
            ov = min(ov, default_overlap(page_size))
            step = page_size - ov
            prev = dataclasses.replace(prev, limit=page_size)
        if done() or prev.terminal or prev.raw_count < first_limit:
            return
        total_hint = prev.total
        next_offset = start + (step if first_limit == page_size else first_limit)
        repairs = 0  # bridging pages the last page needed

        while True:
            refill()
            if not window_tasks:
                if prev.terminal or (end is not None and next_offset >= end):
                    return
                window_tasks.append(asyncio.ensure_future(get(next_offset)))  # the list grew past total
                next_offset += step
            received = await window_tasks[0]
            window_tasks.popleft()
            if not repairs and refill():
                # The slot is free: let its next request go out now, before this page is decoded and
                # consumed (the next pages may have arrived already, and the consumer would not let it go
                # until it caught up with them). Not while the list drifts: then the bridging pages this
                # page may need go first, so that fewer changes land between them and the pages they link.
                await asyncio.sleep(0)
            nxt = _opened(received)
            latest_total = nxt.total
            if nxt.total is not None:
                total_hint = max(total_hint or 0, nxt.total)
            if stalled(prev, nxt):
                raise PaginationStalledError(
                    f"pagination stalled: the {what} page at offset {nxt.offset} repeats the page at offset "
                    f"{prev.offset} (the server ignores or clamps start)",
                    status="stalled",
                )
            repairs = misses = 0
            dropped = False
            while not linked(prev, nxt) and not prev.terminal:
                # A gap: more than ``overlap`` records moved between the two fetches. Bridge it with a
                # page that starts well inside ``prev`` (overlapping it by ``margin``), reaching into ``nxt``.
                if repairs >= max_repairs:
                    raise PaginationDriftError(
                        f"the {what} list changed faster than it could be re-read consistently: no page "
                        f"linked offset {prev.offset} to offset {nxt.offset} after {repairs} extra pages",
                        status="drift",
                    )
                repairs += 1
                stats.drift_repairs += 1
                margin = min(page_size - 1, ov + (page_size // 4) * (1 + misses))
                # Where prev's last records are now: moved by the net inserts/deletes since it was read
                # (exact when the changes are ahead of it, a hint otherwise; the margin absorbs the rest).
                shift = (
                    latest_total - prev.total if latest_total is not None and prev.total is not None else 0
                )
                offset = max(start, prev.offset + prev.raw_count - margin + shift)
                logger.warning(
                    "%s changed during iteration: pages at offsets %d and %d share no record; "
                    "re-reading from offset %d",
                    what,
                    prev.offset,
                    nxt.offset,
                    offset,
                )
                bridge = _opened(await get(offset))
                latest_total = bridge.total if bridge.total is not None else latest_total
                if not (linked(prev, bridge) or offset == start):
                    misses += 1  # the list moved by more than ``margin``: overlap more next time
                    continue
                misses = 0
                if out := fresh(bridge):
                    yield out
                if done():
                    return
                prev = bridge
                if prev.offset >= nxt.offset and not linked(prev, nxt):
                    # The bridges got past where ``nxt`` was read without meeting it: its records moved
                    # behind them. Drop it; the next page must link to ``prev``, as any page must.
                    logger.warning(
                        "%s changed during iteration: re-reading passed the page at offset %d without "
                        "meeting its records; dropping it",
                        what,
                        nxt.offset,
                    )
                    dropped = True
                    break
            if repairs and prev.terminal:
                return  # a bridge reached the end of the list
            if dropped:
                continue
            if out := fresh(nxt):
                yield out
            if done():
                return
            prev = nxt
            if prev.terminal:
                return
    finally:
        await _cancel_all(list(window_tasks))


async def iterate_records(
    fetch: Callable[[int, int], Awaitable[FetchedPage[T] | ReceivedPage[T]]],
    *,
    start: int,
    page_size: int,
    max_items: int | None,
    window: int,
    overlap: int | None = None,
    stats: ClientStats | None = None,
    what: str = "list",
    max_repairs: int = 8,
) -> AsyncGenerator[T, None]:
    """:func:`iterate_pages`, one record at a time."""
    pages = iterate_pages(
        fetch,
        start=start,
        page_size=page_size,
        max_items=max_items,
        window=window,
        overlap=overlap,
        stats=stats,
        what=what,
        max_repairs=max_repairs,
    )
    try:
        async for items in pages:
            for item in items:
                yield item
    finally:
        await pages.aclose()


async def fan_out(
    source: AsyncIterator[K],
    call: Callable[[K], Awaitable[R]],
    *,
    concurrency: int,
    buffer: int | None = None,
) -> AsyncGenerator[R, None]:
    """``call(k)`` for every ``k`` of ``source``, at most ``concurrency`` at once, results yielded in source
    order.

    Up to ``buffer`` (default ``32 x concurrency``) calls may be started ahead of the one the consumer waits
    for, so one slow call (a retry waiting out ``Retry-After``) does not stall the others; memory stays
    bounded by ``buffer`` results. Closing the generator cancels and awaits the calls in flight and closes
    ``source``.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    ahead = max(concurrency, 32 * concurrency if buffer is None else buffer)
    gate = asyncio.Semaphore(concurrency)

    async def run(key: K) -> R:
        async with gate:
            return await call(key)

    pending: collections.deque[asyncio.Task[R]] = collections.deque()
    try:
        async for key in source:
            pending.append(asyncio.ensure_future(run(key)))
            if len(pending) >= ahead:
                result = await pending[0]
                pending.popleft()
                yield result
        while pending:
            result = await pending[0]
            pending.popleft()
            yield result
    finally:
        await _cancel_all(list(pending))
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
