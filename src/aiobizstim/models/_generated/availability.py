# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta, field
from aiobizstim.models._wire import WireModel
from .common import Clock, Count, Day


class Availability(WireModel, kw_only=True):
    """
    A weekly schedule (the default one or an alternative). Times may read 24:00.
    """

    id: Annotated[Count, Meta(description="unique id")] | None = None
    label: (
        Annotated[
            str, Meta(description="schedule name, at most 20 characters; Default for the default schedule")
        ]
        | None
    ) = None
    start: Annotated[Day, Meta(description="first day of the schedule")] | None = None
    end: Annotated[Day, Meta(description="last day of the schedule")] | None = None
    m_availf: Annotated[Clock, Meta(description="Monday available from, HH:MM (00:00 to 24:00)")] | None = (
        field(name="mAvailf", default=None)
    )
    m_availt: Annotated[Clock, Meta(description="Monday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="mAvailt", default=None)
    )
    t_availf: Annotated[Clock, Meta(description="Tuesday available from, HH:MM (00:00 to 24:00)")] | None = (
        field(name="tAvailf", default=None)
    )
    t_availt: Annotated[Clock, Meta(description="Tuesday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="tAvailt", default=None)
    )
    w_availf: (
        Annotated[Clock, Meta(description="Wednesday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="wAvailf", default=None)
    w_availt: Annotated[Clock, Meta(description="Wednesday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="wAvailt", default=None)
    )
    r_availf: Annotated[Clock, Meta(description="Thursday available from, HH:MM (00:00 to 24:00)")] | None = (
        field(name="rAvailf", default=None)
    )
    r_availt: Annotated[Clock, Meta(description="Thursday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="rAvailt", default=None)
    )
    f_availf: Annotated[Clock, Meta(description="Friday available from, HH:MM (00:00 to 24:00)")] | None = (
        field(name="fAvailf", default=None)
    )
    f_availt: Annotated[Clock, Meta(description="Friday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="fAvailt", default=None)
    )
    sat_availf: (
        Annotated[Clock, Meta(description="Saturday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="satAvailf", default=None)
    sat_availt: Annotated[Clock, Meta(description="Saturday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="satAvailt", default=None)
    )
    sun_availf: Annotated[Clock, Meta(description="Sunday available from, HH:MM (00:00 to 24:00)")] | None = (
        field(name="sunAvailf", default=None)
    )
    sun_availt: Annotated[Clock, Meta(description="Sunday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="sunAvailt", default=None)
    )


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
