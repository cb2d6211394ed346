"""Exports under faults lose nothing: against FakeBizstim with the issue's fault mix, ``iter()``,
``iter_details()`` and ``bizstim export [--details]`` yield every record exactly once, byte-identical to a
fault-free run, with every retry counted (``bz.stats``) and logged. Permanent faults end in the typed error
naming the request, and the CLI exits non-zero leaving no file.

Fault mix (per request): 10 % 5xx (500/502/503, half with an HTML body), 5 % 429 with ``Retry-After: 0.2``,
3 % dropped connections, 2 % truncated bodies, plus 0-10 ms random latency. The fake's seed is chosen so
that every kind of fault occurs among the first 52 requests (the fault sequence is seeded).

Sizes and budgets: ``iter()`` and ``bizstim export`` run on 50,000 clients with the client's real retry
policy (``export_max_retries`` 8, backoff from 0.5 s). The detail fan-out makes one request per client, so
it runs on 2,000 clients in-process (millisecond backoff, same rules, ``Retry-After`` still honoured) and
1,000 through the CLI (real policy, ``--concurrency 32``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web

from aiobizstim import APIConnectionError, Bizstim, BizstimError, RetryPolicy, ServerError
from aiobizstim.models import to_builtins
from aiobizstim.testing import FakeBizstim, Faults, PageRequest
from tests._loopback import serving
from tests.robustness._support import QUICK_RETRIES

BIZSTIM = str(Path(sys.executable).with_name("bizstim"))

ISSUE_FAULTS = Faults(
    p_500=0.10 / 3,
    p_502=0.10 / 3,
    p_503=0.10 / 3,
    html_body_ratio=0.5,
    p_429=0.05,
    retry_after=0.2,
    p_drop=0.03,
    p_truncate=0.02,
)
#: With this seed every fault kind (and 5xx with both HTML and JSON bodies) is among the first 52 draws.
FAULT_SEED = 16
ALL_FAULT_KINDS = {"500", "502", "503", "429", "drop", "truncate"}

#: Millisecond backoff for the 2,000-lookup fan-out; Retry-After (0.2 s) still wins over it.
FAST_EXPORT = RetryPolicy(base=0.01, cap=0.2, jitter=0.5, max_retry_after=5.0)


def encoded(records: list[Any]) -> bytes:
    return msgspec.json.encode(to_builtins(records))


def faulted(fake: FakeBizstim) -> list[str]:
    return [r.fault for r in fake.requests if r.fault]


def check_retries(fake: FakeBizstim, retries: int, *, overlap: int = 20) -> None:
    """Every failed request the export needed was asked again (recovered), and ``retries`` (the client's
    count) matches the failures the server injected.

    One allowance: the iterator may prefetch one page it turns out not to need (it starts inside the overlap
    past the end of the list) and cancels it when the list ends, so a fault there is never retried. A dropped
    request that aiohttp re-sends by itself (it does, once, for an idempotent request whose connection
    drops before the answer) counts as a retry too.
    """
    log = fake.requests
    total = len(fake.client_ids())
    keys = [(r.path, tuple(sorted(r.query.items()))) for r in log]
    last = {key: n for n, key in enumerate(keys)}
    failures = [n for n, r in enumerate(log) if r.fault]
    unneeded = 0
    for n in failures:
        if last[keys[n]] == n:  # never asked again
            path = log[n].path
            offset = int(path.split("/")[3]) if path.startswith("/api/clients/") else -1
            assert offset + overlap >= total, f"a failed request was never retried: {log[n]}"
            unneeded += 1
    assert unneeded <= 1
    assert len(failures) - unneeded <= retries <= len(failures)


def retry_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "aiobizstim" and r.levelno == logging.WARNING and r.getMessage().startswith("retrying")
    ]


async def switch_faults_on(fake: FakeBizstim) -> None:
    fake.set_faults(ISSUE_FAULTS)
    fake.set_latency(0.0, 0.01)
    fake.reset_stats()


@pytest.fixture
async def big_fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=50_000, seed=FAULT_SEED) as server:
        yield server


async def test_iter_50k_under_faults_yields_every_client_once_like_a_clean_run(
    big_fake: FakeBizstim, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    async with Bizstim(api_key=big_fake.api_key, base_url=big_fake.url) as bz:
        clean = [c async for c in bz.clients.iter()]
    expected_ids = big_fake.client_ids()
    assert len(expected_ids) == 50_000
    assert [c.id for c in clean] == expected_ids

    await switch_faults_on(big_fake)
    caplog.clear()
    async with Bizstim(api_key=big_fake.api_key, base_url=big_fake.url) as bz:
        records = [c async for c in bz.clients.iter()]
        stats = bz.stats
    ids = [c.id for c in records]
    assert len(ids) == len(set(ids)) == 50_000
    assert ids == expected_ids
    assert encoded(records) == encoded(clean)
    faults = faulted(big_fake)
    assert set(faults) == ALL_FAULT_KINDS
    check_retries(big_fake, stats.retries)
    drops = faulted(big_fake).count("drop")  # aiohttp may resend those once by itself, unseen by the client
    assert stats.requests <= len(big_fake.requests) <= stats.requests + drops
    assert stats.errors == 0
    assert len(retry_logs(caplog)) == stats.retries


async def test_iter_details_under_faults_matches_a_clean_run(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="aiobizstim")
    async with FakeBizstim(clients=2_000, seed=FAULT_SEED) as fake:
        options: dict[str, Any] = {"api_key": fake.api_key, "base_url": fake.url, "max_concurrency": 16}
        async with Bizstim(**options) as bz:
            clean = [c async for c in bz.clients.iter_details()]
        await switch_faults_on(fake)
        caplog.clear()
        async with Bizstim(**options, retry_policy=FAST_EXPORT) as bz:
            started = asyncio.get_running_loop().time()
            records = [c async for c in bz.clients.iter_details()]
            stats = bz.stats
        ids = [c.id for c in records]
        assert ids == fake.client_ids()
        assert len(set(ids)) == 2_000
        assert encoded(records) == encoded(clean)
        faults = faulted(fake)
        assert set(faults) == ALL_FAULT_KINDS
        check_retries(fake, stats.retries)
        assert stats.retries > 300
        assert len(retry_logs(caplog)) == stats.retries
        # Retry-After is honoured: a retry after a 429 never reaches the server sooner than 0.2 s later.
        by_path: dict[tuple[str, str], list[Any]] = {}
        for r in fake.requests:
            by_path.setdefault((r.path, repr(sorted(r.query.items()))), []).append(r)
        gaps = [
            later.started - earlier.finished
            for attempts in by_path.values()
            for earlier, later in itertools.pairwise(attempts)
            if earlier.fault == "429"
        ]
        assert gaps
        assert min(gaps) >= 0.2 * 0.98, f"a retry came {min(gaps):.3f} s after a 429 with Retry-After: 0.2"
        assert asyncio.get_running_loop().time() - started < 30


async def run_cli(*args: str, api_key: str) -> tuple[int, str]:
    env = dict(os.environ, BIZSTIM_API_KEY=api_key)
    proc = await asyncio.create_subprocess_exec(
        BIZSTIM, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env
    )
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode(errors="replace")


async def test_cli_export_50k_under_faults_is_identical_to_a_clean_export(
    big_fake: FakeBizstim, tmp_path: Path
) -> None:
    clean, noisy = tmp_path / "clean.jsonl", tmp_path / "faults.jsonl"
    code, err = await run_cli(
        "export", "clients", "-o", str(clean), "--base-url", big_fake.url, api_key=big_fake.api_key
    )
    assert code == 0, err
    await switch_faults_on(big_fake)
    code, err = await run_cli(
        "-v", "export", "clients", "-o", str(noisy), "--base-url", big_fake.url, api_key=big_fake.api_key
    )
    assert code == 0, err
    assert noisy.read_bytes() == clean.read_bytes()
    lines = noisy.read_bytes().splitlines()
    ids = [msgspec.json.decode(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 50_000
    assert [int(i) for i in ids] == big_fake.client_ids()
    faults = faulted(big_fake)
    assert set(faults) == ALL_FAULT_KINDS
    logged = err.count("retrying GET")
    check_retries(big_fake, logged)  # every retry is logged (-v) ...
    assert f"{logged:,} {'retry' if logged == 1 else 'retries'}" in err  # ... and counted in the summary line
    assert sorted(os.listdir(tmp_path)) == ["clean.jsonl", "faults.jsonl"], "no temporary file left"


async def test_cli_export_details_under_faults_is_identical_to_a_clean_export(tmp_path: Path) -> None:
    async with FakeBizstim(clients=1_000, seed=FAULT_SEED) as fake:
        clean, noisy = tmp_path / "clean.jsonl", tmp_path / "faults.jsonl"
        common = ["export", "clients", "--details", "--concurrency", "32", "--base-url", fake.url]
        code, err = await run_cli(*common, "-o", str(clean), api_key=fake.api_key)
        assert code == 0, err
        await switch_faults_on(fake)
        code, err = await run_cli("-v", *common, "-o", str(noisy), api_key=fake.api_key)
        assert code == 0, err
        assert noisy.read_bytes() == clean.read_bytes()
        ids = [int(msgspec.json.decode(line)["id"]) for line in noisy.read_bytes().splitlines()]
        assert ids == fake.client_ids()
        faults = faulted(fake)
        assert set(faults) == ALL_FAULT_KINDS
        logged = err.count("retrying GET")
        check_retries(fake, logged)
        assert f"{logged:,} {'retry' if logged == 1 else 'retries'}" in err


# --- permanent faults -------------------------------------------------------------------------------------


@pytest.fixture
async def fake5k() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=5_000, seed=2) as server:
        yield server


async def test_a_page_that_keeps_failing_raises_the_typed_error_naming_it(fake5k: FakeBizstim) -> None:
    fake5k.fail_next(10_000, "/api/clients/1960/", status=503, html=True)  # the 3rd page (overlap 20)
    async with Bizstim(api_key=fake5k.api_key, base_url=fake5k.url, retry_policy=QUICK_RETRIES) as bz:
        got: list[int | None] = []

        async def export() -> None:
            async for c in bz.clients.iter():
                got.append(c.id)

        with pytest.raises(ServerError) as info:
            await export()
        budget = bz.config.export_max_retries
    assert info.value.request == "GET /api/clients/1960/1000"
    assert "GET /api/clients/1960/1000" in str(info.value)
    assert info.value.status == 503
    assert info.value.attempts == budget + 1
    assert sum(r.path == "/api/clients/1960/1000" for r in fake5k.requests) == budget + 1
    assert got == fake5k.client_ids()[: len(got)], "what was yielded before the error is correct"


async def test_a_lookup_that_keeps_failing_raises_the_typed_error_naming_it(fake5k: FakeBizstim) -> None:
    async with Bizstim(api_key=fake5k.api_key, base_url=fake5k.url, retry_policy=QUICK_RETRIES) as bz:
        details = bz.clients.iter_details(max_retries=2)
        first = await anext(details)
        fake5k.fail_next(10_000, "/api/client", status=500)
        with pytest.raises(ServerError) as info:
            async for _ in details:
                pass
    assert first.id == fake5k.client_ids()[0]
    assert info.value.request is not None
    assert info.value.request.startswith(("GET /api/client?id=", "GET /api/clients/"))
    assert info.value.attempts == 3


async def test_the_server_stopping_mid_export_raises_a_connection_error(fake5k: FakeBizstim) -> None:
    async with Bizstim(api_key=fake5k.api_key, base_url=fake5k.url, retry_policy=QUICK_RETRIES) as bz:
        got = 0

        async def export() -> None:
            nonlocal got
            async for _ in bz.clients.iter(page_size=100, window=2):
                got += 1
                if got == 1_000:
                    await fake5k.close()

        with pytest.raises(APIConnectionError) as info:
            await export()
    assert 1_000 <= got < 5_000
    assert info.value.request is not None
    assert info.value.request.startswith("GET /api/clients/")
    assert info.value.attempts == bz.config.export_max_retries + 1


def _close_on_page(number: int) -> Any:
    def hook(fake: FakeBizstim, page: PageRequest) -> None:
        if page.number == number:
            asyncio.get_running_loop().create_task(fake.close())

    return hook


@pytest.mark.parametrize("fault", ["page keeps failing", "server stops"])
async def test_cli_exits_non_zero_and_leaves_no_file_on_a_permanent_fault(
    fake5k: FakeBizstim, tmp_path: Path, fault: str
) -> None:
    out = tmp_path / "clients.jsonl"
    page_size = "1000"
    if fault == "page keeps failing":
        fake5k.fail_next(10_000, "/api/clients/980/", status=502)
    else:
        page_size = "100"  # 50 pages, at most 8 in flight: the server stops at the 10th
        fake5k.set_drift(_close_on_page(10))
    options = ["--base-url", fake5k.url, "--max-retries", "1", "--page-size", page_size]
    code, err = await run_cli("export", "clients", "-o", str(out), *options, api_key=fake5k.api_key)
    assert code != 0
    assert not out.exists()
    assert os.listdir(tmp_path) == [], "no partial or temporary file is left"
    last = err.strip().splitlines()[-1]
    assert last.startswith("bizstim: error:")
    if fault == "page keeps failing":
        assert "GET /api/clients/980/1000" in last
        assert "502" in last
    else:
        assert "GET /api/clients/" in last


# --- pagination drift ---------------------------------------------------------------------------------------


class Drift:
    """A drift hook: before each page is served, inserts and deletes clients (seeded), keeping score."""

    def __init__(self, seed: int, *, inserts: int, deletes: int, where: str) -> None:
        self.rng = random.Random(seed)
        self.inserts = inserts
        self.deletes = deletes
        self.where = where
        self.inserted: set[int] = set()
        self.deleted: set[int] = set()

    def __call__(self, fake: FakeBizstim, page: PageRequest) -> None:
        ids = fake.client_ids()
        if self.where == "front":
            at, victims = 0, ids[: self.deletes]
        elif self.where == "behind":  # before the page being read: the classic shift-left / shift-right
            at = self.rng.randint(0, max(page.start, 0))
            behind = ids[: max(page.start, self.deletes)]
            victims = self.rng.sample(behind, min(self.deletes, len(behind)))
        else:
            at = self.rng.randint(0, len(ids))
            victims = self.rng.sample(ids, min(self.deletes, len(ids)))
        if self.inserts:
            self.inserted.update(fake.insert_clients(self.inserts, at=at))
        if victims:
            self.deleted.update(victims)
            fake.delete_clients(victims)


DRIFTS: dict[str, tuple[int, int, str]] = {  # (inserts, deletes, where) before each page is served
    "insert 3 at the front per page": (3, 0, "front"),
    "delete 3 at the front per page": (0, 3, "front"),
    "insert+delete behind the reader": (4, 4, "behind"),
    "random churn": (5, 5, "anywhere"),
    "heavy shift right (> overlap)": (10, 0, "behind"),
    "heavy shift left (> overlap)": (0, 10, "behind"),
}


@pytest.mark.parametrize(
    ("with_faults", "pages"),
    [(False, False), (True, False), (False, True)],
    ids=["iter", "faults", "iter_pages"],
)
@pytest.mark.parametrize("scenario", DRIFTS.keys())
async def test_drift_never_duplicates_and_never_misses_a_stable_record(
    scenario: str, with_faults: bool, pages: bool
) -> None:
    """The documented guarantee (``aiobizstim._pagination``): no record twice, and every record that exists
    for the whole export is yielded, in list order; records inserted meanwhile may or may not appear."""
    async with FakeBizstim(clients=5_000, seed=4) as fake:
        initial = fake.client_ids()
        inserts, deletes, where = DRIFTS[scenario]
        drift = Drift(zlib.crc32(scenario.encode()), inserts=inserts, deletes=deletes, where=where)
        fake.set_drift(drift)
        if with_faults:
            fake.set_faults(ISSUE_FAULTS)
        async with Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=FAST_EXPORT) as bz:
            if pages:
                ids = [c.id async for page in bz.clients.iter_pages(page_size=100) for c in page]
            else:
                ids = [c.id async for c in bz.clients.iter(page_size=100)]
            stats = bz.stats
        final = fake.client_ids()
    assert len(ids) == len(set(ids)), "a record was yielded twice"
    stable = [i for i in initial if i not in drift.deleted]
    missing = set(stable) - set(ids)
    assert not missing, f"{len(missing)} records that existed throughout were missed"
    assert set(ids) <= set(initial) | drift.inserted, "a record that never existed was yielded"
    # Records that existed throughout come in list order (one inserted meanwhile may come late: a repair
    # re-reads an earlier page and yields what is new there).
    position = {cid: n for n, cid in enumerate(final)}
    yielded_stable = [i for i in ids if i in position and i not in drift.inserted]
    assert yielded_stable == sorted(yielded_stable, key=position.__getitem__), "not in list order"
    # The heavy scenarios move more than the overlap between page fetches: prove they really did.
    if "heavy shift left" in scenario:
        assert stats.drift_repairs > 0  # records moved into pages already read: gaps were bridged
    if "heavy shift right" in scenario:
        assert stats.duplicates_dropped > 2 * stats.pages  # records moved into pages not read yet


# --- a server that clamps the page size ------------------------------------------------------------------


@pytest.fixture
async def clamping_server() -> AsyncIterator[str]:
    """A server whose real page maximum (300) is below the documented one, with an honest ``total``."""
    count, real_max = 5_000, 300

    async def page(request: web.Request) -> web.Response:
        start, limit = int(request.match_info["start"]), int(request.match_info["limit"])
        rows = [{"id": str(i)} for i in range(start + 1, min(start + min(limit, real_max), count) + 1)]
        body = msgspec.json.encode({"status": "success", "total": count, "response": rows})
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/clients/{start}/{limit}", page)
    async with serving(app) as url:
        yield url


@pytest.mark.parametrize("pages", [False, True], ids=["iter", "iter_pages"])
async def test_a_server_that_clamps_the_page_size_never_truncates_silently(
    clamping_server: str, pages: bool
) -> None:
    """Short pages while ``total`` says more: either every record comes (once), or a typed error says
    why; a silent export of the first 300 of 5,000 records is the failure this guards against."""
    error: BizstimError | None = None
    ids: list[int | None] = []
    async with Bizstim(api_key="k" * 40, base_url=clamping_server, retry_policy=QUICK_RETRIES) as bz:
        try:
            if pages:
                ids = [c.id async for page in bz.clients.iter_pages() for c in page]
            else:
                ids = [c.id async for c in bz.clients.iter()]
        except BizstimError as exc:
            error = exc
    if error is not None:
        assert "300" in str(error) or "limit" in str(error), error
    else:
        assert ids == list(range(1, 5_001)), f"yielded {len(ids)} of 5,000 records and no error"
