# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .locations import Location


class LocationResponse(WireModel, kw_only=True):
    """
    GET LOCATION: /api/location/{location_id}. The docs' table is truncated after id; modelled as the ALL LOCATIONS record in a single-object envelope. Source: bizstim.com/api/method/locations.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[Location, Meta(description="the record")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
