"""The page walker behind ``iter()`` and ``iter_pages()``: reads a list page by page, concurrently and in
order, and repairs what records inserted or deleted meanwhile did to the offsets.

Drift guarantee (records inserted or deleted while an export runs):

* **no record is yielded twice**: records are deduplicated by ``id`` (about one bit per id: :class:`IdSet`);
* **a record that exists for the whole export is never missed**, provided the list keeps a stable order
  (records are only inserted or deleted, never reordered). Consecutive pages overlap by ``overlap`` records
  (default :func:`default_overlap`: about 2 % of a page, at least 1). Two pages that share a record cover
  every record between them, whatever was inserted or deleted in between, so the walker checks that each
  page shares a record with the one before it. When it does not (more than ``overlap`` records shifted
  between the two fetches), it reads a bridging page overlapping the previous one by a quarter page or more
  (``stats.drift_repairs``), and raises :class:`PaginationDriftError` if nothing links after 8 such pages.
  Records found *behind* the reader (before the last record a page shares with the page before it) were
  inserted during the export and are skipped, so what is yielded stays in list order. An id already yielded
  that comes again further on (a row listed twice) drops only that row.
  The iteration ends only where the server's own answer says the list ends: on a page that reaches its own
  ``total`` (or, from a server that sends no total, a page that comes back short), so records appended
  during the export are read too. A later page that comes back short while its ``total`` says more follow
  is read again (it may be transient) and, if it stays short, the iteration fails with
  :class:`PaginationIncompleteError` naming the offsets it could not read: never a silent early end. A
  *first* page that comes back short that way means the server caps the page size below the documented
  maximum: the walker then reads pages of the size the server serves (logged as a warning).

When the bridging pages get past where a page was read without meeting it (its records moved behind them),
that page is dropped: the next one must link to the last page used, as any page must.

Cost: about ``overlap / (page_size - overlap)`` extra page requests (≈2 %) without drift, plus usually one
page request for each page boundary the drift actually crossed; memory: ``window`` page bodies (pages are
decoded when the walker reaches them), two decoded pages, and one bit per id yielded (for ids up to 2**27).
Records without an ``id`` cannot be deduplicated or linked, so the drift guarantee does not cover them. When
the first page has no ids at all, the walker reads without overlap (each offset once), so it never yields a
record twice by its own doing, and it detects a server that ignores ``start`` by a page that repeats the one
before it record for record (:class:`PaginationStalledError`): the iteration always ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import operator
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from aiobizstim._checks import check_int, check_overlap
from aiobizstim._constants import SHORT_PAGE_REREADS
from aiobizstim._log import logger
from aiobizstim._pagination._closing import Closing
from aiobizstim._pagination._ids import IdSet, NewRecords, scalar_ids
from aiobizstim._pagination._pages import DecodedPage, RawPage, decoded, default_overlap, ids_of
from aiobizstim._pagination._window import RequestWindow
from aiobizstim._stats import ClientStats
from aiobizstim.errors import PaginationDriftError, PaginationIncompleteError, PaginationStalledError

__all__ = ["PageIterator", "Position", "RecordIterator", "total_text"]

_CHECKPOINT_VERSION = 1
_CHECKPOINT_KIND = "pages"

T = TypeVar("T")


Fetch = Callable[[int, int], Awaitable[DecodedPage[T] | RawPage[T]]]


def _linked(a: DecodedPage[T], b: DecodedPage[T], overlap: int) -> bool:
    """``b`` shares a record with ``a``, or need not (no overlap asked for, ``a`` ended the list, no ids)."""
    if overlap == 0 or not a.full or not a.key_set:
        return True
    return not a.key_set.isdisjoint(b.key_set)


#: Pages in a row that may repeat the one before while the list's length explains it (see :func:`_repeats`);
#: past that, a page ``_FAR_OFF`` steps further is read to tell (:meth:`_Walk._repeated_far_off`).
_EXPLAINED_REPEATS = 2
_FAR_OFF = 10


def _repeats(a: DecodedPage[T], b: DecodedPage[T]) -> bool:
    """``b``, read at another offset, holds exactly ``a``'s records: the server ignores ``start``, or the list
    moved by the distance between the two reads (see :func:`_moved_by_distance`)."""
    if b.offset == a.offset or not b.items:
        return False
    if not (a.key_set or b.key_set):  # no ids to compare: compare the records themselves
        return b.items == a.items
    return b.keys[:1] == a.keys[:1] and None not in b.keys and b.keys == a.keys


def _moved_by_distance(a: DecodedPage[T], b: DecodedPage[T]) -> bool:
    """The list's length changed between the two reads by at least the distance between them: records
    inserted (or deleted) before them may have moved ``a``'s records to ``b``'s offset (drift, which the
    bridges handle). Taken on trust twice in a row, then checked by a read far off: a server that ignores
    ``start`` on a list that grows that fast would explain every repeat so, and the walk would never end."""
    return a.total is not None and b.total is not None and abs(a.total - b.total) >= abs(b.offset - a.offset)


@dataclasses.dataclass(frozen=True, slots=True)
class Position(Generic[T]):
    """Where a walk stood right after handing out a batch of records (or before the first): the page the
    batch came from, the records still to hand out under ``max_items``, the page size and overlap in use.
    Holds references only, so it costs nothing to take after every batch."""

    page: DecodedPage[T] | None
    remaining: int | None
    page_size: int
    overlap: int


class _Walk(Generic[T]):
    """The state of one :class:`PageIterator`'s walk and the async generator that walks (:meth:`pages`).

    The generator refers to this object, never to the :class:`PageIterator` that holds it: a consumer that
    drops the iterator (``return`` out of ``async for``) drops the generator's last reference, so the event
    loop closes it at once (its page requests cancelled), rather than whenever the cyclic GC finds it.
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        start: int,
        page_size: int,
        max_items: int | None,
        window: int | Callable[[], int],
        overlap: int | None = None,
        stats: ClientStats | None = None,
        what: str = "list",
        max_repairs: int = 8,
        resume: Any = None,
    ) -> None:
        overlap = default_overlap(page_size) if overlap is None else check_overlap(overlap, page_size)
        self._fetch = fetch
        self._start = start
        self._asked = page_size
        self._page_size = page_size
        self._stats = stats if stats is not None else ClientStats()
        #: What is walked (``"clients"``), for messages.
        self.what = what
        self._max_repairs = max_repairs
        self._new = NewRecords[T](self._stats, max_items)
        self._window = RequestWindow[T](
            self._get,
            width=window,
            step=page_size - overlap,
            overlap=overlap,
            end=None if max_items is None else start + max_items,
        )
        #: The list's ``total`` in the latest page that gave one (``None`` before the first page).
        self.total: int | None = None
        self._resumed = None if resume is None else self._restore(resume)
        #: The last page whose new records were all handed out (what a checkpoint continues from).
        self._mark: DecodedPage[T] | None = self._resumed

    @property
    def position(self) -> Position[T]:
        """Where the walk stands: right after the latest batch handed out (see :meth:`checkpoint_at`)."""
        return Position(self._mark, self._new.remaining, self._page_size, self._window.overlap)

    @property
    def seen(self) -> IdSet:
        """The ids handed out so far, with those a resumed checkpoint covered (the live set: copy it)."""
        return self._new.seen

    def checkpoint(self) -> dict[str, Any]:
        """See :meth:`PageIterator.checkpoint`."""
        return self.checkpoint_at(self.position, self._new.seen)

    def checkpoint_at(self, position: Position[T], seen: IdSet, taken: Sequence[Any] = ()) -> dict[str, Any]:
        """See :meth:`PageIterator.checkpoint_at`."""
        mark, remaining = position.page, position.remaining
        return {
            "version": _CHECKPOINT_VERSION,
            "kind": _CHECKPOINT_KIND,
            "what": self.what,
            "start": self._start,
            "page_size": self._asked,
            "served_page_size": position.page_size,
            "overlap": position.overlap,
            "remaining": None if remaining is None else remaining - len(taken),
            "seen": seen.dump(),
            "taken": list(taken),
            "page": None
            if mark is None
            else {
                "offset": mark.offset,
                "limit": mark.limit,
                "raw_count": mark.raw_count,
                "total": mark.total,
                "ids": list(mark.keys),
            },
        }

    def _restore(self, token: Any) -> DecodedPage[T] | None:
        """Take up the state a :meth:`checkpoint` describes; return the page to continue from (or None)."""
        try:
            if not isinstance(token, dict) or token.get("version") != _CHECKPOINT_VERSION:
                raise ValueError("not a checkpoint of this version")
            if token.get("kind") != _CHECKPOINT_KIND:
                raise ValueError(f"it was taken by another kind of iterator ({token.get('kind')!r})")
            if (token.get("what"), token.get("start"), token.get("page_size")) != (
                self.what,
                self._start,
                self._asked,
            ):
                raise ValueError(
                    f"it was taken for {token.get('what')} from offset {token.get('start')} in pages of "
                    f"{token.get('page_size')}, not {self.what} from {self._start} in pages of {self._asked}"
                )
            served = check_int("served_page_size", token["served_page_size"])
            overlap = check_int("overlap", token["overlap"])
            remaining = token["remaining"]
            if not 0 <= overlap < served <= self._asked:
                raise ValueError("bad page size or overlap")
            if remaining is not None and check_int("remaining", remaining) < 0:
                raise ValueError("bad remaining count")
            taken = token["taken"]
            if not isinstance(taken, list) or not scalar_ids(taken):
                raise ValueError("bad taken ids")
            seen = IdSet.load(token["seen"])
            seen.add_all(taken)
            self._new = NewRecords[T](self._stats, remaining, seen)
            self._page_size = served
            window = self._window
            window.overlap, window.step = overlap, served - overlap
            page = token["page"]
            if page is None:
                return None
            offset, limit, raw_count = (
                check_int(f"bad page: {key}", page[key]) for key in ("offset", "limit", "raw_count")
            )
            total, ids = page["total"], page["ids"]
            if total is not None:
                check_int("bad page: total", total)
            if not isinstance(ids, list) or not scalar_ids(ids):
                raise ValueError("bad page ids")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"resume= is not a usable checkpoint of this iterator: {exc}") from None
        self.total = total
        # The records taken from the next page follow the page's own: later pages may link to either.
        return DecodedPage(offset, limit, [], total, raw_count, ids=(*ids, *taken))

    async def _get(self, offset: int) -> DecodedPage[T] | RawPage[T]:
        self._stats.pages += 1
        return await self._fetch(offset, self._page_size)

    async def _open(self, page: DecodedPage[T] | RawPage[T]) -> DecodedPage[T]:
        opened = await decoded(page)
        if opened.total is not None:
            self.total = opened.total
        return opened

    async def pages(self) -> AsyncGenerator[list[T], None]:
        """The walk: the new records of each page read, in list order.

        A walk continuing a checkpoint whose page no page links to any more (the records on and around it
        were deleted while it was stopped, more than the bridging pages can reach past) starts again from
        ``start``, once: the ids handed out before the stop are skipped, so no record comes twice and none
        that existed throughout is missed (each one comes after those handed out, in list order). Records
        inserted while it was stopped come too, wherever they were inserted: ahead of those after the stop
        when inserted before it (and counted against ``max_items``). It costs a re-read of the list up to
        where the stop was."""
        while True:  # twice at most: a restart has no checkpoint page left to fail on
            async with contextlib.aclosing(self._walk()) as batches:
                try:
                    async for out in batches:
                        yield out
                        del out  # handed out: not held while the next page is read and decoded
                    return
                except PaginationDriftError:
                    if self._resumed is None or self._mark is not self._resumed:
                        raise  # not the checkpoint's page that cannot be linked: the list moves too fast
            logger.warning(
                "%s: no page links to where the checkpoint stood any more (its records were deleted since): "
                "reading again from offset %d, skipping the records handed out before the stop",
                self.what,
                self._start,
            )
            self._resumed = None

    async def _walk(self) -> AsyncGenerator[list[T], None]:
        window, start = self._window, self._start
        try:
            if self._resumed is not None:  # continue after a checkpoint's page, as if never stopped
                prev, first_limit = self._resumed, self._page_size
                if self._new.done():
                    return
            else:
                first_limit = (
                    self._page_size if window.end is None else min(self._page_size, window.end - start)
                )
                self._stats.pages += 1
                prev = await self._open(await self._fetch(start, first_limit))
                if not prev.items and prev.short:
                    prev = await self._complete(prev)  # an empty first page although the total says more
                out = self._new.take(prev)
                if not self._new.done():  # settle the page size first: a checkpoint taken now records it
                    if prev.short:
                        prev = self._adopt_served_size(prev, first_limit)
                        first_limit = prev.limit
                    if prev.items and not prev.key_set:
                        self._read_without_overlap()
                prev = prev.without_records()
                if out:
                    self._mark = prev
                    yield out
                    del out
                if self._new.done():
                    return
            if prev.terminal:
                return
            new = self._new
            window.total_hint = prev.total
            window.next_offset = prev.offset + (
                window.step if first_limit == self._page_size else first_limit
            )
            repairs = 0  # bridging pages the last page needed
            explained = 0  # pages in a row that repeated the one before while the list's length moved as much
            while True:
                window.refill()
                if not len(window):
                    if prev.terminal or window.past_end():
                        return
                    window.push()  # the list grew past its total
                received = await window.take()
                if not repairs and window.refill():
                    # The slot is free: let its next request go out now, before this page is decoded and
                    # consumed (the next pages may have arrived already, and the consumer would not let it go
                    # until it caught up with them). Not while the list drifts: then the bridging pages this
                    # page may need go first, so that fewer changes land between them and the pages they link.
                    await asyncio.sleep(0)
                nxt = await self._complete(await self._open(received))
                if nxt.total is not None:
                    window.total_hint = max(window.total_hint or 0, nxt.total)
                if not _repeats(prev, nxt):
                    explained = 0
                elif _moved_by_distance(prev, nxt) and explained < _EXPLAINED_REPEATS:
                    explained += 1
                elif _moved_by_distance(prev, nxt) and not await self._repeated_far_off(nxt):
                    explained = 0  # a page far off holds other records: the server honours start
                else:
                    raise PaginationStalledError(
                        f"pagination stalled: the {self.what} page at offset {nxt.offset} repeats the page "
                        f"at offset {prev.offset} (the server ignores or clamps start)",
                        status="stalled",
                    )
                bridges = _Bridges(self, prev, nxt)
                async with contextlib.aclosing(bridges.read()) as batches:
                    async for out in batches:
                        yield out
                repairs, prev, dropped = bridges.repairs, bridges.prev, bridges.dropped
                del bridges
                if new.done() or (repairs and prev.terminal):
                    return  # max_items reached, or a bridge reached the end of the list
                if dropped:
                    continue
                out = new.take(nxt)
                prev = nxt.without_records()
                del nxt, received
                if out:
                    self._mark = prev
                    yield out
                    del out
                if new.done():
                    return
                if prev.terminal:
                    return
        finally:
            await window.close()

    async def _repeated_far_off(self, page: DecodedPage[T]) -> bool:
        """Whether the page ``_FAR_OFF`` steps past ``page`` holds ``page``'s records too: one read that
        tells a server ignoring ``start`` from a list that really moved that far between reads."""
        far = await self._open(await self._get(page.offset + _FAR_OFF * self._window.step))
        return _repeats(page, far)

    async def _complete(self, page: DecodedPage[T]) -> DecodedPage[T]:
        """``page``, read again while it is short (fewer records than asked for although its ``total`` says
        more follow); :class:`PaginationIncompleteError` if it stays short."""
        rereads = 0
        while page.short:
            if rereads == SHORT_PAGE_REREADS:
                got, end = page.offset + page.raw_count, min(page.offset + page.limit, page.total or 0)
                raise PaginationIncompleteError(
                    f"the {self.what} page at offset {page.offset} returned {page.raw_count} of "
                    f"{page.limit} records although its total is {page.total}, also when read again "
                    f"{rereads} times: the records at offsets {got} to {end - 1} could not be read",
                    missing_from=got,
                    missing_to=end,
                )
            rereads += 1
            logger.warning(
                "%s: the page at offset %d returned %d of %d records although its total is %d; reading it "
                "again (%d of %d)",
                self.what,
                page.offset,
                page.raw_count,
                page.limit,
                page.total,
                rereads,
                SHORT_PAGE_REREADS,
            )
            self._stats.pages += 1
            page = await self._open(await self._fetch(page.offset, page.limit))
        return page

    def _read_without_overlap(self) -> None:
        """The records have no ids: overlapping pages could not be linked, only yield records twice."""
        logger.info("%s: the records have no id; reading each offset once, without overlap", self.what)
        window = self._window
        window.overlap = 0
        window.step = self._page_size

    def _adopt_served_size(self, first: DecodedPage[T], asked: int) -> DecodedPage[T]:
        """The first page came back short although its ``total`` says more follow: the server caps the page
        size below the documented maximum. Read pages of the size it serves rather than stop early."""
        served = first.raw_count
        logger.warning(
            "%s: the server returned %d records for limit %d although its total is %d; "
            "it caps the page size, reading pages of %d records",
            self.what,
            served,
            asked,
            first.total,
            served,
        )
        window = self._window
        self._page_size = served
        window.overlap = min(window.overlap, default_overlap(served))
        window.step = served - window.overlap
        return dataclasses.replace(first, limit=served)


