"""Helpers shared by the robustness tests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import traceback
from collections.abc import Callable
from typing import NamedTuple

from aiohttp import web

from aiobizstim import RetryPolicy
from tests._loopback import serving

#: Retries in milliseconds instead of seconds, so fault tests stay fast (the rules are the client's own).
QUICK_RETRIES = RetryPolicy(base=0.005, cap=0.05, jitter=0.5, max_retry_after=5.0)

#: A 40-character API key that is easy to spot anywhere it might leak.
SECRET_KEY = "SeCrEtKeY-0123456789-abcdefghij-KLMNOPQR"
assert len(SECRET_KEY) == 40


def _server_side(task: asyncio.Task[object]) -> bool:
    # aiohttp.web's per-connection handler tasks of the fake servers running on the same loop.
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.endswith(("web_protocol.py", "web_server.py"))


def other_tasks() -> set[asyncio.Task[object]]:
    """Client-side tasks of the running loop other than the current one (pending work left behind)."""
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done() and not _server_side(t)}


async def eventually(condition: Callable[[], bool], *, within: float = 5.0, what: str = "condition") -> None:
    """Wait (yielding to the loop, not sleeping a guessed time) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


def collect_garbage() -> None:
    """Run the GC so an unclosed session/connector warns now, inside the test (warnings are errors)."""
    gc.collect()
    gc.collect()


class Reply(NamedTuple):
    """What :class:`OddServer` answers on a path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = {}  # noqa: RUF012 - never mutated


class OddServer:
    """A tiny loopback HTTP server answering whatever a test sets per path (bodies FakeBizstim never sends:
    malformed records, redirects, a page that repeats), and recording what it received (with headers)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self.replies: dict[str, Reply] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self._serving: contextlib.AbstractAsyncContextManager[str] | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.raw_path, dict(request.headers)))
        path = request.raw_path.split("?", 1)[0]
        for prefix in sorted(self.replies, key=len, reverse=True):
            if path.startswith(prefix):
                reply = self.replies[prefix]
                return web.Response(status=reply.status, body=reply.body, headers=reply.headers)
        return web.Response(status=404, body=b'{"status":false,"error":"Unknown method"}')

    async def __aenter__(self) -> OddServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._serving = serving(app, self._host)
        self.url = await self._serving.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._serving is not None:
            await self._serving.__aexit__(None, None, None)


def secret_texts_of(exc: BaseException) -> list[str]:
    """Every text an exception can show: str, repr, attributes and the formatted traceback, along the whole
    ``__cause__`` / ``__context__`` chain."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += [repr(value) for value in getattr(current, "__dict__", {}).values()]
        todo += [current.__cause__, current.__context__]
    return texts
