"""A forward proxy on 127.0.0.1 for tests: ``CONNECT host:port`` tunnels (https) and absolute-form requests
(``GET http://host/path``, plain http); it counts what it carries. Only the first request of a connection
is parsed (and listed); the rest of a kept-alive connection is piped through, counted in ``bytes``."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

__all__ = ["ForwardProxy"]


@dataclass
class ForwardProxy:
    """Counts ``tunnels`` (CONNECT targets), ``forwarded`` (absolute URLs) and ``bytes`` carried."""

    tunnels: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    #: When set, the ``Proxy-Authorization`` every request must carry, else it is answered ``refusal``.
    require: str | None = None
    refusal: str = "407 Proxy Authentication Required"
    bytes: int = 0
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._handlers:  # tunnels the client's pool still keeps open
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_writer: asyncio.StreamWriter | None = None
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            given = None
            for line in head.decode("latin-1").split("\r\n")[1:]:
                if line.lower().startswith("proxy-authorization:"):
                    given = line.split(":", 1)[1].strip()
                    self.authorizations.append(given)
            if self.require is not None and given != self.require:
                writer.write(f"HTTP/1.1 {self.refusal}\r\nContent-Length: 0\r\n\r\n".encode())
                await writer.drain()
                return
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                self.tunnels.append(target)
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
            else:
                self.forwarded.append(target)
                rest = target.split("://", 1)[1]
                hostport, _, path = rest.partition("/")
                host, _, port = hostport.partition(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port or 80))
                first, rest_head = head.split(b"\r\n", 1)
                origin_form = first.replace(target.encode("latin-1"), b"/" + path.encode("latin-1"), 1)
                up_writer.write(origin_form + b"\r\n" + rest_head)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:  # closed by __aexit__: end quietly (asyncio logs a cancelled handler)
            pass
        finally:
            self._handlers.discard(task)
            for side in (writer, up_writer):
                if side is not None:
                    side.close()

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                self.bytes += len(data)
                sink.write(data)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            with contextlib.suppress(OSError):
                if sink.can_write_eof():
                    sink.write_eof()
