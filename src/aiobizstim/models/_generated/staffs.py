# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import WireInt


class Staff(WireModel, kw_only=True):
    """
    A staff member.
    """

    id: Annotated[WireInt, Meta(description="unique id")]
    users_id: Annotated[WireInt, Meta(description="users table id")] | None = None
    staff_settings_id: Annotated[WireInt, Meta(description="staff_settings table id")] | None = None
    first_name: Annotated[str, Meta(description="first name")] | None = None
    last_name: Annotated[str, Meta(description="last name")] | None = None
    address1: Annotated[str, Meta(description="street address")] | None = None
    address2: Annotated[str, Meta(description="suite or apartment")] | None = None
    city: Annotated[str, Meta(description="city")] | None = None
    state: Annotated[str, Meta(description="state or province")] | None = None
    zipcode: Annotated[str, Meta(description="zip or postal code")] | None = None
    country: Annotated[str, Meta(description="country")] | None = None
    p_phone: Annotated[str, Meta(description="primary phone")] | None = None
    s_phone: Annotated[str, Meta(description="secondary phone")] | None = None
    text_phone: (
        Annotated[str, Meta(description="SMS number (not described as a comma list for staff)")] | None
    ) = None
