"""The real ``bizstim`` console script, run as a subprocess against a FakeBizstim in the test process."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import json
import logging
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aiobizstim.cli import main
from aiobizstim.cli._commands import fake_server
from aiobizstim.cli._export import EXPORT_GC_THRESHOLD, LISTABLE, ExportResult, ExportSpec, fewer_gc_passes
from aiobizstim.cli._formats import csv_header
from aiobizstim.cli._parser import build_parser
from aiobizstim.models import Client, ClientSummary
from aiobizstim.testing import FakeBizstim, Faults

CLIENTS = 2_345
TIMEOUT = 30.0


def _script() -> str:
    found = shutil.which("bizstim", path=os.path.dirname(sys.executable))
    assert found is not None, "the bizstim console script is not installed next to the interpreter"
    return found


BIZSTIM = _script()


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


async def bizstim(*args: str | Path, env: Mapping[str, str] | None = None, closed: int | None = None) -> Run:
    """Run the console script with ``env`` added to a clean copy of the environment (and started without
    file descriptor ``closed``, as ``>&-`` in a shell does)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BIZSTIM_")}
    full_env.update(env or {})
    shell = [] if closed is None else ["/bin/sh", "-c", f'exec "$0" "$@" {closed}>&-']
    proc = await asyncio.create_subprocess_exec(
        *shell,
        BIZSTIM,
        *map(str, args),
        env=full_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


def env_for(fake: FakeBizstim) -> dict[str, str]:
    return {"BIZSTIM_API_KEY": fake.api_key, "BIZSTIM_BASE_URL": fake.url}


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=7) as server:
        yield server


