# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from enum import IntEnum
from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import Flag, IdList, LenientDate, Money, WireInt


class DiscountKind(IntEnum):
    """
    How the amount applies: 0 percentage off, 1 fixed amount off.
    """

    PERCENTAGE = 0
    FIXED_AMOUNT = 1


class DiscountType(IntEnum):
    """
    0 subtract from cost, 1 additional credit.
    """

    SUBTRACT_FROM_COST = 0
    ADDITIONAL_CREDIT = 1


class Discount(WireModel, kw_only=True):
    """
    A discount code.
    """

    id: Annotated[WireInt, Meta(description="unique id")]
    uses: Annotated[WireInt, Meta(description="how many times each client may use the code")] | None = None
    secret: Annotated[Flag, Meta(description="true = secret, false = public")] | None = None
    expires: Annotated[LenientDate, Meta(description="expiry date")] | None = None
    code: Annotated[str, Meta(description="unique code name, e.g. 10%OFF")] | None = None
    fixed: Annotated[DiscountKind, Meta(description="percentage or fixed amount off")] | None = None
    type: Annotated[DiscountType, Meta(description="subtract from cost or additional credit")] | None = None
    amount: Annotated[Money, Meta(description="amount, 2 decimal places")] | None = None
    services: (
        Annotated[
            IdList,
            Meta(description="service ids the code applies to (comma-separated on the wire); empty = none"),
        ]
        | None
    ) = None
