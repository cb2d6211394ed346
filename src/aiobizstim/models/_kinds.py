"""The wire types the generated models are written in, and the wire kind of every model field.

The Bizstim API sends every scalar as a JSON string, dates from a PHP/MySQL backend, lists as
comma-separated strings and clock times that may read ``24:00``. ``schema/common.json`` names one wire type
per quirk and maps it (``customTypePath``) to the type of the same name here, which the generated models
then use directly (``amount: Money | None``; a field the schema lists as required, such as a record's id,
has no default and no ``None``: ``id: WireInt``):

* :data:`WireInt` -> ``int``, :data:`Money` and :data:`WireDecimal` -> ``Decimal`` (money amounts, with 2
  decimal places; other exact decimals such as coordinates, with any number of places), :data:`Flag` ->
  ``bool``: msgspec decodes these natively with ``strict=False`` (``"21"`` -> ``21``, ``"10.00"`` ->
  ``Decimal("10.00")``, ``"1"`` -> ``True``). Both decimal types are :attr:`Kind.MONEY`; their
  :attr:`FieldSpec.inner` is the number of places (``2`` for money, ``None`` for any), which the typed
  columns of ``bizstim export`` go by (:mod:`aiobizstim.models._columns`).
* :data:`LenientDate` -> ``datetime.date | None`` (``"0000-00-00"`` and ``""`` -> ``None``),
  :data:`CommaList` -> ``list[str]`` (items trimmed, empties dropped; a JSON array is accepted too),
  :data:`IdList` -> ``list[int]`` (a comma list of integers such as ids, ``"66,67,36"``, ``""`` -> ``[]``),
  :data:`WireClock` -> :class:`~aiobizstim.models.ClockTime` (``HH:MM[:SS]``, ``24:00`` allowed): msgspec
  cannot decode these into the public type, so for these four the annotation a type checker sees (the public
  type) differs from the runtime annotation msgspec decodes with (the raw string, tagged with a marker), and
  the model's ``__post_init__`` converts the raw value (see :mod:`aiobizstim.models._base`).

:func:`field_kinds` reads a model's runtime annotations back into one :class:`Kind` per field; the
post-decode hooks, :func:`~aiobizstim.models.to_wire`, the envelope's error reports, the CLI's CSV columns and
the typed columns of Parquet and DuckDB exports all go by it.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import types
import typing
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec

from aiobizstim.models._clock import ClockTime

__all__ = [
    "CommaList",
    "FieldSpec",
    "Flag",
    "IdList",
    "Kind",
    "LenientDate",
    "Money",
    "WireClock",
    "WireDecimal",
    "WireInt",
    "field_kinds",
]


class Kind(enum.Enum):
    """How a model field is represented on the wire; drives post-decode conversion and :func:`to_wire`."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    FLAG = "flag"
    MONEY = "money"  # any Decimal field: money amounts and the other exact decimals (WireDecimal)
    DATE = "date"
    LIST = "comma-list"
    INT_LIST = "int-comma-list"
    CLOCK = "clock"
    ENUM = "enum"
    ARRAY = "array"
    MODEL = "model"
    OTHER = "other"


class _Marker:
    """Runtime tag inside ``Annotated`` for the fields converted after decoding."""

    __slots__ = ("kind",)

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<wire {self.kind.value}>"


class _Places:
    """Runtime tag inside ``Annotated`` for a ``Decimal`` type: its fixed number of decimal places (``None``:
    any). msgspec ignores it; :func:`field_kinds` reports it as the field's :attr:`FieldSpec.inner`."""

    __slots__ = ("places",)

    def __init__(self, places: int | None) -> None:
        self.places = places

    def __repr__(self) -> str:
        return f"<decimal places {'any' if self.places is None else self.places}>"


_DATE_MARK: Final = _Marker(Kind.DATE)
_LIST_MARK: Final = _Marker(Kind.LIST)
_INT_LIST_MARK: Final = _Marker(Kind.INT_LIST)
_CLOCK_MARK: Final = _Marker(Kind.CLOCK)


if TYPE_CHECKING:
    WireInt = int
    Flag = bool
    Money = Decimal
    WireDecimal = Decimal
    LenientDate = _dt.date
    CommaList = list[str]
    IdList = list[int]
    WireClock = ClockTime
else:
    WireInt = int
    Flag = bool
    Money = Annotated[Decimal, _Places(2)]
    WireDecimal = Annotated[Decimal, _Places(None)]
    LenientDate = Annotated[str, _DATE_MARK]
    CommaList = Annotated[str | list[str], _LIST_MARK]
    IdList = Annotated[str | list[int], _INT_LIST_MARK]
    WireClock = Annotated[str, _CLOCK_MARK]


class FieldSpec(typing.NamedTuple):
    """One model field: Python attribute name, wire name, wire kind and ``inner``: the enum or model type (for
    :attr:`Kind.ENUM`, :attr:`Kind.MODEL`), the item type (:attr:`Kind.ARRAY`) or the fixed number of decimal
    places (:attr:`Kind.MONEY`: ``2`` for :data:`Money`, ``None`` for :data:`WireDecimal`)."""

    attr: str
    wire: str
    kind: Kind
    inner: Any


def _kind_of(tp: Any) -> tuple[Kind, Any]:
    """Classify a runtime annotation (``X | None`` already unwrapped)."""
    if typing.get_origin(tp) is Annotated:
        for meta in tp.__metadata__:
            if isinstance(meta, _Marker):
                return meta.kind, None
            if isinstance(meta, _Places):
                return Kind.MONEY, meta.places
        return _kind_of(tp.__origin__)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _kind_of(args[0])
    if origin is list:
        return Kind.ARRAY, args[0] if args else Any
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return Kind.ENUM, tp
        if issubclass(tp, bool):
            return Kind.FLAG, None
        if issubclass(tp, int):
            return Kind.INT, None
        if issubclass(tp, float):
            return Kind.FLOAT, None
        if issubclass(tp, Decimal):
            return Kind.MONEY, None
        if issubclass(tp, str):
            return Kind.STR, None
        if issubclass(tp, msgspec.Struct):
            return Kind.MODEL, tp
    return Kind.OTHER, None


@functools.cache
def field_kinds(model: type[msgspec.Struct]) -> tuple[FieldSpec, ...]:
    """The wire description of every field of ``model``, from its runtime annotations (cached)."""
    hints = typing.get_type_hints(model, include_extras=True)
    specs = []
    for info in msgspec.structs.fields(model):
        kind, inner = _kind_of(hints[info.name])
        specs.append(FieldSpec(info.name, info.encode_name, kind, inner))
    return tuple(specs)
