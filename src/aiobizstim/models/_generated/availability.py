# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from .common import WeeklyHours
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import LenientDate, WireInt


class Availability(WeeklyHours, kw_only=True):
    """
    A weekly schedule (the default one or an alternative). Times may read 24:00.
    """

    id: Annotated[WireInt, Meta(description="unique id")] | None = None
    label: (
        Annotated[
            str, Meta(description="schedule name, at most 20 characters; Default for the default schedule")
        ]
        | None
    ) = None
    start: Annotated[LenientDate, Meta(description="first day of the schedule")] | None = None
    end: Annotated[LenientDate, Meta(description="last day of the schedule")] | None = None


class AvailabilityResponse(WireModel, kw_only=True):
    """
    GET AVAILABILITY: /api/availability/{avail_id}. Source: www.bizstim.com/api/method/users (three copies agree).
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: Annotated[Availability, Meta(description="the record")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
