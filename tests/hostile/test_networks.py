"""Issue 11, point 6: the networks real users sit behind: proxies from the environment or ``proxy=``, and
https with a private CA (``ssl_context=``, ``SSL_CERT_FILE``), against FakeBizstim over real sockets."""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from aiobizstim import APIConnectionError, APIStatusError, Bizstim, ConfigurationError
from aiobizstim.testing import FakeBizstim
from tests.hostile._proxy import ForwardProxy

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def _no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def https_fake(ca: trustme.CA) -> AsyncIterator[FakeBizstim]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    async with FakeBizstim(clients=250, seed=3, ssl_context=server_context) as fake:
        yield fake


@pytest.fixture
async def http_fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=250, seed=3) as fake:
        yield fake


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with ForwardProxy() as forward:
        yield forward


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_https_with_a_private_ca_is_refused_without_it_and_served_with_it(
    https_fake: FakeBizstim, ca: trustme.CA
) -> None:
    assert https_fake.url.startswith("https://")
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url, max_retries=0) as bz:
        with pytest.raises(APIConnectionError, match="certificate"):
            await bz.clients.list()
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url, ssl_context=_trusting(ca)) as bz:
        assert [c.id async for c in bz.clients.iter()] == https_fake.client_ids()


async def test_an_untrusted_certificate_fails_at_once_saying_why_and_what_to_do(
    https_fake: FakeBizstim,
) -> None:
    """It was retried for ~40 s, and the reason ("unable to get local issuer certificate") was cut off the
    end of aiohttp's text (an ops review): the same certificate fails the same way every time."""
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url) as bz:
        with pytest.raises(APIConnectionError) as info:
            await bz.clients.list()
        assert bz.stats.retries == 0
    host = https_fake.url.removeprefix("https://")
    assert str(info.value).startswith(
        f"the TLS certificate of {host} is not trusted (unable to get local issuer certificate); "
        "a private CA is trusted with SSL_CERT_FILE=ca.pem or ssl_context= (GET /api/clients/0/1000)"
    )


