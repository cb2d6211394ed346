# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from enum import IntEnum
from typing import Annotated
from msgspec import Meta, field
from aiobizstim.models._base import WireModel
from .common import ClientStatus
from aiobizstim.models._kinds import CommaList, Flag, LenientDate, WireClock, WireDecimal, WireInt


class CalendarView(IntEnum):
    """
    The client's default calendar view: 1 month, 2 week, 3 day. Sent as a string ("1").
    """

    MONTH = 1
    WEEK = 2
    DAY = 3


class Client(WireModel, kw_only=True):
    """
    The full client record returned by GET CLIENT.
    """

    __wire_aliases__ = {"_use_records": "user_records"}

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
    qb_customer_id: Annotated[WireInt, Meta(description="QuickBooks customer id")] | None = None
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
        Annotated[CommaList, Meta(description="mobile numbers, comma-separated on the wire")] | None
    ) = None
    latitude: Annotated[WireDecimal, Meta(description="geographic coordinate, exact as sent")] | None = None
    longitude: Annotated[WireDecimal, Meta(description="geographic coordinate, exact as sent")] | None = None
    dob: Annotated[LenientDate, Meta(description="date of birth")] | None = None
    status: Annotated[ClientStatus, Meta(description="active, inactive or prospect")] | None = None
    inactive_date: Annotated[LenientDate, Meta(description="date the client was marked inactive")] | None = (
        None
    )
    inactive_set_date: (
        Annotated[LenientDate, Meta(description="date the client will be marked inactive")] | None
    ) = None
    inactive_reason: Annotated[str, Meta(description="reason for going inactive")] | None = None
    inactive_who: (
        Annotated[str, Meta(description="first and last name of the user who marked the client inactive")]
        | None
    ) = None
    funnel_id: Annotated[WireInt, Meta(description="funnel id")] | None = None
    calendar_color: Annotated[str, Meta(description="hex colour of the calendar cell")] | None = None
    start_date: Annotated[LenientDate, Meta(description="date services began")] | None = None
    notes: Annotated[str, Meta(description="notes")] | None = None
    timezone: Annotated[str, Meta(description="IANA time zone, e.g. America/Los_Angeles")] | None = None
    send_welcome_message: Annotated[Flag, Meta(description="send the welcome message")] | None = None
    send_lesson_reminders: Annotated[Flag, Meta(description="send lesson reminders")] | None = None
    add_session: Annotated[Flag, Meta(description="the client may add sessions")] | None = None
    see_practs_information: (
        Annotated[Flag, Meta(description="the client may see practitioners' information")] | None
    ) = None
    text_reminders: Annotated[Flag, Meta(description="send text reminders")] | None = None
    user_records: (
        Annotated[
            Flag,
            Meta(
                description="the client may use records. The docs' table names it use_records, the example sends user_records; both spellings decode into this attribute"
            ),
        ]
        | None
    ) = None
    _use_records: (
        Annotated[
            Flag,
            Meta(
                description="the docs' table spelling of user_records; folded into user_records after decoding (private field)"
            ),
        ]
        | None
    ) = field(name="use_records", default=None)
    session_cancel: Annotated[Flag, Meta(description="the client may cancel sessions")] | None = None
    ace: Annotated[Flag, Meta(description="available credit exception")] | None = None
    hide_costs: (
        Annotated[Flag, Meta(description="hide costs from the client (the wire name contains a space)")]
        | None
    ) = field(name="hide costs", default=None)
    username: Annotated[str, Meta(description="user name (not case sensitive)")] | None = None
    email: Annotated[CommaList, Meta(description="e-mail addresses, comma-separated on the wire")] | None = (
        None
    )
    dark: Annotated[Flag, Meta(description="true = dark mode, false = light mode")] | None = None
    calendar: Annotated[CalendarView, Meta(description="default calendar view")] | None = None
    min_time: Annotated[WireClock, Meta(description="calendar start, HH:MM:SS (default 08:00:00)")] | None = (
        field(name="minTime", default=None)
    )
    max_time: Annotated[WireClock, Meta(description="calendar end, HH:MM:SS (default 24:00:00)")] | None = (
        field(name="maxTime", default=None)
    )
    slot_duration: (
        Annotated[WireClock, Meta(description="calendar slot length, HH:MM:SS (default 00:15:00)")] | None
    ) = field(name="slotDuration", default=None)
    session_limit: (
        Annotated[WireInt, Meta(description="sessions shown per day in month view (default 10)")] | None
    ) = field(name="sessionLimit", default=None)
    cal_length: (
        Annotated[WireInt, Meta(description="calendar length on the page in pixels (default 1200)")] | None
    ) = None
