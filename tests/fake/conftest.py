"""Shared helpers for the FakeBizstim tests: a plain aiohttp session and a small JSON GET helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
import pytest

from aiobizstim.testing import FakeBizstim


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=2500, seed=7) as server:
        yield server


async def fetch(
    session: aiohttp.ClientSession, fake: FakeBizstim, path: str, *, method: str = "GET", json: Any = None
) -> tuple[int, bytes]:
    """Status and raw body of one request with the right key."""
    async with session.request(
        method, fake.url + path, headers={"x-api-key": fake.api_key}, json=json
    ) as resp:
        return resp.status, await resp.read()


async def get_json(
    session: aiohttp.ClientSession, fake: FakeBizstim, path: str, *, method: str = "GET", json: Any = None
) -> Any:
    """The decoded JSON body of a request that must answer HTTP 200."""
    status, body = await fetch(session, fake, path, method=method, json=json)
    assert status == 200, body[:200]
    return msgspec.json.decode(body)
