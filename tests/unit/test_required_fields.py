"""A record without a required field (its id) is a decode error at its path: raised, or skipped. A write body
without its documented required fields, or breaking its rule of alternatives (a payment needs client_id or a
new client's fields), fails before any request."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from aiobizstim import Bizstim, DecodeError
from aiobizstim.models import ENDPOINTS, PaymentCreate
from tests.unit._aioresponses_shim import MockedAPI
from tests.unit.conftest import BASE, body_sent, requests_sent


async def test_a_record_without_id_raises_or_is_skipped(
    api: MockedAPI, bz: Bizstim, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "status": "success",
        "total": 5,
        "response": [{"id": "1"}, {"id": "2"}, {"id": "3"}, {"code": "NOID"}, {"id": "5"}],
    }
    api.get(f"{BASE}/api/discounts/0/100", payload=body, repeat=True)
    with pytest.raises(DecodeError) as info:
        [d async for d in bz.discounts.iter()]
    assert info.value.path == "$.response[3].id"
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    got = [d.id async for d in bz.discounts.iter(on_decode_error="skip")]
    assert got == [1, 2, 3, 5]
    assert bz.stats.skipped_records == 1
    assert "$.response[3].id" in caplog.text


async def test_a_write_without_its_documented_required_fields_fails_before_any_request(
    api: MockedAPI, bz: Bizstim
) -> None:
    with pytest.raises(TypeError, match=r"ClientCreate: Missing required argument 'status'"):
        await bz.clients.add(first_name="Ann", last_name="Lee", email=["a@x.com"])
    with pytest.raises(TypeError, match=r"PaymentCreate: Missing required argument 'send_email'"):
        await bz.payments.create(client_id=21, revenue_amount="10.00")
    assert requests_sent(api) == 0


@pytest.mark.parametrize(
    ("call", "line"),
    [
        (
            lambda bz: bz.clients.add(
                first_name=" ", last_name="Lee", status="active", state="", country="CA"
            ),
            "ClientCreate: required field(s) left blank: first_name, state",
        ),
        (
            lambda bz: bz.practitioners.create(
                first_name="Ann", last_name="", wage_tier=1, state="ON", country="CA", status=1
            ),
            "PractitionerCreate: required field(s) left blank: last_name",
        ),
    ],
    ids=["client", "practitioner"],
)
async def test_a_write_with_a_blank_required_field_fails_before_any_request(
    api: MockedAPI, bz: Bizstim, call: Any, line: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(line) + "$"):
        await call(bz)
    assert requests_sent(api) == 0


NEW_CLIENT: dict[str, str] = {
    "first_name": "Ann",
    "last_name": "Lee",
    "state": "ON",
    "country": "CA",
    "status": "active",
}
RULE = "give client_id, or all of first_name, last_name, state, country, status to create a new client"


@pytest.mark.parametrize("method", ["create", "add"])
@pytest.mark.parametrize(
    "fields",
    [{"client_id": 21}, NEW_CLIENT, {"client_id": 21, "first_name": "Ann"}],
    ids=["client_id", "new client", "client_id and part of a new client"],
)
async def test_a_payment_for_a_client_or_a_new_client_is_sent(
    api: MockedAPI, bz: Bizstim, method: str, fields: dict[str, Any]
) -> None:
    endpoint = ENDPOINTS[f"payment.{method}"]
    api.add(f"{BASE}{endpoint.path}", method=endpoint.verb, payload={"status": "success", "response": "ok"})
    assert await getattr(bz.payments, method)(revenue_amount="10.00", send_email=False, **fields) == "ok"
    ((_, sent),) = api.requests.items()
    wire = {key: str(value) for key, value in fields.items()}
    assert body_sent(sent[0]) == {"revenue_amount": "10.00", "send_email": "0", **wire}


@pytest.mark.parametrize("method", ["create", "add"])
@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({}, "none of them is set"),
        ({"revenue_note": "lesson", "city": "Hamilton"}, "none of them is set"),
        ({"first_name": "Ann", "last_name": "Lee", "country": "CA"}, "missing: state, status"),
        ({k: v for k, v in NEW_CLIENT.items() if k != "first_name"}, "missing: first_name"),
        ({**NEW_CLIENT, "state": "", "status": "  "}, "missing: state, status"),
    ],
    ids=["nothing", "other fields only", "three of five", "four of five", "blank ones"],
)
async def test_a_payment_without_a_client_fails_before_any_request(
    api: MockedAPI, bz: Bizstim, method: str, fields: dict[str, Any], missing: str
) -> None:
    line = f"PaymentCreate: {RULE} ({missing})"
    with pytest.raises(ValueError, match="^" + re.escape(line) + "$"):
        await getattr(bz.payments, method)(revenue_amount="10.00", send_email=False, **fields)
    body = PaymentCreate(revenue_amount=Decimal("10.00"), send_email=False, **fields)
    with pytest.raises(ValueError, match="^" + re.escape(line) + "$"):
        await getattr(bz.payments, method)(body)
    assert requests_sent(api) == 0


async def test_the_rule_is_checked_when_the_body_is_sent_so_it_may_be_built_in_steps(
    api: MockedAPI, bz: Bizstim
) -> None:
    api.post(f"{BASE}/api/payment", payload={"status": "success", "response": "ok"}, repeat=True)
    template = PaymentCreate(revenue_amount=Decimal("25.00"), send_email=True)  # no client yet: allowed
    for client_id in (21, 22):
        assert await bz.payments.create(msgspec.structs.replace(template, client_id=client_id)) == "ok"
    body = msgspec.structs.replace(template, client_id=21)
    body.client_id = None  # the body as it is when sent is what counts
    with pytest.raises(ValueError, match=r"\(none of them is set\)$"):
        await bz.payments.create(body)
    assert requests_sent(api) == 2


NEW = {"first_name": "A", "last_name": "B", "state": "ON", "country": "CA"}


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {"revenue_amount": 0.1 + 0.2},
            TypeError,
            "revenue_amount: expected a Decimal with at most 2 decimal "
            "places, not a float (it cannot hold every amount exactly), got float 0.30000000000000004",
        ),
        (
            {"revenue_amount": Decimal("1.234")},
            ValueError,
            "revenue_amount: expected a Decimal with at most 2",
        ),
        (
            {"revenue_amount": Decimal("NaN")},
            ValueError,
            "revenue_amount: expected a finite amount, got Decimal",
        ),
        (
            {"revenue_amount": "abc"},
            ValueError,
            "revenue_amount: expected a Decimal with at most 2 decimal places (or its digits), got 'abc'",
        ),
        ({"revenue_amount": True}, TypeError, "revenue_amount: expected a Decimal"),
        ({"client_id": "x12"}, ValueError, "client_id: expected an int (or its digits), got 'x12'"),
        ({"client_id": 2.0}, TypeError, "client_id: expected an int, got float 2.0"),
        ({"send_email": 2}, ValueError, "send_email: expected a bool (or 0/1), got int 2"),
        (
            {"client_id": None, "status": "bogus", **NEW},
            ValueError,
            "status: expected a ClientStatus ('active', 'inactive', 'prospect'), got 'bogus'",
        ),
        ({"client_id": None, "status": 5, **NEW}, ValueError, "status: expected a ClientStatus"),
        ({"revenue_note": 12}, TypeError, "revenue_note: expected a str, got int 12"),
    ],
)
async def test_a_value_its_field_cannot_take_fails_before_any_request(
    api: MockedAPI, bz: Bizstim, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    body: dict[str, Any] = {"revenue_amount": "10.00", "send_email": False, "client_id": 7, **fields}
    with pytest.raises(error) as info:
        await bz.payments.create(**body)
    assert str(info.value).startswith(f"PaymentCreate.{message}")
    assert "\n" not in str(info.value)
    assert requests_sent(api) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"revenue_amount": Decimal("10.5")},
        {"revenue_amount": Decimal("10.500")},  # the same amount: 2 places hold it
        {"revenue_amount": 10},
        {"revenue_amount": " 10.25 ", "client_id": "7", "send_email": 1},  # the wire's own text
        {"client_id": None, "status": "prospect", **NEW},
    ],
)
async def test_values_the_fields_can_take_are_sent(
    api: MockedAPI, bz: Bizstim, fields: dict[str, Any]
) -> None:
    endpoint = ENDPOINTS["payment.create"]
    api.add(f"{BASE}{endpoint.path}", method=endpoint.verb, payload={"status": "success", "response": "ok"})
    body: dict[str, Any] = {"revenue_amount": "10.00", "send_email": False, "client_id": 7, **fields}
    assert await bz.payments.create(**body) == "ok"


def _client(**fields: Any) -> Any:
    from aiobizstim.models import ClientCreate, ClientStatus

    return ClientCreate(
        first_name="A", last_name="B", status=ClientStatus.ACTIVE, state="ON", country="CA", **fields
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": [1]}, "field `email`: expected a list of str or comma-separated text, got [1]"),
        ({"email": 5}, "field `email`: expected a list of str or comma-separated text, got 5"),
    ],
)
def test_a_list_field_built_from_other_than_text_is_one_clear_line(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError) as info:
        _client(**fields)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("attr", "value", "error", "message"),
    [
        ("email", ["a@x.org", "b@x.org,c@x.org"], ValueError, "email: expected items without a comma"),
        ("email", [1], TypeError, "email: expected a list of str (or the comma-separated text), got list"),
        (
            "start_date",
            "2021-13-01",
            ValueError,
            "start_date: expected a date (or YYYY-MM-DD), got '2021-13-01'",
        ),
        ("start_date", 20211201, TypeError, "start_date: expected a date, got int 20211201"),
        ("m_availf", "25:00:00:00", ValueError, "m_availf: expected a ClockTime (or HH:MM)"),
    ],
)
def test_a_value_set_after_the_body_was_built_is_checked_too(
    attr: str, value: Any, error: type[Exception], message: str
) -> None:
    from aiobizstim.models._checks import check_values

    body = _client(email="a@x.org, b@x.org", start_date="2021-12-01", m_availf="24:00")
    check_values(body)
    setattr(body, attr, value)  # assignment runs no __post_init__: only check_values sees it
    with pytest.raises(error) as info:
        check_values(body)
    assert str(info.value).startswith(f"ClientCreate.{message}")
