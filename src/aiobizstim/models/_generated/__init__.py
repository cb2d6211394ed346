# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from .discounts import Discount, DiscountKind, DiscountType, DiscountsResponse
from .discount import DiscountResponse
from .common import Amount, Clock, Common, Count, Day, Envelope, Items, Real, Switch

__all__ = [
    "Amount",
    "Clock",
    "Common",
    "Count",
    "Day",
    "Discount",
    "DiscountKind",
    "DiscountResponse",
    "DiscountType",
    "DiscountsResponse",
    "Envelope",
    "Items",
    "Real",
    "Switch",
]
