# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel


class PaymentAddResponse(WireModel, kw_only=True):
    """
    PUT ADD PAYMENT (older docs): PUT /api/payment, same body as POST ADD PAYMENT. Source: www.bizstim.com/api/put-method/payments (no-banner copy). The response is a message string; its format is not shown in the stored docs.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[str, Meta(description="the result message")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
