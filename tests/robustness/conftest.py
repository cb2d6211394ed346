"""Shared fixtures of the robustness tests: a small FakeBizstim and a Bizstim client with quick retries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aiobizstim import Bizstim
from aiobizstim.testing import FakeBizstim
from tests.robustness._support import QUICK_RETRIES, SECRET_KEY


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    """A running FakeBizstim with 300 clients and a known key."""
    async with FakeBizstim(clients=300, seed=3, api_key=SECRET_KEY) as server:
        yield server


@pytest.fixture
async def bz(fake: FakeBizstim) -> AsyncIterator[Bizstim]:
    """A client of ``fake`` with millisecond retries."""
    async with Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=QUICK_RETRIES) as client:
        yield client
