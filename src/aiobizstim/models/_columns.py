"""The typed columns of a model's export form: one logical type per exported field, from the models' types.

This is the one mapping from a field's wire kind (:func:`~aiobizstim.models._kinds.field_kinds`) to what a
typed output stores; a writer turns each :class:`Logical` into its own type (the Parquet and DuckDB exports:
:mod:`aiobizstim.cli._columnar`). Column names and order are the export form's
(:func:`~aiobizstim.models._export.export_fields`).

=================  =========================  ==========================================================
kind               logical type               why
=================  =========================  ==========================================================
INT                INTEGER (64-bit)           ids and counts; msgspec decodes at most 64-bit integers
FLOAT              FLOAT (double)
FLAG               BOOLEAN
MONEY, 2 places    DECIMAL(18, 2)             money: exact, 16 integer digits (stored as a 64-bit int)
MONEY, any places  DECIMAL(38, 18)            other exact decimals (coordinates come as text with any
                                              number of places): 20 integer and 18 decimal digits
DATE               DATE
LIST               STRING_LIST
INT_LIST           INTEGER_LIST
CLOCK              CLOCK: ``"HH:MM[:SS]"``    a clock time may read ``24:00``, which no TIME type holds;
                   text                       the text is the export form's, sorts as a time of day
ENUM               INTEGER or STRING          the enum's wire values, of their own type
ARRAY, MODEL,      JSON text                  no listed record has them; the export form's JSON
OTHER
=================  =========================  ==========================================================

A value that does not fit its column (a money amount with a third decimal place, say) is an error of the
writer, never rounded.
"""

from __future__ import annotations

import enum
import functools
from typing import Any, Final, NamedTuple

import msgspec

from aiobizstim.models._export import export_fields
from aiobizstim.models._kinds import FieldSpec, Kind, field_kinds

__all__ = ["ANY_PLACES", "FIXED_PRECISION", "Column", "Logical", "column", "columns", "decimal_digits"]


class Logical(enum.Enum):
    """The logical type of an export column."""

    STRING = "string"
    INTEGER = "integer"  # signed 64-bit
    FLOAT = "float"  # IEEE 754 double
    BOOLEAN = "boolean"
    DECIMAL = "decimal"  # exact; precision and scale on the column
    DATE = "date"
    CLOCK = "clock"  # "HH:MM" or "HH:MM:SS" text, 00:00 to 24:00
    STRING_LIST = "string-list"
    INTEGER_LIST = "integer-list"
    JSON = "json"  # JSON text


#: Precision of a decimal column whose wire type has fixed places (money): fits a 64-bit integer.
FIXED_PRECISION: Final = 18
#: (precision, scale) of a decimal column whose wire type has any number of places (coordinates).
ANY_PLACES: Final = (38, 18)


def decimal_digits(places: int | None) -> tuple[int, int]:
    """(precision, scale) of the column of a decimal type with ``places`` fixed places (``None``: any)."""
    return ANY_PLACES if places is None else (FIXED_PRECISION, places)


class Column(NamedTuple):
    """One typed column: the export form's key, its logical type, and for decimals precision and scale."""

    name: str
    type: Logical
    precision: int | None = None
    scale: int | None = None


_BY_KIND: Final = {
    Kind.STR: Logical.STRING,
    Kind.INT: Logical.INTEGER,
    Kind.FLOAT: Logical.FLOAT,
    Kind.FLAG: Logical.BOOLEAN,
    Kind.DATE: Logical.DATE,
    Kind.LIST: Logical.STRING_LIST,
    Kind.INT_LIST: Logical.INTEGER_LIST,
    Kind.CLOCK: Logical.CLOCK,
    Kind.ARRAY: Logical.JSON,
    Kind.MODEL: Logical.JSON,
    Kind.OTHER: Logical.JSON,
}


def _enum_type(inner: Any) -> Logical:
    """An enum's column holds its wire values: integers if every value is one, strings if every value is one,
    else JSON text."""
    members: list[enum.Enum] = list(inner) if isinstance(inner, enum.EnumMeta) else []
    values = [member.value for member in members]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return Logical.INTEGER
    if values and all(isinstance(v, str) for v in values):
        return Logical.STRING
    return Logical.JSON


def column(spec: FieldSpec) -> Column:
    """The column of one field."""
    if spec.kind is Kind.MONEY:
        precision, scale = decimal_digits(spec.inner)
        return Column(spec.attr, Logical.DECIMAL, precision, scale)
    if spec.kind is Kind.ENUM:
        return Column(spec.attr, _enum_type(spec.inner))
    return Column(spec.attr, _BY_KIND[spec.kind])


@functools.cache
def columns(model: type[msgspec.Struct]) -> tuple[Column, ...]:
    """The typed columns of ``model``'s export form, in its order (private fields left out, as there)."""
    public = set(export_fields(model))
    return tuple(column(spec) for spec in field_kinds(model) if spec.attr in public)
