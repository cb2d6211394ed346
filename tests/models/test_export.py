"""The export form (`bizstim export`, `bizstim get`): attribute names, every field, to_builtins' values."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest

from aiobizstim._envelope import decode_one
from aiobizstim.models import (
    ENDPOINTS,
    Client,
    ClientSummary,
    ClockTime,
    Discount,
    Session,
    Shape,
    to_builtins,
)
from aiobizstim.models._export import RecordEncoder, encode_record, encode_value, export_dict, export_fields
from aiobizstim.models._kinds import field_kinds
from tests.models._support import golden, one


def _golden_records() -> list[tuple[str, msgspec.Struct]]:
    cases: list[tuple[str, msgspec.Struct]] = []
    for name, ep in sorted(ENDPOINTS.items()):
        if ep.verb != "GET" or ep.response_model is None:
            continue
        response = golden(name)["response"]
        records = response if ep.shape in (Shape.PAGE, Shape.LIST) else [response]
        cases.extend((name, decode_one(one(record), ep.response_model)) for record in records)
    return cases


GOLDEN = _golden_records()


@pytest.mark.parametrize(("name", "record"), GOLDEN, ids=[c[0] for c in GOLDEN])
def test_export_form_is_to_builtins_by_attribute_name_with_every_field(
    name: str, record: msgspec.Struct
) -> None:
    exported = json.loads(encode_record(record))
    assert list(exported) == list(export_fields(type(record)))
    builtins = to_builtins(record)
    public = set(export_fields(type(record)))
    assert exported == {
        spec.attr: builtins.get(spec.wire) for spec in field_kinds(type(record)) if spec.attr in public
    }
    assert export_dict(record) == {attr: getattr(record, attr) for attr in exported}


def test_private_alias_fields_are_left_out_and_folded() -> None:
    client = msgspec.json.decode(b'{"id":"1","use_records":"1","hide costs":"0"}', type=Client, strict=False)
    exported = json.loads(encode_record(client))
    assert "_use_records" not in exported
    assert exported["user_records"] is True
    assert exported["hide_costs"] is False
    assert "_pract_id" not in export_fields(Session)


def test_exact_bytes() -> None:
    discount = Discount(id=3, amount=Decimal("12.50"), services=[4, 5])
    assert encode_record(discount) == (
        b'{"id":3,"uses":null,"secret":null,"expires":null,"code":null,"fixed":null,"type":null,'
        b'"amount":"12.50","services":[4,5]}'
    )
    assert encode_record(discount, indent=2).startswith(b'{\n  "id": 3,\n  "uses": null,')
    assert encode_value([ClockTime.parse("24:00"), Decimal("0.10"), 7]) == b'["24:00","0.10",7]'


@pytest.mark.parametrize(
    "records",
    [
        [ClientSummary(id=1, email=["a@x"]), ClientSummary(id=2)],  # one model, the defstruct route
        [Client(id=1, user_records=True), Client(id=2)],  # a model with a private field, the dict route
        [Discount(id=1), ClientSummary(id=2), Discount(id=3)],  # mixed models
        [],
    ],
    ids=["one-model", "private-fields", "mixed", "empty"],
)
def test_record_encoder_matches_encode_record(records: list[msgspec.Struct]) -> None:
    expected = b"".join(encode_record(record) + b"\n" for record in records)
    encoder = RecordEncoder()
    assert encoder.encode_lines(records) == expected
    buf = bytearray()
    for record in records:
        encoder.encode_into(record, buf)
        buf += b"\n"
    assert bytes(buf) == expected
