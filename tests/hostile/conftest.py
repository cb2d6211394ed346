"""Fixtures of the hostile-server tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aiobizstim import RetryPolicy
from tests.hostile._server import HostileServer, Request, respond

#: Millisecond backoff: the rules are the client's own, only faster.
QUICK = RetryPolicy(base=0.001, cap=0.01, max_retry_after=5.0)

#: An API key that is easy to spot wherever it might leak.
KEY = "HoStIlE-KeY-0123456789-abcdefghij-XYZ12"


async def _not_found(request: Request, writer: object) -> None:
    await respond(writer, b"", status="404 Not Found")  # type: ignore[arg-type]


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    """A hostile server; set ``hostile.script`` to decide what it sends."""
    async with HostileServer(_not_found) as server:
        yield server
