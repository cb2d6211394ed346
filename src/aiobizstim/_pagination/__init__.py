"""Offset pagination: the page types, the page walker behind ``iter()``/``iter_pages()`` (a request window,
id de-duplication, bridging reads) and the bounded fan-out behind ``iter_details()``.

The drift guarantee: a walk never hands out a record twice and never misses one that exists for the whole
walk, while records are inserted or deleted anywhere in the list, also across a stop and a ``resume=``.
Consecutive pages share ``overlap`` records (about 2 % of a page, so about 2 % more page requests); a page
that does not link to the one before it is a sign that records moved, and the gap is read again. The exact
rules, and what the guarantee does not cover (records without ids), are in :mod:`._walker`."""

from aiobizstim._pagination._fan_out import FanOut, RecordGoneError
from aiobizstim._pagination._ids import IdSet
from aiobizstim._pagination._pages import (
    DecodedPage,
    OnDecodeError,
    Page,
    RawPage,
    default_overlap,
    is_terminal,
)
from aiobizstim._pagination._walker import PageIterator, RecordIterator

__all__ = [
    "DecodedPage",
    "FanOut",
    "IdSet",
    "OnDecodeError",
    "Page",
    "PageIterator",
    "RawPage",
    "RecordGoneError",
    "RecordIterator",
    "default_overlap",
    "is_terminal",
]
