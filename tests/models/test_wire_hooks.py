"""Each model's compiled __post_init__ does exactly what the generic post-decode loop does."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobizstim.models import ENDPOINTS, Client, ClientSummary, Discount
from aiobizstim.models._base import WireModel, _date_converter, _id_list_converter, _run_generic
from aiobizstim.models._kinds import CommaList, LenientDate, field_kinds
from tests.models._support import required_wire

RECORD_MODELS = sorted(
    {m for ep in ENDPOINTS.values() for m in (ep.response_model, ep.request_model) if m is not None},
    key=lambda m: m.__name__,
)


def _raw_twin(model: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """A plain Struct with ``model``'s fields and runtime types, no hook: what msgspec decodes first."""
    fields = [
        (
            info.name,
            info.type,
            msgspec.field(name=info.encode_name)
            if info.required
            else msgspec.field(default=None, name=info.encode_name),
        )
        for info in msgspec.structs.fields(model)
        if info.default is None or info.required
    ]
    return msgspec.defstruct(f"Raw{model.__name__}", fields, kw_only=True)


SAMPLE = {
    "id": "7",
    "email": " a@x ,b@x,, ",
    "text_phone": "1",
    "expires": "0000-00-00",
    "dob": "2001-02-03",
    "start": "2020-01-01",
    "minTime": "24:00:00",
    "mAvailt": "24:00",
    "use_records": "1",
    "pract_id": "5",
    "practs": "",
    "services": "66,67",
    "cancel_clients": "1|2|3",
    "avail_id": "1",
}


@pytest.mark.parametrize("model", RECORD_MODELS, ids=lambda m: m.__name__)
def test_compiled_hook_matches_the_generic_loop(model: type[msgspec.Struct]) -> None:
    record: dict[str, Any] = {k: v for k, v in SAMPLE.items() if k in {s.wire for s in field_kinds(model)}}
    record = {**required_wire(model), **record}
    if model.__name__ == "ClientImport":
        record = {"header": ["a"], "data": [["1"]]}
    fast = msgspec.convert(record, model, strict=False)
    raw = (
        msgspec.convert(record, _raw_twin(model), strict=False) if model.__name__ != "ClientImport" else None
    )
    if raw is not None:
        slow: Any = copy.copy(fast)  # copying does not run __post_init__
        for info in msgspec.structs.fields(model):
            setattr(slow, info.name, getattr(raw, info.name))
        _run_generic(slow)
        assert fast == slow
    code = getattr(type(fast), "__post_init__").__code__  # noqa: B009
    assert "_compile_hook" not in code.co_names  # compiled on first use


def test_hooks_are_per_class_and_compiled_straight_line() -> None:
    msgspec.json.decode(b'{"id":"1","email":"a,b"}', type=ClientSummary, strict=False)
    names = ClientSummary.__post_init__.__code__.co_names
    assert "_convert_0" in names
    assert "_convert_1" in names
    assert ClientSummary.__post_init__ is not Discount.__post_init__


def test_a_subclass_of_a_model_converts_its_own_and_inherited_fields() -> None:
    class Extended(Client, kw_only=True):
        renewal: LenientDate | None = None
        tags: CommaList | None = None

    got = msgspec.json.decode(
        b'{"id":1,"renewal":"2030-01-01","tags":"x, y","dob":"0000-00-00","use_records":"1","email":"a@x"}',
        type=Extended,
        strict=False,
    )
    assert got.renewal == dt.date(2030, 1, 1)
    assert got.tags == ["x", "y"]
    assert got.dob is None
    assert got.user_records is True  # aliases are inherited along the MRO
    assert got.email == ["a@x"]


def test_a_model_without_converted_fields() -> None:
    class Plain(WireModel, kw_only=True):
        n: int | None = None

    assert msgspec.json.decode(b'{"n":"3"}', type=Plain, strict=False) == Plain(n=3)


