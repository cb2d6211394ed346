"""A sync: every selected stream in turn, its records as RECORD messages a page at a time, a STATE message
after each page (the stream's checkpoint) and at the end of each stream (see :mod:`aiobizstim.tap._state`)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiobizstim.models._export import export_converter
from aiobizstim.tap._catalog import Selection
from aiobizstim.tap._errors import StateError
from aiobizstim.tap._messages import MessageWriter
from aiobizstim.tap._schema import record_schema
from aiobizstim.tap._state import SyncState
from aiobizstim.tap._streams import Stream, open_stream

if TYPE_CHECKING:
    from aiobizstim import Bizstim

__all__ = ["check_bookmarks", "sync"]

_logger = logging.getLogger("aiobizstim.tap")


def _continuable(stream: Stream) -> bool:
    return stream.paginated


async def check_bookmarks(
    bz: Bizstim, selections: Sequence[Selection], state: SyncState, page_size: int | None
) -> None:
    """Refuse, before anything is read, a checkpoint a selected stream cannot continue from."""
    for selection in selections:
        stream = selection.stream
        token = state.resume_token(stream.name)
        if token is None or state.is_complete(stream.name):
            continue
        where = f"{state.source}: bookmarks.{stream.name}.checkpoint"
        if not _continuable(stream):
            raise StateError(f"{where}: {stream.name} cannot continue from a checkpoint; delete the bookmark")
        try:
            batches, _ = open_stream(bz, stream, page_size, token)
        except (TypeError, ValueError) as exc:
            advice = f"delete the bookmark to read {stream.name} from the start"
            raise StateError(f"{where}: {exc}; {advice}") from None
        await batches.aclose()


async def sync(bz: Bizstim, selections: Sequence[Selection], state: SyncState, page_size: int | None) -> int:
    """Sync ``selections`` to stdout (skipping streams the state says are complete); return the records
    written. The state's bookmarks are checked before anything is written. On a failure or a cancellation
    the messages made so far are written out before the error goes on: every STATE on stdout then covers the
    records before it."""
    await check_bookmarks(bz, selections, state, page_size)
    writer = MessageWriter().open()
    try:
        total = 0
        for selection in selections:
            if state.is_complete(selection.stream.name):
                _logger.info("%s: complete in the state, not read again", selection.stream.name)
                continue
            total += await _sync_stream(bz, selection, state, writer, page_size)
        state.finish()
        writer.state(state.value)
        await writer.close()
    except BaseException:
        with contextlib.suppress(Exception):  # stdout itself may be what failed
            await writer.close()
        raise
    finally:
        writer.discard()
    return total


async def _sync_stream(
    bz: Bizstim, selection: Selection, state: SyncState, writer: MessageWriter, page_size: int | None
) -> int:
    stream, name = selection.stream, selection.stream.name
    token = state.resume_token(name)
    _logger.info("%s: %s", name, "continuing from the state's checkpoint" if token is not None else "reading")
    started = time.monotonic()
    state.start(name)
    writer.schema(name, record_schema(stream.model, selection.fields), stream.key_properties)
    convert = export_converter(stream.model, selection.fields)
    batches, checkpoint = open_stream(bz, stream, page_size, token)
    count = 0
    try:
        async for batch in batches:
            writer.records(name, batch, convert)
            count += len(batch)
            del batch  # written: its records are freed now, still in the CPU's caches, not a page later
            if checkpoint is not None:
                state.checkpoint(name, checkpoint())
                writer.state(state.value)
            await writer.drain()
    finally:
        await batches.aclose()
    state.complete(name)
    writer.state(state.value)
    await writer.drain()
    _logger.info("%s: %d records in %.2f s", name, count, time.monotonic() - started)
    return count
