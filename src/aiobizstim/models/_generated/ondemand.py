# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel


class OnDemandResponse(WireModel, kw_only=True):
    """
    GET ON-DEMAND ENCRYPTED LINK: /ondemand/{custom_student_identifier}/{primary_agent_id}/{secondary_agent_id} (outside /api/). The response is an opaque encrypted URL string (http, not https). Source: seed-000.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[str, Meta(description="the encrypted on-demand link")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