def _oracle(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "a",
        "a,",
        ",a",
        "a,,b",
        "a,b",
        "a, b",
        " a ",
        "(514) 898-5459",
        "a\t,b",
        "a\u00a0,b",
        "a\u2003",
        "a\n",
        ",,,",
        ", ,",
        "a,b,",
        "é,ü",
        # No ASCII space, so the no-whitespace test decides: whitespace strip() trims, then characters it
        # does not (not printable, yet no whitespace: they stay in the item).
        "a\x1c,b",
        "a,b\x85",
        "a,\u3000b",
        "a,\u2028",
        "a,\x00b",
        "\u200b,a",
        "a,,b,,",
        "ü,,é,",
    ],
)
def test_inline_comma_list_paths_match_the_reference(text: str) -> None:
    record = msgspec.json.decode(
        msgspec.json.encode({"id": 1, "email": text}), type=ClientSummary, strict=False
    )
    assert record.email == _oracle(text)


@given(
    st.text(
        alphabet=st.sampled_from(list("ab,é \t\u00a0\u2003\n\r\x0b\x1c\u200b\x00\x85\u3000")), max_size=12
    )
)
def test_inline_comma_list_paths_match_the_reference_for_any_text(text: str) -> None:
    record = msgspec.convert({"id": 1, "email": text, "text_phone": text}, ClientSummary, strict=False)
    assert record.email == _oracle(text)
    assert record.text_phone == _oracle(text)


def _reference_ids(value: object) -> object:
    try:
        return _id_list_converter("services")(value)
    except ValueError as exc:
        return str(exc)


def _decoded_ids(value: object) -> object:
    try:
        return msgspec.convert({"id": 1, "services": value}, Discount, strict=False).services
    except msgspec.ValidationError as exc:
        return str(exc).split(" - at ")[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        ",",
        "66",
        "66,67,36",
        "66,,67",
        ",66",
        "66,",
        " 66",
        "66 ,67",
        "24, 45, 22",
        "59,61,46,",
        "5, ,6",
        "5,, ",
        "4 5",
        " ",
        "-5",
        "05,5",
        "6x",
        "1.5",
        "①",
        "١٢",
    ],
)
def test_inline_id_list_path_matches_the_reference(text: str) -> None:
    assert _decoded_ids(text) == _reference_ids(text)


@given(st.text(alphabet=st.sampled_from(list("0123456789, -x\t①")), max_size=12))
def test_inline_id_list_path_matches_the_reference_for_any_text(text: str) -> None:
    assert _decoded_ids(text) == _reference_ids(text)


def _reference_date(text: str) -> object:
    try:
        return _date_converter("expires")(text)
    except ValueError as exc:
        return str(exc)


def _decoded_date(text: str) -> object:
    try:
        return msgspec.convert({"id": 1, "expires": text}, Discount, strict=False).expires
    except msgspec.ValidationError as exc:
        return str(exc).split(" - at ")[0]


@pytest.mark.parametrize(
    "text",
    ["2021-12-25", "0000-00-00", "", "0000-00-00 00:00:00", "2021-02-30", "2021-12-2x", "20211225", " "],
)
def test_inline_date_path_matches_the_reference(text: str) -> None:
    assert _decoded_date(text) == _reference_date(text)


@given(
    st.one_of(
        st.dates().map(dt.date.isoformat),
        st.text(alphabet=st.sampled_from(list("0123456789-W: T")), min_size=8, max_size=12),
    )
)
def test_inline_date_path_matches_the_reference_for_any_text(text: str) -> None:
    assert _decoded_date(text) == _reference_date(text)


class _Text(str):
    """A str subclass, as a caller might pass (an enum member, a tagged string)."""


def test_id_lists_built_in_python() -> None:
    assert Discount(id=1, services=[4, 5]).services == [4, 5]
    assert Discount(id=1, services="4, 5").services == [4, 5]  # type: ignore[arg-type]
    assert Discount(id=1, services=4).services == [4]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"field `services`: invalid item '1\.5', expected integers"):
        Discount(id=1, services=[1.5])  # type: ignore[list-item]


def test_str_subclasses_are_converted_like_str() -> None:
    client = ClientSummary(id=1, email=_Text(" a@x, b@x "), text_phone=_Text("555"))  # type: ignore[arg-type]
    assert client.email == ["a@x", "b@x"]
    assert client.text_phone == ["555"]
    assert Discount(id=1, expires=_Text("2021-12-25")).expires == dt.date(2021, 12, 25)  # type: ignore[arg-type]
