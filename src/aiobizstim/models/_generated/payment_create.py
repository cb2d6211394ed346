# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from .common import ClientStatus, WeeklyHours
from aiobizstim.models._kinds import CommaList, Flag, LenientDate, Money, WireInt


class PaymentCreate(WeeklyHours, kw_only=True):
    """
    Body of ADD PAYMENT. Required: revenue_amount, send_email, and client_id unless the new-client fields (first_name, last_name, state, country, status) are given.
    """

    __required_any_of__ = [
        {"required": ["client_id"]},
        {
            "description": "to create a new client",
            "required": ["first_name", "last_name", "state", "country", "status"],
        },
    ]

    revenue_amount: Annotated[
        Money, Meta(description="amount, e.g. 1052.45: no separators or currency symbols (required)")
    ]
    send_email: Annotated[Flag, Meta(description="e-mail a receipt (required)")]
    client_id: (
        Annotated[WireInt, Meta(description="client id (required unless new-client fields are given)")] | None
    ) = None
    service_id: (
        Annotated[
            WireInt,
            Meta(description="service id; required for a service-specific discount code or a package"),
        ]
        | None
    ) = None
    revenue_note: Annotated[str, Meta(description="note")] | None = None
    discount: Annotated[str, Meta(description="discount code")] | None = None
    token: (
        Annotated[str, Meta(description="one-time Stripe token (stripe.js) to charge the customer")] | None
    ) = None
    qb_customer_id: Annotated[WireInt, Meta(description="QuickBooks customer id")] | None = None
    timezone: Annotated[str, Meta(description="time zone")] | None = None
    first_name: Annotated[str, Meta(description="new client's first name")] | None = None
    last_name: Annotated[str, Meta(description="new client's last name")] | None = None
    state: Annotated[str, Meta(description="new client's state or province")] | None = None
    country: Annotated[str, Meta(description="new client's country")] | None = None
    status: Annotated[ClientStatus, Meta(description="new client's status")] | None = None
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
    inactive_date: (
        Annotated[
            LenientDate,
            Meta(
                description="as documented (the client-create form has start_date here; possibly a docs slip)"
            ),
        ]
        | None
    ) = None
    notes: Annotated[str, Meta(description="notes")] | None = None
