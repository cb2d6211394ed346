# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from enum import IntEnum, StrEnum
from typing import Annotated
from msgspec import Meta
from .common import WeeklyHours
from aiobizstim.models._kinds import CommaList, LenientDate, Money, WireInt


class WageTier(IntEnum):
    """
    How a practitioner is paid: 0 hourly, 1 salary hours, 2 salary annual.
    """

    HOURLY = 0
    SALARY_HOURS = 1
    SALARY_ANNUAL = 2


class PractitionerStatus(StrEnum):
    """
    A practitioner's status (camelCase wire values).
    """

    INACTIVE = "inactive"
    ACTIVE = "active"
    CONTACT_LIST = "contactList"
    DO_NOT_HIRE = "doNotHire"


class PractitionerCreate(WeeklyHours, kw_only=True):
    """
    Body of POST ADD PRACTITIONER. Required by the docs: first_name, last_name, wage_tier, state, country, status.
    """

    first_name: Annotated[str, Meta(description="first name (required)")]
    last_name: Annotated[str, Meta(description="last name (required)")]
    wage_tier: Annotated[WageTier, Meta(description="how the practitioner is paid (required)")]
    state: Annotated[str, Meta(description="state or province (required)")]
    country: Annotated[str, Meta(description="country (required)")]
    status: Annotated[PractitionerStatus, Meta(description="status (required)")]
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
    hire_date: Annotated[LenientDate, Meta(description="hire date")] | None = None
    add_value: Annotated[Money, Meta(description="documented as float (format: 1.25)")] | None = None
    timezone: Annotated[str, Meta(description="time zone")] | None = None
    meeting_url: Annotated[str, Meta(description="meeting URL")] | None = None
    skill_id: Annotated[list[WireInt], Meta(description="skill ids (a JSON array)")] | None = None
    notes: Annotated[str, Meta(description="notes")] | None = None
