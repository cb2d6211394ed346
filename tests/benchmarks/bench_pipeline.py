"""Pipeline overhead: all of ``bizstim export clients`` (HTTP + decode + JSONL write) against raw GETs.

No added latency, so the comparison shows everything the client does per record. The CLI runs in-process
(its ``main``), the raw loop GETs the same pages with the same concurrency and throws the bytes away. A third
variant bounds what any pipeline can reach here: decoding and JSONL-encoding the same page bodies with no HTTP
at all (bodies fetched beforehand), on the one core the client process gets.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from aiobizstim._envelope import decode_page
from aiobizstim.cli import main as cli_main
from aiobizstim.cli._export import fewer_gc_passes
from aiobizstim.cli._formats import JsonLinesWriter
from aiobizstim.models import ClientSummary
from tests.benchmarks import _peers
from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._report import Row, Target

RUNS = 5
CLIENTS = 100_000
CONCURRENCY = 8  # the client's default max_concurrency


def _cli_export(url: str, key: str, out: Path) -> float:
    argv = ["export", "clients", "-o", str(out), "-q", "--base-url", url, "--api-key", key]
    start = time.perf_counter()
    code = cli_main(argv)
    elapsed = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"bizstim export exited with {code}")
    lines = sum(1 for _ in out.open("rb"))
    if lines != CLIENTS:
        raise RuntimeError(f"bizstim export wrote {lines} lines, expected {CLIENTS}")
    out.unlink()
    return CLIENTS / elapsed


def _raw(url: str, key: str, concurrency: int) -> float:
    start = time.perf_counter()
    count = asyncio.run(_peers.aiohttp_raw(url, key, concurrency=concurrency))
    elapsed = time.perf_counter() - start
    if count != CLIENTS:
        raise RuntimeError(f"raw loop saw {count} records, expected {CLIENTS}")
    return CLIENTS / elapsed


async def _bodies(url: str, key: str) -> list[bytes]:
    """Every page body of the list, as the export reads them (``PAGE`` records each)."""
    async with aiohttp.ClientSession(headers={"x-api-key": key}) as session:
        bodies = []
        for start in range(0, CLIENTS, _peers.PAGE):
            async with session.get(f"{url}/api/clients/{start}/{_peers.PAGE}") as resp:
                resp.raise_for_status()
                bodies.append(await resp.read())
    return bodies


def _decode_encode(bodies: list[bytes]) -> float:
    """Records/s of decoding every body and writing its records as JSONL to memory: no HTTP, no pagination."""
    sink = io.BytesIO()
    writer = JsonLinesWriter(sink)
    count = 0
    start = time.perf_counter()
    with fewer_gc_passes():
        for body in bodies:
            items = decode_page(body, ClientSummary).items
            writer.write_many(items)
            count += len(items)
            sink.seek(0)
            sink.truncate()
    elapsed = time.perf_counter() - start
    if count != CLIENTS:
        raise RuntimeError(f"decoded {count} records, expected {CLIENTS}")
    return CLIENTS / elapsed


def run() -> list[Row]:
    """Records/s of ``bizstim export clients`` vs raw GET loops (concurrent and sequential), interleaved."""
    section = f"pipeline {CLIENTS // 1000}k clients, no latency"
    rates: dict[str, list[float]] = {"cli": [], "raw": [], "raw1": [], "cpu": []}
    with FakeServer(CLIENTS) as server, tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        url, key = server.url, server.api_key
        out = Path(tmp) / "clients.jsonl"
        _cli_export(url, key, out)  # warm-up
        _raw(url, key, CONCURRENCY)
        bodies = asyncio.run(_bodies(url, key))
        for _ in range(RUNS):
            rates["cli"].append(_cli_export(url, key, out))
            rates["raw"].append(_raw(url, key, CONCURRENCY))
            rates["raw1"].append(_raw(url, key, 1))
            rates["cpu"].append(_decode_encode(bodies))
    cli = statistics.median(rates["cli"])
    raw = statistics.median(rates["raw"])
    return [
        Row(
            section,
            "bizstim export clients (JSONL, in-process)",
            "rec/s",
            rates["cli"],
            ratio=cli / raw,
            ratio_to="of raw loop",
            target=Target(">= 0.8x raw", min_ratio=0.8),
            note=f"raw loop = aiohttp GETs of the same pages, {CONCURRENCY} in flight, bytes discarded",
        ),
        Row(section, f"raw aiohttp GET loop, {CONCURRENCY} in flight", "rec/s", rates["raw"]),
        Row(
            section,
            "raw aiohttp GET loop, sequential",
            "rec/s",
            rates["raw1"],
            ratio=cli / statistics.median(rates["raw1"]),
            ratio_to="export/this",
        ),
        Row(
            section,
            "bound: decode + JSONL encode only, no HTTP",
            "rec/s",
            rates["cpu"],
            ratio=statistics.median(rates["cpu"]) / raw,
            ratio_to="of raw loop",
            note="the same page bodies fetched beforehand; the most any export pipeline could reach here",
        ),
    ]
