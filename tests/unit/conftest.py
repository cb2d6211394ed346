"""Fixtures of the unit tests: a mocked API (aioresponses + shim) and a client whose retries do not sleep."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from aiobizstim import Bizstim
from tests.unit._aioresponses_shim import MockedAPI

#: A 40-character key that must never show up in logs, reprs or error messages.
KEY = "SeCrEtKeY0123456789abcdefghijklmnopqrstu"
BASE = "https://www.bizstim.com"


@pytest.fixture
def api() -> Iterator[MockedAPI]:
    """Every aiohttp request is answered by the mocks registered on this object (unmatched -> refused)."""
    mocked = MockedAPI()
    mocked.start()
    try:
        yield mocked
    finally:
        mocked.stop()


class SleepLog:
    """Stands in for ``asyncio.sleep`` in the transport: records each requested delay, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


@pytest.fixture
async def bz(sleeps: SleepLog) -> AsyncIterator[Bizstim]:
    """A client on the default base URL whose backoff sleeps are recorded instead of slept."""
    async with Bizstim(api_key=KEY) as client:
        client._transport._sleep = sleeps
        yield client


def envelope_page(ids: list[int], total: int) -> dict[str, object]:
    """A page envelope of discount records with these ids."""
    return {"status": "success", "total": total, "response": [{"id": str(i), "code": f"C{i}"} for i in ids]}


def body_sent(call: Any) -> Any:
    """The JSON a mocked request's call was given as its body (a write's comes as a one-shot payload)."""
    data = call.kwargs["data"]
    return json.loads(data.decode() if isinstance(data, aiohttp.BytesPayload) else data)


def requests_sent(api: MockedAPI) -> int:
    """How many requests reached the mock."""
    return sum(len(calls) for calls in api.requests.values())
