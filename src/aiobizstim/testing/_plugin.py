"""pytest plugin (entry point ``aiobizstim``): fixtures ``fake_bizstim`` and ``bizstim_client``.

``fake_bizstim`` is a running :class:`~aiobizstim.testing.FakeBizstim` with 250 clients (seed 0);
``bizstim_client`` is an :class:`aiobizstim.Bizstim` connected to it. Both are function-scoped and clean up
after themselves. They need pytest-asyncio (any mode: they are declared with ``pytest_asyncio.fixture``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aiobizstim import Bizstim
    from aiobizstim.testing import FakeBizstim

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio the fixtures cannot run anyway
    _async_fixture = pytest.fixture  # type: ignore[assignment]  # same call shape for our use

FIXTURE_CLIENTS = 250


@_async_fixture
async def fake_bizstim() -> AsyncIterator[FakeBizstim]:
    """A running FakeBizstim with 250 seeded clients (seed 0), closed after the test."""
    from aiobizstim.testing import FakeBizstim

    async with FakeBizstim(clients=FIXTURE_CLIENTS, seed=0) as fake:
        yield fake


@_async_fixture
async def bizstim_client(fake_bizstim: FakeBizstim) -> AsyncIterator[Bizstim]:
    """An aiobizstim.Bizstim pointed at ``fake_bizstim`` (plain http is allowed: it is loopback)."""
    from aiobizstim import Bizstim

    async with Bizstim(api_key=fake_bizstim.api_key, base_url=fake_bizstim.url) as client:
        yield client
