# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .common import ClientStatus
from aiobizstim.models._kinds import CommaList, LenientDate, WireDecimal, WireInt


class ClientUpdate(WireModel, kw_only=True):
    """
    Body of PUT UPDATE CLIENT: the fields to change (documented up to calendar_color; the rest of the docs' list is truncated).
    """

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
    text_phone: Annotated[CommaList, Meta(description="mobile numbers (sent comma-separated)")] | None = None
    latitude: Annotated[WireDecimal, Meta(description="geographic coordinate")] | None = None
    longitude: Annotated[WireDecimal, Meta(description="geographic coordinate")] | None = None
    dob: Annotated[LenientDate, Meta(description="date of birth")] | None = None
    status: Annotated[ClientStatus, Meta(description="active, inactive or prospect")] | None = None
    inactive_date: Annotated[LenientDate, Meta(description="date marked inactive")] | None = None
    inactive_set_date: (
        Annotated[LenientDate, Meta(description="date the client will be marked inactive")] | None
    ) = None
    inactive_reason: Annotated[str, Meta(description="reason for going inactive")] | None = None
    inactive_who: Annotated[str, Meta(description="who marked the client inactive")] | None = None
    funnel_id: Annotated[WireInt, Meta(description="funnel id")] | None = None
    calendar_color: Annotated[str, Meta(description="hex colour of the calendar cell")] | None = None
