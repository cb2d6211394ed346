"""A value that cannot be decoded raises DecodeError naming its JSON path and quoting an excerpt of it."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from aiobizstim._envelope import decode_one, decode_page
from aiobizstim.errors import BizstimError, DecodeError
from aiobizstim.models import Availability, Client, ClientCreate, ClientSummary, Discount, Location
from tests.models._support import one, page

GOOD = {"id": "1", "expires": "2021-12-25", "amount": "10.00"}


def test_bad_date_in_the_fourth_record() -> None:
    bad = dict(GOOD, expires="2021-02-30")
    with pytest.raises(DecodeError) as info:
        decode_page(page(GOOD, GOOD, GOOD, bad), Discount)
    err = info.value
    assert err.path == "$.response[3].expires"
    assert "2021-02-30" in str(err)
    assert "$.response[3].expires" in str(err)
    assert isinstance(err, BizstimError)
    assert err.__cause__ is None
    assert err.__suppress_context__


@pytest.mark.parametrize(
    ("model", "record", "path", "value"),
    [
        (ClientSummary, {"id": "abc"}, "$.response[1].id", "abc"),
        (Discount, {"amount": "ten"}, "$.response[1].amount", "ten"),
        (Discount, {"secret": "yes"}, "$.response[1].secret", "yes"),
        (Discount, {"fixed": "9"}, "$.response[1].fixed", "9"),
        (Client, {"minTime": "8am"}, "$.response[1].minTime", "8am"),
        (Client, {"hide costs": "maybe"}, "$.response[1]['hide costs']", "maybe"),  # not an identifier
        (Location, {"practs": [{"id": 1}]}, "$.response[1].practs[0]", "{'id': 1}"),
    ],
)
def test_path_and_excerpt(model: type[msgspec.Struct], record: dict[str, Any], path: str, value: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_page(page({"id": "1"}, {"id": "2", **record}), model)
    assert info.value.path == path
    assert value in str(info.value)


def test_single_record_path() -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "start": "yesterday"}), Availability)
    assert info.value.path == "$.response.start"
    assert "yesterday" in str(info.value)


def test_record_that_is_not_an_object() -> None:
    with pytest.raises(DecodeError) as info:
        decode_page(page({"id": "1"}, "oops"), ClientSummary)
    assert info.value.path == "$.response[1]"


def test_long_value_is_excerpted() -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(one({"id": "1", "expires": "9" * 5000}), Discount)
    assert len(str(info.value)) < 400


def test_skip_invalid_keeps_the_good_records() -> None:
    bad = dict(GOOD, expires="never")
    decoded = decode_page(page(GOOD, bad, GOOD), Discount, skip_invalid=True)
    assert [d.id for d in decoded.items] == [1, 1]
    assert [e.path for e in decoded.skipped] == ["$.response[1].expires"]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({}, "missing required field"),
        ({"id": None}, "Expected `int`, got `null`"),
        ({"id": ""}, "Expected `int`"),
    ],
    ids=["absent", "null", "empty"],
)
def test_a_record_without_its_id_is_a_decode_error_at_its_path(missing: dict[str, Any], message: str) -> None:
    """A required field is never left unset: the record raises (or is skipped) like any undecodable one."""
    bad = {k: v for k, v in GOOD.items() if k != "id"} | missing
    body = page(GOOD, GOOD, GOOD, bad, GOOD)
    with pytest.raises(DecodeError) as info:
        decode_page(body, Discount)
    assert info.value.path == "$.response[3].id"
    assert str(info.value).startswith(message)
    assert "at $.response[3].id" in str(info.value)
    decoded = decode_page(body, Discount, skip_invalid=True)
    assert len(decoded.items) == 4
    assert [e.path for e in decoded.skipped] == ["$.response[3].id"]
    with pytest.raises(DecodeError) as info:
        decode_one(one(bad), Discount)
    assert info.value.path == "$.response.id"


def test_a_write_body_without_a_required_field_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(
            one({"first_name": "Ann", "last_name": "Lee", "state": "ON", "status": "active"}), ClientCreate
        )
    assert info.value.path == "$.response.country"
    assert str(info.value) == "missing required field at $.response.country"
