"""Issue 11, points 5 and 7: a typed one-line error for every failure, and timeouts that bound the wait."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import aiohttp
import pytest

from aiobizstim import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    Bizstim,
    BizstimError,
    ConfigurationError,
    EventLoopError,
)
from tests.hostile._server import HostileServer, Request, page, respond
from tests.hostile.conftest import KEY, QUICK


def _redirect(location: str) -> object:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, status="302 Found", headers=[("Location", location)])

    return script


@pytest.mark.parametrize("location", ["file:///etc/passwd", "http://[::1", "data:,x", "//"])
async def test_a_redirect_nowhere_is_a_typed_status_error(hostile: HostileServer, location: str) -> None:
    hostile.script = _redirect(location)  # type: ignore[assignment]
    async with Bizstim(api_key=KEY, base_url=hostile.url) as bz:
        with pytest.raises(APIStatusError) as info:
            await bz.discounts.list()
    assert info.value.status == 302
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", ["\x01", "\x1b[31m", "\t", "\x7f", "é"])
@pytest.mark.parametrize("option", ["api_key", "user_agent"])
def test_header_values_with_control_characters_are_refused_at_construction(option: str, bad: str) -> None:
    options = {"api_key": KEY, "base_url": "http://127.0.0.1:9", option: f"abc{bad}def"}
    with pytest.raises(ConfigurationError, match=option) as info:
        Bizstim(**options)  # type: ignore[arg-type]
    assert KEY not in str(info.value)


def test_a_client_used_from_a_second_event_loop_says_what_to_do() -> None:
    bz = Bizstim(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0)

    async def refused() -> None:
        with pytest.raises(APIConnectionError):
            await bz.discounts.list()

    async def second() -> None:
        with pytest.raises(EventLoopError, match="create one client per event loop") as info:
            await bz.discounts.list()
        assert "has since been closed" in str(info.value)
        await bz.aclose()  # still closes what it can, without aiohttp's "Unclosed client session"

    asyncio.run(refused())
    asyncio.run(second())
    assert bz.closed


_CLOSED_ELSEWHERE = """
import asyncio, threading
from aiobizstim import Bizstim, EventLoopError
from aiobizstim.testing import FakeBizstim

server_loop = asyncio.new_event_loop()
threading.Thread(target=server_loop.run_forever, daemon=True).start()
fake = FakeBizstim(clients=5)
asyncio.run_coroutine_threadsafe(fake.start(), server_loop).result()
bz = Bizstim(api_key=fake.api_key, base_url=fake.url)

async def use() -> None:
    await bz.clients.list(limit=1)  # leaves a keep-alive connection in the pool

asyncio.run(use())
try:
    asyncio.run(bz.aclose())
except EventLoopError as exc:
    print(type(exc).__name__, bz.closed, exc)
"""


def test_closing_from_another_loop_says_its_connections_stay_open() -> None:
    """aclose() in a second asyncio.run() returned quietly and left the first loop's sockets open."""
    run = subprocess.run(
        [sys.executable, "-c", _CLOSED_ELSEWHERE], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(
        "EventLoopError True this Bizstim client ran in another event loop, which has since been closed: "
        "its 1 open connection(s) could not be closed from this one"
    ), run.stdout


async def test_closing_while_its_loop_runs_elsewhere_is_refused() -> None:
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:
        bz = Bizstim(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0)

        async def refused() -> None:
            with pytest.raises(APIConnectionError):
                await bz.discounts.list()

        asyncio.run_coroutine_threadsafe(refused(), other).result(timeout=30)
        with pytest.raises(EventLoopError, match="which is still running: close it there"):
            await bz.aclose()
        assert not bz.closed
        asyncio.run_coroutine_threadsafe(bz.aclose(), other).result(timeout=30)
        assert bz.closed
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(timeout=30)
        other.close()


async def test_an_injected_session_with_raise_for_status_keeps_typed_errors(hostile: HostileServer) -> None:
    statuses = iter(["401 Unauthorized", "503 Service Unavailable", "200 OK"])

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        status = next(statuses)
        await respond(writer, page([1, 2], 2) if status == "200 OK" else b"nope", status=status)

    hostile.script = script
    async with (
        aiohttp.ClientSession(raise_for_status=True) as session,
        Bizstim(api_key=KEY, base_url=hostile.url, session=session, retry_policy=QUICK) as bz,
    ):
        with pytest.raises(AuthenticationError):
            await bz.discounts.list()
        page_ = await bz.discounts.list()  # the 503 is retried, as on the client's own session
        assert [d.id for d in page_.items] == [1, 2]
        assert bz.stats.retries == 1


async def test_a_byte_order_mark_before_the_json_is_decoded_not_retried(hostile: HostileServer) -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, b"\xef\xbb\xbf" + page([7], 1))

    hostile.script = script
    async with Bizstim(api_key=KEY, base_url=hostile.url) as bz:
        assert [d.id for d in (await bz.discounts.list()).items] == [7]
        assert bz.stats.retries == 0


async def test_the_wait_for_a_request_slot_counts_against_the_timeout(hostile: HostileServer) -> None:
    """Issue 11, point 7: timeout=0.5 waited 17 s for a slot held by a hung request."""
    release, arrived = asyncio.Event(), asyncio.Event()

    async def hang(request: Request, writer: asyncio.StreamWriter) -> None:
        arrived.set()
        await release.wait()

    hostile.script = hang
    async with Bizstim(api_key=KEY, base_url=hostile.url, max_concurrency=1, max_retries=0) as bz:
        hung = asyncio.ensure_future(bz.discounts.list(timeout=30))
        await arrived.wait()  # the only slot is now held by a request the server never answers
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"timed out after 0.3 s waiting for a free request slot"):
            await bz.discounts.list(timeout=0.3)
        assert time.monotonic() - started < 2
        release.set()
        hung.cancel()
        await asyncio.gather(hung, return_exceptions=True)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        ("503 Service Unavailable", b"\x1b[2J\x1b[31mupstream\x1b[0m down\x07\x00 \xe2\x80\xae next"),
        ("200 OK", b'{"status": "failure", "response": "bad \\u001b[31mthing\\u0000"}'),
    ],
    ids=["error page", "failure envelope"],
)
async def test_control_characters_from_the_server_are_escaped_in_errors(
    hostile: HostileServer, status: str, body: bytes
) -> None:
    """A body's ESC sequences, BEL, NUL or bidi override reached the one-line error as they were: a log line
    that clears the terminal or hides its own text (an ops review)."""

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, body, status=status, headers=[("Content-Type", "text/plain")])

    hostile.script = script
    async with Bizstim(api_key=KEY, base_url=hostile.url, max_retries=0) as bz:
        with pytest.raises(BizstimError) as info:
            await bz.discounts.list()
    text = str(info.value)
    assert text.isprintable(), repr(text)
    assert "\\x1b[31m" in text


async def test_a_reason_phrase_with_control_characters_is_escaped(hostile: HostileServer) -> None:
    """The status line's reason is the server's text too: it went into the error as it was (a review)."""

    async def script(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, b"", status="418 \x1b[2J\x1b[31mI'm a\x07 teapot")

    hostile.script = script
    async with Bizstim(api_key=KEY, base_url=hostile.url, max_retries=0) as bz:
        with pytest.raises(APIStatusError) as info:
            await bz.discounts.list()
    assert str(info.value).startswith("HTTP 418: \\x1b[2J\\x1b[31mI'm a\\x07 teapot ("), str(info.value)
