"""``read_response``: status, headers and body in, the body to decode or the typed error out (no I/O)."""

from __future__ import annotations

import pytest

from aiobizstim import (
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from aiobizstim._envelope import Response, is_failure_envelope, read_response

LABEL = "GET /api/clients/0/10"
PAGE = b'{"status":"success","total":"1","response":[{"id":"1"}]}'
FRAMED = {"Content-Length": str(len(PAGE))}


def read(status: int, body: bytes, headers: dict[str, str] | None = None, reason: str = "") -> bytes:
    response = Response(status, reason, headers if headers is not None else FRAMED, body)
    return read_response(response, request=LABEL, attempts=2, max_retry_after=60.0)


def test_a_framed_2xx_body_that_ends_like_an_object_is_handed_over_unscanned() -> None:
    assert read(200, PAGE) is PAGE
    # No syntax scan: a framed body ending in "}" is taken as whole (decoding reports what is wrong).
    assert read(200, b'{"status": oops}') == b'{"status": oops}'


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, PAGE[:-9] + b"}"),  # close-delimited: a cut cannot be seen, so the body is scanned
        ({"Transfer-Encoding": "chunked"}, PAGE + b"\n<b>Fatal error</b>: ..."),  # the server broke it
        (FRAMED, b"<html><body>502 Bad Gateway</body></html>"),
        (FRAMED, b""),
    ],
    ids=["unframed-cut", "trailing-junk", "html", "empty"],
)
def test_a_2xx_body_that_is_not_json_is_unreadable(headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        read(200, body, headers)
    assert info.value.unreadable
    assert info.value.request == LABEL


def test_unframed_whole_json_passes_the_scan() -> None:
    assert read(200, PAGE, {}) == PAGE


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, APIStatusError),
    ],
)
def test_non_2xx_statuses_raise_their_class(status: int, cls: type[APIStatusError]) -> None:
    with pytest.raises(APIStatusError) as info:
        read(status, b"<html>nope</html>", reason="Nope")
    assert type(info.value) is cls
    assert (info.value.status, info.value.attempts, info.value.request) == (status, 2, LABEL)


def test_a_plain_4xx_with_a_failure_envelope_is_the_apis_own_error() -> None:
    with pytest.raises(APIResponseError) as info:
        read(400, b'{"status":"failure","response":"No client found"}')
    assert info.value.message == "No client found"
    assert isinstance(info.value.__cause__, APIStatusError)
    assert info.value.__cause__.status == 400


def test_a_status_with_its_own_class_keeps_it_whatever_the_envelope() -> None:
    with pytest.raises(NotFoundError, match="No client found"):
        read(404, b'{"status":"failure","response":"No client found"}')


def test_retry_after_is_carried_and_an_overlong_one_is_a_rate_limit_error() -> None:
    with pytest.raises(ServerError) as short:
        read(503, b"busy", {"Retry-After": "2"})
    assert short.value.retry_after == 2.0
    with pytest.raises(RateLimitError, match="more than the 60 s") as long:
        read(503, b"busy", {"Retry-After": "120"})
    assert long.value.retry_after == 120.0
    assert long.value.status == 503
    with pytest.raises(RateLimitError) as endless:  # a number past a float's range: the header as sent
        read(429, b"slow down", {"Retry-After": "9" * 400})
    assert str(endless.value).startswith(
        f"HTTP 429: the server asked to wait {'9' * 23}… s, more than the 60 s"
    )


@pytest.mark.parametrize(
    ("body", "failure"),
    [
        (b'{"status":"failure","response":"No client found"}', True),
        (b'{ "status" : "error", "error": "trial limit"}', True),
        (b'{"status":"success","total":"3","response":[]}', False),
        (b'{"total":"3","status": "success"}', False),
        (b'{"status":false,"error":"Unknown method"}', False),  # not a text status: unsure, so no
        (b"[1, 2, 3]", False),
        (b"", False),
        (b'\xef\xbb\xbf {\n  "status" : "failure"}', True),  # a BOM and whitespace
        (b'{"total":"1","response":[{"status":"active"}]}', False),  # a record's status, not the envelope's
        (b'{"response": "' + b"x" * 100 + b'", "status": "failure"}', False),  # too far in to look for
    ],
)
def test_a_failure_envelope_is_told_by_its_first_bytes(body: bytes, failure: bool) -> None:
    assert is_failure_envelope(body) is failure
