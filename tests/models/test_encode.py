"""Encoding back: to_wire (write bodies), to_builtins (typed builtins); decode(encode(x)) == x."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest

import aiobizstim
from aiobizstim._envelope import decode_one
from aiobizstim.models import (
    ENDPOINTS,
    Availability,
    Client,
    ClientStatus,
    ClientSummary,
    ClockTime,
    Discount,
    Location,
    Payment,
    RevenueCredit,
    Shape,
    to_builtins,
    to_wire,
)
from aiobizstim.models._kinds import field_kinds
from tests.models._support import golden, one


def _golden_records() -> list[tuple[str, type[msgspec.Struct], dict[str, Any]]]:
    cases: list[tuple[str, type[msgspec.Struct], dict[str, Any]]] = []
    for name, ep in sorted(ENDPOINTS.items()):
        if ep.verb != "GET" or ep.response_model is None:
            continue
        response = golden(name)["response"]
        records = response if ep.shape in (Shape.PAGE, Shape.LIST) else [response]
        cases.extend((name, ep.response_model, record) for record in records)
    return cases


GOLDEN_RECORDS = _golden_records()


def _all_strings(value: Any) -> bool:
    if isinstance(value, list):
        return all(_all_strings(v) for v in value)
    return type(value) is str


@pytest.mark.parametrize(("name", "model", "record"), GOLDEN_RECORDS, ids=[c[0] for c in GOLDEN_RECORDS])
def test_golden_record_round_trips(name: str, model: type[msgspec.Struct], record: dict[str, Any]) -> None:
    decoded = decode_one(one(record), model)
    wire = to_wire(decoded)
    assert all(_all_strings(v) for v in wire.values()), wire  # every scalar as the API sends it
    assert decode_one(one(wire), model) == decoded
    assert msgspec.convert(to_builtins(decoded), model, strict=False) == decoded
    assert msgspec.json.decode(msgspec.json.encode(to_builtins(decoded)), type=model, strict=False) == decoded


@pytest.mark.parametrize(("name", "model", "record"), GOLDEN_RECORDS, ids=[c[0] for c in GOLDEN_RECORDS])
def test_to_wire_reproduces_documented_examples(
    name: str, model: type[msgspec.Struct], record: dict[str, Any]
) -> None:
    """The documented examples are already in wire form (but for ", " list spacing); unknown keys drop out."""
    wire = to_wire(decode_one(one(record), model))
    known = {spec.wire for spec in field_kinds(model)}
    expected = {k: v for k, v in record.items() if k in known}
    if name == "client":
        expected["email"] = "susan@mail.com,joe@mail.com"  # ", " is normalised to ","
    if name in ("location", "locations"):
        expected["practs"] = ""  # "" decodes to [] and encodes back to ""
    assert wire == expected


def test_to_wire_scalars() -> None:
    c = Client(
        id=21,
        status=ClientStatus.PROSPECT,
        dob=dt.date(1999, 12, 31),
        hide_costs=False,
        user_records=True,
        email=["a@x", "b@x"],
        max_time=ClockTime.parse("24:00:00"),
        min_time=ClockTime.parse("08:00"),
    )
    assert to_wire(c) == {
        "id": "21",
        "dob": "1999-12-31",
        "status": "prospect",
        "user_records": "1",
        "hide costs": "0",
        "email": "a@x,b@x",
        "minTime": "08:00",
        "maxTime": "24:00:00",
    }


def test_to_wire_money_is_plain_decimal_text() -> None:
    assert to_wire(Discount(id=1, amount=Decimal("1E+3"))) == {"id": "1", "amount": "1000"}
    assert to_wire(Discount(id=1, amount=Decimal("12345678901234567.89"))) == {
        "id": "1",
        "amount": "12345678901234567.89",
    }
    assert to_wire(Payment(id=1, revenue_amount=Decimal("16.80"), revenue_credit=RevenueCredit.DEBIT)) == {
        "id": "1",
        "revenue_amount": "16.80",
        "revenue_credit": "2",
    }


def test_to_wire_rejects_non_models() -> None:
    with pytest.raises(TypeError, match="expects a model"):
        to_wire({"id": 1})  # type: ignore[arg-type]


def test_to_builtins_is_json_able_and_precise() -> None:
    d = decode_one(one(golden("discounts")["response"][0]), Discount)
    out = to_builtins(d)
    assert out == {
        "id": 12,
        "uses": 0,
        "secret": False,
        "expires": "2021-12-25",
        "code": "10%CRED",
        "fixed": 0,
        "type": 1,
        "amount": "10.00",
        "services": [66, 67, 36],
    }
    assert json.loads(json.dumps(out)) == out


def test_to_builtins_clock_times_and_wire_names() -> None:
    a = Availability(id=1, m_availt=ClockTime.parse("24:00"), start=dt.date(2020, 1, 1))
    assert to_builtins(a) == {"id": 1, "start": "2020-01-01", "mAvailt": "24:00"}
    assert to_builtins(Client(id=1, hide_costs=True, session_limit=10)) == {
        "id": 1,
        "hide costs": True,
        "sessionLimit": 10,
    }


def test_to_builtins_of_a_list_and_json_lines() -> None:
    items = [ClientSummary(id=1, email=["a@x"]), ClientSummary(id=2)]
    assert to_builtins(items) == [{"id": 1, "email": ["a@x"]}, {"id": 2}]
    lines = b"".join(msgspec.json.encode(to_builtins(x)) + b"\n" for x in items)
    assert lines == b'{"id":1,"email":["a@x"]}\n{"id":2}\n'


def test_id_lists_go_back_comma_separated() -> None:
    d = Discount(id=1, services=[66, 67, 36])
    assert to_wire(d) == {"id": "1", "services": "66,67,36"}
    assert decode_one(one(to_wire(d)), Discount) == d
    assert to_wire(Discount(id=1, services=[])) == {"id": "1", "services": ""}
    assert to_builtins(d) == {"id": 1, "services": [66, 67, 36]}


def test_location_practs_round_trip() -> None:
    loc = Location(id=1, practs=["81", "82"])
    assert to_wire(loc) == {"id": "1", "practs": "81,82"}
    assert decode_one(one(to_wire(loc)), Location) == loc


def test_top_level_reexports() -> None:
    assert aiobizstim.to_wire is to_wire
    assert aiobizstim.to_builtins is to_builtins
