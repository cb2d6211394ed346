"""The JSON Schema of a stream's records as the tap writes them (the export form of
:mod:`aiobizstim.models._export`), derived from the models' field kinds, never from the wire schemas in
``schema/`` (which describe strings).

One table, :data:`KIND_SCHEMAS`, maps each :class:`~aiobizstim.models._kinds.Kind` to its JSON Schema;
a field is nullable unless the model requires it (a record's ``id``). Money and the other exact decimals
(coordinates) are exact decimal strings declared ``{"type": "string", "format": "singer.decimal"}``: the
Singer convention for decimals (singer-python's transformer, PipelineWise, the Meltano SDK, whose SQL targets
make them ``DECIMAL`` columns), while a target that does not know the format keeps the exact string; as JSON
numbers, targets such as target-duckdb would store binary floats. Clock times (``"24:00"`` is valid) are
strings with a pattern, not ``format: time``, which demands seconds and a UTC offset.
"""

from __future__ import annotations

import copy
import enum
from types import MappingProxyType
from typing import Any, Final

import msgspec

from aiobizstim.models._export import export_fields
from aiobizstim.models._kinds import FieldSpec, Kind, field_kinds

__all__ = ["KIND_SCHEMAS", "field_schema", "record_schema", "required_fields"]

#: The JSON Schema of a non-null value of each kind (``ENUM``, ``ARRAY`` and ``MODEL`` are refined from the
#: field's inner type by :func:`field_schema`).
KIND_SCHEMAS: Final[MappingProxyType[Kind, dict[str, Any]]] = MappingProxyType(
    {
        Kind.STR: {"type": "string"},
        Kind.INT: {"type": "integer"},
        Kind.FLOAT: {"type": "number"},
        Kind.FLAG: {"type": "boolean"},
        Kind.MONEY: {"type": "string", "format": "singer.decimal"},
        Kind.DATE: {"type": "string", "format": "date"},
        Kind.LIST: {"type": "array", "items": {"type": "string"}},
        Kind.INT_LIST: {"type": "array", "items": {"type": "integer"}},
        Kind.CLOCK: {"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"},
        Kind.ENUM: {},
        Kind.ARRAY: {"type": "array", "items": {}},
        Kind.MODEL: {"type": "object"},
        Kind.OTHER: {},
    }
)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind is None:
        return schema  # any value, null included
    out = dict(schema, type=[kind, "null"])
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def field_schema(spec: FieldSpec, *, required: bool = False) -> dict[str, Any]:
    """The JSON Schema of one field's exported value (``null`` allowed unless ``required``)."""
    schema: dict[str, Any] = copy.deepcopy(KIND_SCHEMAS[spec.kind])
    if spec.kind is Kind.ENUM and isinstance(spec.inner, type) and issubclass(spec.inner, enum.Enum):
        values = [member.value for member in spec.inner]
        schema = {"type": "integer" if all(isinstance(v, int) for v in values) else "string", "enum": values}
    elif spec.kind is Kind.MODEL and isinstance(spec.inner, type) and issubclass(spec.inner, msgspec.Struct):
        schema = record_schema(spec.inner)
    elif spec.kind is Kind.ARRAY and isinstance(spec.inner, type) and issubclass(spec.inner, msgspec.Struct):
        schema = {"type": "array", "items": record_schema(spec.inner)}
    return schema if required else _nullable(schema)


def required_fields(model: type[msgspec.Struct]) -> tuple[str, ...]:
    """The exported fields ``model`` requires (no default, never ``None``): a record's ``id``."""
    exported = export_fields(model)
    fields = msgspec.structs.fields(model)
    return tuple(info.name for info in fields if info.required and info.name in exported)


def record_schema(model: type[msgspec.Struct], fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The JSON Schema of ``model``'s exported records (only ``fields``, if given), properties in export
    order, required fields listed under ``required``."""
    required = required_fields(model)
    keep = export_fields(model) if fields is None else fields
    properties = {
        spec.attr: field_schema(spec, required=spec.attr in required)
        for spec in field_kinds(model)
        if spec.attr in keep and not spec.attr.startswith("_")
    }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if names := [name for name in required if name in properties]:
        schema["required"] = names
    return schema
