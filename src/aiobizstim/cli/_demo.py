"""``bizstim demo``: export from an in-process FakeBizstim and report what was measured."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TextIO

from aiobizstim.cli._export import ExportResult, ExportSpec, run_export
from aiobizstim.cli._progress import ProgressMode, format_rate

__all__ = ["run_demo"]

_CONCURRENCY = 8  # the client's default max_concurrency, used for the clients export
_DETAILS_CONCURRENCY = 16
_CLIENTS_PAGE = 1000  # the clients endpoint's default (and maximum) page size


def _floor(requests_in_order: int, concurrency: int, latency: float) -> float:
    """The latency floor: one request first, then the rest in waves of ``concurrency``."""
    if requests_in_order <= 0:
        return 0.0
    return (1 + math.ceil((requests_in_order - 1) / concurrency)) * latency


def _report(result: ExportResult, fmt: str, floor: float, stdout: TextIO) -> None:
    counts = []
    if result.requests is not None:
        counts.append(f"{result.requests:,} requests")
    if result.retries is not None:
        counts.append(f"{result.retries:,} retries")
    print(
        f"  {result.label + ' (' + fmt + ')':<24} {result.records:>8,} records  {result.seconds:7.2f} s  "
        f"{format_rate(result.records, result.seconds):>14}  {', '.join(counts)}"
        f"  (latency floor {floor:.2f} s)  -> {result.spec.path}",
        file=stdout,
    )


async def run_demo(
    *,
    clients: int,
    details: int,
    latency: float,
    output_dir: Path,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Serve ``clients`` fake clients with ``latency`` seconds per request, export them, print the figures."""
    from aiobizstim import Bizstim
    from aiobizstim.testing import FakeBizstim

    output_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before anything runs
    where = output_dir.absolute()  # noqa: ASYNC240
    mode = ProgressMode.auto(stderr)
    async with FakeBizstim(clients=clients, latency=latency) as fake:
        print(
            f"bizstim demo: FakeBizstim at {fake.url} with {clients:,} clients and "
            f"{latency * 1000:g} ms latency per request (in this process)",
            file=stdout,
        )
        stdout.flush()
        pages = math.ceil(clients / _CLIENTS_PAGE)
        runs = [
            (
                ExportSpec("clients", output_dir / "clients.jsonl", "jsonl"),
                _CONCURRENCY,
                _floor(pages, 8, latency),
            ),
            (
                ExportSpec("clients", output_dir / "clients.csv", "csv"),
                _CONCURRENCY,
                _floor(pages, 8, latency),
            ),
        ]
        if details:
            sample = min(details, clients)
            detail_floor = latency + math.ceil(sample / _DETAILS_CONCURRENCY) * latency
            spec = ExportSpec(
                "clients",
                output_dir / "client-details.jsonl",
                "jsonl",
                details=True,
                concurrency=_DETAILS_CONCURRENCY,
                max_items=sample,
            )
            runs.append((spec, _DETAILS_CONCURRENCY, detail_floor))
        for spec, concurrency, floor in runs:
            async with Bizstim(api_key=fake.api_key, base_url=fake.url, max_concurrency=concurrency) as bz:
                result = await run_export(bz, spec, stderr=stderr, progress_mode=mode)
            _report(result, spec.fmt, floor, stdout)
            stdout.flush()
    print(f"bizstim demo: files written to {where}", file=stdout)
    return 0
