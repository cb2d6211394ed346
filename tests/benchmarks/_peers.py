"""Naive peers: what a user would write without aiobizstim, against the same fake server.

Each coroutine returns the number of records it read, so the harness can check every variant saw all of
them; the ``*_timed`` functions are the same as variants for :mod:`tests.benchmarks._isolated`. httpx and
pydantic are imported only by the variant that uses them, so the others run in a process without them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp

PAGE = 1000
CONCURRENCY = 8  # aiobizstim's default max_concurrency


def _timed(job: Callable[[], Awaitable[int]]) -> tuple[int, float]:
    async def main() -> tuple[int, float]:
        start = time.perf_counter()
        count = await job()
        return count, time.perf_counter() - start

    return asyncio.run(main())


def pages_url(url: str, start: int) -> str:
    """The URL of the :data:`PAGE`-record clients page at offset ``start``."""
    return f"{url}/api/clients/{start}/{PAGE}"


async def aiohttp_sequential(url: str, api_key: str) -> int:
    """One GET after another, ``resp.json()`` into dicts; stops when ``total`` is reached."""
    count = start = 0
    async with aiohttp.ClientSession(headers={"x-api-key": api_key}) as session:
        while True:
            async with session.get(pages_url(url, start)) as resp:
                resp.raise_for_status()
                doc = await resp.json()
            records = doc["response"]
            count += len(records)
            start += PAGE
            if not records or start >= int(doc["total"]):
                return count


async def httpx_pydantic_sequential(url: str, api_key: str) -> int:
    """One GET after another with httpx, each page validated by the hand-written pydantic models."""
    import httpx

    from tests.benchmarks import _pydantic_models as pyd

    count = start = 0
    page_model = pyd.Page[pyd.ClientSummary]
    async with httpx.AsyncClient(headers={"x-api-key": api_key}) as client:
        while True:
            resp = await client.get(pages_url(url, start))
            resp.raise_for_status()
            page = page_model.model_validate_json(resp.content)
            count += len(page.response)
            start += PAGE
            if not page.response or start >= (page.total or 0):
                return count


async def aiohttp_raw(url: str, api_key: str, *, concurrency: int) -> int:
    """The floor for any client: GET every page (``concurrency`` in flight), read the bytes, discard them.

    Returns the number of pages times the page size (records are not parsed; the total comes from page 1).
    """
    async with aiohttp.ClientSession(headers={"x-api-key": api_key}) as session:
        async with session.get(pages_url(url, 0)) as resp:
            resp.raise_for_status()
            first = await resp.json()
        total = int(first["total"])
        starts = iter(range(PAGE, total, PAGE))

        async def worker() -> None:
            for start in starts:
                async with session.get(pages_url(url, start)) as resp:
                    resp.raise_for_status()
                    await resp.read()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total


def raw_concurrent_timed(url: str, api_key: str) -> tuple[int, float]:
    """:func:`aiohttp_raw` with :data:`CONCURRENCY` requests in flight."""
    return _timed(lambda: aiohttp_raw(url, api_key, concurrency=CONCURRENCY))


def raw_sequential_timed(url: str, api_key: str) -> tuple[int, float]:
    """:func:`aiohttp_raw`, one request at a time."""
    return _timed(lambda: aiohttp_raw(url, api_key, concurrency=1))


def aiohttp_sequential_timed(url: str, api_key: str) -> tuple[int, float]:
    """:func:`aiohttp_sequential`."""
    return _timed(lambda: aiohttp_sequential(url, api_key))


def httpx_pydantic_timed(url: str, api_key: str) -> tuple[int, float]:
    """:func:`httpx_pydantic_sequential`."""
    return _timed(lambda: httpx_pydantic_sequential(url, api_key))
