"""Singer messages on stdout, in the format singer-python reads and writes: one JSON object per line,

* ``{"type": "SCHEMA", "stream", "schema", "key_properties"}`` before a stream's records;
* ``{"type": "RECORD", "stream", "record", "time_extracted"}`` per record, ``record`` in the export form
  (:mod:`aiobizstim.models._export`; the fields selected), ``time_extracted`` the UTC time the page was read;
* ``{"type": "STATE", "value"}`` after the records it covers.

A page of records is encoded in one msgspec call, straight from the models to the message bytes; the bytes go
to stdout through a writer thread (:class:`~aiobizstim.cli._output.StreamOutput`), so a slow target holds
the sync back (:meth:`MessageWriter.drain`) without blocking the event loop. No ACTIVATE_VERSION: targets
upsert by ``key_properties``; records deleted at the source stay in the target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from aiobizstim.cli._output import OutputPlan, StreamOutput
from aiobizstim.models._export import encode_export_lines

__all__ = ["MessageWriter", "extraction_time"]


class _Record(msgspec.Struct, tag_field="type", tag="RECORD", gc=False):
    stream: str
    record: Any
    time_extracted: str


def extraction_time() -> str:
    """Now, in UTC, as singer-python writes ``time_extracted`` (``2024-05-01T12:00:00.000000Z``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class MessageWriter:
    """Writes Singer messages to stdout (open it inside the event loop, :meth:`close` it at the end)."""

    def __init__(self) -> None:
        self._output = StreamOutput(OutputPlan("stdout", Path("-"), "stdout"))
        self._file = self._output.file

    def open(self) -> MessageWriter:
        """Take stdout and start the writer thread."""
        self._output.open()
        return self

    def schema(self, stream: str, schema: dict[str, Any], key_properties: Sequence[str]) -> None:
        """A SCHEMA message."""
        keys = list(key_properties)
        message = {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": keys}
        self._file.write(msgspec.json.encode(message) + b"\n")

    def records(
        self, stream: str, records: Sequence[msgspec.Struct], convert: Callable[[msgspec.Struct], Any]
    ) -> None:
        """A RECORD message per record (``convert``: :func:`~aiobizstim.models._export.export_converter`)."""
        when = extraction_time()
        self._file.write(encode_export_lines([_Record(stream, convert(record), when) for record in records]))

    def state(self, value: dict[str, Any]) -> None:
        """A STATE message."""
        self._file.write(msgspec.json.encode({"type": "STATE", "value": value}) + b"\n")

    async def drain(self) -> None:
        """Hand what was written to the writer thread; wait while too much is queued (a slow reader)."""
        await self._output.drain()

    async def close(self) -> None:
        """Write out everything queued (stdout stays open)."""
        await self._output.finish()

    def discard(self) -> None:
        """Drop what is still queued (the process is about to exit)."""
        self._output.discard()
