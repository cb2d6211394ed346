"""Issue 13, points 6 and 7: lifecycle mistakes get our own clear warning; with_options copies share the
pool, the concurrency limit and the rate limit."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

from aiobizstim import Bizstim, ClientClosedError, ConfigurationError
from aiobizstim.testing import FakeBizstim


async def test_a_client_never_closed_gets_one_warning_of_ours_not_aiohttps() -> None:
    async with FakeBizstim(clients=5) as fake:
        bz = Bizstim(api_key=fake.api_key, base_url=fake.url)
        await bz.clients.list()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del bz
            gc.collect()
            await asyncio.sleep(0)  # let the loop run whatever closing the sockets scheduled
            gc.collect()
    messages = [str(w.message) for w in caught]
    assert messages == [
        "a Bizstim client was not closed: use `async with Bizstim(...) as bz:` or `await bz.aclose()`"
    ]
    assert caught[0].category is ResourceWarning


async def test_a_closed_or_unused_client_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unused = Bizstim(api_key="k" * 40, base_url="http://127.0.0.1:9")
        del unused
        async with FakeBizstim(clients=5) as fake:
            async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
                await bz.clients.list()
            del bz
        gc.collect()
    assert [str(w.message) for w in caught] == []


async def test_with_options_shares_the_pool_the_limits_and_the_stats() -> None:
    async with FakeBizstim(clients=50) as fake:
        bz = Bizstim(api_key=fake.api_key, base_url=fake.url, max_concurrency=2, timeout=30, max_retries=3)
        fast = bz.with_options(timeout=5, max_retries=0)
        assert (fast.config.timeout, fast.config.max_retries) == (5.0, 0)
        assert (bz.config.timeout, bz.config.max_retries) == (30.0, 3)
        assert fast.config.export_max_retries == 10
        fake.set_latency(0.02)
        await asyncio.gather(*(c.clients.list(limit=5) for c in (bz, fast, bz, fast, fast, bz)))
        assert fake.max_in_flight == 2  # one limit for both
        assert bz._transport._session is fast._transport._session  # one connection pool
        assert bz.stats is fast.stats
        assert bz.stats.requests == 6
        await fast.aclose()  # closes the copy only
        assert fast.closed
        assert not bz.closed
        await bz.clients.list(limit=1)
        with pytest.raises(ClientClosedError):
            await fast.clients.list()
        other = bz.with_options(max_retries=1)
        await bz.aclose()  # closes the pool: every copy is closed with it
        assert other.closed
        with pytest.raises(ClientClosedError, match="copied from is closed"):
            await other.clients.list()


def test_with_options_checks_its_values_as_the_constructor_does() -> None:
    bz = Bizstim(api_key="k" * 40, base_url="http://127.0.0.1:9")
    with pytest.raises(ConfigurationError):
        bz.with_options(timeout=float("inf"))
    with pytest.raises(TypeError):
        bz.with_options(max_retries=1.5)  # type: ignore[arg-type]