async def test_export_clients_jsonl_every_id_once_in_order(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    run = await bizstim("export", "clients", "-o", out, env=env_for(fake))
    assert run.code == 0, run.stderr
    assert run.stdout == ""  # progress and summary go to stderr only
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == fake.client_ids()
    assert len(records) == CLIENTS
    assert list(records[0]) == csv_header(ClientSummary)
    assert isinstance(records[0]["email"], list)
    summary = run.error_lines[-1]
    assert summary.startswith(f"bizstim: exported {CLIENTS:,} clients to {out} in ")
    assert "rec/s" in summary
    assert "retries" in summary
    assert temp_files(tmp_path) == []


async def test_export_clients_csv(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.csv"
    run = await bizstim(
        "export", "clients", "-o", out, "--page-size", "500", "--concurrency", "3", env=env_for(fake)
    )
    assert run.code == 0, run.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == csv_header(ClientSummary)
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [int(r["id"]) for r in body] == fake.client_ids()
    first = fake.client(fake.client_ids()[0])
    assert first is not None
    emails = [e.strip() for e in first["email"].split(",") if e.strip()]
    assert body[0]["email"] == ",".join(emails)
    assert body[0]["first_name"] == first["first_name"]


async def test_export_json_array_with_max_items(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.json"
    run = await bizstim(
        "export", "clients", "-o", out, "--max-items", "1234", "--page-size", "300", env=env_for(fake)
    )
    assert run.code == 0, run.stderr
    assert [r["id"] for r in json.loads(out.read_bytes())] == fake.client_ids()[:1234]


async def test_export_every_other_resource(fake: FakeBizstim, tmp_path: Path) -> None:
    resources = [r for r in LISTABLE if r != "clients"]
    runs = await asyncio.gather(
        *(bizstim("export", r, "-o", tmp_path / f"{r}.jsonl", "-q", env=env_for(fake)) for r in resources)
    )
    for resource, run in zip(resources, runs, strict=True):
        assert run.code == 0, (resource, run.stderr)
        assert run.stderr == "", resource  # --quiet
        exported = [
            json.loads(line)["id"] for line in (tmp_path / f"{resource}.jsonl").read_text().splitlines()
        ]
        assert exported == [int(r["id"]) for r in fake.records(resource)], resource


async def test_export_details(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "details.csv"
    args = ("export", "clients", "--details", "--max-items", "60", "--concurrency", "6", "-o", out)
    run = await bizstim(*args, env=env_for(fake))
    assert run.code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert list(rows[0]) == csv_header(Client)
    assert [int(r["id"]) for r in rows] == fake.client_ids()[:60]
    for row in rows:
        wire = fake.client(int(row["id"]))
        assert wire is not None
        assert row["username"] == wire["username"]
        assert row["hide_costs"] == ("1" if wire["hide costs"] == "1" else "0")
    detail_gets = [r for r in fake.requests if r.path == "/api/client"]
    assert len(detail_gets) == 60
    assert fake.max_in_flight <= 6


async def test_export_details_fails_when_lookups_answer_a_bare_404(fake: FakeBizstim, tmp_path: Path) -> None:
    """A 404 that is not the API's own "no such client" (a proxy, a wrong route) fails the export: taken for
    clients deleted meanwhile, every client was skipped and the export 'succeeded' with 0 records."""
    out = tmp_path / "details.jsonl"
    fake.fail_next(1000, "/api/client?", status=404)
    run = await bizstim("export", "clients", "--details", "--max-items", "60", "-o", out, env=env_for(fake))
    assert run.code == 1
    assert "NotFoundError" in run.error_lines[-1]
    assert not out.exists()


def test_the_summary_counts_the_clients_gone_since_listed(tmp_path: Path) -> None:
    spec = ExportSpec("clients", tmp_path / "d.jsonl", details=True)
    result = ExportResult(spec, records=59, seconds=1.0, requests=61, retries=0, gone=1)
    assert result.summary().endswith("; 1 client gone since listed, skipped)")


async def test_progress_bar_goes_to_stderr_only(fake: FakeBizstim, tmp_path: Path) -> None:
    fake.set_latency(0.02)
    out = tmp_path / "clients.jsonl"
    args = ("export", "clients", "-o", out, "--page-size", "100", "--concurrency", "2", "--progress", "bar")
    run = await bizstim(*args, env=env_for(fake))
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    assert "\r\x1b[2K" in run.stderr
    assert f"/{CLIENTS:,}" in run.stderr  # the bar knows the total (ETA)
    assert "ETA" in run.stderr
    assert run.stderr.rstrip().splitlines()[-1].split("\x1b[2K")[-1].startswith("bizstim: exported")
    # The total comes from the iterator's own pages: no extra one-record request to learn it (issue 12).
    assert all(r.query == {} and not r.path.endswith("/0/1") for r in fake.requests)


@pytest.mark.parametrize("existing", [False, True])
async def test_permanent_failure_leaves_no_file(fake: FakeBizstim, tmp_path: Path, existing: bool) -> None:
    out = tmp_path / "clients.jsonl"
    if existing:
        out.write_text("old content\n")
    fake.fail_next(10_000, path_prefix="/api/clients/", status=503)
    run = await bizstim("export", "clients", "-o", out, "--max-retries", "1", env=env_for(fake))
    assert run.code == 1
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert line.startswith(f"bizstim: error: export failed, nothing written to {out}: ServerError: HTTP 503")
    assert "GET /api/clients/" in line
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    if existing:
        assert out.read_text() == "old content\n"
    else:
        assert not out.exists()
    assert temp_files(tmp_path) == []


async def test_failure_midway_leaves_no_file(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.csv"
    fake.fail_next(10_000, path_prefix="/api/clients/1", status=500)  # pages after the first ones fail
    args = ("export", "clients", "-o", out, "--page-size", "200", "--max-retries", "0", "--concurrency", "1")
    run = await bizstim(*args, env=env_for(fake))
    assert run.code == 1
    assert len(run.error_lines) == 1, run.stderr
    assert "ServerError: HTTP 500" in run.error_lines[0]
    assert not out.exists()
    assert temp_files(tmp_path) == []


async def test_wrong_key_is_one_line_and_never_printed(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    wrong = "k" * 40
    env = {**env_for(fake), "BIZSTIM_API_KEY": wrong}
    run = await bizstim("export", "clients", "-o", out, env=env)
    assert run.code == 1
    assert len(run.error_lines) == 1, run.stderr
    assert "AuthenticationError: HTTP 403" in run.error_lines[0]
    assert wrong not in run.stderr
    assert not out.exists()
    assert temp_files(tmp_path) == []


async def test_missing_key_names_flag_and_variable(tmp_path: Path) -> None:
    run = await bizstim("export", "clients", "-o", tmp_path / "x.jsonl")
    assert run.code == 2
    assert run.error_lines == ["bizstim: error: no API key: pass --api-key KEY or set $BIZSTIM_API_KEY"]
    assert listing(tmp_path) == []


async def test_usage_errors_exit_2(fake: FakeBizstim, tmp_path: Path) -> None:
    env = env_for(fake)
    insecure_env = {**env, "BIZSTIM_BASE_URL": "http://example.com"}
    missing_dir, details, bad_resource, insecure, page_size, blank, zero = await asyncio.gather(
        bizstim("export", "clients", "-o", tmp_path / "nope" / "x.jsonl", env=env),
        bizstim("export", "discounts", "--details", "-o", tmp_path / "x.jsonl", env=env),
        bizstim("export", "widgets", "-o", tmp_path / "x.jsonl", env=env),
        bizstim("get", "discount", "--id", "1", env=insecure_env),
        bizstim("export", "discounts", "--page-size", "101", "-o", tmp_path / "x.jsonl", env=env),
        bizstim("get", "client", "--email", " ", env=env),
        bizstim("export", "clients", "--max-items", "0", "-o", tmp_path / "x.jsonl", env=env),
    )
    assert page_size.code == 2
    assert page_size.error_lines == [
        "bizstim: error: --page-size for discounts is at most 100 (the API's maximum)"
    ]
    assert blank.code == 2
    assert blank.error_lines == ["bizstim: error: email must not be empty or blank"]
    assert zero.code == 2
    assert "--max-items: must be at least 1" in zero.stderr
    assert missing_dir.code == 2
    assert missing_dir.error_lines == [
        f"bizstim: error: output directory does not exist: {tmp_path / 'nope'}"
    ]
    assert details.code == 2
    assert details.error_lines == ["bizstim: error: --details works with clients only"]
    assert bad_resource.code == 2
    assert "invalid choice: 'widgets'" in bad_resource.stderr
    assert insecure.code == 2
    assert len(insecure.error_lines) == 1
    assert "refusing plain http://" in insecure.error_lines[0]
    assert fake.requests == []
    assert listing(tmp_path) == []


async def test_get_prints_one_record_as_json(fake: FakeBizstim) -> None:
    env = env_for(fake)
    client_id = fake.client_ids()[3]
    wire = fake.client(client_id)
    assert wire is not None
    discount_id = int(fake.records("discounts")[0]["id"])
    by_id, by_name, discount, link = await asyncio.gather(
        bizstim("get", "client", "--id", str(client_id), env=env),
        bizstim(
            "get", "client", "--first-name", wire["first_name"], "--last-name", wire["last_name"], env=env
        ),
        bizstim("get", "discount", "--id", str(discount_id), env=env),
        bizstim("get", "ondemand", "--identifier", "9054554671B", "--primary", "1", env=env),
    )
    assert by_id.code == 0, by_id.stderr
    assert by_id.stderr == ""
    record = json.loads(by_id.stdout)
    assert record["id"] == client_id
    assert record["username"] == wire["username"]
    assert list(record) == csv_header(Client)
    assert by_name.code == 0, by_name.stderr
    assert json.loads(by_name.stdout)["last_name"] == wire["last_name"]
    assert discount.code == 0, discount.stderr
    assert json.loads(discount.stdout)["id"] == discount_id
    assert link.code == 0, link.stderr
    assert isinstance(json.loads(link.stdout), str)


async def test_get_unknown_record_fails_in_one_line(fake: FakeBizstim) -> None:
    run = await bizstim("get", "discount", "--id", "999999", env=env_for(fake))
    assert run.code == 1
    assert run.stdout == ""
    assert len(run.error_lines) == 1, run.stderr
    assert run.error_lines[0].startswith("bizstim: error: ")


async def test_ctrl_c_exits_130_without_a_file(fake: FakeBizstim, tmp_path: Path) -> None:
    fake.set_latency(0.05)
    out = tmp_path / "clients.jsonl"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BIZSTIM_")} | env_for(fake)
    args = ["export", "clients", "-o", str(out), "--page-size", "20", "--concurrency", "1", "-vv"]
    proc = await asyncio.create_subprocess_exec(
        BIZSTIM, *args, env=full_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    async with asyncio.timeout(TIMEOUT):
        # -vv logs each response: after the first one the export is under way: its temp file exists, with
        # the lock that marks it as a live run's.
        first = (await proc.stderr.readline()).decode()
        assert first.startswith("bizstim: DEBUG: GET /api/clients/"), first
        assert [name.rsplit(".", 1)[-1] for name in temp_files(tmp_path)] == ["lock", "tmp"]
        proc.send_signal(signal.SIGINT)
        _, err = await proc.communicate()
    assert proc.returncode == 130
    assert err.decode().strip().splitlines()[-1] == "bizstim: error: interrupted; nothing was written"
    assert len(fake.requests) < CLIENTS // 20  # it stopped early
    assert not out.exists()
    assert temp_files(tmp_path) == []


async def test_demo_runs_small(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    args = ("demo", "--clients", "1500", "--details", "40", "--latency-ms", "1", "-o", out_dir)
    run = await bizstim(*args)
    assert run.code == 0, run.stderr
    assert "FakeBizstim" in run.stdout
    assert f"files written to {out_dir}" in run.stdout
    assert "requests" in run.stdout
    assert "retries" in run.stdout
    lines = (out_dir / "clients.jsonl").read_text().splitlines()
    assert len(lines) == 1500
    assert len((out_dir / "clients.csv").read_text().splitlines()) == 1501
    details = [json.loads(line) for line in (out_dir / "client-details.jsonl").read_text().splitlines()]
    assert [d["id"] for d in details] == [json.loads(line)["id"] for line in lines[:40]]


async def shell_eval(*lines: str) -> dict[str, str]:
    """The BIZSTIM_* variables a POSIX shell has after ``eval``-ing ``lines`` one by one."""
    script = (
        'for line in "$@"; do eval "$line" || exit 1; done; '
        'printf "%s\\0%s" "$BIZSTIM_BASE_URL" "$BIZSTIM_API_KEY"'
    )
    proc = await asyncio.create_subprocess_exec(
        "sh", "-c", script, "sh", *lines, stdout=asyncio.subprocess.PIPE, env={"PATH": os.defpath}
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0
    url, key = out.decode().split("\0")
    return {"BIZSTIM_BASE_URL": url, "BIZSTIM_API_KEY": key}


@pytest.mark.parametrize(
    "command",
    [[BIZSTIM, "fake-server"], [sys.executable, "-m", "aiobizstim.testing"]],
    ids=["bizstim fake-server", "python -m aiobizstim.testing"],
)
async def test_fake_server_command(tmp_path: Path, command: list[str]) -> None:
    key = 'it\'s a "$key" `x` \\ ;'  # the lines are shell-quoted: eval gives back exactly this
    proc = await asyncio.create_subprocess_exec(
        *command,
        "--port",
        "0",
        "--clients",
        "120",
        "--api-key",
        key,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(TIMEOUT):
            url_line = (await proc.stdout.readline()).decode().strip()
            key_line = (await proc.stdout.readline()).decode().strip()
        assert url_line.startswith("export BIZSTIM_BASE_URL=http://127.0.0.1:")
        assert key_line.startswith("export BIZSTIM_API_KEY=")
        env = await shell_eval(url_line, key_line)
        assert env["BIZSTIM_API_KEY"] == key
        assert env["BIZSTIM_BASE_URL"] == url_line.split("=", 1)[1]  # a URL needs no quoting
        out = tmp_path / "c.jsonl"
        run = await bizstim("export", "clients", "-o", out, env=env)
        assert run.code == 0, run.stderr
        assert len(out.read_text().splitlines()) == 120
    finally:
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(TIMEOUT):
            await proc.communicate()
    assert proc.returncode == 0


def test_fake_server_listens_where_it_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("aiobizstim.testing.serve", lambda **kwargs: seen.update(kwargs))
    assert fake_server(build_parser().parse_args(["fake-server"])) == 0
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8765)
    assert fake_server(build_parser().parse_args(["fake-server", "--host", "0.0.0.0", "--port", "0"])) == 0
    assert (seen["host"], seen["port"]) == ("0.0.0.0", 0)


FAULT_MIX = Faults(
    p_500=0.035,
    p_502=0.03,
    p_503=0.035,
    html_body_ratio=0.5,
    p_429=0.05,
    retry_after=0.2,
    p_drop=0.03,
    p_truncate=0.02,
)


async def test_export_under_faults_is_exact(tmp_path: Path) -> None:
    """Issue 5: 50,000 clients through 10% 5xx, 5% 429, 3% drops, 2% truncation and jitter: same bytes."""
    clean, faulty = tmp_path / "clean.jsonl", tmp_path / "faulty.jsonl"
    async with FakeBizstim(clients=50_000, seed=11) as server:
        run = await bizstim("export", "clients", "-o", clean, "-q", env=env_for(server))
        assert run.code == 0, run.stderr
        server.set_faults(FAULT_MIX)
        server.set_latency(0.0, 0.02)
        run = await bizstim("export", "clients", "-o", faulty, env=env_for(server))
        assert run.code == 0, run.stderr
        ids = server.client_ids()
    assert clean.read_bytes() == faulty.read_bytes()
    assert [json.loads(line)["id"] for line in faulty.read_text().splitlines()] == ids
    retries = int(run.error_lines[-1].rsplit(", ", 1)[1].split()[0].replace(",", ""))
    assert retries > 0  # faults really happened, and the summary counted them


async def test_details_under_faults_is_exact(tmp_path: Path) -> None:
    clean, faulty = tmp_path / "clean.jsonl", tmp_path / "faulty.jsonl"
    args = ("export", "clients", "--details", "--max-items", "400", "--concurrency", "16")
    async with FakeBizstim(clients=1_000, seed=12) as server:
        run = await bizstim(*args, "-o", clean, "-q", env=env_for(server))
        assert run.code == 0, run.stderr
        server.set_faults(FAULT_MIX)
        run = await bizstim(*args, "-o", faulty, env=env_for(server))
        assert run.code == 0, run.stderr
        ids = server.client_ids()[:400]
    assert clean.read_bytes() == faulty.read_bytes()
    assert [json.loads(line)["id"] for line in faulty.read_text().splitlines()] == ids


async def test_main_in_process_leaves_logging_as_it_was(fake: FakeBizstim, tmp_path: Path) -> None:
    logger = logging.getLogger("aiobizstim")
    before = (list(logger.handlers), logger.level, logger.propagate)
    argv = ["export", "discounts", "-o", str(tmp_path / "d.csv"), "-q", "--api-key", fake.api_key]
    for _ in range(2):
        code = await asyncio.to_thread(main, [*argv, "--base-url", fake.url, "-v"])
        assert code == 0
    assert (list(logger.handlers), logger.level, logger.propagate) == before
    assert len((tmp_path / "d.csv").read_text().splitlines()) == len(fake.records("discounts")) + 1


async def test_main_in_process_restores_the_gc_threshold(fake: FakeBizstim, tmp_path: Path) -> None:
    before = gc.get_threshold()
    ok = ["export", "discounts", "-o", str(tmp_path / "d.jsonl"), "-q", "--base-url", fake.url]
    assert await asyncio.to_thread(main, [*ok, "--api-key", fake.api_key]) == 0
    assert gc.get_threshold() == before
    assert await asyncio.to_thread(main, [*ok, "--api-key", "wrong"]) == 1
    assert gc.get_threshold() == before


def test_fewer_gc_passes_raises_the_threshold_only_inside() -> None:
    before = gc.get_threshold()
    inside = []

    def fail() -> None:
        with fewer_gc_passes():
            inside.append(gc.get_threshold())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert inside == [(EXPORT_GC_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before


async def test_rate_flag_spaces_requests(fake: FakeBizstim, tmp_path: Path) -> None:
    args = ("export", "discounts", "-o", tmp_path / "d.jsonl", "-q", "--page-size", "5", "--rate", "20")
    run = await bizstim(*args, env=env_for(fake))
    assert run.code == 0, run.stderr
    starts = sorted(r.started for r in fake.requests)
    assert len(starts) >= 6
    assert starts[-1] - starts[0] >= (len(starts) - 1) / 20 * 0.8


async def test_server_gone_mid_export_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    out.write_text("previous export\n")
    async with FakeBizstim(clients=2_000, seed=3, latency=0.05) as server:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BIZSTIM_")} | env_for(server)
        args = ["export", "clients", "-o", str(out), "--page-size", "50", "--concurrency", "1"]
        proc = await asyncio.create_subprocess_exec(
            BIZSTIM, *args, "--max-retries", "1", "-vv", env=full_env, stderr=asyncio.subprocess.PIPE
        )
        assert proc.stderr is not None
        async with asyncio.timeout(TIMEOUT):
            await proc.stderr.readline()  # the first page arrived: the export is under way
    # the server is closed now
    async with asyncio.timeout(TIMEOUT):
        err = (await proc.stderr.read()).decode()
        await proc.wait()
    assert proc.returncode == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"bizstim: error: export failed, nothing written to {out}: APIConnectionError: ")
    assert "GET /api/clients/" in last
    assert out.read_text() == "previous export\n"
    assert temp_files(tmp_path) == []


async def test_a_closed_stdout_is_one_line_and_a_closed_stderr_is_quiet(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    """Python sets a stream the process was started without to None: writing then raised a bare
    AttributeError ('NoneType' object has no attribute 'flush')."""
    run = await bizstim("export", "clients", "-o", "-", "--max-items", "5", env=env_for(fake), closed=1)
    assert run.code == 1
    assert run.error_lines == [
        "bizstim: error: export failed, nothing written to stdout: OSError: standard output is closed"
    ]
    run = await bizstim("get", "client", "--id", str(fake.client_ids()[0]), env=env_for(fake), closed=1)
    assert (run.code, run.error_lines) == (1, ["bizstim: error: OSError: standard output is closed"])
    out = tmp_path / "clients.jsonl"
    run = await bizstim("export", "clients", "-o", str(out), "--max-items", "5", env=env_for(fake), closed=2)
    assert (run.code, run.stdout) == (0, "")
    assert len(out.read_text().splitlines()) == 5


async def test_a_suffix_that_names_no_format_is_told(fake: FakeBizstim, tmp_path: Path) -> None:
    """``-o x.txt`` writes JSON Lines and says so; ``-o x.csv.gz`` wrote plain JSON Lines under a name that
    promises gzip, which an ops review found said only without ``-q``: it is refused, nothing requested."""
    run = await bizstim("export", "discounts", "-o", tmp_path / "x.txt", env=env_for(fake))
    assert run.code == 0, run.stderr
    assert run.stderr.splitlines()[0] == (
        "bizstim: the suffix .txt of x.txt names no format: writing JSON Lines (--format chooses)"
    )
    assert json.loads((tmp_path / "x.txt").read_text().splitlines()[0])["id"]
    before = len(fake.requests)
    for flags in ((), ("-q",)):
        run = await bizstim("export", "discounts", "-o", tmp_path / "x.csv.gz", *flags, env=env_for(fake))
        assert (run.code, run.stderr) == (
            2,
            "bizstim: error: x.csv.gz names a compressed file, and bizstim export writes none: pipe it "
            "instead (-o - --format csv | gzip > x.csv.gz), or give --format to write it uncompressed under "
            "that name\n",
        )
    assert len(fake.requests) == before
    assert not (tmp_path / "x.csv.gz").exists()
    for quiet in (
        ("export", "discounts", "-o", tmp_path / "y.jsonl"),
        ("export", "discounts", "-o", tmp_path / "z"),
    ):
        assert "names no format" not in (await bizstim(*quiet, env=env_for(fake))).stderr
    run = await bizstim(
        "export", "discounts", "-o", tmp_path / "x.csv.gz", "--format", "csv", env=env_for(fake)
    )
    assert run.code == 0, run.stderr  # --format: written as asked, under that name, without a note
    assert run.stderr.startswith("bizstim: exported 30 discounts to ")
    assert (tmp_path / "x.csv.gz").read_text().startswith("id,")


async def test_page_size_for_a_list_sent_whole_is_refused(fake: FakeBizstim, tmp_path: Path) -> None:
    """It was taken and ignored: testimonials come in one list."""
    run = await bizstim(
        "export", "testimonials", "-o", tmp_path / "t.jsonl", "--page-size", "10", env=env_for(fake)
    )
    assert run.code == 2
    assert run.error_lines == [
        "bizstim: error: --page-size does not apply to testimonials: the API sends them in one list"
    ]
    assert fake.requests == []
