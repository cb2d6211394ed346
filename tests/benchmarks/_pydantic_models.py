"""What a user would write by hand with pydantic v2: lenient models equivalent to aiobizstim's.

Lax mode already turns ``"21"`` into ``int``, ``"1"`` into ``bool`` and ``"10.00"`` into ``Decimal``; the rest
(``"0000-00-00"``/``""`` dates, comma lists, ``""`` for a number) needs ``BeforeValidator``s.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")


def _no_date(value: Any) -> Any:
    return None if value in ("", "0000-00-00", "0000-00-00 00:00:00") else value


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return [s for s in (item.strip() for item in value.split(",")) if s]
    return value


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


LenientDate = Annotated[dt.date | None, BeforeValidator(_no_date)]
CommaList = Annotated[list[str] | None, BeforeValidator(_comma_list)]
IdList = Annotated[list[int] | None, BeforeValidator(_comma_list)]  # lax mode turns each "66" into 66
WireInt = Annotated[int | None, BeforeValidator(_empty_is_none)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DiscountKind(enum.IntEnum):
    PERCENTAGE = 0
    FIXED_AMOUNT = 1


class DiscountType(enum.IntEnum):
    SUBTRACT_FROM_COST = 0
    ADDITIONAL_CREDIT = 1


def _int_code(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.strip() else _empty_is_none(value)


class ClientSummary(_Lenient):
    """One ``/api/clients`` record."""

    id: WireInt = None
    users_id: WireInt = None
    client_settings_id: WireInt = None
    avail_id: WireInt = None
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zipcode: str | None = None
    country: str | None = None
    p_phone: str | None = None
    s_phone: str | None = None
    text_phone: CommaList = None
    email: CommaList = None


class Discount(_Lenient):
    """One ``/api/discounts`` record."""

    id: WireInt = None
    uses: WireInt = None
    secret: Annotated[bool | None, BeforeValidator(_empty_is_none)] = None
    expires: LenientDate = None
    code: str | None = None
    fixed: Annotated[DiscountKind | None, BeforeValidator(_int_code)] = None
    type_: Annotated[DiscountType | None, BeforeValidator(_int_code)] = Field(default=None, alias="type")
    amount: Annotated[Decimal | None, BeforeValidator(_empty_is_none)] = None
    services: IdList = None


class Page(_Lenient, Generic[T]):
    """The paginated envelope."""

    status: Any = None
    total: int | None = None
    response: list[T] = []
