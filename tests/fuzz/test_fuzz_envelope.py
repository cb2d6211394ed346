"""Fuzzing the sans-I/O decode path: whatever bytes arrive, only DecodeError or APIResponseError come out.

For every endpoint in the generated table, bodies of every kind (envelopes with any ``status``, ``total`` and
``response``, records with wrong types, missing keys, nulls, huge numbers, invalid dates, invalid UTF-8,
truncated bytes, HTML pages, nested garbage, very long strings) go through every public decoder. Each call
must return within a bound, and the outcome must match what the body is:

* not JSON, or not a JSON object                    -> ``DecodeError``
* a JSON object whose ``status`` is not ``"success"`` -> ``APIResponseError`` carrying that status
* a success envelope                                 -> a typed result or ``DecodeError``, nothing else
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobizstim import _envelope
from aiobizstim.errors import (
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from aiobizstim.models import ENDPOINTS, Endpoint, Shape
from tests.fuzz.profile import fuzz_settings, timed
from tests.fuzz.strategies import BAD_STATUSES, all_endpoint_names, bodies, json_values

REQUEST = "GET /api/fuzz/0/1"
#: A DecodeError message quotes bounded excerpts only, whatever the body's size.
MAX_DECODE_MESSAGE = 1_000

_MISSING = object()


def _parsed(data: bytes) -> Any:
    """The body as JSON builtins, or ``_MISSING`` when it is not JSON msgspec can read."""
    try:
        return msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return _MISSING


def _decoders(endpoint: Endpoint) -> list[tuple[str, Any]]:
    """Every public decoder that applies to the endpoint's model (the endpoint's own shape first)."""
    model = endpoint.response_model
    text = ("decode_text", lambda b: _envelope.decode_text(b, request=REQUEST))
    if model is None:
        return [text]
    by_shape = {
        Shape.PAGE: ("decode_page", lambda b: _envelope.decode_page(b, model, request=REQUEST)),
        Shape.LIST: ("decode_list", lambda b: _envelope.decode_list(b, model, request=REQUEST)),
        Shape.ONE: ("decode_one", lambda b: _envelope.decode_one(b, model, request=REQUEST)),
        Shape.TEXT: text,
    }
    own = by_shape[endpoint.shape]
    skip = (
        "decode_page(skip)",
        lambda b: _envelope.decode_page(b, model, request=REQUEST, skip_invalid=True),
    )
    return [own, *(d for d in by_shape.values() if d is not own), skip]


def _check_result(name: str, result: Any, endpoint: Endpoint) -> None:
    model = endpoint.response_model
    if name == "decode_text":
        assert isinstance(result, str)
    elif name == "decode_one":
        assert isinstance(result, model)  # type: ignore[arg-type]
    elif name == "decode_list":
        assert all(isinstance(item, model) for item in result)  # type: ignore[arg-type]
    else:
        assert all(isinstance(item, model) for item in result.items)  # type: ignore[arg-type]
        assert result.total is None or (type(result.total) is int and result.total >= 0)
        assert all(isinstance(e, DecodeError) and e.request == REQUEST for e in result.skipped)


def _outcomes(data: bytes) -> set[str]:
    """The outcomes the body allows: ``decode-error``, ``api-error`` and/or ``success``."""
    doc = _parsed(data)
    if doc is _MISSING:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            # Invalid UTF-8 inside a key or value the typed decoder skips unread may pass: judge the rest.
            return {"decode-error"} | _outcomes(data.decode("utf-8", "replace").encode())
        return {"decode-error"}
    if not isinstance(doc, dict):
        allowed = {"decode-error"}
    elif doc.get("status") != "success":
        allowed = {"api-error"}
    else:
        allowed = {"success", "decode-error"}
    if b"[" * 200 in data or b'{"a":' * 200 in data:
        # Nesting near the interpreter's recursion limit: whether msgspec hits the limit depends on the
        # caller's stack depth, so a DecodeError is fine too.
        allowed.add("decode-error")
    return allowed


def _run(decode: Any, data: bytes, name: str) -> tuple[str, Any]:
    """Call one decoder (timed): ``("success", result)`` or the typed error raised; others escape."""
    try:
        return "success", timed(lambda: decode(data), name)
    except DecodeError as exc:
        return "decode-error", exc
    except APIResponseError as exc:
        return "api-error", exc


def _status_of(data: bytes) -> Any:
    doc = _parsed(data)
    if doc is _MISSING:
        doc = _parsed(data.decode("utf-8", "replace").encode())
    return doc.get("status")


@pytest.mark.parametrize("name", all_endpoint_names())
@fuzz_settings(ci_examples=40)
@given(data=st.data())
def test_decoders_raise_only_typed_errors(name: str, data: st.DataObject) -> None:
    endpoint = ENDPOINTS[name]
    body = data.draw(bodies(endpoint), label="body")
    _check_body(endpoint, body.data)


def _check_body(endpoint: Endpoint, data: bytes) -> None:
    """Every decoder of ``endpoint`` on ``data``: a typed result or a typed error that fits the body."""
    allowed = _outcomes(data)
    for decoder_name, decode in _decoders(endpoint):
        outcome, result = _run(decode, data, decoder_name)
        assert outcome in allowed, f"{decoder_name}: {result!r} for a body that allows {allowed}"
        if isinstance(result, DecodeError):
            assert result.request == REQUEST
            assert result.path.startswith("$")
            assert len(str(result)) <= MAX_DECODE_MESSAGE, f"{decoder_name}: unbounded message"
        elif isinstance(result, APIResponseError):
            assert result.status == _status_of(data)
            assert result.request == REQUEST
            assert str(result)
        else:
            _check_result(decoder_name, result, endpoint)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


#: Bodies that broke the decode path once (found by this fuzzer), kept as fixed regression examples.
KNOWN_NASTY = {
    "invalid UTF-8 in a value": b'{"status":"success","total":1,"response":[{"id":"\xff"}]}',
    "invalid UTF-8 in a key": b'{"\xffstatus":"success","error":"No data provided"}',
    "invalid UTF-8 in an ignored key": b'{"status":"success","response":{"\xffa":0}}',
    "nesting past msgspec's limit": b'{"status":"success","total":1,"response":' + _nested(100_000) + b"}",
    "a 200k-character enum value": b'{"status":"success","response":[{"status":"' + b"x" * 200_000 + b'"}]}',
    "a 5000-digit number": b'{"status":"success","total":' + b"9" * 5000 + b',"response":[]}',
    "a number out of range": b'{"status":"success","total":1e999,"response":[]}',
    "a negative total": b'{"status":"success","total":-1,"response":[]}',
}


@pytest.mark.parametrize("body", KNOWN_NASTY.values(), ids=KNOWN_NASTY.keys())
@pytest.mark.parametrize("name", all_endpoint_names())
def test_known_nasty_bodies(name: str, body: bytes) -> None:
    _check_body(ENDPOINTS[name], body)


def test_nesting_around_the_recursion_limit() -> None:
    """Values nested just below and above the depth where Python's recursion limit bites (where it bites
    depends on the caller's stack, hence the sweep): an excerpt of such a value once raised RecursionError."""
    limit = sys.getrecursionlimit()
    endpoint = ENDPOINTS["clients"]  # a page endpoint: every decoder runs on each body
    for depth in range(limit - 200, limit + 5):
        nested = _nested(depth)
        _check_body(endpoint, b'{"status":' + nested + b',"response":[]}')
        _check_body(endpoint, b'{"status":"success","total":1,"response":[{"id":' + nested + b"}]}")
        _check_body(endpoint, b'{"status":"success","response":' + nested + b"}")


