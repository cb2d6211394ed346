"""Pipeline overhead: all of ``bizstim export clients`` (HTTP + decode + JSONL write) against raw GETs.

No added latency, so the comparison shows everything the client does per record. The CLI runs its ``main``
in a fresh interpreter per run (:mod:`tests.benchmarks._isolated`), the raw loop GETs the same pages with the
same concurrency and throws the bytes away. A fourth variant bounds what any pipeline can reach here:
decoding and JSONL-encoding the same page bodies with no HTTP at all (bodies fetched beforehand), on the one
core the client process gets. Last, the export and the raw loop again against 50 ms of latency (no target):
what the same overhead costs once the network counts.
"""

from __future__ import annotations

import statistics

from tests.benchmarks import _peers
from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._isolated import run_isolated
from tests.benchmarks._report import Row, Target

RUNS = 9  # the no-latency runs vary most with what else the machine does: more of them steady the median
CLIENTS = 100_000
CONCURRENCY = _peers.CONCURRENCY  # the client's default max_concurrency
#: The same pipeline against a server with this latency: what the overhead costs when the network counts.
LATENCY = 0.05
LATENCY_RUNS = 5

VARIANTS = {
    "cli": "tests.benchmarks._ours:cli_export",
    "raw": "tests.benchmarks._peers:raw_concurrent_timed",
    "raw1": "tests.benchmarks._peers:raw_sequential_timed",
    "cpu": "tests.benchmarks._ours:decode_encode_bound",
}


def _rates(server: FakeServer, names: list[str], runs: int) -> dict[str, list[float]]:
    """Records/s of each named variant, ``runs`` times, the variants taking turns."""
    rates: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        for name in names:
            seconds = run_isolated(VARIANTS[name], server.url, server.api_key, expected=CLIENTS)
            rates[name].append(CLIENTS / seconds)
    return rates


def run() -> list[Row]:
    """Records/s of ``bizstim export clients`` vs raw GET loops (concurrent and sequential), interleaved."""
    section = f"pipeline {CLIENTS // 1000}k clients, no latency"
    laggy_section = f"pipeline {CLIENTS // 1000}k clients, {LATENCY * 1000:.0f} ms latency"
    with FakeServer(CLIENTS) as server:
        rates = _rates(server, list(VARIANTS), RUNS)
        server.set_latency(LATENCY)
        laggy = _rates(server, ["cli", "raw"], LATENCY_RUNS)
    cli = statistics.median(rates["cli"])
    raw = statistics.median(rates["raw"])
    return [
        Row(
            section,
            "bizstim export clients (JSONL)",
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
        Row(
            laggy_section,
            "bizstim export clients (JSONL)",
            "rec/s",
            laggy["cli"],
            ratio=statistics.median(laggy["cli"]) / statistics.median(laggy["raw"]),
            ratio_to="of raw loop",
            note=f"no target: the same comparison against a server answering after {LATENCY * 1000:.0f} ms",
        ),
        Row(
            laggy_section,
            f"raw aiohttp GET loop, {CONCURRENCY} in flight",
            "rec/s",
            laggy["raw"],
        ),
    ]
