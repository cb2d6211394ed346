"""The API key never shows: not in DEBUG logs, not under faults, not in any error (str, repr, attributes,
the formatted traceback with its ``__cause__``/``__context__`` chain), not in the repr of anything public,
not in files the CLI writes nor on its stdout/stderr. Plain ``http://`` to a non-loopback host is refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from aiobizstim import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    AuthenticationError,
    Bizstim,
    BizstimError,
    ClientClosedError,
    ConfigurationError,
    DecodeError,
    NotFoundError,
    PaginationStalledError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from aiobizstim.models import ClientUpdate
from aiobizstim.testing import FakeBizstim, Faults
from tests.robustness._support import QUICK_RETRIES, SECRET_KEY, OddServer, Reply, secret_texts_of

BIZSTIM = str(Path(sys.executable).with_name("bizstim"))
WRONG_KEY = "WrOnGkEy-9876543210-zyxwvutsrq-ABCDEFGHI"


def assert_clean(texts: list[str], *keys: str) -> None:
    keys = keys or (SECRET_KEY,)
    for text in texts:
        for key in keys:
            assert key not in text, f"the API key leaked: ...{text[max(0, text.find(key) - 200) :][:400]}..."


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info and record.exc_info[1] is not None:
            texts += secret_texts_of(record.exc_info[1])
    return texts


async def raised(call: Any) -> BaseException:
    """The exception an awaitable raises (failing the test when it returns)."""
    try:
        await call
    except BaseException as exc:
        return exc
    pytest.fail("expected an error")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: aiohttp's and asyncio's records too
    return caplog


async def test_key_never_in_logs_reprs_or_results_of_normal_use(
    bz: Bizstim, fake: FakeBizstim, debug_logs: pytest.LogCaptureFixture
) -> None:
    texts: list[str] = [repr(bz), str(bz), repr(bz.config), str(bz.config), repr(bz.stats)]
    texts += [repr(getattr(bz.config, f.name)) for f in dataclasses.fields(bz.config)]
    texts += [repr(bz.config.api_key), str(bz.config.api_key)]
    for name in (
        "clients",
        "discounts",
        "services",
        "sessions",
        "payments",
        "practitioners",
        "locations",
        "staffs",
        "meetourstaff",
        "availability",
        "testimonials",
        "ondemand",
    ):
        texts += [repr(getattr(bz, name)), str(getattr(bz, name))]
    page = await bz.clients.list(limit=5)
    texts += [repr(page), str(page), repr(page.items)]
    texts += [repr(c) async for c in bz.clients.iter(page_size=100, max_items=150)]
    texts += [repr(c) async for c in bz.clients.iter_details(max_items=20)]
    texts.append(repr(await bz.clients.get(id=page.items[0].id)))
    texts.append(repr(await bz.discounts.list()))
    texts.append(repr(await bz.testimonials.list()))
    texts.append(await bz.ondemand.link("student-1"))
    texts.append(await bz.clients.update(page.items[0].id or 1, ClientUpdate(first_name="Ann")))
    texts.append(await bz.clients.import_(["first_name", "last_name"], [["A", "B"]]))
    assert any(r.levelno == logging.DEBUG and r.name == "aiobizstim" for r in debug_logs.records)
    assert_clean(texts + log_texts(debug_logs))
    assert bz.config.api_key.reveal() == SECRET_KEY  # the key is really there, and used
    assert all(r.status == 200 for r in fake.requests)


async def test_key_never_in_logs_under_faults(
    bz: Bizstim, fake: FakeBizstim, debug_logs: pytest.LogCaptureFixture
) -> None:
    fake.set_faults(
        Faults(p_500=0.1, p_502=0.1, p_503=0.1, p_429=0.1, retry_after=0, p_drop=0.1, p_truncate=0.1)
    )
    ids = [c.id async for c in bz.clients.iter(page_size=20)]
    details = [c.id async for c in bz.clients.iter_details(max_items=60, concurrency=6)]
    assert ids == fake.client_ids()
    assert details == ids[:60]
    faults = {r.fault for r in fake.requests if r.fault}
    assert {"500", "502", "503", "429", "drop", "truncate"} <= faults, faults
    retries = [r for r in debug_logs.records if r.levelno == logging.WARNING and "retrying" in r.getMessage()]
    assert len(retries) == bz.stats.retries > 0
    assert_clean([*log_texts(debug_logs), repr(bz.stats), repr(bz)])


@pytest.fixture
async def odd() -> AsyncIterator[OddServer]:
    async with OddServer() as server:
        yield server


async def _every_error(fake: FakeBizstim, odd: OddServer) -> list[BaseException]:
    """One real instance of every error the client raises, provoked for real against loopback servers."""
    errors: list[BaseException] = []
    quick = QUICK_RETRIES
    async with Bizstim(api_key=SECRET_KEY, base_url=fake.url, retry_policy=quick, max_retries=0) as bz:
        fake.fail_next(1, "/api/clients", status=500, html=True)
        errors.append(await raised(bz.clients.list()))  # ServerError (HTML body)
        fake.fail_next(1, "/api/clients", status=503)
        errors.append(await raised(bz.clients.list()))  # ServerError (JSON failure body)
        fake.fail_next(1, "/api/discounts", status=429)
        errors.append(await raised(bz.discounts.list()))  # RateLimitError
        fake.fail_next(1, "/api/discount/", status=404)
        errors.append(await raised(bz.discounts.get(1)))  # NotFoundError
        errors.append(await raised(bz.clients.get(id=987654321)))  # NotFoundError: a failure envelope
        errors.append(await raised(bz.clients.update(987654321, city="X")))  # APIResponseError (a write)
        fake.set_faults(Faults(p_truncate=1.0))
        errors.append(await raised(bz.testimonials.list()))  # APIConnectionError: body cut short
        fake.set_faults(Faults(p_drop=1.0))
        errors.append(await raised(bz.services.list()))  # APIConnectionError: dropped
        fake.set_faults(None)
        fake.set_latency(1.0)
        errors.append(await raised(bz.staffs.list(timeout=0.05)))  # APITimeoutError
        fake.set_latency(0.0)
        fake.fail_next(1, "/api/clients/", status=502)
        errors.append(await raised(anext(bz.clients.iter(page_size=10, max_retries=0))))  # in an iterator
        fake.fail_next(1, "/api/client", status=500)
        errors.append(await raised(anext(bz.clients.iter_details(max_items=3, max_retries=0))))
    patient = RetryPolicy(base=0.001, cap=0.001, max_retry_after=0.5)
    async with Bizstim(api_key=SECRET_KEY, base_url=fake.url, retry_policy=patient) as bz:
        fake.set_faults(Faults(retry_after=30))
        fake.fail_next(1, "/api/sessions", status=429)
        errors.append(await raised(bz.sessions.list()))  # RateLimitError: Retry-After above the cap
        fake.set_faults(None)
    async with Bizstim(api_key=WRONG_KEY, base_url=fake.url) as bz:
        errors.append(await raised(bz.clients.list()))  # AuthenticationError (a different, wrong key)
    bz = Bizstim(api_key=SECRET_KEY, base_url=fake.url)
    await bz.aclose()
    errors.append(await raised(bz.clients.list()))  # ClientClosedError
    async with Bizstim(api_key=SECRET_KEY, base_url=odd.url, retry_policy=quick, max_retries=0) as bz:
        odd.replies["/api/clients/"] = Reply(body=b'{"status":"success","total":3,"response":[{"id":"x"}]}')
        errors.append(await raised(bz.clients.list()))  # DecodeError
        odd.replies["/api/testimonials"] = Reply(body=b"<html>maintenance</html>")
        errors.append(await raised(bz.testimonials.list()))  # DecodeError: HTML with a 200
        same = [{"id": str(i)} for i in range(1, 11)]
        odd.replies["/api/discounts/"] = Reply(
            body=msgspec.json.encode({"status": "success", "total": 100, "response": same})
        )
        errors.append(await raised(anext_all(bz.discounts.iter(page_size=10, overlap=0))))  # stalled
        odd.replies["/api/services/"] = Reply(status=302, headers={"Location": "/api/services/0/20"})
        errors.append(await raised(bz.services.list()))  # a redirect loop
        odd.replies["/api/locations/"] = Reply(status=301, headers={"Location": "https://example.com/x"})
        errors.append(await raised(bz.locations.list()))  # a redirect to another origin, refused
        odd.replies["/api/staffs/"] = Reply(status=302, headers={"Location": "http://[::1"})
        errors.append(await raised(bz.staffs.list()))  # a redirect to nowhere
    async with OddServer() as gone:
        closed_url = gone.url  # nothing listens there any more once the block ends
    async with Bizstim(api_key=SECRET_KEY, base_url=closed_url, retry_policy=quick, max_retries=1) as bz:
        errors.append(await raised(bz.clients.list()))  # APIConnectionError: connection refused
    for kwargs in (
        {"max_concurrency": 0},
        {"base_url": "http://example.com"},
        {"timeout": -1},
        {"base_url": f"https://user:{SECRET_KEY}@example.com/"},
    ):
        try:
            Bizstim(**({"api_key": SECRET_KEY} | kwargs))
        except ValueError as exc:
            errors.append(exc)
    return errors


async def anext_all(iterator: AsyncIterator[Any]) -> None:
    async for _ in iterator:
        pass


async def test_key_never_in_any_error_or_traceback(
    fake: FakeBizstim, odd: OddServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    errors = await _every_error(fake, odd)
    kinds = {type(e) for e in errors}
    for expected in (
        ServerError,
        RateLimitError,
        NotFoundError,
        APIResponseError,
        APIConnectionError,
        APITimeoutError,
        AuthenticationError,
        ClientClosedError,
        DecodeError,
        PaginationStalledError,
        ConfigurationError,
    ):
        assert expected in kinds, f"no {expected.__name__} was provoked: {kinds}"
    for error in errors:
        assert isinstance(error, BizstimError), f"{error!r} is not a BizstimError"
        assert_clean(secret_texts_of(error), SECRET_KEY, WRONG_KEY)
    assert_clean(log_texts(debug_logs), SECRET_KEY, WRONG_KEY)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://example.com",
        "HTTP://EXAMPLE.COM/",
        "http://10.0.0.1:8080",
        "http://192.168.1.10",
        "http://8.8.8.8",
        "http://[2001:db8::1]",
        "http://[::ffff:8.8.8.8]",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0:8765",
    ],
)
def test_plain_http_to_a_non_loopback_host_is_refused(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        Bizstim(api_key=SECRET_KEY, base_url=base_url)
    assert "http" in str(info.value)
    assert SECRET_KEY not in str(info.value)
    monkeypatch.setenv("BIZSTIM_BASE_URL", base_url)
    with pytest.raises(ConfigurationError):
        Bizstim(api_key=SECRET_KEY)
    Bizstim(api_key=SECRET_KEY, base_url=base_url, allow_insecure_http=True)  # an explicit opt-in


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080",
        "http://127.9.8.7",
        "http://localhost:1",
        "http://[::1]:80",
        "https://example.com",
    ],
)
def test_https_and_loopback_http_are_accepted(base_url: str) -> None:
    assert Bizstim(api_key=SECRET_KEY, base_url=base_url).base_url.startswith(base_url.rstrip("/")[:12])


async def test_key_not_sent_to_another_origin_on_redirect(odd: OddServer) -> None:
    """A redirect to a different host must not carry ``x-api-key`` there (aiohttp drops only
    ``Authorization`` on a cross-origin redirect, not custom headers)."""
    async with OddServer(host="127.0.0.1") as elsewhere:
        other = elsewhere.url.replace("127.0.0.1", "localhost")  # same machine, different origin
        odd.replies["/api/testimonials"] = Reply(
            status=302, headers={"Location": f"{other}/api/testimonials"}
        )
        elsewhere.replies["/api/testimonials"] = Reply(body=b'{"status":"success","response":[]}')
        async with Bizstim(api_key=SECRET_KEY, base_url=odd.url, retry_policy=QUICK_RETRIES) as bz:
            try:
                await bz.testimonials.list()
            except BizstimError as exc:  # refusing the redirect is fine too
                assert_clean(secret_texts_of(exc))
        assert odd.seen, "the request did not reach the API server"
        for path, headers in elsewhere.seen:
            lowered = {k.lower(): v for k, v in headers.items()}
            assert "x-api-key" not in lowered, f"the API key was sent to another origin ({other}{path})"
            assert_clean([repr(headers)])


async def _bizstim(*args: str, key_in_env: bool) -> tuple[int, bytes, bytes]:
    env = dict(os.environ)
    env.pop("BIZSTIM_API_KEY", None)
    argv = list(args)
    if key_in_env:
        env["BIZSTIM_API_KEY"] = SECRET_KEY
    else:
        argv += ["--api-key", SECRET_KEY]
    proc = await asyncio.create_subprocess_exec(
        BIZSTIM, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out, err


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
async def test_key_never_in_exported_files_or_cli_output(fake: FakeBizstim, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"clients.{fmt}"
    options = ["-vv", "export", "clients", "-o", str(out), "--base-url", fake.url]
    if fmt == "jsonl":  # full records, a few faults (retries are logged with -v)
        fake.set_faults(Faults(p_500=0.01, p_429=0.01, retry_after=0, p_drop=0.01))
        options.append("--details")
    code, stdout, stderr = await _bizstim(*options, key_in_env=fmt == "csv")
    assert code == 0, stderr.decode(errors="replace")
    assert out.stat().st_size > 0
    assert_clean([out.read_bytes().decode(), stdout.decode(), stderr.decode()])
    if fmt == "jsonl":
        assert any(r.fault for r in fake.requests)
        assert b"retrying" in stderr
        assert b"GET /api/client?id=" in stderr  # -vv: every request is logged (DEBUG), the key never
        # a failing run: a permanent fault; the CLI names the error, never the key
        fake.set_faults(None)
        fake.fail_next(10_000, "/api/clients/", status=503)
        failed = tmp_path / "failed.jsonl"
        options = [
            "-vv",
            "export",
            "clients",
            "-o",
            str(failed),
            "--base-url",
            fake.url,
            "--max-retries",
            "0",
        ]
        code, stdout, stderr = await _bizstim(*options, key_in_env=False)
        assert code != 0
        assert b"503" in stderr
        assert_clean([stdout.decode(), stderr.decode()])
        assert not failed.exists()