class _Bridges(Generic[T]):
    """The bridging reads between ``prev`` and ``nxt`` when they share no record: pages that start well
    inside ``prev`` and reach into ``nxt``, each yielding its new records, until one links to ``nxt``."""

    def __init__(self, walker: _Walk[T], prev: DecodedPage[T], nxt: DecodedPage[T]) -> None:
        self._walker = walker
        self.prev = prev
        self._nxt = nxt
        #: Bridging pages read.
        self.repairs = 0
        #: ``nxt`` was passed without being met (its records moved behind the bridges): not to be used.
        self.dropped = False

    async def read(self) -> AsyncGenerator[list[T], None]:
        """Read bridging pages until one links to ``nxt`` (or passes it); yield each one's new records."""
        walker, nxt = self._walker, self._nxt
        overlap, page_size, what = walker._window.overlap, walker._page_size, walker.what
        latest_total = nxt.total
        misses = forward = 0
        while not _linked(self.prev, nxt, overlap) and not self.prev.terminal:
            prev = self.prev
            if self.repairs >= walker._max_repairs:
                gap = f"offset {prev.offset} to offset {nxt.offset}"
                where = f"no page linked {gap} after {self.repairs} extra pages"
                if None in prev.keys:  # it may not have changed at all: pages are linked by id
                    raise PaginationDriftError(
                        f"the {what} list could not be read consistently: {where}, and records without an id "
                        "lie there, which cannot link pages (overlap=0 reads each offset once, without the "
                        "drift guarantee)",
                        status="drift",
                    )
                raise PaginationDriftError(
                    f"the {what} list changed faster than it could be re-read consistently: {where}",
                    status="drift",
                )
            self.repairs += 1
            walker._stats.drift_repairs += 1
            margin = min(page_size - 1, overlap + (page_size // 4) * (1 + misses))
            # Where prev's last records are now: moved by the net inserts/deletes since it was read (exact
            # when the changes are ahead of it, a hint otherwise; the margin absorbs the rest).
            shift = latest_total - prev.total if latest_total is not None and prev.total is not None else 0
            offset = max(walker._start, prev.offset + prev.raw_count - margin + shift + forward)
            logger.warning(
                "%s changed during iteration: pages at offsets %d and %d share no record; "
                "re-reading from offset %d",
                what,
                prev.offset,
                nxt.offset,
                offset,
            )
            bridge = await walker._complete(await walker._open(await walker._get(offset)))
            latest_total = bridge.total if bridge.total is not None else latest_total
            if not (_linked(prev, bridge, overlap) or offset == walker._start):
                seen = walker._new.seen
                if prev.ids is not None and any(key in seen for key in bridge.key_set):
                    # Continuing a checkpoint: the list may have changed anywhere while stopped, so the
                    # total's change says little about where prev's records went. This page holds records
                    # handed out before them and none of theirs: they lie further on. Look a page further.
                    forward += page_size - overlap
                else:
                    misses += 1  # the list moved by more than ``margin``: overlap more next time
                continue
            misses = forward = 0
            out = walker._new.take(bridge)
            self.prev = bridge = bridge.without_records()
            if out:
                walker._mark = bridge
                yield out
                del out
            if walker._new.done():
                return
            if bridge.offset >= nxt.offset and not _linked(bridge, nxt, overlap):
                # The bridges got past where ``nxt`` was read without meeting it: its records moved behind
                # them. Drop it; the next page must link to ``prev``, as any page must.
                logger.warning(
                    "%s changed during iteration: re-reading passed the page at offset %d without meeting "
                    "its records; dropping it",
                    what,
                    nxt.offset,
                )
                self.dropped = True
                return


def total_text(total: int | None) -> str:
    """A walk's ``total`` as its repr gives it: ``"total 3,000"``, ``"no total yet"``."""
    return "no total yet" if total is None else f"total {total:,}"


class PageIterator(Closing, Generic[T]):
    """Every record from offset ``start`` in list order, each at most once (see the module docstring), a
    page's worth at a time: each list holds the new records of one page read (never empty).

    ``fetch(offset, limit)`` reads one page (decoded, or a :class:`RawPage` to decode when its turn comes).
    The first page is read alone (it gives ``total``); later pages are read concurrently, at most ``window``
    at a time, and yielded in order. :attr:`total` is the server's latest ``total``. Closing the iterator
    (``aclose()``, cancellation, an error, or dropping it, as a ``return`` out of ``async for`` does) cancels
    and awaits the page requests still in flight.
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        start: int,
        page_size: int,
        max_items: int | None,
        window: int | Callable[[], int],
        overlap: int | None = None,
        stats: ClientStats | None = None,
        what: str = "list",
        max_repairs: int = 8,
        resume: Any = None,
    ) -> None:
        self._walk = _Walk(
            fetch,
            start=start,
            page_size=page_size,
            max_items=max_items,
            window=window,
            overlap=overlap,
            stats=stats,
            what=what,
            max_repairs=max_repairs,
            resume=resume,
        )
        self._pages = self._walk.pages()

    def __repr__(self) -> str:
        return f"<PageIterator over {self._walk.what} ({total_text(self.total)})>"

    @property
    def total(self) -> int | None:
        """The list's ``total`` in the latest page that gave one (``None`` before the first page)."""
        return self._walk.total

    @property
    def what(self) -> str:
        """What is walked (``"clients"``), for messages and reprs."""
        return self._walk.what

    @property
    def position(self) -> Position[T]:
        """Where the walk stands: right after the latest batch handed out (see :meth:`checkpoint_at`)."""
        return self._walk.position

    @property
    def seen(self) -> IdSet:
        """The ids handed out so far, with those a resumed checkpoint covered (the live set: copy it)."""
        return self._walk.seen

    def checkpoint(self) -> dict[str, Any]:
        """Where the iteration stands, as a small JSON-serialisable value: pass it as ``resume=`` to a new
        iterator over the same list (same ``start`` and ``page_size``) to continue after the records handed
        out so far, with the drift guarantee across the stop. Take it between pages (after handling a page's
        records); before the first page it starts the list afresh.

        Cost: it holds the ids handed out as a compressed bitmap (a few hundred bytes per million dense
        ids; more for sparse ones), built each time it is taken after a new page."""
        return self._walk.checkpoint()

    def checkpoint_at(self, position: Position[T], seen: IdSet, taken: Sequence[Any] = ()) -> dict[str, Any]:
        """A checkpoint for a consumer that has handled fewer records than were handed out: every record
        up to the batch ``position`` was taken at, then ``taken``, the ids of the first records of the
        batch after it. ``seen`` holds the ids handled (it may include ``taken``, it must not include ids
        handed out but not handled). Resuming reads the list again from the page after ``position``'s,
        skipping ``taken`` as records already handed out (a page sharing a record with ``position``'s page or
        with ``taken`` links to it).

        Cost: ``seen``'s compressed bitmap (built once until an id is added to it) and a list of the ids
        of ``position``'s page and of ``taken``."""
        return self._walk.checkpoint_at(position, seen, taken)

    def __aiter__(self) -> PageIterator[T]:
        return self

    async def __anext__(self) -> list[T]:
        return await self._pages.__anext__()

    async def aclose(self) -> None:
        """Stop: cancel and await the page requests in flight."""
        await self._pages.aclose()


class RecordIterator(Closing, Generic[T]):
    """A :class:`PageIterator`'s records one at a time. It holds no generator of its own: dropping it drops
    the page iterator, which then closes at once."""

    def __init__(self, pages: PageIterator[T]) -> None:
        self._pages = pages
        self._batch: Iterator[T] = iter(())
        #: The records of the batch ``_batch`` hands out, and the walk's position before that batch.
        self._items: list[T] = []
        self._before = pages.position
        #: The ids handed out before that batch (built by the first checkpoint taken within it).
        self._handled: IdSet | None = None

    def __repr__(self) -> str:
        return f"<RecordIterator over {self._pages.what} ({total_text(self.total)})>"

    @property
    def what(self) -> str:
        """What is walked (``"clients"``), for messages and reprs."""
        return self._pages.what

    @property
    def total(self) -> int | None:
        """The list's ``total`` in the latest page that gave one (``None`` before the first page)."""
        return self._pages.total

    def __aiter__(self) -> RecordIterator[T]:
        return self

    async def __anext__(self) -> T:
        for item in self._batch:  # the rest of the current page
            return item
        while True:
            self._items, self._handled = [], None  # let the page's records go while the next one is read
            self._before = self._pages.position
            self._items = await self._pages.__anext__()  # never empty; StopAsyncIteration at the end
            self._batch = iter(self._items)
            for item in self._batch:
                return item

    def checkpoint(self) -> dict[str, Any]:
        """Where the iteration stands, as :meth:`PageIterator.checkpoint` gives it, but to take at any moment
        between records: it covers exactly the records handed out so far. Pass it as ``resume=`` to
        ``iter()`` or ``iter_pages()`` (same ``start`` and ``page_size``) to continue with the next one.

        Cost: the page walk's checkpoint (its compressed bitmap, built once per page, and within a page once
        more), plus the ids of the page's records handed out so far."""
        left = operator.length_hint(self._batch)
        if not left:  # between pages
            return self._pages.checkpoint()
        if self._handled is None:  # the ids handed out before this page: all but this page's
            self._handled = self._pages.seen.copy()
            self._handled.discard_all(ids_of(self._items))
        done = len(self._items) - left
        return self._pages.checkpoint_at(self._before, self._handled, ids_of(self._items[:done]))

    async def aclose(self) -> None:
        """Stop: cancel and await the page requests in flight."""
        self._batch = iter(())
        self._items, self._handled = [], None
        await self._pages.aclose()
