# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.
"""Every documented Bizstim method: verb, path template, shape, pagination limits, models."""

from __future__ import annotations

from typing import Final

from aiobizstim.models._endpoint import Endpoint, Shape

from .discounts import Discount

ENDPOINTS: Final[dict[str, Endpoint]] = {
    "discount": Endpoint(
        name="discount",
        verb="GET",
        path="/api/discount/{discount_id}",
        shape=Shape.ONE,
        response_model=Discount,
        request_model=None,
        default_limit=None,
        max_limit=None,
        lookup=(),
        description="GET DISCOUNT: /api/discount/{discount_id}. Same fields as discounts, single-object envelope.",
    ),
    "discounts": Endpoint(
        name="discounts",
        verb="GET",
        path="/api/discounts/{start}/{limit}",
        shape=Shape.PAGE,
        response_model=Discount,
        request_model=None,
        default_limit=20,
        max_limit=100,
        lookup=(),
        description="GET ALL DISCOUNTS: /api/discounts/{start}/{limit}, default limit 20, maximum 100. Source: bizstim.com/api/method/discounts, seed-004.",
    ),
}
