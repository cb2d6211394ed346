"""A write body's values checked against its fields' types before it is sent.

msgspec checks types when it decodes, not when a model is built in Python, so ``PaymentCreate(
revenue_amount=0.1 + 0.2)`` or ``ClientCreate(status="bogus")`` builds; :func:`to_wire` would then send
``"0.30000000000000004"`` or ``"bogus"`` and leave it to the server. :func:`check_values` refuses them
first, one line naming the field: ``TypeError`` for a value of the wrong type, ``ValueError`` for a value
of the right type that the field cannot take (an enum code it does not have, more decimal places than money
has, a NaN). A value given as the string the wire carries (``"21"``, ``"10.00"``, ``"2021-12-25"``,
``"active"``) is taken when it reads as the field's type.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import msgspec

from aiobizstim.errors import excerpt
from aiobizstim.models._clock import ClockTime
from aiobizstim.models._kinds import FieldSpec, Kind, field_kinds

__all__ = ["check_values"]

_CENT: Final = Decimal("0.01")


class _WrongValueError(Exception):
    """A value the field cannot take: ``what`` it expects; ``bad_type`` for a value of another type."""

    def __init__(self, what: str, *, bad_type: bool) -> None:
        super().__init__(what)
        self.what, self.bad_type = what, bad_type


def check_values(body: msgspec.Struct) -> None:
    """Raise ``TypeError``/``ValueError`` naming the first field of ``body`` whose value it cannot take."""
    for spec in field_kinds(type(body)):
        value = getattr(body, spec.attr)
        if value is None:
            continue
        check = _CHECKS.get(spec.kind)
        if check is None:
            continue
        try:
            check(spec, value)
        except _WrongValueError as wrong:
            error = TypeError if wrong.bad_type else ValueError
            raise error(
                f"{type(body).__name__}.{spec.attr}: expected {wrong.what}, got {_shown(value)}"
            ) from None


def _shown(value: Any) -> str:
    """``'bogus'``, ``float 0.30000000000000004``: the value, and its type unless it is text."""
    return (
        excerpt(repr(value), 42) if isinstance(value, str) else f"{type(value).__name__} {excerpt(value, 40)}"
    )


def _int(spec: FieldSpec, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _WrongValueError("an int", bad_type=True)
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        raise _WrongValueError("an int (or its digits)", bad_type=False)


def _float(spec: FieldSpec, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _WrongValueError("a number", bad_type=True)
    try:
        number = float(value)
    except ValueError:
        raise _WrongValueError("a number", bad_type=False) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _WrongValueError("a finite number", bad_type=False)


def _flag(spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, bool | int | str):
        raise _WrongValueError("a bool", bad_type=True)
    if not isinstance(value, bool) and value not in (0, 1, "0", "1"):
        raise _WrongValueError("a bool (or 0/1)", bad_type=False)


def _money(spec: FieldSpec, value: Any) -> None:
    places = spec.inner
    what = "a Decimal" + ("" if places is None else f" with at most {places} decimal places")
    if isinstance(value, float):
        raise _WrongValueError(f"{what}, not a float (it cannot hold every amount exactly)", bad_type=True)
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise _WrongValueError(what + " (or its digits)", bad_type=True)
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise _WrongValueError(what + " (or its digits)", bad_type=False) from None
    if not number.is_finite():
        raise _WrongValueError("a finite amount", bad_type=False)
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise _WrongValueError(what, bad_type=False)


def _date(spec: FieldSpec, value: Any) -> None:
    if isinstance(value, _dt.date):
        return
    if not isinstance(value, str):
        raise _WrongValueError("a date", bad_type=True)
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        raise _WrongValueError("a date (or YYYY-MM-DD)", bad_type=False) from None


def _list(spec: FieldSpec, value: Any) -> None:
    if isinstance(value, str):
        return
    item_type = int if spec.kind is Kind.INT_LIST else str
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, item_type) and not isinstance(item, bool) for item in value
    ):
        raise _WrongValueError(f"a list of {item_type.__name__} (or the comma-separated text)", bad_type=True)
    if item_type is str and any("," in item for item in value):
        raise _WrongValueError("items without a comma (the wire joins them with commas)", bad_type=False)


def _clock(spec: FieldSpec, value: Any) -> None:
    if isinstance(value, ClockTime):
        return
    if not isinstance(value, str):
        raise _WrongValueError("a ClockTime", bad_type=True)
    try:
        ClockTime.parse(value)
    except ValueError:
        raise _WrongValueError("a ClockTime (or HH:MM)", bad_type=False) from None


def _enum(spec: FieldSpec, value: Any) -> None:
    kind: type[enum.Enum] = spec.inner
    if isinstance(value, kind):
        return
    try:
        kind(value)
    except ValueError:
        codes = ", ".join(repr(member.value) for member in kind)
        raise _WrongValueError(
            f"a {kind.__name__} ({codes})", bad_type=isinstance(value, enum.Enum)
        ) from None


def _str(spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, str):
        raise _WrongValueError("a str", bad_type=True)


_CHECKS: Final[dict[Kind, Callable[[FieldSpec, Any], None]]] = {
    Kind.STR: _str,
    Kind.INT: _int,
    Kind.FLOAT: _float,
    Kind.FLAG: _flag,
    Kind.MONEY: _money,
    Kind.DATE: _date,
    Kind.LIST: _list,
    Kind.INT_LIST: _list,
    Kind.CLOCK: _clock,
    Kind.ENUM: _enum,
}
