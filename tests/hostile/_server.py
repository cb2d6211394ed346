"""A hostile HTTP server for tests: a raw asyncio server on 127.0.0.1 that answers with whatever bytes,
headers and timing a test scripts, to check what the client promises against a server that breaks the rules.

A *script* is ``async def script(request, writer)``: it reads nothing more (the request head is already
parsed into :class:`Request`) and writes anything to ``writer``; the connection is closed when it returns.
:func:`respond` writes an ordinary HTTP/1.1 response.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import msgspec

__all__ = ["HostileServer", "Request", "Script", "chunked", "gzip_bomb", "page", "respond"]


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes


Script = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


def page(ids: Iterable[int | None], total: int | None, **extra: str) -> bytes:
    """A success envelope with a record per id (``None``: a record without ``id``)."""
    rows = []
    for n, ident in enumerate(ids):
        row = {"code": f"C{ident if ident is not None else n}", **extra}
        if ident is not None:
            row["id"] = str(ident)
        rows.append(row)
    doc: dict[str, object] = {"status": "success", "response": rows}
    if total is not None:
        doc["total"] = str(total)
    return msgspec.json.encode(doc)


async def respond(
    writer: asyncio.StreamWriter,
    body: bytes = b"",
    *,
    status: str = "200 OK",
    headers: Iterable[tuple[str, str]] = (("Content-Type", "application/json"),),
    framed: bool = True,
) -> None:
    """Write one response; ``framed`` adds a Content-Length (else the body ends when the connection does)."""
    head = [f"HTTP/1.1 {status}", "Connection: close", *(f"{k}: {v}" for k, v in headers)]
    if framed:
        head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


async def chunked(writer: asyncio.StreamWriter, chunks: AsyncIterator[bytes] | Iterable[bytes]) -> None:
    """Write a chunked 200 response from ``chunks`` (it may never end: the client has to stop reading)."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    if isinstance(chunks, Iterable):
        chunks = _aiter(chunks)
    async for chunk in chunks:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def _aiter(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


def gzip_bomb(inflated: int) -> bytes:
    """A gzip stream of ``inflated`` zero bytes (about a thousandth of that compressed)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


@dataclass
class HostileServer:
    """Serves ``script`` on a free port of 127.0.0.1; records every request it read."""

    script: Script
    requests: list[Request] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *lines = head.decode("latin-1").split("\r\n")
            method, path, _ = line.split(" ", 2)
            headers = {}
            for header in lines:
                if ":" in header:
                    name, value = header.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            request = Request(method, path, headers, head)
            self.requests.append(request)
            await self.script(request, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: what these tests provoke
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
