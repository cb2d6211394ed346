"""Fuzzing records of every model inside well-formed envelopes.

* Every documented wire form (numbers as strings or numbers, ``""`` and ``null`` for no value, ``0000-00-00``,
  comma lists, ``24:00``, enum codes, unknown extra keys) decodes, always.
* Anything else is either decoded or reported as a ``DecodeError`` naming the record: with
  ``skip_invalid=True`` nothing raises and every record is accounted for (decoded or skipped with its path);
  without it the first bad record's error is raised.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobizstim import _envelope
from aiobizstim.errors import DecodeError
from aiobizstim.models import ENDPOINTS
from tests.fuzz.profile import fuzz_settings, timed
from tests.fuzz.strategies import records, valid_records

REQUEST = "GET /api/fuzz/0/1"

MODELS: dict[str, type[msgspec.Struct]] = {
    ep.response_model.__name__: ep.response_model
    for ep in ENDPOINTS.values()
    if ep.response_model is not None
}


def test_every_endpoint_model_is_fuzzed() -> None:
    """The parametrization below covers every model an endpoint decodes (guards against an empty table)."""
    assert len(MODELS) >= 10
    assert {"ClientSummary", "Client", "Discount", "Payment", "Testimonial"} <= set(MODELS)


def _page(items: list[Any]) -> bytes:
    return msgspec.json.encode({"status": "success", "total": len(items), "response": items})


@pytest.mark.parametrize("model_name", sorted(MODELS))
@fuzz_settings(ci_examples=25)
@given(data=st.data())
def test_documented_wire_forms_always_decode(model_name: str, data: st.DataObject) -> None:
    model = MODELS[model_name]
    rows = data.draw(st.lists(valid_records(model), min_size=1, max_size=4), label="records")
    page = timed(lambda: _envelope.decode_page(_page(rows), model, request=REQUEST), "decode_page")
    assert len(page.items) == len(rows)
    assert page.total == len(rows)
    assert page.skipped == []
    one = msgspec.json.encode({"status": "success", "response": rows[0]})
    assert isinstance(_envelope.decode_one(one, model, request=REQUEST), model)


@pytest.mark.parametrize("model_name", sorted(MODELS))
@fuzz_settings(ci_examples=25)
@given(data=st.data())
def test_bad_records_are_skipped_or_named(model_name: str, data: st.DataObject) -> None:
    model = MODELS[model_name]
    rows = data.draw(st.lists(records(model), max_size=5), label="records")
    body = _page(rows)
    page = timed(
        lambda: _envelope.decode_page(body, model, request=REQUEST, skip_invalid=True), "decode_page(skip)"
    )
    assert len(page.items) + len(page.skipped) == len(rows), "every record is decoded or skipped"
    assert all(isinstance(item, model) for item in page.items)
    indexes = []
    for error in page.skipped:
        assert isinstance(error, DecodeError)
        assert error.request == REQUEST
        assert error.path.startswith("$.response[")
        indexes.append(int(error.path[len("$.response[") :].split("]", 1)[0]))
    assert indexes == sorted(set(indexes)), "one error per skipped record, in order"
    assert all(0 <= i < len(rows) for i in indexes)

    if page.skipped:
        with pytest.raises(DecodeError) as info:
            _envelope.decode_page(body, model, request=REQUEST)
        assert info.value.path == page.skipped[0].path
    else:
        assert len(_envelope.decode_page(body, model, request=REQUEST).items) == len(rows)
