"""Transport over mocked HTTP: headers, every error class, the retry policy, logging, key secrecy."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest

from aiobizstim import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    Bizstim,
    BizstimError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from aiobizstim._stats import RetryEvent
from tests.unit._aioresponses_shim import MockedAPI
from tests.unit.conftest import BASE, KEY, SleepLog, envelope_page, requests_sent

PAGE = f"{BASE}/api/discounts/0/20"
ONE = f"{BASE}/api/discount/17"
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1> nginx</body></html>"
)


def _chain(exc: BaseException) -> str:
    parts = []
    node: BaseException | None = exc
    while node is not None:
        parts.append(f"{type(node).__name__}: {node!r} {node}")
        node = node.__cause__ or node.__context__
    return "\n".join(parts)


async def test_sends_the_key_user_agent_and_accept_headers(api: MockedAPI, bz: Bizstim) -> None:
    api.get(PAGE, payload=envelope_page([1, 2], 2))
    page = await bz.discounts.list()
    assert [d.id for d in page.items] == [1, 2]
    (call,) = next(iter(api.requests.values()))
    headers = call.kwargs["headers"]
    assert headers["x-api-key"] == KEY
    assert headers["User-Agent"].startswith("aiobizstim/")
    assert headers["Accept"] == "application/json"
    timeout = call.kwargs["timeout"]
    assert isinstance(timeout, aiohttp.ClientTimeout)
    assert timeout.total == 30.0


async def test_per_call_timeout_is_a_full_client_timeout(api: MockedAPI, bz: Bizstim) -> None:
    api.get(PAGE, payload=envelope_page([1], 1))
    await bz.discounts.list(timeout=2.5)
    (call,) = next(iter(api.requests.values()))
    assert call.kwargs["timeout"] == aiohttp.ClientTimeout(total=2.5)
    with pytest.raises(ValueError, match="timeout"):
        await bz.discounts.list(timeout=0)


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (401, "", AuthenticationError, "HTTP 401"),
        (403, '{"status": false, "error": "Invalid API key "}', AuthenticationError, "Invalid API key"),
        (404, "Not Found", NotFoundError, "HTTP 404"),
        (400, '{"status": "failure", "response": "No data provided"}', APIResponseError, "No data provided"),
        (418, "teapot", APIStatusError, "HTTP 418"),
    ],
)
async def test_non_retryable_statuses_raise_their_class_after_one_attempt(
    api: MockedAPI, bz: Bizstim, status: int, body: str, error: type[BizstimError], text: str
) -> None:
    # The 400 case reads a list page: a lookup's "No data provided" would be about the request, the same.
    listing = error is APIResponseError
    api.get(PAGE if listing else ONE, status=status, body=body, repeat=True)
    with pytest.raises(error, match=text) as info:
        await (bz.discounts.list() if listing else bz.discounts.get(17))
    assert requests_sent(api) == 1
    assert ("GET /api/discounts/0/20" if listing else "GET /api/discount/17") in str(info.value)
    assert bz.stats.errors == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (200, "Trial accounts may only add 3 clients per run or 30 clients an hour"),
        (200, "Error"),
        (400, "No header array found"),
        (422, "No API key found"),
    ],
)
async def test_a_lookups_envelope_about_the_request_is_not_not_found(
    api: MockedAPI, bz: Bizstim, status: int, message: str
) -> None:
    """Only "nothing found" wording means no such record; the rest is about the request, whatever the HTTP
    status (a 200 'trial ended' was a NotFoundError, and the wording rule took any 'no ... found')."""
    api.get(ONE, status=status, body=json.dumps({"status": "failure", "response": message}))
    with pytest.raises(APIResponseError, match=message) as info:
        await bz.discounts.get(17)
    error: Exception = info.value
    assert not isinstance(error, NotFoundError)


@pytest.mark.parametrize(
    "message", ["No discount found", "Discount not found", "No such discount", "Record 17 does not exist"]
)
async def test_a_lookups_nothing_found_is_not_found_whatever_the_wording(
    api: MockedAPI, bz: Bizstim, message: str
) -> None:
    api.get(ONE, body=json.dumps({"status": "failure", "response": message}))
    with pytest.raises(NotFoundError, match=message):
        await bz.discounts.get(17)


async def test_an_envelopes_message_is_said_once_and_its_json_kept_in_the_body(
    api: MockedAPI, bz: Bizstim
) -> None:
    """'HTTP 403: Invalid API key: {"status":false,"error":"Invalid API key "}' said it twice."""
    body = '{"status": false, "error": "Invalid API key "}'
    api.get(ONE, status=403, body=body)
    with pytest.raises(AuthenticationError) as info:
        await bz.discounts.get(17)
    assert str(info.value) == "HTTP 403: Invalid API key (GET /api/discount/17)"
    assert info.value.body == body


async def test_a_failure_envelope_on_a_4xx_answering_a_lookup_is_not_found(
    api: MockedAPI, bz: Bizstim
) -> None:
    body = '{"status": "failure", "response": "No discount found"}'
    api.get(ONE, status=400, body=body)
    with pytest.raises(NotFoundError, match="No discount found") as info:
        await bz.discounts.get(17)
    assert info.value.status == 400
    assert info.value.body == body  # the body as sent; the message says it once
    assert str(info.value) == "HTTP 400: No discount found (GET /api/discount/17)"
    assert isinstance(info.value.__cause__, APIResponseError)


async def test_5xx_html_page_is_a_server_error_with_a_body_excerpt(
    api: MockedAPI, bz: Bizstim, sleeps: SleepLog
) -> None:
    api.get(ONE, status=502, body=HTML_502, content_type="text/html", repeat=True)
    with pytest.raises(ServerError) as info:
        await bz.discounts.get(17)
    err = info.value
    assert err.status == 502
    assert "502 Bad Gateway" in err.body
    # The message gives an HTML page's text, not its markup (a web server's page filled the line with it).
    assert str(err).startswith("HTTP 502: Bad Gateway: an HTML page: 502 Bad Gateway after 4 attempts")
    assert err.attempts == 4
    assert "after 4 attempts" in str(err)
    assert requests_sent(api) == 4
    assert len(sleeps.delays) == 3
    assert bz.stats.retries == 3


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried_then_succeed(
    api: MockedAPI, bz: Bizstim, sleeps: SleepLog, status: int
) -> None:
    api.get(ONE, status=status, body="busy")
    api.get(ONE, payload={"status": "success", "response": {"id": "17", "code": "X"}})
    assert (await bz.discounts.get(17)).id == 17
    assert requests_sent(api) == 2
    assert bz.stats.retries == 1


async def test_backoff_grows_between_attempts(api: MockedAPI, sleeps: SleepLog) -> None:
    api.get(ONE, status=503, repeat=True)
    async with Bizstim(api_key=KEY, max_retries=5) as bz:
        bz._transport._sleep = sleeps
        with pytest.raises(ServerError, match="after 6 attempts"):
            await bz.discounts.get(17)
    raw = [0.5, 1.0, 2.0, 4.0, 8.0]
    assert all(r / 2 <= d <= r for d, r in zip(sleeps.delays, raw, strict=True))


async def test_per_call_retry_budget(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, status=500, repeat=True)
    with pytest.raises(ServerError) as info:
        await bz.discounts.get(17, max_retries=0)
    assert info.value.attempts == 1
    assert requests_sent(api) == 1


async def test_429_honours_retry_after_seconds(api: MockedAPI, bz: Bizstim, sleeps: SleepLog) -> None:
    api.get(ONE, status=429, headers={"Retry-After": "7"})
    api.get(ONE, payload={"status": "success", "response": {"id": "17"}})
    await bz.discounts.get(17)
    assert sleeps.delays == [7.0]


async def test_retry_after_as_http_date(api: MockedAPI, bz: Bizstim, sleeps: SleepLog) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    api.get(ONE, status=503, headers={"Retry-After": when})
    api.get(ONE, payload={"status": "success", "response": {"id": "17"}})
    await bz.discounts.get(17)
    assert 17.0 <= sleeps.delays[0] <= 20.0


async def test_retry_after_above_the_cap_raises_instead_of_sleeping(
    api: MockedAPI, bz: Bizstim, sleeps: SleepLog
) -> None:
    api.get(ONE, status=429, headers={"Retry-After": "3600"}, repeat=True)
    with pytest.raises(RateLimitError) as info:
        await bz.discounts.get(17)
    assert info.value.retry_after == 3600.0
    assert sleeps.delays == []
    assert requests_sent(api) == 1


async def test_429_out_of_retries_is_a_rate_limit_error(
    api: MockedAPI, bz: Bizstim, sleeps: SleepLog
) -> None:
    api.get(ONE, status=429, headers={"Retry-After": "1"}, repeat=True)
    with pytest.raises(RateLimitError) as info:
        await bz.discounts.get(17)
    assert info.value.attempts == 4
    assert info.value.retry_after == 1.0
    assert sleeps.delays == [1.0, 1.0, 2.0] or all(d >= 1.0 for d in sleeps.delays)


async def test_connection_errors_are_retried_then_raised_typed(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(APIConnectionError, match="after 4 attempts") as info:
        await bz.discounts.get(17)
    assert not isinstance(info.value, APITimeoutError)
    assert isinstance(info.value.__cause__, aiohttp.ServerDisconnectedError)
    assert requests_sent(api) == 4


async def test_timeouts_are_api_timeout_errors(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, exception=TimeoutError(), repeat=True)
    with pytest.raises(APITimeoutError, match="timed out after 30 s") as info:
        await bz.discounts.get(17, max_retries=1)
    assert info.value.attempts == 2


async def test_truncated_body_is_retried(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, exception=aiohttp.ClientPayloadError("Response payload is not completed"))
    api.get(ONE, body='{"status": "success", "resp')
    api.get(ONE, payload={"status": "success", "response": {"id": "17"}})
    assert (await bz.discounts.get(17)).id == 17
    assert requests_sent(api) == 3


async def test_non_json_2xx_is_a_decode_error_after_retries(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, body="<html>maintenance</html>", content_type="text/html", repeat=True)
    with pytest.raises(DecodeError, match="HTML page instead of JSON"):
        await bz.discounts.get(17)
    assert requests_sent(api) == 4


async def test_bad_record_in_valid_json_is_not_retried(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, payload={"status": "success", "response": {"id": "seventeen"}}, repeat=True)
    with pytest.raises(DecodeError, match=r"\$\.response\.id"):
        await bz.discounts.get(17)
    assert requests_sent(api) == 1


async def test_failure_envelope_on_200_answering_a_lookup_is_not_found(api: MockedAPI, bz: Bizstim) -> None:
    # Issue 13: "no such record" is catchable as NotFoundError; the API's own failure stays the cause.
    api.get(ONE, payload={"status": "failure", "response": "Discount not found"})
    with pytest.raises(NotFoundError, match="Discount not found") as info:
        await bz.discounts.get(17)
    assert isinstance(info.value.__cause__, APIResponseError)
    assert info.value.__cause__.status == "failure"


async def test_writes_are_never_retried(api: MockedAPI, bz: Bizstim) -> None:
    api.put(f"{BASE}/api/client/21", status=503, repeat=True)
    with pytest.raises(ServerError) as info:
        await bz.clients.update(21, first_name="Ann")
    assert info.value.attempts == 1
    api.post(f"{BASE}/api/payment", exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(APIConnectionError):
        await bz.payments.create(client_id=5, revenue_amount="10.00", send_email=False)
    assert requests_sent(api) == 2
    assert bz.stats.retries == 0


async def test_logging_names_the_request_but_never_the_key(
    api: MockedAPI, bz: Bizstim, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiobizstim")
    api.get(ONE, status=503, body=f"echo {KEY}")
    api.get(ONE, payload={"status": "success", "response": {"id": "17"}})
    await bz.discounts.get(17)
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "GET /api/discount/17 -> 503" in r.getMessage() and "attempt 1" in r.getMessage() for r in debug
    )
    assert any("-> 200" in r.getMessage() and " ms " in r.getMessage() for r in debug)
    assert len(warning) == 1
    assert "retrying GET /api/discount/17" in warning[0].getMessage()
    assert "HTTP 503" in warning[0].getMessage()
    assert KEY not in caplog.text
    event = getattr(warning[0], "retry", None)  # structured, for progress displays
    assert isinstance(event, RetryEvent)
    assert (event.request, event.attempt, event.attempts, event.reason) == (
        "GET /api/discount/17",
        1,
        4,
        "HTTP 503",
    )
    assert 0 < event.delay <= 0.5


@pytest.mark.parametrize(
    "exc",
    [aiohttp.ClientConnectionError(f"boom {KEY[:4]}"), TimeoutError(), aiohttp.ClientPayloadError("cut")],
)
async def test_errors_never_carry_the_key(api: MockedAPI, bz: Bizstim, exc: Exception) -> None:
    api.get(ONE, exception=exc, repeat=True)
    with pytest.raises(BizstimError) as info:
        await bz.discounts.get(17, max_retries=0)
    assert KEY not in _chain(info.value)
    assert KEY not in repr(info.value.__dict__)


async def test_same_origin_redirect_is_followed(api: MockedAPI, bz: Bizstim) -> None:
    api.get(ONE, status=301, headers={"Location": "/api/discount/18"})
    api.get(f"{BASE}/api/discount/18", payload={"status": "success", "response": {"id": "18"}})
    assert (await bz.discounts.get(17)).id == 18
    assert bz.stats.retries == 0


@pytest.mark.parametrize("location", ["https://evil.example/api/discount/17", "http://www.bizstim.com/x"])
async def test_redirect_to_another_origin_is_refused_so_the_key_stays_home(
    api: MockedAPI, bz: Bizstim, location: str
) -> None:
    api.get(ONE, status=302, headers={"Location": location})
    api.get(location, payload={"status": "success", "response": {"id": "1"}})
    with pytest.raises(APIStatusError, match="another origin") as info:
        await bz.discounts.get(17)
    assert requests_sent(api) == 1
    assert KEY not in str(info.value)


async def test_writes_do_not_follow_redirects(api: MockedAPI, bz: Bizstim) -> None:
    api.put(f"{BASE}/api/client/21", status=307, headers={"Location": "/api/client/22"})
    with pytest.raises(APIStatusError, match="re-send a PUT"):
        await bz.clients.update(21, city="X")
    assert requests_sent(api) == 1


class _Arriving:
    """A response body that arrives in the given pieces: each ``read(n)`` returns at most the next one."""

    def __init__(self, *pieces: bytes) -> None:
        self.pieces = list(pieces)
        self.asked: list[int] = []

    async def read(self, n: int) -> bytes:
        self.asked.append(n)
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > n:
            self.pieces.insert(0, piece[n:])
        return piece[:n]


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        ((b"a" * 300, b"b" * 600), b"a" * 300 + b"b" * 600),  # a short body in two pieces: all of it
        ((b"a" * 300, b"b" * 900, b"c" * 10), b"a" * 300 + b"b" * 700),  # never past the limit
        ((b"a" * 1000, b"b"), b"a" * 1000),
        ((), b""),
    ],
    ids=["two-pieces", "past-the-limit", "one-piece", "empty"],
)
async def test_an_error_body_is_read_up_to_its_limit_however_it_arrives(
    pieces: tuple[bytes, ...], expected: bytes
) -> None:
    from aiobizstim._transport import _read_head

    body = _Arriving(*pieces)
    assert await _read_head(body, 1000) == expected  # type: ignore[arg-type]
    assert all(n <= 1000 for n in body.asked)


async def test_a_failure_envelope_on_a_200_answering_a_lookup_is_not_found_without_http_200(
    api: MockedAPI, bz: Bizstim
) -> None:
    api.get(ONE, status=200, body='{"status": "failure", "response": "No discount found with id 17"}')
    with pytest.raises(NotFoundError) as info:
        await bz.discounts.get(17)
    assert info.value.status == 200
    assert info.value.message == "No discount found with id 17"  # no "HTTP 200: " before it
    assert str(info.value) == "No discount found with id 17 (GET /api/discount/17)"


def test_a_failed_connection_is_told_in_our_words() -> None:
    """aiohttp's text reads "Cannot connect to host h:443 ssl:default [Name or service not known]"."""
    import socket
    from types import SimpleNamespace

    from aiobizstim._transport import _transfer_fault

    key: Any = SimpleNamespace(host="no-such-host.invalid", port=443, ssl=True)
    dns = aiohttp.ClientConnectorDNSError(key, socket.gaierror(-2, "Name or service not known"))
    proxy = aiohttp.ClientProxyConnectionError(key, ConnectionRefusedError(111, "Connect call failed"))
    error, _ = _transfer_fault(dns, 5.0, "", "GET /api/clients/0/1", 1)
    assert error.message == "cannot find host no-such-host.invalid (Name or service not known)"
    error, _ = _transfer_fault(proxy, 5.0, "", "GET /api/clients/0/1", 1)
    assert error.message == "connection refused (the proxy no-such-host.invalid:443)"
    # A cut body: aiohttp quotes its parser's error, which reads like an HTTP 400.
    from aiohttp.http_exceptions import ContentEncodingError, ContentLengthError

    cut = aiohttp.ClientPayloadError("Response payload is not completed: <ContentLengthError: 400, ...>")
    cut.__cause__ = ContentLengthError(
        "Not enough data to satisfy content length header (received 10 of 100)."
    )
    error, _ = _transfer_fault(cut, 5.0, "", "GET /api/clients/0/1", 1)
    assert error.message == (
        "the response body was cut short "
        "(Not enough data to satisfy content length header (received 10 of 100))"
    )
    garbled = aiohttp.ClientPayloadError("400, message:\n  Can not decode content-encoding: gzip")
    garbled.__cause__ = ContentEncodingError("Can not decode content-encoding: gzip")
    error, _ = _transfer_fault(garbled, 5.0, "", "GET /api/clients/0/1", 1)
    assert (
        error.message == "the response body could not be decompressed (Can not decode content-encoding: gzip)"
    )


