"""Hypothesis strategies for Bizstim response bodies: envelopes and records of every model, good and bad.

Everything is derived from the models themselves (``field_kinds``), so a model added by ``make codegen`` is
fuzzed without touching this file. Input sizes are bounded: the longest string is 200,000 characters and a
whole body stays around a megabyte at most, so one example decodes in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import strategies as st

from aiobizstim.models import ENDPOINTS, Endpoint
from aiobizstim.models._kinds import FieldSpec, Kind, field_kinds

__all__ = [
    "BAD_STATUSES",
    "Body",
    "all_endpoint_names",
    "bodies",
    "envelope_docs",
    "json_values",
    "nasty_values",
    "records",
    "valid_records",
]

#: Longest generated string; keeps every example well under a second.
MAX_STRING = 200_000

# Text without lone surrogates (those cannot be encoded as UTF-8, so no server could send them).
_CHARS = st.characters(exclude_categories=["Cs"])
_short_text = st.text(_CHARS, max_size=24)

_json_scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _short_text,
)

#: Arbitrary JSON values (nested garbage), small.
json_values: st.SearchStrategy[Any] = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_short_text, inner, max_size=4),
    max_leaves=12,
)


def _deep(depth: int, open_: bytes, close: bytes) -> msgspec.Raw:
    return msgspec.Raw(open_ * depth + b"0" + close * depth)


# JSON tokens Python objects cannot produce: numbers msgspec cannot hold, and nesting deep enough to hit
# recursion limits. Embedded verbatim with msgspec.Raw.
_raw_tokens: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            msgspec.Raw(b"1e999"),
            msgspec.Raw(b"-1e999"),
            msgspec.Raw(b"1e-999"),
            msgspec.Raw(b"-0"),
            msgspec.Raw(b"0.0e+99999"),
            msgspec.Raw(b"1" + b"0" * 400),
            msgspec.Raw(b"-9" * 1 + b"9" * 5000),
            msgspec.Raw(b"123456789012345678901234567890.123456789"),
        ]
    ),
    st.integers(min_value=1, max_value=3000).map(lambda d: _deep(d, b"[", b"]")),
    st.integers(min_value=1, max_value=3000).map(lambda d: msgspec.Raw(b'{"a":' * d + b"0" + b"}" * d)),
    st.just(_deep(100_000, b"[", b"]")),
)

_long_strings: st.SearchStrategy[str] = st.builds(
    lambda chunk, n: (chunk * (n // max(len(chunk), 1) + 1))[:n],
    st.sampled_from(["x", "9", "é", "😀", "<p>", ", ", "\x00", "\u202e", "0000-00-00"]),
    st.integers(min_value=1_000, max_value=MAX_STRING),
)

_nasty_strings = st.sampled_from(
    [
        "",
        " ",
        "\t\n",
        "null",
        "None",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "-0",
        "+1",
        " 12 ",
        "1.0",
        "1e3",
        "1e999",
        "0x1F",
        "1_000",
        "١٢٣",  # Arabic-Indic digits: int() accepts them, a server never sends them
        "１２",  # full-width digits
        "9" * 5000,
        "abc",
        "true",
        "0,1",
        "2024-02-30",
        "2024-13-01",
        "2024-1-1",
        "9999-99-99",
        "0000-00-00 00:00:00",
        "2024-01-01T00:00:00",
        "24:00",
        "24:01",
        "25:00",
        "12:60",
        "12:30:99",
        "1:5",
        ":",
        ",,,",
        " a , b ,, c ",
        "a|b|c,d|e|f",
        "<html><body>500</body></html>",
        "\x00\x01\x02",
        "\ud7ff\ue000\U0010ffff",
        "\u202ertl",
    ]
)

#: Values of the wrong type or form for any field.
nasty_values: st.SearchStrategy[Any] = st.one_of(
    _nasty_strings,
    json_values,
    _long_strings,
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _enum_values(tp: type[enum.Enum]) -> st.SearchStrategy[Any]:
    members = list(tp)
    return st.sampled_from(members).flatmap(lambda m: st.sampled_from([m.value, str(m.value)]))


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _valid_value(spec: FieldSpec, depth: int, required: bool = False) -> st.SearchStrategy[Any]:
    """A value in one of the documented wire forms of the field (what a real server sends); a required
    field (an id) always has a value: never ``null`` or ``""``."""
    values = _documented_value(spec, depth)
    return values.filter(_present) if required else values


def _documented_value(spec: FieldSpec, depth: int) -> st.SearchStrategy[Any]:
    kind, inner = spec.kind, spec.inner
    if kind is Kind.STR:
        return st.one_of(_short_text, st.none())
    if kind is Kind.INT:
        return st.one_of(
            st.integers(min_value=-(2**31), max_value=2**31).map(str),
            st.integers(min_value=-(2**31), max_value=2**31),
            st.just(""),
            st.none(),
        )
    if kind is Kind.FLOAT:
        return st.one_of(
            st.floats(min_value=-1e9, max_value=1e9).map(lambda f: f"{f:.2f}"),
            st.floats(min_value=-1e9, max_value=1e9),
            st.just(""),
            st.none(),
        )
    if kind is Kind.MONEY:
        return st.one_of(
            st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2).map(str),
            st.just(""),
            st.none(),
        )
    if kind is Kind.FLAG:
        return st.sampled_from(["0", "1", 0, 1, True, False, "", None])
    if kind is Kind.DATE:
        return st.one_of(
            st.dates(min_value=dt.date(1, 1, 1)).map(lambda d: d.isoformat()),
            st.sampled_from(["0000-00-00", "", None]),
        )
    if kind is Kind.LIST:
        item = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=","), max_size=12)
        return st.one_of(
            st.lists(item, max_size=4).map(", ".join),
            st.lists(item, max_size=4).map(",".join),
            st.lists(item, max_size=4),
            st.none(),
        )
    if kind is Kind.INT_LIST:
        ids = st.lists(st.integers(min_value=0, max_value=2**31), max_size=4)
        return st.one_of(
            ids.map(lambda xs: ", ".join(map(str, xs))),
            ids.map(lambda xs: ",".join(map(str, xs))),
            ids,
            ids.map(lambda xs: [str(x) for x in xs]),
            st.integers(min_value=0, max_value=2**31),  # one id sent as a JSON number
            st.none(),
        )
    if kind is Kind.CLOCK:
        hm = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
        return st.one_of(
            hm.map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
            hm.map(lambda t: f"{t[0]:02d}:{t[1]:02d}:{t[2]:02d}"),
            st.sampled_from(["24:00", "24:00:00", "", None]),
        )
    if kind is Kind.ENUM and isinstance(inner, type) and issubclass(inner, enum.Enum):
        return st.one_of(_enum_values(inner), st.just(""), st.none())
    if kind is Kind.MODEL and isinstance(inner, type) and issubclass(inner, msgspec.Struct):
        return st.none() if depth > 2 else valid_records(inner, depth + 1)
    if kind is Kind.ARRAY:
        if isinstance(inner, type) and issubclass(inner, msgspec.Struct):
            return st.none() if depth > 2 else st.lists(valid_records(inner, depth + 1), max_size=3)
        if inner is str:
            return st.lists(_short_text, max_size=3)
        if inner is int:
            return st.lists(st.integers(0, 10**6), max_size=3)
        return st.just([])
    return st.none()


def _any_value(spec: FieldSpec, depth: int, required: bool = False) -> st.SearchStrategy[Any]:
    """A documented value most of the time, anything at all otherwise (a required field may be blank too:
    the record is then a decode error, like any other bad record)."""
    kind, inner = spec.kind, spec.inner
    nested: st.SearchStrategy[Any] = st.nothing()
    if depth <= 2 and isinstance(inner, type) and issubclass(inner, msgspec.Struct):
        if kind is Kind.MODEL:
            nested = records(inner, depth + 1)
        elif kind is Kind.ARRAY:
            nested = st.lists(records(inner, depth + 1), max_size=3)
    return st.one_of(_valid_value(spec, depth), nasty_values, nested)


def _record(model: type[msgspec.Struct], depth: int, value: Any) -> st.SearchStrategy[dict[str, Any]]:
    """A record of ``model``: its required fields always present, each other field half the time."""
    specs = field_kinds(model)
    required = {f.encode_name for f in msgspec.structs.fields(model) if f.required}
    known = {f.encode_name for f in msgspec.structs.fields(model)}  # an "unknown" key must really be one

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for spec in specs:
            if spec.wire in required or draw(st.booleans()):
                record[spec.wire] = draw(value(spec, depth, spec.wire in required))
        if draw(st.integers(0, 4)) == 0:  # unknown keys are ignored by contract
            extra = draw(
                st.dictionaries(_short_text.filter(lambda k: k not in known), json_values, max_size=3)
            )
            record.update(extra)
        return record

    return build()


def valid_records(model: type[msgspec.Struct], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A record of ``model`` in documented wire form: must always decode."""
    return _record(model, depth, _valid_value)


