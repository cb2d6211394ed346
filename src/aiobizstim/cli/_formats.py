"""Streaming record writers for ``bizstim export``: JSON Lines, CSV and a JSON array.

Each writer takes one record at a time and never holds more than a small output buffer, so memory stays flat
however many records pass through. All three use the models' Python attribute names (snake_case, e.g.
``hide_costs``, ``min_time``) in the models' field order, the same names the Python API uses:

* JSON / JSON Lines: one object per record in the export form, which :mod:`aiobizstim.models._export`
  defines (every field, ``null`` when absent; dates ISO ``YYYY-MM-DD``, money as a JSON *string* holding the
  exact decimal (``"10.50"``), flags as ``true``/``false``, enums as their wire value, comma lists as arrays
  (id lists as arrays of integers), clock times as ``"HH:MM[:SS]"``).
* CSV: a header row of attribute names, then one row per record; ``None`` as an empty cell, dates ISO, money
  exact (never through float, never in exponent form), flags and enums as their wire values (``1``/``0``),
  lists joined with commas (id lists too: ``66,67,36``), clock times as ``HH:MM[:SS]``.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO, Final, Protocol

import msgspec

from aiobizstim.cli._choices import FORMATS
from aiobizstim.models._export import RecordEncoder, encode_value, export_fields
from aiobizstim.models._kinds import Kind, field_kinds

__all__ = [
    "CsvWriter",
    "JsonArrayWriter",
    "JsonLinesWriter",
    "RecordWriter",
    "csv_header",
    "make_writer",
]

_FLUSH_AT: Final = 1 << 18  # bytes buffered before handing them to the file


class RecordWriter(Protocol):
    """Writes records one at a time to a binary file; :meth:`close` writes any trailer and flushes."""

    def write(self, record: msgspec.Struct) -> None:
        """Append one record."""

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records in order (a page at a time: cheaper than one :meth:`write` per record)."""

    def flush(self) -> None:
        """Hand every record written so far to the file (for a checkpoint)."""

    def close(self) -> None:
        """Finish the output (trailer, buffered bytes); the file itself stays open."""


class JsonLinesWriter:
    """One JSON object per line (``.jsonl``)."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._buf = bytearray()
        self._encoder = RecordEncoder()

    def write(self, record: msgspec.Struct) -> None:
        """Append one record as a line."""
        buf = self._buf
        self._encoder.encode_into(record, buf)
        buf += b"\n"
        if len(buf) >= _FLUSH_AT:
            self._file.write(buf)
            buf.clear()

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records as lines, encoded in one call; a page of them at least as large as the buffer's
        flush size goes straight to the file when nothing is buffered (not copied into the buffer first)."""
        lines = self._encoder.encode_lines(records)
        if not self._buf and len(lines) >= _FLUSH_AT:
            self._file.write(lines)
            return
        self._buf += lines
        if len(self._buf) >= _FLUSH_AT:
            self._file.write(self._buf)
            self._buf.clear()

    def flush(self) -> None:
        """Hand the buffered lines to the file."""
        if self._buf:
            self._file.write(self._buf)
            self._buf.clear()

    def close(self) -> None:
        """Flush the buffered lines."""
        self.flush()


class JsonArrayWriter:
    """A single JSON array, written incrementally: ``[`` record ``,`` record ... ``]``; ``resumed_after``
    (records already in the file, after its ``[``) continues an array written before."""

    def __init__(self, file: BinaryIO, resumed_after: int | None = None) -> None:
        self._file = file
        self._buf = bytearray(b"[" if resumed_after is None else b"")
        self._first = not resumed_after
        self._encoder = RecordEncoder()

    def write(self, record: msgspec.Struct) -> None:
        """Append one record as an array element."""
        buf = self._buf
        buf += b"\n" if self._first else b",\n"
        self._first = False
        self._encoder.encode_into(record, buf)
        if len(buf) >= _FLUSH_AT:
            self._file.write(buf)
            buf.clear()

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records as array elements."""
        for record in records:
            self.write(record)

    def flush(self) -> None:
        """Hand the buffered elements to the file."""
        self._file.write(self._buf)
        self._buf.clear()

    def close(self) -> None:
        """Close the array and flush."""
        self._buf += b"]\n" if self._first else b"\n]\n"
        self._file.write(self._buf)
        self._buf.clear()


def _cell_str(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _cell_flag(value: Any) -> str:
    return "1" if value else "0"


def _cell_money(value: Any) -> str:
    # format(..., "f") keeps every digit and never uses exponent form (str(Decimal("1E+2")) is "1E+2").
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _cell_date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _cell_list(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    return _cell_json(value)


def _cell_int_list(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(item, int) for item in value):
        return ",".join(map(str, value))
    return _cell_json(value)


def _cell_enum(value: Any) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def _cell_json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return encode_value(value).decode()


_CELL: Final[dict[Kind, Callable[[Any], str]]] = {
    Kind.STR: _cell_str,
    Kind.INT: _cell_str,
    Kind.FLOAT: _cell_str,
    Kind.FLAG: _cell_flag,
    Kind.MONEY: _cell_money,
    Kind.DATE: _cell_date,
    Kind.LIST: _cell_list,
    Kind.INT_LIST: _cell_int_list,
    Kind.ARRAY: _cell_list,
    Kind.CLOCK: _cell_str,
    Kind.ENUM: _cell_enum,
    Kind.MODEL: _cell_json,
    Kind.OTHER: _cell_json,
}


def csv_header(model: type[msgspec.Struct]) -> list[str]:
    """The CSV column names for ``model``: its public attribute names in field order, as the JSON has."""
    return list(export_fields(model))


class CsvWriter:
    """CSV with a header row from ``model``'s fields (RFC 4180 quoting, ``\\r\\n`` line ends, UTF-8);
    ``resumed`` continues rows written before (no second header)."""

    def __init__(self, file: BinaryIO, model: type[msgspec.Struct], resumed: bool = False) -> None:
        self._model = model
        public = set(export_fields(model))
        self._columns = [
            (index, _CELL[spec.kind]) for index, spec in enumerate(field_kinds(model)) if spec.attr in public
        ]
        import csv  # here: only a CSV export needs it (the CLI's start-up is shorter without)

        self._text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=False)
        self._csv = csv.writer(self._text)
        if not resumed:
            self._csv.writerow(csv_header(model))

    def write(self, record: msgspec.Struct) -> None:
        """Append one record as a row."""
        if type(record) is not self._model:
            raise TypeError(f"expected a {self._model.__name__} record, got {type(record).__name__}")
        values = msgspec.structs.astuple(record)
        self._csv.writerow(
            ["" if (value := values[index]) is None else cell(value) for index, cell in self._columns]
        )

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records as rows."""
        for record in records:
            self.write(record)

    def flush(self) -> None:
        """Hand the rows written so far to the file."""
        self._text.flush()

    def close(self) -> None:
        """Flush the rows and let go of the file (it is not closed)."""
        self._text.flush()
        self._text.detach()


def make_writer(
    fmt: str, file: BinaryIO, model: type[msgspec.Struct], resumed_after: int | None = None
) -> RecordWriter:
    """The writer for ``fmt`` (one of :data:`FORMATS`) over ``file``; ``resumed_after`` (the records the
    file holds already) continues an output written before, after its last record."""
    if fmt == "jsonl":
        return JsonLinesWriter(file)
    if fmt == "json":
        return JsonArrayWriter(file, resumed_after)
    if fmt == "csv":
        return CsvWriter(file, model, resumed=resumed_after is not None)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
