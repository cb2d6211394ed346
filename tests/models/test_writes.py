"""Write bodies: every request model encodes to the documented wire form and decodes back to itself; a body's
rule of alternatives (``__required_any_of__``) says what it still needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import msgspec
import pytest

from aiobizstim.models import (
    ENDPOINTS,
    ClientCreate,
    ClientImport,
    ClientStatus,
    ClientUpdate,
    ClockTime,
    PaymentCreate,
    PractitionerCreate,
    PractitionerStatus,
    Shape,
    WageTier,
    to_wire,
)
from aiobizstim.models._base import RequiredGroup, WireModel, unmet_requirement

WRITES: dict[str, tuple[msgspec.Struct, dict[str, Any]]] = {
    "client.update": (
        ClientUpdate(
            first_name="Joe",
            text_phone=["9055551111", "9055552222"],
            dob=dt.date(2001, 2, 3),
            status=ClientStatus.INACTIVE,
            inactive_date=dt.date(2024, 1, 31),
            funnel_id=125,
            calendar_color="#8874bc",
            latitude=Decimal("43.651070"),
            longitude=Decimal("-79.347015"),
        ),
        {
            "first_name": "Joe",
            "text_phone": "9055551111,9055552222",
            "dob": "2001-02-03",
            "status": "inactive",
            "inactive_date": "2024-01-31",
            "funnel_id": "125",
            "calendar_color": "#8874bc",
            "latitude": "43.651070",
            "longitude": "-79.347015",
        },
    ),
    "client.add": (
        ClientCreate(
            first_name="Joe",
            last_name="Smith",
            status=ClientStatus.PROSPECT,
            state="Ontario",
            country="Canada",
            email=["blah@mail.com", "bah@mail.com"],
            start_date=dt.date(2020, 4, 21),
            service_id=[66, 67],
            m_availf=ClockTime.parse("08:00"),
            m_availt=ClockTime.parse("24:00"),
        ),
        {
            "first_name": "Joe",
            "last_name": "Smith",
            "status": "prospect",
            "state": "Ontario",
            "country": "Canada",
            "email": "blah@mail.com,bah@mail.com",
            "start_date": "2020-04-21",
            "service_id": ["66", "67"],
            "mAvailf": "08:00",
            "mAvailt": "24:00",
        },
    ),
    "clients.import": (
        ClientImport(header=["first_name", "last_name", "23_whatever"], data=[["Joe", "Smith", "x"]]),
        {"header": ["first_name", "last_name", "23_whatever"], "data": [["Joe", "Smith", "x"]]},
    ),
    "payment.create": (
        PaymentCreate(client_id=49, revenue_amount=Decimal("1052.45"), send_email=True, service_id=19),
        {"client_id": "49", "revenue_amount": "1052.45", "send_email": "1", "service_id": "19"},
    ),
    "practitioner.create": (
        PractitionerCreate(
            first_name="Jennifer",
            last_name="Billings",
            wage_tier=WageTier.SALARY_HOURS,
            state="Ontario",
            country="Canada",
            status=PractitionerStatus.CONTACT_LIST,
            hire_date=dt.date(2019, 9, 3),
            add_value=Decimal("1.25"),
            skill_id=[4],
            sun_availt=ClockTime.parse("16:31"),
        ),
        {
            "first_name": "Jennifer",
            "last_name": "Billings",
            "wage_tier": "1",
            "state": "Ontario",
            "country": "Canada",
            "status": "contactList",
            "hire_date": "2019-09-03",
            "add_value": "1.25",
            "skill_id": ["4"],
            "sunAvailt": "16:31",
        },
    ),
}


def test_every_write_method_has_a_request_model_and_a_case() -> None:
    writes = {name for name, ep in ENDPOINTS.items() if ep.verb != "GET"}
    assert writes == {*WRITES, "payment.add"}
    for name in writes:
        ep = ENDPOINTS[name]
        assert ep.shape is Shape.TEXT
        assert ep.request_model is not None
        assert ep.response_model is None
    assert ENDPOINTS["payment.add"].request_model is PaymentCreate


@pytest.mark.parametrize("name", sorted(WRITES))
def test_write_body_wire_form(name: str) -> None:
    model, wire = WRITES[name]
    assert type(model) is ENDPOINTS[name].request_model
    assert to_wire(model) == wire
    # the body is what goes over the wire as JSON, and decodes back to the same model
    body = msgspec.json.encode(to_wire(model))
    assert msgspec.json.decode(body, type=type(model), strict=False) == model


def test_empty_model_encodes_to_empty_body() -> None:
    assert to_wire(ClientUpdate()) == {}


def test_client_import_requires_header_and_data() -> None:
    with pytest.raises(msgspec.ValidationError, match="data"):
        msgspec.convert({"header": ["a"]}, ClientImport)


class _Booking(WireModel, kw_only=True):
    """A made-up body with a rule of three members: the mechanism is not about payments."""

    __required_any_of__: ClassVar[Sequence[RequiredGroup]] = [
        {"required": ["ref"]},
        {"required": ["a", "b"], "description": "for a new booking"},
        {"required": ["c", "d"]},
    ]
    ref: int | None = None
    a: str | None = None
    b: str | None = None
    c: str | None = None
    d: str | None = None


def _unmet(body: msgspec.Struct) -> str | None:
    return unmet_requirement(type(body), lambda name: getattr(body, name) is not None)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_Booking(ref=1), None),
        (_Booking(a="x", b="y"), None),
        (_Booking(c="x", d="y", a="z"), None),
        (_Booking(), "none of them is set"),
        (_Booking(b="y"), "missing: a"),
        (_Booking(a="x", d="y"), "missing: b or c"),
    ],
)
def test_a_rule_needs_every_field_of_one_member(body: _Booking, problem: str | None) -> None:
    options = "give ref, or all of a, b for a new booking, or all of c, d"
    assert _unmet(body) == (None if problem is None else f"{options} ({problem})")


def test_a_rule_naming_no_field_is_a_type_error() -> None:
    class Broken(WireModel, kw_only=True):
        __required_any_of__: ClassVar[Sequence[RequiredGroup]] = [{"required": ["x"]}, {"required": ["nope"]}]
        x: int | None = None

    with pytest.raises(TypeError, match=r"Broken.__required_any_of__ names no field \['nope'\]"):
        _unmet(Broken())


def test_models_without_a_rule_have_nothing_unmet() -> None:
    assert _unmet(ClientUpdate()) is None
    assert unmet_requirement(msgspec.Struct, lambda name: False) is None


def test_the_payment_rule_is_the_documented_one() -> None:
    # Reference 3.21/3.22: client_id, unless the new-client fields are given; no other body has such a rule.
    rules = {
        m.__name__: m.__required_any_of__
        for ep in ENDPOINTS.values()
        if isinstance(m := ep.request_model, type) and issubclass(m, WireModel) and m.__required_any_of__
    }
    assert rules == {
        "PaymentCreate": [
            {"required": ["client_id"]},
            {
                "required": ["first_name", "last_name", "state", "country", "status"],
                "description": "to create a new client",
            },
        ]
    }
    new_client = PaymentCreate(
        revenue_amount=Decimal("1"),
        send_email=True,
        first_name="A",
        last_name="B",
        state="ON",
        country="CA",
        status=ClientStatus.ACTIVE,
    )
    assert _unmet(new_client) is None
    assert _unmet(msgspec.structs.replace(new_client, state=None)) == (
        "give client_id, or all of first_name, last_name, state, country, status to create a new client"
        " (missing: state)"
    )
