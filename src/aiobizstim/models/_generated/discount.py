# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .discounts import Discount


class DiscountResponse(WireModel, kw_only=True):
    """
    GET DISCOUNT: /api/discount/{discount_id}. Same fields as discounts, single-object envelope. Source: bizstim.com/api/method/discounts, seed-004.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[Discount, Meta(description="the record")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
