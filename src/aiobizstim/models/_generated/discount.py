# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from msgspec import UNSET, UnsetType
from aiobizstim.models._wire import WireModel
from .discounts import Discount


class DiscountResponse(WireModel, kw_only=True):
    """
    GET DISCOUNT: /api/discount/{discount_id}. Same fields as discounts, single-object envelope.
    """

    status: str | UnsetType = UNSET
    response: Discount | UnsetType = UNSET
