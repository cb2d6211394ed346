"""Pipeline overhead: all of ``bizstim export clients`` (HTTP + decode + JSONL write) against its stages.

No added latency, so the export is bound by the client's CPU. Each stage an export cannot skip is measured
apart in CPU microseconds per record, on the same pages of the same server (:mod:`tests.benchmarks._stages`:
a raw aiohttp GET loop reading the bodies, :func:`~aiobizstim._envelope.decode_page`, the JSON Lines
encoder, the file write); the export's throughput is then compared with ``1 / (sum of the stages)``: what
is left over is the client's own machinery (transport, pagination, the event loop, the CLI). The export
runs the CLI's ``main`` in a fresh interpreter per run (:mod:`tests.benchmarks._isolated`); the raw GET
loop's throughput is shown for reference. Last, the export and the raw loop against 50 ms of latency (no
target): what the same overhead costs once the network counts.
"""

from __future__ import annotations

import statistics

from tests.benchmarks import _peers
from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._isolated import run_isolated, run_isolated_timings
from tests.benchmarks._report import Row, Target
from tests.benchmarks._stages import EXPORT_ONLY, STAGES

RUNS = 9  # the no-latency runs vary most with what else the machine does: more of them steady the median
CLIENTS = 100_000
CONCURRENCY = _peers.CONCURRENCY  # the client's default max_concurrency
#: The same pipeline against a server with this latency: what the overhead costs when the network counts.
LATENCY = 0.05
LATENCY_RUNS = 5
STAGE_SUM_TARGET = Target(">= 0.9x stage sum", min_ratio=0.9)

CLI = "tests.benchmarks._ours:cli_export"
CLI_CPU = "tests.benchmarks._ours:cli_export_cpu"
RAW = "tests.benchmarks._peers:raw_concurrent_timed"
STAGE_CPU = "tests.benchmarks._stages:stage_cpu"

STAGE_NAMES = {
    "http": f"stage CPU: HTTP, raw aiohttp GET loop ({CONCURRENCY} in flight)",
    "decode": "stage CPU: decode, decode_page",
    "encode": "stage CPU: encode, RecordEncoder.encode_lines",
    "write": "stage CPU: write, file (1 MiB buffer, fsync)",
    "dedup": "export-only CPU: id de-duplication, NewRecords.take",
}


def _per_record_us(seconds: float) -> float:
    return seconds / CLIENTS * 1e6


def run() -> list[Row]:
    """The export's throughput against the sum of its stages' CPU costs, the variants taking turns."""
    section = f"pipeline {CLIENTS // 1000}k clients, no latency"
    laggy_section = f"pipeline {CLIENTS // 1000}k clients, {LATENCY * 1000:.0f} ms latency"
    export_rate: list[float] = []
    export_cpu: list[float] = []
    raw_rate: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    export_only: dict[str, list[float]] = {name: [] for name in EXPORT_ONLY}
    laggy: dict[str, list[float]] = {"cli": [], "raw": []}
    with FakeServer(CLIENTS) as server:
        url, key = server.url, server.api_key
        for _ in range(RUNS):
            export = run_isolated_timings(CLI_CPU, url, key, expected=CLIENTS)
            export_rate.append(CLIENTS / export["wall"])
            export_cpu.append(_per_record_us(export["cpu"]))
            raw_rate.append(CLIENTS / run_isolated(RAW, url, key, expected=CLIENTS))
            for name, seconds in run_isolated_timings(STAGE_CPU, url, key, expected=CLIENTS).items():
                (stages if name in STAGES else export_only)[name].append(_per_record_us(seconds))
        server.set_latency(LATENCY)
        for _ in range(LATENCY_RUNS):
            laggy["cli"].append(CLIENTS / run_isolated(CLI, url, key, expected=CLIENTS))
            laggy["raw"].append(CLIENTS / run_isolated(RAW, url, key, expected=CLIENTS))
    stage_sum = [sum(costs) for costs in zip(*stages.values(), strict=True)]
    bound = 1e6 / statistics.median(stage_sum)  # records/s if the export cost only its stages
    rows = [
        Row(
            section,
            "bizstim export clients (JSONL)",
            "rec/s",
            export_rate,
            ratio=statistics.median(export_rate) / bound,
            ratio_to="of stage sum",
            target=STAGE_SUM_TARGET,
            note=f"stage sum: 1 / (the stages' CPU per record below) = {bound:,.0f} rec/s",
        ),
        Row(
            section,
            "CPU of the export (process time)",
            "µs/rec",
            export_cpu,
            ratio=statistics.median(export_cpu) / statistics.median(stage_sum),
            ratio_to="of stage sum",
        ),
        *(Row(section, STAGE_NAMES[name], "µs/rec", stages[name]) for name in STAGES),
        Row(
            section,
            "stage CPU: sum",
            "µs/rec",
            stage_sum,
            note="each stage timed apart on the same pages, in a child process (tests/benchmarks/_stages.py)",
        ),
        *(
            Row(section, STAGE_NAMES[name], "µs/rec", export_only[name], note="not in the stage sum")
            for name in EXPORT_ONLY
        ),
        Row(section, f"raw aiohttp GET loop, {CONCURRENCY} in flight", "rec/s", raw_rate),
        Row(
            laggy_section,
            "bizstim export clients (JSONL)",
            "rec/s",
            laggy["cli"],
            ratio=statistics.median(laggy["cli"]) / statistics.median(laggy["raw"]),
            ratio_to="of raw loop",
            note=f"no target: the export against a server answering after {LATENCY * 1000:.0f} ms",
        ),
        Row(laggy_section, f"raw aiohttp GET loop, {CONCURRENCY} in flight", "rec/s", laggy["raw"]),
    ]
    return rows
