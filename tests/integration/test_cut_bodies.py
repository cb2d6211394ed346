"""2xx bodies that are not whole JSON although no HTTP error says so: retried like any truncated body.

Bodies without Content-Length or chunking end when the connection closes, so a cut is silent; a body with
a Content-Length can still be broken by the server itself (a PHP fatal error printed after the JSON). A raw
asyncio server on loopback sends both (aiohttp's own server always frames its bodies).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import msgspec
import pytest

from aiobizstim import Bizstim, RetryPolicy

FAST = RetryPolicy(base=0.001, cap=0.01)
IDS = list(range(1, 26))


def page_body(start: int, limit: int) -> bytes:
    rows = [{"id": str(i), "code": f"C{i}"} for i in IDS[start : start + limit]]
    return msgspec.json.encode({"status": "success", "total": len(IDS), "response": rows})


def cut_after_a_record(body: bytes) -> bytes:
    """The body cut right after its second record's closing brace: it still ends with ``}``."""
    end = body.index(b"}", body.index(b"}") + 1) + 1
    return body[:end]


#: (start, limit, how many times this path was asked) -> (body, send a Content-Length)
Answer = Callable[[int, int, int], tuple[bytes, bool]]


@pytest.fixture
async def raw_server() -> AsyncIterator[tuple[str, dict[str, int], list[Answer]]]:
    """``(base_url, hits per path, [answer])``: set ``answer[0]`` to choose the bodies."""
    hits: dict[str, int] = {}
    answer: list[Answer] = [lambda start, limit, hit: (page_body(start, limit), False)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ", 2)[1].decode()
        hits[path] = hits.get(path, 0) + 1
        _, _, start, limit = path.strip("/").split("/")
        body, framed = answer[0](int(start), int(limit), hits[path])
        length = f"Content-Length: {len(body)}\r\n".encode() if framed else b""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" + length
        writer.write(head + b"\r\n" + body)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", hits, answer
    finally:
        server.close()
        await server.wait_closed()


async def test_a_close_delimited_body_cut_short_is_retried_even_when_it_ends_like_json(
    raw_server: tuple[str, dict[str, int], list[Answer]],
) -> None:
    url, hits, answer = raw_server

    def first_cut(start: int, limit: int, hit: int) -> tuple[bytes, bool]:
        body = page_body(start, limit)
        return (cut_after_a_record(body) if hit == 1 else body), False

    answer[0] = first_cut
    async with Bizstim(api_key="k" * 40, base_url=url, retry_policy=FAST) as bz:
        assert [d.id async for d in bz.discounts.iter(page_size=10)] == IDS
        page = await bz.discounts.list(start=5, limit=10)
        retries = bz.stats.retries
    assert [d.id for d in page.items] == IDS[5:15]
    assert hits == {f"/api/discounts/{start}/10": 2 for start in (0, 9, 18, 5)}
    assert retries == 4


async def test_complete_close_delimited_bodies_are_read_once(
    raw_server: tuple[str, dict[str, int], list[Answer]],
) -> None:
    url, hits, _ = raw_server
    async with Bizstim(api_key="k" * 40, base_url=url) as bz:
        assert [d.id async for d in bz.discounts.iter(page_size=10)] == IDS
        assert bz.stats.retries == 0
    assert set(hits.values()) == {1}


async def test_a_framed_body_broken_by_the_server_is_retried(
    raw_server: tuple[str, dict[str, int], list[Answer]],
) -> None:
    url, hits, answer = raw_server
    fatal = b"<br />\n<b>Fatal error</b>:  Allowed memory size exhausted in <b>Rest.php</b>\n"

    def broken_first(start: int, limit: int, hit: int) -> tuple[bytes, bool]:
        body = page_body(start, limit)
        return (body + fatal if hit == 1 else body), True

    answer[0] = broken_first
    async with Bizstim(api_key="k" * 40, base_url=url, retry_policy=FAST) as bz:
        assert [d.id async for d in bz.discounts.iter(page_size=10)] == IDS
        assert bz.stats.retries == 3
    assert set(hits.values()) == {2}
