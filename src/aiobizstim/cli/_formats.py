"""Streaming record writers for ``bizstim export``: JSON Lines, CSV and a JSON array.

Each writer takes one record at a time and never holds more than a small output buffer, so memory stays flat
however many records pass through. All three use the models' Python attribute names (snake_case, e.g.
``hide_costs``, ``min_time``) in the models' field order, the same names the Python API uses:

* JSON / JSON Lines: one object per record with every field (``null`` when absent); dates as ISO
  ``YYYY-MM-DD``, money as a JSON *string* holding the exact decimal (``"10.50"``), flags as
  ``true``/``false``, enums as their wire value, comma lists as arrays, clock times as ``"HH:MM[:SS]"``.
* CSV: a header row of attribute names, then one row per record; ``None`` as an empty cell, dates ISO, money
  exact (never through float, never in exponent form), flags and enums as their wire values (``1``/``0``),
  lists joined with commas, clock times as ``HH:MM[:SS]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import functools
import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO, Final, Protocol

import msgspec

from aiobizstim.models import ClockTime
from aiobizstim.models._kinds import Kind, field_kinds

__all__ = [
    "FORMATS",
    "CsvWriter",
    "JsonArrayWriter",
    "JsonLinesWriter",
    "RecordWriter",
    "csv_header",
    "encode_record",
    "make_writer",
    "record_to_builtins",
]

_FLUSH_AT: Final = 1 << 18  # bytes buffered before handing them to the file


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, ClockTime):
        return str(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


_ENCODER: Final = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="string")


@functools.cache
def _private_fields(model: type[msgspec.Struct]) -> tuple[str, ...]:
    # e.g. Client._use_records: a second wire spelling the model folds into a public field after decoding.
    return tuple(spec.attr for spec in field_kinds(model) if spec.attr.startswith("_"))


def record_to_builtins(record: msgspec.Struct) -> dict[str, Any]:
    """The record as a dict keyed by public attribute name, every field present (``None`` when absent)."""
    data = msgspec.structs.asdict(record)
    for name in _private_fields(type(record)):
        del data[name]
    return data


@functools.cache
def _mirror(model: type[msgspec.Struct]) -> Callable[..., Any] | None:
    """A plain Struct type with ``model``'s attribute names as field names (no renaming, nothing omitted),
    built from ``astuple(record)``; ``None`` for models with private fields (they take the dict route).

    Filling it and encoding it stays in msgspec's C code: about twice as fast as going through a dict.
    """
    if _private_fields(model):
        return None
    try:
        return msgspec.defstruct(
            f"{model.__name__}Export", [(spec.attr, Any) for spec in field_kinds(model)], gc=False
        )
    except (TypeError, ValueError):  # pragma: no cover - a field name msgspec will not take
        return None


@functools.cache
def _exporter(model: type[msgspec.Struct]) -> Callable[[msgspec.Struct], Any]:
    """A fast converter from ``model`` to something that encodes like :func:`record_to_builtins`."""
    mirror = _mirror(model)
    if mirror is None:
        return record_to_builtins
    astuple = msgspec.structs.astuple

    def convert(record: msgspec.Struct) -> Any:
        return mirror(*astuple(record))

    return convert


def encode_record(record: msgspec.Struct, *, indent: int = 0) -> bytes:
    """One record as JSON bytes (see the module docstring for the value forms)."""
    data = _ENCODER.encode(record_to_builtins(record))
    return msgspec.json.format(data, indent=indent) if indent else data


class _Converter:
    """Picks the fast converter for each record's type (one type per export, so one lookup in practice)."""

    __slots__ = ("_convert", "_model")

    def __init__(self) -> None:
        self._model: type | None = None
        self._convert: Callable[[msgspec.Struct], Any] = record_to_builtins

    def __call__(self, record: msgspec.Struct) -> Any:
        model = type(record)
        if model is not self._model:
            self._model = model
            self._convert = _exporter(model)
        return self._convert(record)

    def many(self, records: Sequence[msgspec.Struct]) -> list[Any]:
        """``[self(record) for record in records]``, without a call per record when they share one model
        (as a page's records do)."""
        model = type(records[0]) if records else None
        if model is None or len(set(map(type, records))) != 1:
            return [self(record) for record in records]
        mirror = _mirror(model)
        if mirror is None:
            return list(map(record_to_builtins, records))
        astuple = msgspec.structs.astuple
        return [mirror(*astuple(record)) for record in records]


