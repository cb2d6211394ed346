# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .common import RecordStatus
from aiobizstim.models._kinds import CommaList, Flag, WireInt


class Location(WireModel, kw_only=True):
    """
    A location where sessions take place.
    """

    id: Annotated[WireInt, Meta(description="unique id")]
    location_status: Annotated[RecordStatus, Meta(description="inactive, active or deleted")] | None = None
    location_name: Annotated[str, Meta(description="name")] | None = None
    location_address: Annotated[str, Meta(description="street number, street name and suite")] | None = None
    location_zipcode: Annotated[str, Meta(description="zip or postal code")] | None = None
    location_city: Annotated[str, Meta(description="city")] | None = None
    location_state: Annotated[str, Meta(description="state or province")] | None = None
    location_country: Annotated[str, Meta(description="country")] | None = None
    location_p_phone: Annotated[str, Meta(description="primary phone")] | None = None
    location_s_phone: Annotated[str, Meta(description="secondary phone")] | None = None
    location_email: Annotated[str, Meta(description="e-mail")] | None = None
    online_booking: Annotated[Flag, Meta(description="shown in online booking")] | None = None
    practs: (
        Annotated[
            CommaList,
            Meta(
                description='practitioners tied to the location in online booking: an array when online_booking is 1, "" otherwise (element type undocumented; kept as strings)'
            ),
        ]
        | None
    ) = None
