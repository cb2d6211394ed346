# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import CommaList, WireInt


class ClientSummary(WireModel, kw_only=True):
    """
    A client as listed by GET ALL CLIENTS (GET CLIENT returns the full record).
    """

    id: Annotated[WireInt, Meta(description="unique id")]
    users_id: Annotated[WireInt, Meta(description="id in the users table")] | None = None
    client_settings_id: Annotated[WireInt, Meta(description="id in the client_settings table")] | None = None
    avail_id: (
        Annotated[
            WireInt,
            Meta(description="id of the client's schedule in the avail table (see the availability method)"),
        ]
        | None
    ) = None
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
        Annotated[CommaList, Meta(description="SMS number(s), comma-separated on the wire")] | None
    ) = None
    email: Annotated[CommaList, Meta(description="e-mail addresses, comma-separated on the wire")] | None = (
        None
    )