async def test_a_certificate_for_another_host_says_to_check_the_host_name(ca: trustme.CA) -> None:
    """Not "a private CA is trusted with SSL_CERT_FILE": the CA is trusted here, the name is wrong."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("api.example.org").configure_cert(server_context)
    async with (
        FakeBizstim(clients=5, ssl_context=server_context) as fake,
        Bizstim(api_key=fake.api_key, base_url=fake.url, ssl_context=_trusting(ca)) as bz,
    ):
        with pytest.raises(APIConnectionError, match=r"is not trusted \(IP address mismatch") as info:
            await bz.clients.list()
        assert bz.stats.retries == 0
    assert "; check the host name of the base URL (GET" in str(info.value)


async def test_a_proxy_that_wants_credentials_for_the_tunnel_is_a_407_at_once(
    https_fake: FakeBizstim, ca: trustme.CA, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy.require = "Basic " + base64.b64encode(b"user:secret").decode()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url, ssl_context=_trusting(ca)) as bz:
        with pytest.raises(APIStatusError) as info:
            await bz.clients.list()
        assert bz.stats.retries == 0
    assert info.value.status == 407
    assert str(info.value).startswith(
        "HTTP 407: the proxy refused the tunnel (Proxy Authentication Required)"
    )
    proxy.refusal = "403 Forbidden"  # squid's denial: no API key's fault, no missing record
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url, ssl_context=_trusting(ca)) as bz:
        with pytest.raises(APIStatusError) as info:
            await bz.clients.list()
    assert type(info.value) is APIStatusError
    assert str(info.value).startswith("HTTP 403: the proxy refused the tunnel (Forbidden)")
    monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", "http://user:secret@"))
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url, ssl_context=_trusting(ca)) as bz:
        assert len(await bz.clients.list(limit=5)) == 5


def test_there_is_no_silent_way_to_switch_verification_off() -> None:
    loose = ssl.create_default_context()
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    with pytest.raises(ConfigurationError, match="must verify"):
        Bizstim(api_key="k" * 40, ssl_context=loose)
    with pytest.raises(TypeError, match="ssl_context"):
        Bizstim(api_key="k" * 40, ssl_context=False)  # type: ignore[arg-type]


async def test_https_proxy_from_the_environment_is_honoured_by_default(
    https_fake: FakeBizstim, ca: trustme.CA, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    async with Bizstim(api_key=https_fake.api_key, base_url=https_fake.url, ssl_context=_trusting(ca)) as bz:
        assert len([c async for c in bz.clients.iter(page_size=100)]) == 250
    host_port = https_fake.url.removeprefix("https://")
    assert proxy.tunnels
    assert set(proxy.tunnels) == {host_port}
    assert proxy.bytes > 0


async def test_http_proxy_from_the_environment_and_its_opt_out(
    http_fake: FakeBizstim, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url) as bz:
        await bz.clients.list()
    assert proxy.forwarded == [f"{http_fake.url}/api/clients/0/1000"]
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url, trust_env=False) as bz:
        await bz.clients.list()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url) as bz:
        await bz.clients.list()
    assert len(proxy.forwarded) == 1  # trust_env=False and NO_PROXY went direct


async def test_the_environments_proxy_read_as_curl_requests_and_httpx_read_it(
    http_fake: FakeBizstim, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ops review: HTTP_PROXY=host:port (no scheme) was refused where curl, requests and httpx take an
    http:// proxy; a NO_PROXY network (127.0.0.0/8) did not exempt an address in it; a bad ALL_PROXY was
    blamed on HTTP_PROXY."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url.removeprefix("http://"))
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url) as bz:
        await bz.clients.list()
    assert proxy.forwarded == [f"{http_fake.url}/api/clients/0/1000"]
    monkeypatch.setenv("NO_PROXY", "10.0.0.0/8, 127.0.0.0/8")
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url) as bz:
        await bz.clients.list()
    assert len(proxy.forwarded) == 1  # the network exempted 127.0.0.1
    monkeypatch.setenv("no_proxy", "")  # set, if empty: urllib reads it alone, and so do networks now
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url) as bz:
        await bz.clients.list()
    assert len(proxy.forwarded) == 2
    monkeypatch.delenv("no_proxy")
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(ConfigurationError, match=r"^the ALL_PROXY environment variable is not an http\(s\)"):
        Bizstim(api_key=http_fake.api_key, base_url=http_fake.url)


async def test_an_explicit_proxy_is_used_without_any_environment(
    http_fake: FakeBizstim, proxy: ForwardProxy
) -> None:
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url, proxy=proxy.url) as bz:
        records = [c async for c in bz.clients.iter(page_size=100)]
        assert repr(bz.config).count("127.0.0.1") == 1  # the proxy URL (it may hold credentials) is not shown
    assert len(records) == 250
    assert proxy.forwarded
    assert all(target.startswith(f"{http_fake.url}/api/clients/") for target in proxy.forwarded)
    assert proxy.bytes > 250 * 200  # every page came through it


async def test_proxy_credentials_become_proxy_authentication(
    http_fake: FakeBizstim, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://user:pa%20ss@"))
    async with Bizstim(api_key=http_fake.api_key, base_url=http_fake.url) as bz:
        await bz.clients.list()
    assert proxy.authorizations == ["Basic " + base64.b64encode(b"user:pa ss").decode()]


@pytest.mark.parametrize("proxy_url", ["proxy:3128", "ftp://proxy", "http://"])
def test_a_bad_proxy_is_refused_at_construction(proxy_url: str) -> None:
    with pytest.raises(ConfigurationError, match="proxy"):
        Bizstim(api_key="k" * 40, proxy=proxy_url)


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


async def test_ssl_cert_file_works_for_the_cli(
    https_fake: FakeBizstim, ca_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clients.jsonl"
    env = {**os.environ, "SSL_CERT_FILE": str(ca_file), "BIZSTIM_API_KEY": https_fake.api_key}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aiobizstim.cli",
        "export",
        "clients",
        "-o",
        str(out),
        "--base-url",
        https_fake.url,
        "-q",
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == 0, err
    assert len(out.read_bytes().splitlines()) == 250
