# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from .common import WeeklyHours
from aiobizstim.models._kinds import LenientDate, WireInt


class Availability(WeeklyHours, kw_only=True):
    """
    A weekly schedule (the default one or an alternative). Times may read 24:00.
    """

    id: Annotated[WireInt, Meta(description="unique id")]
    label: (
        Annotated[
            str, Meta(description="schedule name, at most 20 characters; Default for the default schedule")
        ]
        | None
    ) = None
    start: Annotated[LenientDate, Meta(description="first day of the schedule")] | None = None
    end: Annotated[LenientDate, Meta(description="last day of the schedule")] | None = None
