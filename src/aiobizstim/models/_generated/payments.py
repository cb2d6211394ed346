# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from enum import IntEnum
from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import LenientDate, Money, WireInt


class RevenueCredit(IntEnum):
    """
    Payment type: 0 regular, 1 credit, 2 debit, 3 package. Sent as a string ("0").
    """

    REGULAR = 0
    CREDIT = 1
    DEBIT = 2
    PACKAGE = 3


class Payment(WireModel, kw_only=True):
    """
    A payment (a row of the revenues table).
    """

    id: Annotated[WireInt, Meta(description="id in the revenues table")]
    client_id: Annotated[WireInt, Meta(description="client id")] | None = None
    qb_payment_id: (
        Annotated[WireInt, Meta(description="QuickBooks payment id; 0 when there is none")] | None
    ) = None
    revenue_amount: Annotated[Money, Meta(description="payment amount, 2 decimal places")] | None = None
    revenue_tax: (
        Annotated[
            Money,
            Meta(
                description="deprecated and unused, always 0.00 (the docs' table row reads 'revenue_tax *')"
            ),
        ]
        | None
    ) = None
    revenue_date: Annotated[LenientDate, Meta(description="payment date")] | None = None
    revenue_credit: Annotated[RevenueCredit, Meta(description="payment type")] | None = None
    revenue_note: Annotated[str, Meta(description="note, often empty")] | None = None
