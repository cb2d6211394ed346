"""Configuration, environment, base URL checks, lifecycle, closed client, injected session, key secrecy."""

from __future__ import annotations

import asyncio
import gc
import logging
import pickle

import aiohttp
import pytest

from aiobizstim import Bizstim, ClientClosedError, ConfigurationError
from aiobizstim._config import DEFAULT_USER_AGENT
from aiobizstim._secret import Secret
from tests.unit._aioresponses_shim import MockedAPI
from tests.unit.conftest import BASE, KEY, envelope_page


def _is_open(session: aiohttp.ClientSession) -> bool:
    return not session.closed


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIZSTIM_API_KEY", raising=False)
    monkeypatch.delenv("BIZSTIM_BASE_URL", raising=False)


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match=r"\$BIZSTIM_API_KEY"):
        Bizstim()
    with pytest.raises(ValueError, match="BIZSTIM_API_KEY"):  # also a ValueError
        Bizstim(api_key="   ")


def test_key_and_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIZSTIM_API_KEY", KEY)
    monkeypatch.setenv("BIZSTIM_BASE_URL", "https://crm.example.com/")
    bz = Bizstim()
    assert bz.config.api_key.reveal() == KEY
    assert bz.base_url == "https://crm.example.com/"


def test_defaults() -> None:
    bz = Bizstim(api_key=KEY)
    assert bz.base_url == "https://www.bizstim.com/"
    config = bz.config
    assert (config.timeout, config.max_retries, config.max_concurrency, config.rate_limit) == (
        30.0,
        3,
        8,
        None,
    )
    assert config.export_max_retries == 10
    assert config.user_agent == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("aiobizstim/")


def test_constructing_outside_a_loop_creates_no_session() -> None:
    bz = Bizstim(api_key=KEY)
    assert bz._transport._session is None
    del bz
    gc.collect()  # no "Unclosed client session" warning (warnings are errors here)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9000/",
        "https://www.bizstim.com",
        "https://x.test/",
    ],
)
def test_accepted_base_urls(url: str) -> None:
    Bizstim(api_key=KEY, base_url=url)


@pytest.mark.parametrize("url", ["http://www.bizstim.com", "http://10.0.0.1:80", "http://localhost.evil.com"])
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="refusing plain http"):
        Bizstim(api_key=KEY, base_url=url)
    Bizstim(api_key=KEY, base_url=url, allow_insecure_http=True)


@pytest.mark.parametrize(
    "url",
    ["ftp://x.test", "www.bizstim.com", "https://user:pw@x.test", "https://x.test/?a=1", "https://x.test/#f"],
)
def test_malformed_base_urls(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        Bizstim(api_key=KEY, base_url=url)


@pytest.mark.parametrize("url", ["https://www.bizstim.com/api", "http://127.0.0.1:8799/api/"])
def test_a_base_url_of_the_api_path_is_refused_with_the_fix(url: str) -> None:
    # It gave "HTTP 404: Unknown method ... (GET /api/api/clients/0/1000)".
    with pytest.raises(ConfigurationError, match=r"drop the trailing /api from '"):
        Bizstim(api_key=KEY, base_url=url)
    Bizstim(api_key=KEY, base_url="https://x.test/apis")
    Bizstim(api_key=KEY, base_url="https://x.test/crm")
    Bizstim(api_key=KEY, base_url="https://x.test/gateway/api")  # a gateway mounted there may need it


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": 0}, ValueError),
        ({"timeout": float("inf")}, ValueError),
        ({"timeout": "30"}, TypeError),
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 1.0}, TypeError),
        ({"max_concurrency": 0}, ValueError),
        ({"max_concurrency": True}, TypeError),
        ({"rate_limit": 0}, ValueError),
        ({"session": object()}, TypeError),
    ],
)
def test_bad_settings(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        Bizstim(api_key=KEY, **kwargs)  # type: ignore[arg-type]


def test_the_key_never_shows_in_reprs_or_pickles() -> None:
    bz = Bizstim(api_key=KEY)
    for text in (
        repr(bz),
        str(bz),
        repr(bz.config),
        repr(vars(bz)),
        repr(bz.clients),
        repr(bz.config.api_key),
    ):
        assert KEY not in text
    assert "base_url='https://www.bizstim.com/'" in repr(bz)
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("key sk_live_abc123 echoed", "key *** echoed"),
        ("cut: sk_live_ab… (GET /x)", "cut: ***… (GET /x)"),  # an excerpt cut through the key
        ("sk_live_abc12… and sk_l…", "***… and ***…"),
        ("ends in sk_… here", "ends in sk_… here"),  # 3 characters: too common to be the key's start
        ("no key… at all…", "no key… at all…"),
        ("sk_live_abc123…", "***…"),
        ('"sk_live_abc\\u0031\\u00323"', '"***"'),  # JSON-escaped characters
        ("?k=sk%5Flive_abc123&x=%41", "?k=***&x=%41"),  # percent-encoded ones
        ("a \\ b % c", "a \\ b % c"),
        ('"sk_live\\u005fab…', '"***…'),  # an escaped key cut by an excerpt
        ('"sk_live_abc\\…', '"***…'),  # cut inside an escape
        ("sk_live%5Fab%3…", "***…"),
    ],
)
def test_the_key_is_redacted_whole_and_where_an_excerpt_cut_it(text: str, redacted: str) -> None:
    assert Secret("sk_live_abc123").redact(text) == redacted
    assert Secret("").redact(text) == text