def records(model: type[msgspec.Struct], depth: int = 0) -> st.SearchStrategy[Any]:
    """A record of ``model`` with any field possibly wrong (type, form, null, huge), or not a record."""
    return st.one_of(_record(model, depth, _any_value), _record(model, depth, _any_value), json_values)


#: Every ``status`` that is not the success marker: every JSON type, near-misses included.
BAD_STATUSES: list[Any] = [
    "failure",
    "",
    "Success",
    "SUCCESS",
    " success",
    "success ",
    "error",
    False,
    True,
    None,
    0,
    1,
    -1,
    1.5,
    [],
    ["success"],
    {},
    {"status": "success"},
]

_messages = st.one_of(
    st.sampled_from(
        [
            "No data provided",
            "Invalid API key ",
            "The records were imported successfully.",
            "   ",
        ]
    ),
    _short_text,
    _long_strings,
    json_values,
)


def _response_for(endpoint: Endpoint) -> st.SearchStrategy[Any]:
    model = endpoint.response_model
    fitting: st.SearchStrategy[Any]
    if model is None:
        fitting = st.one_of(_short_text, _long_strings, st.just("https://www.bizstim.com/ondemand/x"))
    else:
        fitting = st.one_of(st.lists(records(model), max_size=6), records(model), st.lists(records(model)))
    return st.one_of(fitting, fitting, fitting, json_values, _raw_tokens, _long_strings)


