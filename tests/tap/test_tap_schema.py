"""The pieces under the tap's RECORD and SCHEMA messages: the field projection of the export form and the
Kind -> JSON Schema table."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from aiobizstim.models import Client, ClientStatus, Discount
from aiobizstim.models._export import encode_export_lines, encode_record, export_converter, export_fields
from aiobizstim.models._kinds import Kind
from aiobizstim.tap._schema import KIND_SCHEMAS, record_schema
from aiobizstim.tap._streams import STREAMS, Stream
from tests.tap.helpers import schema_errors


def test_every_kind_has_a_schema() -> None:
    assert set(KIND_SCHEMAS) == set(Kind)


@pytest.mark.parametrize(
    "fields",
    [None, ("email",), ("id", "dob", "latitude", "status", "min_time"), ()],
    ids=["all", "one", "some", "none"],
)
def test_projection_is_the_export_form_restricted(fields: tuple[str, ...] | None) -> None:
    client = Client(
        id=21,
        dob=dt.date(1990, 1, 2),
        latitude=Decimal("43.650000"),
        status=ClientStatus.ACTIVE,
        email=["a@x.com"],
        hide_costs=True,
    )
    full = json.loads(encode_record(client))
    (line,) = encode_export_lines([export_converter(Client, fields)(client)]).splitlines()
    keep = export_fields(Client) if fields is None else fields
    assert json.loads(line) == {k: v for k, v in full.items() if k in keep}
    assert list(json.loads(line)) == [k for k in export_fields(Client) if k in keep]  # model order
    assert schema_errors(json.loads(line), record_schema(Client, fields)) == []


def test_projection_refuses_an_unknown_field() -> None:
    with pytest.raises(ValueError, match="Discount has no exported field 'nope'"):
        export_converter(Discount, ("id", "nope"))


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_a_record_of_nulls_fits_its_schema_unless_the_key_is_required(stream: Stream) -> None:
    model = stream.model
    required = [info.name for info in msgspec.structs.fields(model) if info.required]
    record = model(**dict.fromkeys(required, 1))
    assert schema_errors(json.loads(encode_record(record)), record_schema(model)) == []
    if required:
        assert schema_errors({**json.loads(encode_record(record)), "id": None}, record_schema(model)) != []


class _Inner(msgspec.Struct):
    n: int


class _Outer(msgspec.Struct):
    id: int
    inner: _Inner | None = None
    inners: list[_Inner] | None = None
    anything: Any = None


def test_nested_models_and_untyped_fields() -> None:
    schema = record_schema(_Outer)
    inner = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert schema["properties"] == {
        "id": {"type": "integer"},
        "inner": {**inner, "type": ["object", "null"]},
        "inners": {"type": ["array", "null"], "items": inner},
        "anything": {},
    }
    record = _Outer(id=1, inner=_Inner(2), inners=[_Inner(3)], anything={"x": [1]})
    assert schema_errors(json.loads(encode_record(record)), schema) == []
