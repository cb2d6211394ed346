"""Running FakeBizstim outside a test's loop (thread, subprocess) and the pytest plugin fixtures."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
from typing import TYPE_CHECKING

import aiohttp
import pytest

from aiobizstim.testing import FakeBizstim, serve_in_thread
from aiobizstim.testing._serve import export_lines
from tests.fake.conftest import get_json

if TYPE_CHECKING:
    from aiobizstim import Bizstim


async def test_serve_in_thread(session: aiohttp.ClientSession) -> None:
    with serve_in_thread(clients=1500, seed=2) as fake:
        doc = await get_json(session, fake, "/api/clients/1000/1000")
        assert doc["total"] == 1500
        assert len(doc["response"]) == 500
        assert fake.requests[-1].status == 200


async def test_module_entry_point_prints_url_and_key(session: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiobizstim.testing", "--clients", "300", "--latency-ms", "1",
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        url_line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        key_line = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode().strip()
        assert url_line.startswith("export BIZSTIM_BASE_URL=http://127.0.0.1:")
        assert key_line.startswith("export BIZSTIM_API_KEY=")
        url, key = url_line.split("=", 1)[1], key_line.split("=", 1)[1]
        assert len(key) == 40  # hex: nothing to quote
        async with session.get(url + "/api/clients/0/1", headers={"x-api-key": key}) as resp:
            assert (await resp.json())["total"] == 300
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        await proc.communicate()


async def test_fake_bizstim_fixture(fake_bizstim: FakeBizstim, session: aiohttp.ClientSession) -> None:
    doc = await get_json(session, fake_bizstim, "/api/clients")
    assert doc["total"] == 250
    assert fake_bizstim.seed == 0


async def test_bizstim_client_fixture(bizstim_client: Bizstim, fake_bizstim: FakeBizstim) -> None:
    page = await bizstim_client.clients.list(start=0, limit=10)
    assert [c.id for c in page.items] == fake_bizstim.client_ids()[:10]
    assert page.total == 250


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://127.0.0.1:8765", "0123456789abcdef0123456789abcdef01234567"),
        ("http://127.0.0.1:1", "a key with spaces, 'quotes', \"$HOME\" and `cmd`"),
    ],
)
def test_export_lines_are_shell_quoted(url: str, key: str) -> None:
    lines = export_lines(url, key).splitlines()
    assert [shlex.split(line) for line in lines] == [
        ["export", f"BIZSTIM_BASE_URL={url}"],
        ["export", f"BIZSTIM_API_KEY={key}"],
    ]


def test_not_started_url_is_a_clear_error() -> None:
    fake = FakeBizstim(clients=1)
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
