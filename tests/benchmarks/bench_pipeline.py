"""Pipeline overhead: all of ``bizstim export clients`` (HTTP + decode + JSONL write) against raw GETs.

No added latency, so the comparison shows everything the client does per record. The CLI runs in-process
(its ``main``), the raw loop GETs the same pages with the same concurrency and throws the bytes away.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiobizstim.cli import main as cli_main
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


def run() -> list[Row]:
    """Records/s of ``bizstim export clients`` vs raw GET loops (concurrent and sequential), interleaved."""
    section = f"pipeline {CLIENTS // 1000}k clients, no latency"
    rates: dict[str, list[float]] = {"cli": [], "raw": [], "raw1": []}
    with FakeServer(CLIENTS) as server, tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        url, key = server.url, server.api_key
        out = Path(tmp) / "clients.jsonl"
        _cli_export(url, key, out)  # warm-up
        _raw(url, key, CONCURRENCY)
        for _ in range(RUNS):
            rates["cli"].append(_cli_export(url, key, out))
            rates["raw"].append(_raw(url, key, CONCURRENCY))
            rates["raw1"].append(_raw(url, key, 1))
    cli = statistics.median(rates["cli"])
    return [
        Row(
            section,
            "bizstim export clients (JSONL, in-process)",
            "rec/s",
            rates["cli"],
            ratio=cli / statistics.median(rates["raw"]),
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
    ]
