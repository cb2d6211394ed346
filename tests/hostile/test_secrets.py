"""Issue 11, point 4: the key never leaves through errors, however the server echoes it back."""

from __future__ import annotations

import asyncio
import logging
import traceback

import msgspec
import pytest

from aiobizstim import (
    APIConnectionError,
    APIResponseError,
    AuthenticationError,
    Bizstim,
    BizstimError,
    DecodeError,
    ServerError,
)
from tests.hostile._server import HostileServer, Request, respond
from tests.hostile.conftest import KEY, QUICK


def _echo(status: str, wrap: bool) -> object:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        echoed = request.raw.decode("latin-1")
        body = msgspec.json.encode({"status": "failure", "response": echoed}) if wrap else request.raw
        await respond(writer, body, status=status)

    return script


async def _records_echoing_the_key(request: Request, writer: asyncio.StreamWriter) -> None:
    body = msgspec.json.encode({"status": "success", "total": "1", "response": [{"id": KEY}]})
    await respond(writer, body)


async def _garbled(request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 twohundred OK\r\nX-Echo: " + request.raw.replace(b"\r\n", b" ") + b"\r\n\r\n")
    await writer.drain()


async def _read_all(bz: Bizstim) -> None:
    async for _ in bz.discounts.iter():
        pass


def _everything_shown(error: BaseException) -> str:
    """All a user or a log could see of ``error``: text, repr, attributes, traceback, the whole chain."""
    seen = []
    current: BaseException | None = error
    while current is not None:
        seen += [str(current), repr(current), repr(vars(current)), *traceback.format_exception(current)]
        for holder in (current, getattr(current, "request_info", None)):
            assert getattr(holder, "request_info", None) is None, (
                f"{type(current).__name__} holds request_info"
            )
        current = current.__cause__ or current.__context__
    return "\n".join(seen)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (_echo("401 Unauthorized", wrap=False), AuthenticationError),
        (_echo("500 Internal Server Error", wrap=False), ServerError),
        (_echo("400 Bad Request", wrap=True), APIResponseError),
        (_echo("200 OK", wrap=True), APIResponseError),
        (_records_echoing_the_key, DecodeError),
        (_garbled, APIConnectionError),
    ],
    ids=["401-echo", "500-echo", "400-envelope", "200-failure-envelope", "200-bad-record", "garbled-head"],
)
@pytest.mark.parametrize("call", ["list", "iter"])  # iter() decodes its pages outside the transport
async def test_an_echoed_key_never_shows_in_errors_or_logs(
    hostile: HostileServer,
    caplog: pytest.LogCaptureFixture,
    script: object,
    expected: type[BizstimError],
    call: str,
) -> None:
    hostile.script = script  # type: ignore[assignment]
    caplog.set_level(logging.DEBUG, logger="aiobizstim")
    async with Bizstim(api_key=f"  {KEY}\t", base_url=hostile.url, retry_policy=QUICK, max_retries=1) as bz:
        with pytest.raises(BizstimError) as info:
            await (bz.discounts.list() if call == "list" else _read_all(bz))
        assert isinstance(info.value, expected)
        assert hostile.requests[0].headers["x-api-key"] == KEY  # the key as sent: stripped
        shown = _everything_shown(info.value)
        assert "***" in shown or expected in (APIConnectionError, DecodeError)
        assert KEY not in shown
        assert KEY not in caplog.text


async def test_a_key_echoed_into_a_record_is_redacted_from_the_iterators_errors(
    hostile: HostileServer,
) -> None:
    hostile.script = _records_echoing_the_key
    async with Bizstim(api_key=KEY, base_url=hostile.url) as bz:
        with pytest.raises(DecodeError) as info:
            [d async for d in bz.discounts.iter()]
    assert KEY not in _everything_shown(info.value)
    assert "***" in str(info.value)


@pytest.mark.parametrize(
    ("status", "cut"),
    [("400 Bad Request", 300), ("200 OK", 500)],  # a body's excerpt; a failure envelope's message
    ids=["body", "message"],
)
@pytest.mark.parametrize("into", range(4, len(KEY), 4))  # the key's characters before the excerpt's cut
async def test_a_key_cut_by_an_excerpt_leaves_none_of_it(
    hostile: HostileServer, status: str, cut: int, into: int
) -> None:
    text = "x" * (cut - 1 - into) + KEY + " and more text after the key" * 20

    async def echo(request: Request, writer: asyncio.StreamWriter) -> None:
        body = msgspec.json.encode({"status": "failure", "response": text}) if status == "200 OK" else text
        await respond(writer, body if isinstance(body, bytes) else body.encode(), status=status)

    hostile.script = echo
    async with Bizstim(api_key=KEY, base_url=hostile.url, max_retries=0) as bz:
        with pytest.raises(BizstimError) as info:
            await bz.discounts.list()
    shown = _everything_shown(info.value)
    assert "xxx***…" in shown
    assert KEY[:4] not in shown, shown


SLASHED_KEY = "Sl4sh/ed+KeY/0123456789abcdefGHIJ=="


@pytest.mark.parametrize(
    "spelling",
    [
        SLASHED_KEY.replace("/", "\\/"),  # PHP's json_encode
        "".join(f"\\u{ord(c):04x}" for c in SLASHED_KEY),  # every character escaped
        SLASHED_KEY.replace("/", "%2F").replace("+", "%2b").replace("=", "%3D"),  # echoed in a URL
    ],
    ids=["php-json", "all-unicode-escapes", "percent-encoded"],
)
@pytest.mark.parametrize("status", ["500 Internal Server Error", "200 OK"])
async def test_a_key_echoed_escaped_is_redacted_too(
    hostile: HostileServer, spelling: str, status: str
) -> None:
    async def echo(request: Request, writer: asyncio.StreamWriter) -> None:
        # Written by hand: the key's escaped spelling must reach the client as such.
        await respond(
            writer, b'{"status":"failure","response":"bad key ' + spelling.encode() + b'"}', status=status
        )

    hostile.script = echo
    async with Bizstim(api_key=SLASHED_KEY, base_url=hostile.url, max_retries=0) as bz:
        with pytest.raises(BizstimError) as info:
            await bz.discounts.list()
    shown = _everything_shown(info.value)
    assert spelling not in shown
    assert SLASHED_KEY not in shown
    assert "bad key ***" in shown
