# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any, TypeAlias
from msgspec import Meta
from aiobizstim.models._wire import (
    CommaList,
    Flag,
    LenientDate,
    Money,
    WireClock,
    WireFloat,
    WireInt,
    WireModel,
)
from enum import IntEnum, StrEnum


Common: TypeAlias = Annotated[
    Any,
    Meta(
        description="Shared wire pieces of the Bizstim API. Each $def maps (customTypePath) to a hand-written type in aiobizstim.models._wire that decodes the quirk into what a Python user expects.",
        title="Common",
    ),
]


Count: TypeAlias = Annotated[
    WireInt,
    Meta(
        description='An integer sent as a JSON string ("21"); a JSON number is accepted too.', title="Count"
    ),
]


Real: TypeAlias = Annotated[
    WireFloat,
    Meta(description='A float sent as a JSON string ("43.65"); a JSON number is accepted too.', title="Real"),
]


Amount: TypeAlias = Annotated[
    Money,
    Meta(
        description='A money amount sent as a string with 2 decimals ("10.00"); decoded to Decimal, never float.',
        title="Amount",
    ),
]


Switch: TypeAlias = Annotated[
    Flag, Meta(description='A 0/1 flag sent as "0" or "1"; decoded to bool.', title="Switch")
]


Day: TypeAlias = Annotated[
    LenientDate,
    Meta(
        description='A YYYY-MM-DD date from a PHP/MySQL backend; "0000-00-00", "" and null mean no date (None).',
        title="Day",
    ),
]


Items: TypeAlias = Annotated[
    CommaList,
    Meta(
        description='A comma-separated list ("a@x.com, b@x.com"); decoded to list[str], items trimmed, empties dropped.',
        title="Items",
    ),
]


Clock: TypeAlias = Annotated[
    WireClock,
    Meta(description="A time of day, HH:MM or HH:MM:SS, from 00:00 to 24:00 inclusive.", title="Clock"),
]


class Envelope(WireModel, kw_only=True):
    """
    Every response: status "success" or "failure" (the framework may send false with an error key); total on paginated lists; response holds the payload or a message.
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    total: Annotated[Count, Meta(description="number of matching records (paginated lists only)")] | None = (
        None
    )
    response: (
        Annotated[Any, Meta(description="the payload, or a message string on failure and on writes")] | None
    ) = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None


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
