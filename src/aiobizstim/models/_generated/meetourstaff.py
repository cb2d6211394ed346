# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import WireInt


class StaffProfile(WireModel, kw_only=True):
    """
    A public staff profile (fields undocumented: id and names assumed by analogy with Staff).
    """

    id: Annotated[WireInt, Meta(description="unique id (assumed)")] | None = None
    users_id: Annotated[WireInt, Meta(description="users table id (assumed)")] | None = None
    first_name: Annotated[str, Meta(description="first name (assumed)")] | None = None
    last_name: Annotated[str, Meta(description="last name (assumed)")] | None = None


class MeetOurStaffResponse(WireModel, kw_only=True):
    """
    GET MEET OUR STAFF: /api/meetourstaff/{start}/{limit}, default limit 20, maximum 100. The field table is truncated in the stored copy (newer markdown copy of www.bizstim.com/api/method/staff): no field is documented. StaffProfile models only id, users_id, first_name and last_name, assumed by analogy with GET ALL STAFF; every other field is ignored.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    total: Annotated[WireInt, Meta(description="number of matching records")] | None = None
    response: Annotated[list[StaffProfile], Meta(description="the records")] | None = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None
