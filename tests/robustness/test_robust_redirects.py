"""A redirect chain is one attempt: the request's ``timeout`` bounds the whole chain, not each hop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from aiobizstim import APITimeoutError, Bizstim
from tests._loopback import serving
from tests.robustness._support import QUICK_RETRIES, SECRET_KEY

HOP = 0.6  # each hop's latency: under the timeout alone, over it for two hops


@pytest.fixture
async def slow_hops() -> AsyncIterator[tuple[str, list[str]]]:
    """A server whose testimonials redirect twice, each hop taking ``HOP`` seconds; it records the paths."""
    seen: list[str] = []

    async def hop(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        await asyncio.sleep(HOP)  # the server's latency, not synchronisation
        step = int(request.match_info["step"])
        if step < 2:
            raise web.HTTPFound(f"/hop/{step + 1}")
        return web.json_response({"status": "success", "response": []})

    async def start(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        raise web.HTTPFound("/hop/1")

    app = web.Application()
    app.router.add_get("/api/testimonials", start)
    app.router.add_get("/hop/{step}", hop)
    async with serving(app) as url:
        yield url, seen


async def test_the_timeout_bounds_the_whole_redirect_chain(slow_hops: tuple[str, list[str]]) -> None:
    url, seen = slow_hops
    async with Bizstim(api_key=SECRET_KEY, base_url=url, retry_policy=QUICK_RETRIES) as bz:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(APITimeoutError, match=r"timed out after 1 s") as info:
            await bz.testimonials.list(timeout=1.0, max_retries=0)
        took = loop.time() - started
    assert seen == ["/api/testimonials", "/hop/1", "/hop/2"]  # the last hop was under way, not finished
    assert took < 2 * HOP, f"the chain got {took:.2f} s, more than its 1 s timeout allows"
    assert info.value.request == "GET /api/testimonials"


async def test_a_chain_within_the_timeout_is_followed(slow_hops: tuple[str, list[str]]) -> None:
    url, seen = slow_hops
    async with Bizstim(api_key=SECRET_KEY, base_url=url, retry_policy=QUICK_RETRIES) as bz:
        assert await bz.testimonials.list(timeout=3 * HOP + 1.0, max_retries=0) == []
    assert seen == ["/api/testimonials", "/hop/1", "/hop/2"]
