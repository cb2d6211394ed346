# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from enum import IntEnum
from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from .common import RecordStatus
from aiobizstim.models._kinds import Flag, Money, WireInt


class ServiceType(IntEnum):
    """
    How a service is billed: 0 hourly, 1 fixed. Sent as a string ("0").
    """

    HOURLY = 0
    FIXED = 1


class StartInterval(IntEnum):
    """
    Booking start interval: 0 none, 1 top of the hour, 2 half past. Documented as a string holding the numeric code ("1").
    """

    NONE = 0
    TOP_OF_HOUR = 1
    HALF_PAST = 2


class Service(WireModel, kw_only=True):
    """
    A service (tier or package) clients can buy.
    """

    id: Annotated[WireInt, Meta(description="unique id")]
    group_id: Annotated[WireInt, Meta(description="id in service_group_names")] | None = None
    group_num: Annotated[WireInt, Meta(description="number of sessions in the tier or package")] | None = None
    service_description: Annotated[str, Meta(description="description")] | None = None
    service_cost: Annotated[Money, Meta(description="client cost, 2 decimal places")] | None = None
    service_default_wage: Annotated[Money, Meta(description="practitioner wage, 2 decimal places")] | None = (
        None
    )
    service_taxable: Annotated[Flag, Meta(description="taxable")] | None = None
    service_type: Annotated[ServiceType, Meta(description="hourly or fixed")] | None = None
    service_status: Annotated[RecordStatus, Meta(description="inactive, active or deleted")] | None = None
    online_booking: Annotated[Flag, Meta(description="shown in the Booking Tool")] | None = None
    min_duration: Annotated[WireInt, Meta(description="minimum minutes per session")] | None = None
    max_duration: Annotated[WireInt, Meta(description="maximum minutes per session")] | None = None
    start_interval: Annotated[StartInterval, Meta(description="booking start interval")] | None = None
    name: Annotated[str, Meta(description="name of the service package")] | None = None
