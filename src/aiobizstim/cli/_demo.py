"""``bizstim demo``: export from an in-process FakeBizstim and report what was measured."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TextIO

from aiobizstim.cli._choices import ProgressMode
from aiobizstim.cli._export import ExportResult, ExportSpec, ExportWatch, run_export

__all__ = ["run_demo"]

_CONCURRENCY = 8  # the client's default max_concurrency, used for the clients export
_DETAILS_CONCURRENCY = 16
_CLIENTS_PAGE = 1000  # the clients endpoint's default (and maximum) page size


def _floor(requests_in_order: int, concurrency: int, latency: float) -> float:
    """The latency floor: one request first, then the rest in waves of ``concurrency``."""
    if requests_in_order <= 0:
        return 0.0
    return (1 + math.ceil((requests_in_order - 1) / concurrency)) * latency


_COLUMNS = (
    f"  {'export':<24}{'records':>9}{'seconds':>9}{'rec/s':>10}{'requests':>10}{'retries':>9}{'floor':>8}"
)


def _report(result: ExportResult, floor: float, stdout: TextIO) -> None:
    rate = result.records / result.seconds if result.seconds > 0 else 0.0
    requests = "?" if result.requests is None else f"{result.requests:,}"
    retries = "?" if result.retries is None else f"{result.retries:,}"
    what = f"{result.label} ({result.spec.fmt})"
    print(
        f"  {what:<24}{result.records:>9,}{result.seconds:>9.2f}{rate:>10,.0f}{requests:>10}{retries:>9}"
        f"{floor:>7.2f}s",
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
    watch: ExportWatch | None = None,
) -> int:
    """Serve ``clients`` fake clients with ``latency`` seconds per request, export them, print the figures."""
    from aiobizstim import Bizstim
    from aiobizstim.testing import serve_in_thread

    output_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before anything runs
    where = output_dir.absolute()  # noqa: ASYNC240
    mode = ProgressMode.auto(stderr)
    # The fake runs on its own event loop in a thread, so it does not compete with the exports for this one.
    with serve_in_thread(clients=clients, latency=latency) as fake:
        print(
            f"bizstim demo: FakeBizstim at {fake.url}: {clients:,} clients, "
            f"{latency * 1000:g} ms latency per request (in this process, on its own thread)\n",
            file=stdout,
        )
        print(_COLUMNS, file=stdout)
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
                max_items=sample,
            )
            runs.append((spec, _DETAILS_CONCURRENCY, detail_floor))
        for spec, concurrency, floor in runs:
            async with Bizstim(api_key=fake.api_key, base_url=fake.url, max_concurrency=concurrency) as bz:
                result = await run_export(bz, spec, stderr=stderr, progress_mode=mode, watch=watch)
            _report(result, floor, stdout)
            stdout.flush()
    print(
        "\n  floor: what the latency alone costs with that many requests in flight (first page, then waves);"
        "\n  requests: page requests (consecutive pages overlap by 2 %) and one lookup per detail record.",
        file=stdout,
    )
    names = ", ".join(spec.path.name for spec, _, _ in runs)
    print(f"\nbizstim demo: files written to {where}: {names}", file=stdout)
    return 0
