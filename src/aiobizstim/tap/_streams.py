"""The tap's streams: one per documented list method (as ``bizstim export`` reads them), plus
``client_details`` (every client's full record, not selected by default), and how each is read."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

import msgspec

from aiobizstim._lists import LISTABLE, capped_page_size, record_key, record_model
from aiobizstim.models import ENDPOINTS

if TYPE_CHECKING:
    from aiobizstim import Bizstim

__all__ = ["DETAILS_BATCH", "STREAMS", "Batches", "Stream", "open_stream", "stream_named"]

#: Full client records handed on (and checkpointed, where the iterator can) per batch of ``client_details``.
DETAILS_BATCH: Final = 100


class Batches(Protocol):
    """A stream's records a batch (a page) at a time; closing it cancels the requests in flight."""

    def __aiter__(self) -> AsyncIterator[Sequence[msgspec.Struct]]: ...

    async def aclose(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class Stream:
    """One Singer stream: its ``tap_stream_id``, the client resource that reads it and its record model."""

    name: str
    resource: str
    details: bool = False
    selected_by_default: bool = True

    @property
    def model(self) -> type[msgspec.Struct]:
        """The model of the stream's records."""
        return record_model(self.resource, self.details)

    @property
    def key_properties(self) -> tuple[str, ...]:
        """``("id",)`` when the model requires an id; ``()`` for a model whose id may be missing
        (``meetourstaff``: its fields are undocumented), since a key must never be null."""
        return record_key(self.model)

    @property
    def paginated(self) -> bool:
        """Whether the list is read in pages (and so can continue from a checkpoint)."""
        return ENDPOINTS[self.resource].max_limit is not None


#: Every stream, in the order a sync reads them.
STREAMS: Final = (
    *(Stream(name, name) for name in LISTABLE),
    Stream("client_details", "clients", details=True, selected_by_default=False),
)


def stream_named(name: str) -> Stream | None:
    """The stream whose ``tap_stream_id`` is ``name``, if any."""
    return next((stream for stream in STREAMS if stream.name == name), None)


def open_stream(
    bz: Bizstim, stream: Stream, page_size: int | None, resume: Any
) -> tuple[Batches, Callable[[], Any] | None]:
    """The batches of ``stream``'s records (each a page, continuing after the checkpoint ``resume``) and what
    gives the checkpoint after a batch (``None``: the stream cannot continue from one)."""
    resource = getattr(bz, stream.resource)
    size = capped_page_size(stream.resource, page_size)
    if not stream.paginated:
        return _listed(resource), None
    if stream.details:
        details = resource.iter_details(page_size=size, resume=resume)
        return _batched(details, DETAILS_BATCH), details.checkpoint
    pages = resource.iter_pages(page_size=size, resume=resume)
    return pages, pages.checkpoint


async def _listed(resource: Any) -> AsyncGenerator[list[Any]]:
    if items := await resource.list():
        yield items


async def _batched(records: Any, size: int) -> AsyncGenerator[list[Any]]:
    batch: list[Any] = []
    try:
        async for record in records:
            batch.append(record)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        await records.aclose()
