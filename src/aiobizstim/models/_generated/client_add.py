# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from .common import ClientStatus, WeeklyHours
from aiobizstim.models._kinds import CommaList, LenientDate, WireInt


class ClientCreate(WeeklyHours, kw_only=True):
    """
    Body of PUT ADD CLIENT. Required by the docs: first_name, last_name, status, state, country.
    """

    first_name: Annotated[str, Meta(description="first name (required)")]
    last_name: Annotated[str, Meta(description="last name (required)")]
    status: Annotated[ClientStatus, Meta(description="active, inactive or prospect (required)")]
    state: Annotated[str, Meta(description="state or province (required)")]
    country: Annotated[str, Meta(description="country (required)")]
    city: Annotated[str, Meta(description="city")] | None = None
    text_phone: (
        Annotated[CommaList, Meta(description="mobile numbers (sent comma-separated: 9055551111,9055552222)")]
        | None
    ) = None
    email: (
        Annotated[
            CommaList, Meta(description="e-mail addresses (sent comma-separated: blah@mail.com,bah@mail.com)")
        ]
        | None
    ) = None
    address1: Annotated[str, Meta(description="street address")] | None = None
    address2: Annotated[str, Meta(description="suite or apartment")] | None = None
    zipcode: Annotated[str, Meta(description="zip or postal code")] | None = None
    p_phone: Annotated[str, Meta(description="primary phone")] | None = None
    s_phone: Annotated[str, Meta(description="secondary phone")] | None = None
    password: Annotated[str, Meta(description="password")] | None = None
    password2: Annotated[str, Meta(description="password confirmation")] | None = None
    username: Annotated[str, Meta(description="user name, must be unique")] | None = None
    start_date: Annotated[LenientDate, Meta(description="date services began")] | None = None
    timezone: (
        Annotated[str, Meta(description="a TimeZone value of the (undocumented) Timezone method")] | None
    ) = None
    meeting_url: Annotated[str, Meta(description="meeting URL")] | None = None
    service_id: (
        Annotated[list[WireInt], Meta(description="ids of services assigned to the client (a JSON array)")]
        | None
    ) = None
    notes: Annotated[str, Meta(description="notes")] | None = None