def test_only_a_refused_connection_or_an_unknown_host_counts_as_nothing_there() -> None:
    """A review: the first-contact wait applied to any failure to connect, also to those that pass by
    themselves at boot or in a cron job (a name server's temporary failure, a network not up yet)."""
    import errno
    import socket
    from types import SimpleNamespace

    from aiobizstim._transport import _nothing_there

    key: Any = SimpleNamespace(host="h", port=443, ssl=True)

    def failed(cause: OSError) -> APIConnectionError:
        error = APIConnectionError("x", no_connection=True)
        error.__cause__ = aiohttp.ClientConnectorError(key, cause)
        return error

    assert _nothing_there(failed(ConnectionRefusedError(errno.ECONNREFUSED, "refused")))
    assert _nothing_there(failed(socket.gaierror(socket.EAI_NONAME, "Name or service not known")))
    assert not _nothing_there(failed(socket.gaierror(socket.EAI_AGAIN, "Temporary failure")))
    assert not _nothing_there(failed(OSError(errno.ENETUNREACH, "Network is unreachable")))
    assert not _nothing_there(APIConnectionError("the connection dropped"))


@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        (
            "<html><head><style>*{box-sizing:border-box}</style><title>Just a moment...</title></head>",
            "Just a moment...",
        ),
        ("<html><body><script>var a = 1;</script><p>Tom &amp; Jerry</p></body></html>", "Tom & Jerry"),
        ('<?xml version="1.0"?><error>nope</error>', '<?xml version="1.0"?><error>nope</error>'),
    ],
)
def test_an_html_page_is_quoted_by_its_title_or_text(body: str, quoted: str) -> None:
    """A review: a page's CSS came out as its "text", entities stayed escaped, XML was called HTML."""
    error = APIStatusError("Bad Gateway", status=502, body=body)
    assert str(error) == f"HTTP 502: Bad Gateway: {'an HTML page: ' if quoted != body else ''}{quoted}"