_totals = st.one_of(
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(0, 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False),
    _nasty_strings,
    json_values,
    _raw_tokens,
)


def envelope_docs(endpoint: Endpoint) -> st.SearchStrategy[dict[str, Any]]:
    """An envelope object for ``endpoint``: any ``status``, ``total``, ``response``, ``error``, extra keys."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        status_kind = draw(st.integers(0, 9))
        if status_kind < 6:
            doc["status"] = "success"
        elif status_kind < 9:
            doc["status"] = draw(st.one_of(st.sampled_from(BAD_STATUSES), json_values, _raw_tokens))
        # status_kind == 9: no status key at all
        if draw(st.booleans()):
            doc["total"] = draw(_totals)
        if draw(st.integers(0, 7)) > 0:
            doc["response"] = draw(_response_for(endpoint))
        if draw(st.integers(0, 4)) == 0:
            doc["error"] = draw(_messages)
        if draw(st.integers(0, 4)) == 0:
            doc.update(draw(st.dictionaries(_short_text, json_values, max_size=3)))
        return doc

    return build()


class Body(msgspec.Struct, frozen=True):
    """One generated response body and how it was made, so a test can predict the outcome."""

    data: bytes
    mutation: str
    doc: Any = None

    def __repr__(self) -> str:  # hypothesis prints this on failure; keep it short
        return f"Body({self.mutation}, {len(self.data)} bytes, {self.data[:200]!r})"


_HTML_PAGES = st.sampled_from(
    [
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        b"<html><body><h1>A PHP Error was encountered</h1><p>Severity: Warning</p></body></html>",
        b"  \n<br />\n<b>Fatal error</b>:  Allowed memory size exhausted<br />",
        b"<?xml version='1.0'?><xml><status>failure</status></xml>",
    ]
)

_INVALID_UTF8 = st.sampled_from(
    [b"\xff", b"\xfe\xff", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\x80"]
)


@st.composite
def _mutated(draw: st.DrawFn, endpoint: Endpoint) -> Body:
    doc = draw(envelope_docs(endpoint))
    data = msgspec.json.encode(doc)
    how = draw(
        st.sampled_from(
            [
                "none",
                "none",
                "none",
                "truncate",
                "utf8",
                "html",
                "html+json",
                "bom",
                "trailing",
                "pad",
                "random",
            ]
        )
    )
    if how == "none":
        return Body(data, how, doc)
    if how == "truncate":
        cut = draw(st.integers(0, max(len(data) - 1, 0)))
        return Body(data[:cut], how, doc)
    if how == "utf8":
        quotes = [i for i, b in enumerate(data) if b == ord('"')]
        at = draw(st.sampled_from(quotes)) + 1 if quotes else 0
        return Body(data[:at] + draw(_INVALID_UTF8) + data[at:], how, doc)
    if how == "html":
        return Body(draw(_HTML_PAGES), how)
    if how == "html+json":
        return Body(b"<pre>" + data + b"</pre>", how, doc)
    if how == "bom":
        return Body(b"\xef\xbb\xbf" + data, how, doc)
    if how == "trailing":
        return Body(data + draw(st.sampled_from([b"}", b",", b"<br />", b"\x00", b" x"])), how, doc)
    if how == "pad":  # whitespace around valid JSON is still valid JSON
        return Body(b" \r\n\t" + data + b"\n", how, doc)
    return Body(draw(st.binary(max_size=256)), how)


def bodies(endpoint: Endpoint) -> st.SearchStrategy[Body]:
    """Response bodies for ``endpoint``: envelopes of every kind, broken in every way we can think of."""
    return st.one_of(
        _mutated(endpoint),
        _mutated(endpoint),
        _mutated(endpoint),
        st.builds(lambda r: Body(msgspec.json.encode(r), "raw-json"), st.one_of(json_values, _raw_tokens)),
        st.just(Body(b"", "empty")),
    )


def all_endpoint_names() -> list[str]:
    """Every endpoint in the generated table (stable order for parametrization)."""
    return sorted(ENDPOINTS)
