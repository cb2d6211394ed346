# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .services import Service


class ServiceResponse(WireModel, kw_only=True):
    """
    GET SERVICE: /api/service/{service_id}. Only the heading survives in the stored docs (table and example truncated); modelled as the ALL SERVICES record in a single-object envelope, by analogy with discount, payment and location.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[Service, Meta(description="the record")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