class RecordWriter(Protocol):
    """Writes records one at a time to a binary file; :meth:`close` writes any trailer and flushes."""

    def write(self, record: msgspec.Struct) -> None:
        """Append one record."""

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records in order (a page at a time: cheaper than one :meth:`write` per record)."""

    def close(self) -> None:
        """Finish the output (trailer, buffered bytes); the file itself stays open."""


class JsonLinesWriter:
    """One JSON object per line (``.jsonl``)."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._buf = bytearray()
        self._convert = _Converter()

    def write(self, record: msgspec.Struct) -> None:
        """Append one record as a line."""
        buf = self._buf
        _ENCODER.encode_into(self._convert(record), buf, -1)
        buf += b"\n"
        if len(buf) >= _FLUSH_AT:
            self._file.write(buf)
            buf.clear()

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records as lines, encoded in one call."""
        self._buf += _ENCODER.encode_lines(self._convert.many(records))
        if len(self._buf) >= _FLUSH_AT:
            self._file.write(self._buf)
            self._buf.clear()

    def close(self) -> None:
        """Flush the buffered lines."""
        if self._buf:
            self._file.write(self._buf)
            self._buf.clear()


class JsonArrayWriter:
    """A single JSON array, written incrementally: ``[`` record ``,`` record ... ``]``."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._buf = bytearray(b"[")
        self._first = True
        self._convert = _Converter()

    def write(self, record: msgspec.Struct) -> None:
        """Append one record as an array element."""
        buf = self._buf
        buf += b"\n" if self._first else b",\n"
        self._first = False
        _ENCODER.encode_into(self._convert(record), buf, -1)
        if len(buf) >= _FLUSH_AT:
            self._file.write(buf)
            buf.clear()

    def write_many(self, records: Sequence[Any]) -> None:
        """Append records as array elements."""
        for record in records:
            self.write(record)

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


def _cell_enum(value: Any) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def _cell_json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return _ENCODER.encode(value).decode()


_CELL: Final[dict[Kind, Callable[[Any], str]]] = {
    Kind.STR: _cell_str,
    Kind.INT: _cell_str,
    Kind.FLOAT: _cell_str,
    Kind.FLAG: _cell_flag,
    Kind.MONEY: _cell_money,
    Kind.DATE: _cell_date,
    Kind.LIST: _cell_list,
    Kind.ARRAY: _cell_list,
    Kind.CLOCK: _cell_str,
    Kind.ENUM: _cell_enum,
    Kind.MODEL: _cell_json,
    Kind.OTHER: _cell_json,
}


def csv_header(model: type[msgspec.Struct]) -> list[str]:
    """The CSV column names for ``model``: its public attribute names, in field order."""
    return [spec.attr for spec in field_kinds(model) if not spec.attr.startswith("_")]


class CsvWriter:
    """CSV with a header row from ``model``'s fields (RFC 4180 quoting, ``\\r\\n`` line ends, UTF-8)."""

    def __init__(self, file: BinaryIO, model: type[msgspec.Struct]) -> None:
        self._model = model
        self._columns = [
            (index, _CELL[spec.kind])
            for index, spec in enumerate(field_kinds(model))
            if not spec.attr.startswith("_")
        ]
        self._text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=False)
        self._csv = csv.writer(self._text)
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

    def close(self) -> None:
        """Flush the rows and let go of the file (it is not closed)."""
        self._text.flush()
        self._text.detach()


FORMATS: Final = ("jsonl", "csv", "json")


def make_writer(fmt: str, file: BinaryIO, model: type[msgspec.Struct]) -> RecordWriter:
    """The writer for ``fmt`` (one of :data:`FORMATS`) over ``file``."""
    if fmt == "jsonl":
        return JsonLinesWriter(file)
    if fmt == "json":
        return JsonArrayWriter(file)
    if fmt == "csv":
        return CsvWriter(file, model)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
