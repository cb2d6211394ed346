# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .payments import Payment


class PaymentResponse(WireModel, kw_only=True):
    """
    GET PAYMENT: /api/payment/{payment_id}. Same fields as payments; the example is truncated, the envelope is presumably a single object. Source: bizstim.com/api/method/payments.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[Payment, Meta(description="the record")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
