"""The page types: :class:`Page` (one page of a list, public), and the two forms a page takes inside the
iterators, :class:`RawPage` (the body as received) and :class:`DecodedPage` (its records)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

from aiobizstim.errors import DecodeError

__all__ = ["DecodedPage", "OnDecodeError", "Page", "RawPage", "default_overlap", "ids_of", "is_terminal"]

T = TypeVar("T")

OnDecodeError = Literal["raise", "skip"]

_get_id = operator.attrgetter("id")


@dataclass(frozen=True, slots=True, repr=False)
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

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __repr__(self) -> str:
        # Not every record: a page of 1000 made a repr of a megabyte.
        kinds = sorted({type(item).__name__ for item in self.items})
        items = f"{len(self.items)} {' | '.join(kinds)}".rstrip()
        skipped = f", skipped={self.skipped}" if self.skipped else ""
        return f"Page(start={self.start}, limit={self.limit}, total={self.total}, items=[{items}]{skipped})"


def is_terminal(offset: int, raw_count: int, limit: int, total: int | None) -> bool:
    """True when the server's own answer says the list ends with this page: the page reaches its ``total``,
    or, when the server sent none, it came back with fewer records than asked for."""
    if total is not None:
        return offset + raw_count >= total
    return raw_count < limit


def default_overlap(page_size: int) -> int:
    """Records consecutive pages share by default: ~2 % of the page, at least 1, 0 for one-record pages."""
    if page_size <= 1:
        return 0
    return max(1, page_size // 50)


def ids_of(items: Sequence[Any]) -> list[Any]:
    """The records' ids in order (``None`` for a record without one)."""
    try:
        return list(map(_get_id, items))
    except AttributeError:  # a model without ``id``: no keys
        return [getattr(item, "id", None) for item in items]


@dataclass(frozen=True)
class DecodedPage(Generic[T]):
    """A page's decoded records, where it was read, and its raw record count (skipped records included)."""

    offset: int
    limit: int
    items: list[T]
    total: int | None
    raw_count: int
    #: The ids, when the page stands for one read before (a checkpoint's) and its records are not kept.
    ids: tuple[Any, ...] | None = None

    @functools.cached_property
    def keys(self) -> list[Any]:
        """The records' ids in page order (``None`` for a record without one)."""
        if self.ids is not None:
            return list(self.ids)
        return ids_of(self.items)

    @functools.cached_property
    def key_set(self) -> frozenset[Any]:
        """The records' ids, ``None`` left out."""
        return frozenset(self.keys).difference((None,))

    def without_records(self) -> DecodedPage[T]:
        """This page with its ids but not its records: what the walk keeps of a page once it has taken the new
        records out of it, so that they are freed as soon as the consumer is done with them (while they are
        still in the CPU's caches) rather than a page or two later. A page without ids keeps its records:
        such pages are compared record by record to tell a server that ignores ``start``."""
        if not self.key_set:
            return self
        page = replace(self, items=[])
        page.__dict__.update(keys=self.keys, key_set=self.key_set)  # the cached properties, already known
        return page

    @property
    def full(self) -> bool:
        """The page returned as many records as asked for."""
        return self.raw_count >= self.limit

    @property
    def terminal(self) -> bool:
        """The page reached the end of the list at the time it was fetched."""
        return is_terminal(self.offset, self.raw_count, self.limit, self.total)

    @property
    def short(self) -> bool:
        """Fewer records than asked for, although the page's own ``total`` says more follow it."""
        return self.raw_count < self.limit and not self.terminal


@dataclass(frozen=True, slots=True)
class RawPage(Generic[T]):
    """A page's body as received, decoded only when the iterator reaches it.

    The iterator then decodes pages in the order it yields them, and sends the request that refills the
    window before decoding: the decoding of pages still queued does not delay the next requests.
    """

    body: bytes
    decoder: Callable[[bytes], DecodedPage[T]]
    #: Reads the page again, decoded as it arrives (retried as any read is), for a body that turns out not to
    #: be JSON when it is decoded (cut or garbled in transfer: the error); ``None`` when no retry is allowed.
    reread: Callable[[DecodeError], Awaitable[DecodedPage[T]]] | None = None

    def decode(self) -> DecodedPage[T]:
        """The page's records."""
        return self.decoder(self.body)


async def decoded(page: DecodedPage[T] | RawPage[T]) -> DecodedPage[T]:
    """``page`` decoded, if it was not yet; read again if its body proves not to be JSON (as a read that
    decodes at once would have retried it)."""
    if not isinstance(page, RawPage):
        return page
    try:
        return page.decode()
    except DecodeError as error:
        if not error.unreadable or page.reread is None:
            raise
        return await page.reread(error)
