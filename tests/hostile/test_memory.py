"""Issue 11, point 1: memory stays bounded whatever the server sends; a body over ``max_response_bytes``
(counted after decompression, while it is read) is a typed, non-retried error naming the request and limit."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import msgspec
import pytest

from aiobizstim import Bizstim, ResponseTooLargeError
from tests.hostile._server import HostileServer, Request, chunked, gzip_bomb, respond

LIMIT = 8 << 20
BLOCK = b" " * (1 << 20)  # JSON whitespace: the body never turns into anything else
BOMB = gzip_bomb(256 << 20)  # ~250 KiB on the wire, 256 MiB inflated


async def _forever() -> object:
    while True:
        yield BLOCK


async def endless(request: Request, writer: asyncio.StreamWriter) -> None:
    """By the page size asked for: 1 a declared 500 MB body, 2 a close-delimited endless one, 3 a gzip bomb,
    4 an endless chunked body, 5 a body just under the limit (fine)."""
    case = int(request.path.rsplit("/", 1)[1])
    if case == 1:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 500000000\r\nConnection: close\r\n\r\n")
    elif case == 2:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    elif case == 3:
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        await respond(writer, BOMB, headers=headers)
        return
    elif case == 4:
        await chunked(writer, _forever())  # type: ignore[arg-type]
        return
    else:
        body = b'{"status":"success","total":"0","response":[]}'
        await respond(writer, body + b" " * (LIMIT - len(body) - 1) + b"\n")
        return
    while True:
        writer.write(BLOCK)
        await writer.drain()


@pytest.mark.parametrize("case", [1, 2, 3, 4])
async def test_a_body_over_the_limit_is_a_typed_error_and_not_retried(
    hostile: HostileServer, case: int
) -> None:
    hostile.script = endless
    async with Bizstim(api_key="k" * 40, base_url=hostile.url, max_response_bytes=LIMIT) as bz:
        with pytest.raises(ResponseTooLargeError) as info:
            await bz.discounts.list(start=0, limit=case)
        assert bz.stats.requests == 1  # not retried
    assert info.value.limit == LIMIT
    assert "8,388,608 bytes" in str(info.value)
    assert f"GET /api/discounts/0/{case}" in str(info.value)


async def test_a_body_within_the_limit_is_read(hostile: HostileServer) -> None:
    hostile.script = endless
    async with Bizstim(api_key="k" * 40, base_url=hostile.url, max_response_bytes=LIMIT) as bz:
        page = await bz.discounts.list(start=0, limit=5)
    assert page.items == []


async def test_peak_memory_stays_within_a_small_multiple_of_the_limit(hostile: HostileServer) -> None:
    """Measured in a child process (peak RSS): a 500 MB declared body, an endless close-delimited one, a gzip
    body inflating to 256 MiB and an endless chunked one, each cut off at the 8 MiB limit."""
    hostile.script = endless
    root = Path(__file__).parents[2]
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.hostile._probe",
        hostile.url,
        str(LIMIT),
        "1",
        "2",
        "3",
        "4",
        "5",
        cwd=root,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == 0
    report = msgspec.json.decode(out)
    assert all(report["errors"][case].startswith("ResponseTooLargeError") for case in "1234"), report
    assert report["errors"]["5"] == "no error"
    print(f"peak RSS of the child: {report['peak_mib']:.1f} MiB")
    assert report["peak_mib"] < 40 + 5 * (LIMIT >> 20), report  # without the limit: the whole body or more
