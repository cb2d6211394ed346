"""aiobizstim's side of the export and pipeline benchmarks, as variants for :mod:`tests.benchmarks._isolated`.

Each warms up first (connection, decoders, compiled model hooks) with a small call, then times the full job.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from pathlib import Path

import aiohttp

from aiobizstim import Bizstim
from aiobizstim._envelope import decode_page
from aiobizstim.cli import main as cli_main
from aiobizstim.cli._export import fewer_gc_passes
from aiobizstim.cli._formats import JsonLinesWriter
from aiobizstim.models import ClientSummary
from tests.benchmarks._peers import CONCURRENCY, PAGE, pages_url

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


def cli_export_parquet(url: str, key: str) -> tuple[int, float]:
    """``bizstim export clients`` to a Parquet file; counts the rows."""
    return _cli_export_to(url, key, "parquet")


def cli_export_duckdb(url: str, key: str) -> tuple[int, float]:
    """``bizstim export clients`` to a DuckDB file; counts the rows."""
    return _cli_export_to(url, key, "duckdb")


def _cli_export_to(url: str, key: str, fmt: str) -> tuple[int, float]:
    with tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        out = Path(tmp) / f"clients.{fmt}"
        argv = ["export", "clients", "-o", str(out), "-q", "--base-url", url, "--api-key", key]
        if cli_main([*argv, "--max-items", str(2 * PAGE)]) != 0:
            raise RuntimeError("bizstim export (warm-up) failed")
        start = time.perf_counter()
        code = cli_main(argv)
        elapsed = time.perf_counter() - start
        if code != 0:
            raise RuntimeError(f"bizstim export exited with {code}")
        if fmt != "jsonl":
            import duckdb

            with duckdb.connect(str(out) if fmt == "duckdb" else ":memory:") as db:
                row = db.execute(f"SELECT count(*) FROM {'clients' if fmt == 'duckdb' else repr(str(out))}")
                return int((row.fetchone() or (0,))[0]), elapsed
        with out.open("rb") as lines:
            return sum(1 for _ in lines), elapsed


def decode_encode_bound(url: str, key: str) -> tuple[int, float]:
    """Decode every page body and write its records as JSONL to memory: no HTTP, no pagination.

    The bodies are fetched first (untimed); what is timed is the CPU work no export pipeline can skip.
    """

    async def fetch_all() -> list[bytes]:
        async with aiohttp.ClientSession(headers={"x-api-key": key}) as session:
            async with session.get(pages_url(url, 0)) as resp:
                resp.raise_for_status()
                first = await resp.read()
            total = int(decode_page(first, ClientSummary).total or 0)
            bodies = [first]
            for offset in range(PAGE, total, PAGE):
                async with session.get(pages_url(url, offset)) as resp:
                    resp.raise_for_status()
                    bodies.append(await resp.read())
        return bodies

    bodies = asyncio.run(fetch_all())
    sink = io.BytesIO()
    writer = JsonLinesWriter(sink)
    writer.write_many(decode_page(bodies[0], ClientSummary).items)  # warm-up
    count = 0
    start = time.perf_counter()
    with fewer_gc_passes():
        for body in bodies:
            items = decode_page(body, ClientSummary).items
            writer.write_many(items)
            count += len(items)
            sink.seek(0)
            sink.truncate()
    return count, time.perf_counter() - start
