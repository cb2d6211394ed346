"""``max_concurrency="auto"`` against every fixed level, over a fake of limited capacity.

The fake (another process) serves ``C`` requests at full speed at 30 ms each and shares that among more (a
processor-sharing queue: past ``C`` in flight each takes ``30 ms * n / C``), and answers 429 with
``Retry-After: 1`` past ``2 * C`` in flight. The job is ``clients.iter_details()``: one list page, then one
GET per client. For C in {2, 8, 24} every fixed level in {1, 2, 4, 8, 16, 32} is measured as throughput
over about 30 round trips (``30 * min(level, C)`` records: a fixed level's throughput is the same over any
length), ``auto`` over ``60 * C`` records, its start (from a limit of 1) included. Then ``auto`` over a
fake whose capacity halves (24 -> 12) two seconds into the export: how soon the limit settles in
``[12, 24)`` (at the new capacity or a little above, below where the server sheds load), with the limit
over time. Last, a server with room to spare whose answers take 10-210 ms at random: ``auto`` against
fixed 8 (the default) and 64 (the most ``auto`` may reach). Runs in this process (the variants are all
aiobizstim: no foreign heap to isolate from).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from typing import Any, Literal

from aiobizstim import Bizstim
from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._report import MIN_RUNS, Row, Target

LATENCY = 0.030
CAPACITIES = (2, 8, 24)
LEVELS = (1, 2, 4, 8, 16, 32)
ROUNDS_FIXED, ROUNDS_AUTO = 30, 60
HALVE_FROM, HALVE_TO, HALVE_AT, HALVE_CLIENTS = 24, 12, 2.0, 3200
SECTION = "adaptive concurrency: iter_details, 30 ms, capacity C"
JITTER_SECTION = "adaptive concurrency: iter_details, 10-210 ms at random, no capacity limit"
JITTER_BASE, JITTER = 0.010, 0.200
#: Records per run: a fixed level's throughput is the same over any length; auto's start is included.
JITTER_RECORDS: dict[int | Literal["auto"], int] = {8: 400, 64: 3000, "auto": 8000}


async def _export(
    url: str,
    key: str,
    concurrency: int | Literal["auto"],
    items: int,
    trace: list[tuple[float, int]] | None = None,
) -> tuple[int, float]:
    """Records read and seconds taken by one ``iter_details(max_items=items)``; ``trace`` gets the limit
    every 100 ms."""
    async with Bizstim(
        api_key=key,
        base_url=url,
        max_concurrency=concurrency,
        allow_insecure_http=True,
    ) as bz:
        start = time.perf_counter()

        async def sample() -> None:
            assert trace is not None
            while True:
                trace.append((time.perf_counter() - start, bz.stats.concurrency_limit))
                await asyncio.sleep(0.1)

        sampler = asyncio.create_task(sample()) if trace is not None else None
        count = 0
        async for _ in bz.clients.iter_details(max_items=items):
            count += 1
        seconds = time.perf_counter() - start
        if sampler is not None:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
    if count != items:
        raise RuntimeError(f"read {count} records, expected {items}")
    return count, seconds


def _throughput(
    server: FakeServer, concurrency: int | Literal["auto"], items: int
) -> tuple[list[float], float, str]:
    """rec/s of MIN_RUNS runs, the share of 429s among the requests, and the limit's range (auto)."""
    rates, requests, shed = [], 0, 0
    ranges = []
    for _ in range(MIN_RUNS):
        server.stats()  # reset
        count, seconds = asyncio.run(_export(server.url, server.api_key, concurrency, items))
        stats = server.stats()
        rates.append(count / seconds)
        requests += int(stats["requests"])
        shed += int(stats["shed"])
        ranges.append(int(stats["max_in_flight"]))
    return rates, shed / max(1, requests), f"server peak in flight {max(ranges)}"


def _capacity_rows(capacity: int) -> list[Row]:
    rows: list[Row] = []
    with FakeServer(max(HALVE_CLIENTS, ROUNDS_AUTO * capacity)) as server:
        server.set_latency(LATENCY)
        server.set_capacity(capacity)
        asyncio.run(_export(server.url, server.api_key, 4, 20))  # warm-up
        fixed: dict[int, float] = {}
        for level in LEVELS:
            rates, shed, peak = _throughput(server, level, ROUNDS_FIXED * min(level, capacity))
            fixed[level] = statistics.median(rates)
            rows.append(
                Row(
                    f"{SECTION}={capacity}",
                    f"fixed max_concurrency={level}",
                    "rec/s",
                    rates,
                    note=f"429s {shed:.1%} of requests; {peak}",
                )
            )
        best = max(fixed, key=lambda level: fixed[level])
        rates, shed, peak = _throughput(server, "auto", ROUNDS_AUTO * capacity)
        ratio = fixed[best] / statistics.median(rates)
        rows.append(
            Row(
                f"{SECTION}={capacity}",
                "max_concurrency='auto'",
                "rec/s",
                rates,
                ratio=ratio,
                ratio_to=f"best fixed ({best}) / auto",
                target=Target("<= 1.1x best, 429s <= 2 %", max_ratio=1.1 if shed <= 0.02 else 0.0),
                note=f"429s {shed:.2%} of requests; {peak}; {ROUNDS_AUTO * capacity} records, its start "
                "from 1 included",
            )
        )
    return rows