async def test_async_with_closes_our_session_and_double_close_is_safe(api: MockedAPI) -> None:
    api.get(f"{BASE}/api/discounts/0/20", payload=envelope_page([1], 1))
    async with Bizstim(api_key=KEY) as bz:
        await bz.discounts.list()
        session = bz._transport._session
        assert session is not None
        assert _is_open(session)
    assert bz.closed
    assert not _is_open(session)
    await bz.aclose()  # second close: no error


async def test_using_a_closed_client_raises(api: MockedAPI) -> None:
    bz = Bizstim(api_key=KEY)
    await bz.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        await bz.discounts.list()
    with pytest.raises(ClientClosedError):
        async with bz:
            pass
    assert not api.requests


async def test_injected_session_is_used_and_left_open(api: MockedAPI) -> None:
    api.get(f"{BASE}/api/discounts/0/20", payload=envelope_page([1], 1))
    async with aiohttp.ClientSession() as session:
        async with Bizstim(api_key=KEY, session=session) as bz:
            await bz.discounts.list()
            assert bz._transport._session is session
        assert not session.closed
    assert session.closed


async def test_an_injected_session_with_fewer_connections_than_max_concurrency_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10)) as session:
        Bizstim(api_key=KEY, session=session, max_concurrency=20)
        assert [r.getMessage() for r in caplog.records] == [
            "the session given to Bizstim(session=...) holds at most 10 connections, fewer than "
            "max_concurrency (20): requests past 10 wait inside aiohttp; "
            "give it aiohttp.TCPConnector(limit=20)"
        ]
        caplog.clear()
        Bizstim(api_key=KEY, session=session, max_concurrency=10)
        Bizstim(api_key=KEY, session=session, max_concurrency="auto")
        assert len(caplog.records) == 1  # auto's 64: the one line says auto[1..64]
        assert "max_concurrency (auto[1..64])" in caplog.records[0].getMessage()
    caplog.clear()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as unlimited:
        Bizstim(api_key=KEY, session=unlimited, max_concurrency=500)
    assert not caplog.records


async def test_a_closed_injected_session_is_reported(api: MockedAPI) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    bz = Bizstim(api_key=KEY, session=session)
    with pytest.raises(ClientClosedError, match="session"):
        await bz.discounts.list()
    await bz.aclose()


async def test_close_while_a_request_waits_for_a_slot(api: MockedAPI) -> None:
    api.get(f"{BASE}/api/discounts/0/20", payload=envelope_page([1], 1), repeat=True)
    bz = Bizstim(api_key=KEY, max_concurrency=1)
    await bz._transport._semaphore.acquire()
    waiting = asyncio.ensure_future(bz.discounts.list())
    await asyncio.sleep(0)
    await bz.aclose()
    bz._transport._semaphore.release()
    with pytest.raises(ClientClosedError):
        await waiting


def test_a_key_with_backslashes_is_redacted_in_each_spelling() -> None:
    """Backslashes in the key overlap their JSON spelling (``\\\\``): the pattern takes each character
    atomically, longest spelling first (retrying them took exponential time: 5 s for 24 backslashes)."""
    key = "abcd" + "\\" * 24 + "z"
    secret = Secret(key)
    json_escaped = key.replace("\\", "\\\\")
    assert secret.redact(f"raw {key} end") == "raw *** end"
    assert secret.redact(f'"{json_escaped}"') == '"***"'
    assert secret.redact(f"cut {json_escaped[:20]}…") == "cut ***…"
    almost = "abcd" + "\\" * 48 + "x…"  # the key's escaped start, then not its next character
    assert secret.redact(almost) == almost
