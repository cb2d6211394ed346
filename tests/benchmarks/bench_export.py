"""Export speed against the ideal: ``clients.iter()`` and ``clients.iter_details()`` over a laggy fake.

The fake runs in another process and delays every response by a fixed latency; with that latency dominating,
the ideal time is set by the number of request rounds the concurrency allows. The naive peers run against
the same server, interleaved with aiobizstim in every run; every timed run is a fresh interpreter
(:mod:`tests.benchmarks._isolated`).
"""

from __future__ import annotations

import math
import statistics

from tests.benchmarks import _ours, _peers
from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._isolated import run_isolated
from tests.benchmarks._report import Row, Target

RUNS = 5
PAGE = _peers.PAGE

ITER_CLIENTS, ITER_LATENCY, ITER_CONCURRENCY = 100_000, 0.050, _peers.CONCURRENCY
DETAIL_CLIENTS, DETAIL_LATENCY, DETAIL_CONCURRENCY = 5_000, 0.020, _ours.DETAIL_CONCURRENCY

ITER_VARIANTS = {
    "ours": "tests.benchmarks._ours:iter_clients",
    "raw": "tests.benchmarks._peers:raw_concurrent_timed",
    "aiohttp": "tests.benchmarks._peers:aiohttp_sequential_timed",
    "httpx": "tests.benchmarks._peers:httpx_pydantic_timed",
}


def iter_ideal(records: int, latency: float, concurrency: int) -> float:
    """First page, then the remaining pages ``concurrency`` at a time."""
    pages = math.ceil(records / PAGE)
    return latency * (1 + math.ceil((pages - 1) / concurrency))


def details_ideal(records: int, latency: float, concurrency: int) -> float:
    """First list page, then the other list pages and one GET per client, ``concurrency`` at a time."""
    pages = math.ceil(records / PAGE)
    return latency * (1 + math.ceil((pages - 1 + records) / concurrency))


def _iter_rows() -> list[Row]:
    section = f"export {ITER_CLIENTS // 1000}k clients, {ITER_LATENCY * 1000:.0f} ms latency"
    ideal = iter_ideal(ITER_CLIENTS, ITER_LATENCY, ITER_CONCURRENCY)
    times: dict[str, list[float]] = {"ours": [], "raw": [], "aiohttp": [], "httpx": []}
    with FakeServer(ITER_CLIENTS) as server:
        server.set_latency(ITER_LATENCY)
        peak = 0
        for _ in range(RUNS):
            for name, spec in ITER_VARIANTS.items():
                times[name].append(run_isolated(spec, server.url, server.api_key, expected=ITER_CLIENTS))
                if name == "ours":
                    peak = max(peak, int(server.stats()["max_in_flight"]))
                else:
                    server.stats()  # reset the counters
    ours = statistics.median(times["ours"])
    return [
        Row(
            section,
            f"aiobizstim clients.iter(), concurrency {ITER_CONCURRENCY}",
            "s",
            times["ours"],
            ratio=ours / ideal,
            ratio_to="of ideal",
            target=Target("<= 1.2x ideal", max_ratio=1.2),
            note=f"ideal {ideal:.3f} s = first page + ceil(99/8) x 50 ms; server saw {peak} in flight",
        ),
        Row(
            section,
            f"raw aiohttp GET loop, {ITER_CONCURRENCY} in flight, no decoding",
            "s",
            times["raw"],
            ratio=statistics.median(times["raw"]) / ideal,
            ratio_to="of ideal",
            note="the floor with this server: what the fake itself adds to the ideal",
        ),
        Row(
            section,
            "naive aiohttp, sequential, resp.json()",
            "s",
            times["aiohttp"],
            ratio=statistics.median(times["aiohttp"]) / ours,
            ratio_to="aiobizstim faster",
        ),
        Row(
            section,
            "naive httpx + pydantic, sequential",
            "s",
            times["httpx"],
            ratio=statistics.median(times["httpx"]) / ours,
            ratio_to="aiobizstim faster",
        ),
    ]


def _details_rows() -> list[Row]:
    section = f"iter_details {DETAIL_CLIENTS // 1000}k clients, {DETAIL_LATENCY * 1000:.0f} ms latency"
    ideal = details_ideal(DETAIL_CLIENTS, DETAIL_LATENCY, DETAIL_CONCURRENCY)
    runs: list[float] = []
    with FakeServer(DETAIL_CLIENTS) as server:
        server.set_latency(DETAIL_LATENCY)
        peak = 0
        for _ in range(RUNS):
            spec = "tests.benchmarks._ours:iter_details"
            runs.append(run_isolated(spec, server.url, server.api_key, expected=DETAIL_CLIENTS))
            peak = max(peak, int(server.stats()["max_in_flight"]))
    return [
        Row(
            section,
            f"aiobizstim clients.iter_details(), concurrency {DETAIL_CONCURRENCY}",
            "s",
            runs,
            ratio=statistics.median(runs) / ideal,
            ratio_to="of ideal",
            target=Target("<= 1.3x ideal", max_ratio=1.3),
            note=f"ideal {ideal:.3f} s = first list page + ceil((4 pages + 5000 GETs)/16) x 20 ms; "
            f"peak in flight {peak}",
        )
    ]


TYPED_VARIANTS = {
    "jsonl": "tests.benchmarks._ours:cli_export",
    "parquet": "tests.benchmarks._ours:cli_export_parquet",
    "duckdb": "tests.benchmarks._ours:cli_export_duckdb",
}


def _typed_rows() -> list[Row]:
    """``bizstim export clients`` to Parquet and DuckDB against the same export to JSON Lines (the typed
    outputs stream JSON Lines to duckdb through a FIFO: what the conversion adds past the requests)."""
    section = f"bizstim export {ITER_CLIENTS // 1000}k clients, {ITER_LATENCY * 1000:.0f} ms latency"
    times: dict[str, list[float]] = {name: [] for name in TYPED_VARIANTS}
    with FakeServer(ITER_CLIENTS) as server:
        server.set_latency(ITER_LATENCY)
        for _ in range(RUNS):
            for name, spec in TYPED_VARIANTS.items():
                times[name].append(run_isolated(spec, server.url, server.api_key, expected=ITER_CLIENTS))
    jsonl = statistics.median(times["jsonl"])
    rows = [Row(section, "to JSON Lines", "s", times["jsonl"])]
    for name in ("parquet", "duckdb"):
        rows.append(
            Row(
                section,
                f"to {name} (JSON Lines streamed to duckdb through a FIFO)",
                "s",
                times[name],
                ratio=statistics.median(times[name]) / jsonl,
                ratio_to="of JSON Lines",
                target=Target("<= 1.3x JSON Lines", max_ratio=1.3),
            )
        )
    return rows


def run() -> list[Row]:
    """The export benchmarks, each against its own fake server process."""
    return _iter_rows() + _details_rows() + _typed_rows()