def _settle_time(trace: list[tuple[float, int]]) -> float | None:
    """Seconds after the halving from which the limit stays within [new capacity, 2 * new capacity)."""
    after = [(t, limit) for t, limit in trace if t >= HALVE_AT]
    for i, (t, _) in enumerate(after):
        if all(HALVE_TO <= limit < 2 * HALVE_TO for _, limit in after[i:]):
            return t - HALVE_AT
    return None


def _halving_row() -> tuple[Row, list[tuple[float, int]]]:
    settles: list[float] = []
    seconds: list[float] = []
    shown: list[tuple[float, int]] = []
    shed_total = requests = 0
    with FakeServer(HALVE_CLIENTS) as server:
        server.set_latency(LATENCY)
        for run in range(MIN_RUNS):
            server.set_capacity(HALVE_FROM)
            server.stats()
            trace: list[tuple[float, int]] = []
            server.set_capacity(HALVE_TO, after=HALVE_AT)
            _, took = asyncio.run(_export(server.url, server.api_key, "auto", HALVE_CLIENTS, trace))
            stats = server.stats()
            shed_total += int(stats["shed"])
            requests += int(stats["requests"])
            settle = _settle_time(trace)
            settles.append(settle if settle is not None else float("inf"))
            seconds.append(took)
            if run == 0:
                shown = trace
    ideal = HALVE_AT + (HALVE_CLIENTS - HALVE_AT * HALVE_FROM / LATENCY) * LATENCY / HALVE_TO
    row = Row(
        f"{SECTION} 24 -> 12 at 2 s",
        "auto: seconds until the limit stays in [12, 24)",
        "s",
        settles,
        target=Target("<= 3 s", max_value=3.0),
        note=f"export {statistics.median(seconds):.2f} s (ideal {ideal:.2f} s at the capacity of each "
        f"moment); 429s {shed_total / max(1, requests):.2%} of requests",
    )
    return row, shown


def _jitter_rows() -> list[Row]:
    """Where a limit judged against the lowest latency ever seen sank to 1-4 (14 rec/s against 79 with a
    fixed 8): the typical answer looked 10x overloaded."""
    rows: list[Row] = []
    rates: dict[int | Literal["auto"], float] = {}
    with FakeServer(max(JITTER_RECORDS.values())) as server:
        server.set_latency(JITTER_BASE, JITTER)
        server.set_capacity(None)
        for level, records in JITTER_RECORDS.items():
            runs, shed, peak = _throughput(server, level, records)
            rates[level] = statistics.median(runs)
            auto = level == "auto"
            best = max((lvl for lvl in rates if lvl != "auto"), key=lambda lvl: rates[lvl])
            rows.append(
                Row(
                    JITTER_SECTION,
                    "max_concurrency='auto'" if auto else f"fixed max_concurrency={level}",
                    "rec/s",
                    runs,
                    ratio=rates[best] / rates[level] if auto else None,
                    ratio_to=f"best fixed ({best}) / auto" if auto else "",
                    target=Target("<= 1.5x best (ours)", max_ratio=1.5) if auto else None,
                    note=f"429s {shed:.1%} of requests; {peak}; {records} records"
                    + (", its start from 1 included" if auto else ""),
                )
            )
    return rows


def timeline(trace: list[tuple[float, int]], step: float = 0.5) -> str:
    """The limit every ``step`` seconds: ``0.0s:1 0.5s:32 ...``."""
    points: dict[float, Any] = {}
    for t, limit in trace:
        points.setdefault(round(t / step) * step, limit)
    return " ".join(f"{t:.1f}s:{limit}" for t, limit in sorted(points.items()))


def run() -> list[Row]:
    """Every capacity against every fixed level and auto, then the halving capacity."""
    rows: list[Row] = []
    logger = logging.getLogger("aiobizstim")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the fixed levels far past the capacity retry 429s by the hundred
    try:
        for capacity in CAPACITIES:
            rows += _capacity_rows(capacity)
        halving, trace = _halving_row()
        jitter = _jitter_rows()
    finally:
        logger.setLevel(level)
    halving.note += f"; limit over time (first run): {timeline(trace)}"
    return [*rows, halving, *jitter]
