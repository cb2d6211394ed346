"""The export form of a record, as ``bizstim export`` and ``bizstim get`` write it: defined here, once.

One JSON object per record, keyed by the models' Python attribute names (``hide_costs``, ``min_time``: the
names the Python API uses, valid column names everywhere) in model field order, with every public field
present (``None`` as ``null``; the private fields holding a second wire spelling are left out). Values as
msgspec encodes them: ints, ``true``/``false``, enums as their value, dates ISO ``YYYY-MM-DD``, ``Decimal``
as a JSON string with the exact digits (``"12.50"``: money and coordinates alike), comma lists as arrays
(of strings; of integers for id lists such as a discount's ``services``), :class:`ClockTime` as
``"HH:MM[:SS]"``.

The other two encodings say something else (see :mod:`aiobizstim.models._encode`): :func:`to_wire` is the
API's own all-string form with wire names (write bodies), :func:`to_builtins` typed values with wire names
and no ``None`` fields (handing a record on in Python).

Speed matters here, as an export encodes every record it reads: :class:`RecordEncoder` fills a plain Struct
that has the attribute names as field names (:func:`_mirror`) from ``astuple(record)`` and lets msgspec
encode that, all in C; only models with private fields go through a dict (:func:`export_dict`).
:func:`export_converter` gives that conversion, also for a subset of the fields (the Singer tap's property
selection), so that callers can wrap records in messages of their own and encode a page of them at once with
:func:`encode_export_lines`.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final

import msgspec

from aiobizstim.models._encode import _enc_hook
from aiobizstim.models._kinds import field_kinds

__all__ = [
    "RecordEncoder",
    "encode_export_lines",
    "encode_record",
    "encode_value",
    "export_converter",
    "export_dict",
    "export_fields",
    "export_rows",
]

_ENCODER: Final = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="string")
_encode_into: Final = _ENCODER.encode_into


@functools.cache
def export_fields(model: type[msgspec.Struct]) -> tuple[str, ...]:
    """The keys of ``model``'s export form and the CSV columns: its public attribute names, in order."""
    return tuple(spec.attr for spec in field_kinds(model) if not spec.attr.startswith("_"))


@functools.cache
def _private_fields(model: type[msgspec.Struct]) -> tuple[str, ...]:
    # Left out of the export: e.g. Client._use_records, a second wire spelling folded into a public field.
    public = export_fields(model)
    return tuple(spec.attr for spec in field_kinds(model) if spec.attr not in public)


def export_dict(record: msgspec.Struct) -> dict[str, Any]:
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
    """A fast converter from ``model`` to something that encodes like :func:`export_dict`."""
    mirror = _mirror(model)
    if mirror is None:
        return export_dict
    astuple = msgspec.structs.astuple

    def convert(record: msgspec.Struct) -> Any:
        return mirror(*astuple(record))

    return convert


@functools.cache
def export_converter(
    model: type[msgspec.Struct], fields: tuple[str, ...] | None = None
) -> Callable[[msgspec.Struct], Any]:
    """A function turning a ``model`` record into an object that msgspec encodes as the record's export form
    (encode it, or a Struct holding it, with :func:`encode_export_lines`).

    ``fields`` (names from :func:`export_fields`) keeps only those keys, in model order; ``None`` keeps all.
    """
    if fields is None:
        return _exporter(model)
    known = export_fields(model)
    unknown = [name for name in fields if name not in known]
    if unknown:
        raise ValueError(f"{model.__name__} has no exported field {unknown[0]!r}")
    names = tuple(name for name in known if name in fields)
    if names == known:
        return _exporter(model)
    projection = msgspec.defstruct(f"{model.__name__}Projection", [(name, Any) for name in names], gc=False)
    if not names:
        return lambda record: projection()
    if len(names) == 1:
        (name,) = names
        return lambda record: projection(getattr(record, name))
    values = operator.attrgetter(*names)
    return lambda record: projection(*values(record))


def encode_record(record: msgspec.Struct, *, indent: int = 0) -> bytes:
    """One record in the export form as JSON bytes, no trailing newline (``indent=2``: as ``bizstim get``)."""
    data = _ENCODER.encode(_exporter(type(record))(record))
    return msgspec.json.format(data, indent=indent) if indent else data


def encode_export_lines(items: Sequence[Any]) -> bytes:
    """JSON Lines of ``items`` (objects made by :func:`export_converter`, or Structs and builtins holding
    them), values encoded as in the export form, in one msgspec call."""
    return _ENCODER.encode_lines(items)


def encode_value(value: Any) -> bytes:
    """A field value as JSON bytes, as it is encoded inside an exported record (for a CSV cell's array)."""
    return _ENCODER.encode(value)


def export_rows(records: Sequence[msgspec.Struct]) -> list[dict[str, Any]]:
    """``records`` in the export form as dicts of Python values for loaders that type columns from them
    (dlt): the same keys and values as the JSON, but money and other decimals stay ``Decimal`` and dates
    ``datetime.date``; enums are their wire values and clock times ``"HH:MM[:SS]"`` text."""
    return msgspec.to_builtins(  # type: ignore[no-any-return]
        [_exporter(type(record))(record) for record in records],
        builtin_types=(Decimal, dt.date),
        enc_hook=_enc_hook,
    )


class RecordEncoder:
    """Encodes records in the export form into a buffer, one at a time or a page at a time.

    Keeps the converter of the last record's model, so a stream of records of one model (an export) costs one
    type check per record.
    """

    __slots__ = ("_convert", "_model")

    def __init__(self) -> None:
        self._model: type | None = None
        self._convert: Callable[[msgspec.Struct], Any] = export_dict

    def encode_into(self, record: msgspec.Struct, buf: bytearray) -> None:
        """Append ``record``'s JSON object to ``buf`` (no newline)."""
        model = type(record)
        if model is not self._model:
            self._model = model
            self._convert = _exporter(model)
        _encode_into(self._convert(record), buf, -1)

    def encode_lines(self, records: Sequence[msgspec.Struct]) -> bytes:
        """JSON Lines of ``records``, in one msgspec call and, when they share one model (as a page's records
        do), without a Python call per record."""
        model = type(records[0]) if records else None
        if model is None or len(set(map(type, records))) != 1:
            return _ENCODER.encode_lines([_exporter(type(record))(record) for record in records])
        mirror = _mirror(model)
        if mirror is None:
            return _ENCODER.encode_lines(list(map(export_dict, records)))
        astuple = msgspec.structs.astuple
        return _ENCODER.encode_lines([mirror(*astuple(record)) for record in records])
