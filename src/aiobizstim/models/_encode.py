"""Models back to JSON-able values: the exact wire form for write bodies, and typed builtins.

* :func:`to_wire` gives what the Bizstim API itself sends and documents for write bodies: wire field names,
  every scalar as a string (``"21"``, ``"10.00"``, ``"2021-12-25"``, ``"24:00"``, flags ``"0"``/``"1"``, enum
  codes ``"1"``/``"active"``), comma lists (of strings or ids) joined with ``","``, true JSON arrays
  (``service_id``, ``skill_id``, ``header``/``data``) kept as arrays of strings, and fields that are ``None``
  left out.
* :func:`to_builtins` gives typed JSON-able Python values, to hand a record on (a web response, a queue):
  wire field names, ``int``/``bool``/enum values as JSON numbers, booleans and strings, ``Decimal`` as a
  string (no precision lost), dates as ISO strings, clock times as ``HH:MM[:SS]``, lists as lists; ``None``
  fields left out. ``msgspec.json.encode(to_builtins(record))`` gives the same as JSON bytes.

Decoding either output again (``decode_one``, ``msgspec.convert(..., strict=False)``) gives an equal model.
The files ``bizstim export`` writes use a third form, keyed by Python attribute names with every field
present: :mod:`aiobizstim.models._export`.
"""

from __future__ import annotations

import datetime as _dt
import enum
from decimal import Decimal
from typing import Any, overload

import msgspec

from aiobizstim.models._clock import ClockTime
from aiobizstim.models._kinds import Kind, field_kinds

__all__ = ["to_builtins", "to_wire"]


def _scalar(value: Any) -> Any:
    """One value in wire form: scalars become the strings the API sends, containers recurse."""
    if isinstance(value, enum.Enum):  # before str/int: StrEnum and IntEnum members are str/int too
        return _scalar(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, ClockTime):
        return str(value)
    if isinstance(value, msgspec.Struct):
        return to_wire(value)
    if isinstance(value, list | tuple):
        return [_scalar(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _scalar(v) for k, v in value.items()}
    return value


def to_wire(model: msgspec.Struct) -> dict[str, Any]:
    """The exact wire form of ``model`` (a write body, or a record as the API would send it).

    Keys are the wire names (``"hide costs"``, ``"minTime"``); ``None`` fields are omitted.
    """
    if not isinstance(model, msgspec.Struct):
        raise TypeError(f"to_wire() expects a model (msgspec.Struct), got {type(model).__name__}")
    out: dict[str, Any] = {}
    for spec in field_kinds(type(model)):
        value = getattr(model, spec.attr)
        if value is None:
            continue
        if spec.kind in (Kind.LIST, Kind.INT_LIST) and not isinstance(value, str):
            out[spec.wire] = ",".join(_scalar(item) for item in value)
        else:
            out[spec.wire] = _scalar(value)
    return out


def _enc_hook(value: Any) -> Any:
    """The one value msgspec cannot encode by itself (also used by the export encoder)."""
    if isinstance(value, ClockTime):
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__} to JSON")


@overload
def to_builtins(obj: msgspec.Struct) -> dict[str, Any]: ...
@overload
def to_builtins(obj: Any) -> Any: ...
def to_builtins(obj: Any) -> Any:
    """Typed JSON-able builtins of a model (or a list/dict of models), to hand a record on.

    Wire field names; ``Decimal`` -> string, dates -> ISO strings, clock times -> ``HH:MM[:SS]``, enums ->
    their value; ``None`` fields are omitted. (Not the form ``bizstim export`` writes: that one is keyed by
    Python attribute names, every field present.)
    """
    return msgspec.to_builtins(obj, enc_hook=_enc_hook, builtin_types=None)
