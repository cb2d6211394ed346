"""aiobizstim's side of the export and pipeline benchmarks, as variants for :mod:`tests.benchmarks._isolated`.

Each warms up first (connection, decoders, compiled model hooks) with a small call, then times the full job.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from aiobizstim import Bizstim
from aiobizstim.cli import main as cli_main
from tests.benchmarks._peers import CONCURRENCY, PAGE

DETAIL_CONCURRENCY = 16


def _client(url: str, key: str, concurrency: int) -> Bizstim:
    return Bizstim(api_key=key, base_url=url, max_concurrency=concurrency, allow_insecure_http=True)


def iter_clients(url: str, key: str) -> tuple[int, float]:
    """Every client through ``clients.iter()`` at concurrency 8."""

    async def job() -> tuple[int, float]:
        async with _client(url, key, CONCURRENCY) as bz:
            async for _ in bz.clients.iter(max_items=2 * PAGE):
                pass
        count = 0
        start = time.perf_counter()
        async with _client(url, key, CONCURRENCY) as bz:
            async for _ in bz.clients.iter():
                count += 1
        return count, time.perf_counter() - start

    return asyncio.run(job())


def iter_details(url: str, key: str) -> tuple[int, float]:
    """Every client's full record through ``clients.iter_details()`` at concurrency 16."""

    async def job() -> tuple[int, float]:
        async with _client(url, key, DETAIL_CONCURRENCY) as bz:
            async for _ in bz.clients.iter_details(concurrency=DETAIL_CONCURRENCY, max_items=20):
                pass
        count = 0
        start = time.perf_counter()
        async with _client(url, key, DETAIL_CONCURRENCY) as bz:
            async for _ in bz.clients.iter_details(concurrency=DETAIL_CONCURRENCY):
                count += 1
        return count, time.perf_counter() - start

    return asyncio.run(job())


def cli_export(url: str, key: str) -> tuple[int, float]:
    """``bizstim export clients`` to a JSONL file (its ``main``, in this process); counts the lines."""
    return _cli_export_to(url, key, "jsonl")


def cli_export_cpu(url: str, key: str) -> tuple[int, dict[str, float]]:
    """:func:`cli_export`, timed both by the clock (``wall``) and in CPU seconds of this process (``cpu``)."""
    count, wall, cpu = _timed_cli_export(url, key, "jsonl")
    return count, {"wall": wall, "cpu": cpu}


def cli_export_parquet(url: str, key: str) -> tuple[int, float]:
    """``bizstim export clients`` to a Parquet file; counts the rows."""
    return _cli_export_to(url, key, "parquet")


def cli_export_duckdb(url: str, key: str) -> tuple[int, float]:
    """``bizstim export clients`` to a DuckDB file; counts the rows."""
    return _cli_export_to(url, key, "duckdb")


def _cli_export_to(url: str, key: str, fmt: str) -> tuple[int, float]:
    count, wall, _ = _timed_cli_export(url, key, fmt)
    return count, wall


def _timed_cli_export(url: str, key: str, fmt: str) -> tuple[int, float, float]:
    """Records written, wall seconds and CPU seconds of one export (after a small warm-up export)."""
    with tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        out = Path(tmp) / f"clients.{fmt}"
        argv = ["export", "clients", "-o", str(out), "-q", "--base-url", url, "--api-key", key]
        if cli_main([*argv, "--max-items", str(2 * PAGE)]) != 0:
            raise RuntimeError("bizstim export (warm-up) failed")
        start, cpu_start = time.perf_counter(), time.process_time()
        code = cli_main(argv)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        if code != 0:
            raise RuntimeError(f"bizstim export exited with {code}")
        if fmt != "jsonl":
            import duckdb

            with duckdb.connect(str(out) if fmt == "duckdb" else ":memory:") as db:
                row = db.execute(f"SELECT count(*) FROM {'clients' if fmt == 'duckdb' else repr(str(out))}")
                return int((row.fetchone() or (0,))[0]), elapsed, cpu
        with out.open("rb") as lines:
            return sum(1 for _ in lines), elapsed, cpu
