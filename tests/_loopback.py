"""An aiohttp application served on loopback for a test: the servers FakeBizstim does not play (redirect
chains, failure envelopes at once, clamped pages)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve ``app`` on a free port of ``host`` for the block; yields its base URL (``http://host:port``)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, 0).start()
        address, port = runner.addresses[0][:2]
        yield f"http://{address}:{port}"
    finally:
        await runner.cleanup()