@fuzz_settings(ci_examples=150)
@given(
    status=st.one_of(st.integers(100, 599), st.sampled_from([0, 999, 1000])),
    body=st.one_of(
        st.sampled_from(all_endpoint_names()).flatmap(lambda n: bodies(ENDPOINTS[n])).map(lambda b: b.data),
        st.binary(max_size=2048),
    ),
    retry_after=st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)),
    reason=st.one_of(st.just(""), st.text(max_size=40)),
    attempts=st.integers(1, 20),
)
def test_status_error_returns_the_typed_error(
    status: int, body: bytes, retry_after: float | None, reason: str, attempts: int
) -> None:
    exc = timed(
        lambda: _envelope.status_error(
            status, body, request=REQUEST, attempts=attempts, retry_after=retry_after, reason=reason
        ),
        "status_error",
    )
    expected: type[APIStatusError] = APIStatusError
    if status in (401, 403):
        expected = AuthenticationError
    elif status == 404:
        expected = NotFoundError
    elif status == 429:
        expected = RateLimitError
    elif status >= 500:
        expected = ServerError
    assert type(exc) is expected
    assert exc.status == status
    assert exc.request == REQUEST
    assert exc.attempts == attempts
    assert len(exc.body) <= 300, "the body excerpt is bounded"
    if isinstance(exc, RateLimitError):
        assert exc.retry_after == retry_after
    assert str(exc)
    assert repr(exc)


@pytest.mark.parametrize("status", BAD_STATUSES, ids=repr)
@pytest.mark.parametrize("name", all_endpoint_names())
def test_every_non_success_status_is_an_api_error(name: str, status: Any) -> None:
    """A failure envelope is APIResponseError whatever JSON type ``status`` has; it keeps the message."""
    endpoint = ENDPOINTS[name]
    for key in ("response", "error"):
        body = msgspec.json.encode({"status": status, key: " Invalid API key "})
        for decoder_name, decode in _decoders(endpoint):
            with pytest.raises(APIResponseError) as info:
                decode(body)
            assert info.value.status == status, decoder_name
            assert info.value.message == "Invalid API key", decoder_name


@pytest.mark.parametrize("name", all_endpoint_names())
@fuzz_settings(ci_examples=15)
@given(junk=json_values)
def test_truncated_bodies_are_decode_errors(name: str, junk: Any) -> None:
    """Every strict prefix of an envelope is a DecodeError, never a partial result or another error."""
    endpoint = ENDPOINTS[name]
    body = msgspec.json.encode({"status": "success", "total": 1, "response": [junk], "x": junk})
    for cut in range(len(body)):
        for decoder_name, decode in _decoders(endpoint):
            with pytest.raises(DecodeError):
                decode(body[:cut])
            assert decoder_name
