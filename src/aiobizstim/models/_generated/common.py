# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from aiobizstim.models._kinds import WireClock
from typing import Annotated
from msgspec import Meta, field
from aiobizstim.models._base import WireModel
from enum import IntEnum, StrEnum


class RecordStatus(IntEnum):
    """
    Lifecycle code of a service (service_status) or location (location_status): 0 inactive, 1 active, 2 deleted. Sent as a string ("1").
    """

    INACTIVE = 0
    ACTIVE = 1
    DELETED = 2


class ClientStatus(StrEnum):
    """
    A client's status.
    """

    ACTIVE = "active"
    INACTIVE = "inactive"
    PROSPECT = "prospect"


class WeeklyHours(WireModel, kw_only=True):
    """
    Weekly availability: from/to clock times per weekday (m, t, w, r = Thursday, f, sat, sun), HH:MM from 00:00 to 24:00.
    """

    m_availf: (
        Annotated[WireClock, Meta(description="Monday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="mAvailf", default=None)
    m_availt: Annotated[WireClock, Meta(description="Monday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="mAvailt", default=None)
    )
    t_availf: (
        Annotated[WireClock, Meta(description="Tuesday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="tAvailf", default=None)
    t_availt: (
        Annotated[WireClock, Meta(description="Tuesday available to, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="tAvailt", default=None)
    w_availf: (
        Annotated[WireClock, Meta(description="Wednesday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="wAvailf", default=None)
    w_availt: (
        Annotated[WireClock, Meta(description="Wednesday available to, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="wAvailt", default=None)
    r_availf: (
        Annotated[WireClock, Meta(description="Thursday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="rAvailf", default=None)
    r_availt: (
        Annotated[WireClock, Meta(description="Thursday available to, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="rAvailt", default=None)
    f_availf: (
        Annotated[WireClock, Meta(description="Friday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="fAvailf", default=None)
    f_availt: Annotated[WireClock, Meta(description="Friday available to, HH:MM (00:00 to 24:00)")] | None = (
        field(name="fAvailt", default=None)
    )
    sat_availf: (
        Annotated[WireClock, Meta(description="Saturday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="satAvailf", default=None)
    sat_availt: (
        Annotated[WireClock, Meta(description="Saturday available to, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="satAvailt", default=None)
    sun_availf: (
        Annotated[WireClock, Meta(description="Sunday available from, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="sunAvailf", default=None)
    sun_availt: (
        Annotated[WireClock, Meta(description="Sunday available to, HH:MM (00:00 to 24:00)")] | None
    ) = field(name="sunAvailt", default=None)
