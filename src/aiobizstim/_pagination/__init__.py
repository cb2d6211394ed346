"""Offset pagination: the page types, the page walker behind ``iter()``/``iter_pages()`` (a request window,
id de-duplication, bridging reads; its guarantee is in :mod:`._walker`) and the bounded fan-out behind
``iter_details()``."""

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
