"""Random wire records of every model either decode or raise DecodeError; well-formed ones round-trip."""

from __future__ import annotations

import enum
import string
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiobizstim._envelope import decode_one, decode_page
from aiobizstim.errors import DecodeError
from aiobizstim.models import ENDPOINTS, to_builtins, to_wire
from aiobizstim.models._kinds import FieldSpec, Kind, field_kinds
from tests.models._support import one, page

MODELS: list[type[msgspec.Struct]] = sorted(
    {m for ep in ENDPOINTS.values() for m in (ep.response_model, ep.request_model) if m is not None},
    key=lambda m: m.__name__,
)

# Fixed seed and a bounded number of examples: the same run every time, well under a second per model.
BOUNDED = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_JUNK_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["", " ", "0000-00-00", "24:00", "1,2,", "null", "1.5", "-1", "2021-02-30", "\x00"]),
)
JUNK = st.recursive(_JUNK_SCALAR, lambda inner: st.lists(inner, max_size=3), max_leaves=6)

_ITEM = st.text(alphabet=string.ascii_letters + string.digits + "@.|-", min_size=1, max_size=8)


def _int_like() -> st.SearchStrategy[Any]:
    return st.integers(min_value=0, max_value=10**12).flatmap(lambda n: st.sampled_from([n, str(n)]))


def _valid(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Well-formed wire values of one field, including the documented quirks."""
    kind = spec.kind
    if kind is Kind.INT:
        return _int_like() | st.just("")
    if kind is Kind.FLOAT:
        return st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr)
    if kind is Kind.MONEY:
        return st.decimals(min_value=-(10**9), max_value=10**9, places=2).map(str) | st.just("")
    if kind is Kind.FLAG:
        return st.sampled_from(["0", "1", 0, 1, True, False, ""])
    if kind is Kind.DATE:
        return st.dates().map(lambda d: d.isoformat()) | st.sampled_from(["0000-00-00", ""])
    if kind is Kind.CLOCK:
        hm = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.booleans()).map(
            lambda t: f"{t[0]:02d}:{t[1]:02d}:{t[2]:02d}" if t[3] else f"{t[0]:02d}:{t[1]:02d}"
        )
        return hm | st.sampled_from(["24:00", "24:00:00", ""])
    if kind is Kind.LIST:
        items = st.lists(_ITEM, max_size=4)
        return items.map(",".join) | items.map(", ".join) | items | st.just("")
    if kind is Kind.INT_LIST:
        ids = st.lists(st.integers(min_value=0, max_value=10**12), max_size=4)
        return (
            ids.map(lambda xs: ",".join(map(str, xs)))
            | ids.map(lambda xs: ", ".join(map(str, xs)))
            | ids
            | ids.map(lambda xs: [str(x) for x in xs])
            | st.just("")
        )
    if kind is Kind.ENUM:
        assert isinstance(spec.inner, type)
        assert issubclass(spec.inner, enum.Enum)
        return st.sampled_from([str(m.value) for m in spec.inner])
    if kind is Kind.ARRAY:
        if spec.wire == "data":
            return st.lists(st.lists(st.text(max_size=5), max_size=3), max_size=3)
        return st.lists(st.text(max_size=5) if spec.wire == "header" else _int_like(), max_size=3)
    return st.text(max_size=20)


def _records(model: type[msgspec.Struct], values: Any) -> st.SearchStrategy[dict[str, Any]]:
    specs = field_kinds(model)
    required = {info.encode_name for info in msgspec.structs.fields(model) if info.required}
    # A required field is always sent, and never blank ("" is no value for a number, flag or code).
    fields = {spec.wire: values(spec).filter(lambda v: v != "") for spec in specs if spec.wire in required}
    optional = {spec.wire: values(spec) for spec in specs if spec.wire not in required}
    return st.fixed_dictionaries(fields, optional=optional)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@BOUNDED
@given(data=st.data())
def test_random_wire_records_decode_or_raise_decode_error(
    model: type[msgspec.Struct], data: st.DataObject
) -> None:
    record = data.draw(_records(model, lambda spec: JUNK | _valid(spec)), label="record")
    extra = data.draw(st.dictionaries(st.text(max_size=5), JUNK, max_size=2), label="unknown keys")
    record = {**extra, **record}
    outcome: object
    try:
        outcome = decode_one(one(record), model)
    except DecodeError as exc:  # the only error allowed; it must point into the record
        outcome = exc
    if isinstance(outcome, DecodeError):
        assert outcome.path.startswith("$.response")
    else:
        assert type(outcome) is model


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@BOUNDED
@given(data=st.data())
def test_well_formed_wire_records_decode_and_round_trip(
    model: type[msgspec.Struct], data: st.DataObject
) -> None:
    records = data.draw(st.lists(_records(model, _valid), min_size=1, max_size=3), label="records")
    decoded = decode_page(page(*records), model).items
    assert len(decoded) == len(records)
    for item in decoded:
        assert decode_one(one(to_wire(item)), model) == item
        assert msgspec.convert(to_builtins(item), model, strict=False) == item


def test_every_model_is_covered() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"ClientSummary", "Client", "Session", "PractitionerCreate", "ClientImport"} <= names
    assert len(MODELS) == 17  # 12 record models + 5 write bodies
