"""Parquet row-group size: what readers gain from larger groups, and what writing them costs in memory.

One export of 1,000,000 clients (JSON Lines, the form the Parquet output converts) is written to Parquet
with row groups about an API page long (``ROW_GROUP_SIZE 1000``: duckdb makes them up to 2,048 rows),
with the output's own limits (``ROW_GROUP_ROWS`` rows and ``ROW_GROUP_BYTES``: about 34,000 clients), of
100,000 rows, and of the whole file. Each conversion runs in a child interpreter (duckdb only, one thread,
no memory limit so nothing spills) that reports its peak RSS above its start; then every file is read
back the ways users read it: a duckdb aggregate over a few columns, a point lookup of 101 ids (row-group
statistics let duckdb skip the other groups), a full duckdb scan, and pyarrow's ``read_table``. Ratios
are to the 100,000-row file.

The reader's side of ``ROW_GROUP_BYTES``: what its groups cost a reader against 100,000-row ones. The
writer's side is the conversion's peak here (one thread, no limit) and the whole export's peak in the
memory section (with the cap; docs/benchmarks.md gives the export's peak without it, measured apart).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._report import MIN_RUNS, Row

CLIENTS = 1_000_000
SECTION = f"parquet row groups, {CLIENTS // 1_000_000}M clients"
REFERENCE = "100,000 rows"
MB = 1024 * 1024

#: Conversion in a child interpreter: argv = staged JSONL, output, COPY options; prints peak RSS growth (B).
_CONVERT = """
import sys
from pathlib import Path
import duckdb
from aiobizstim import models
from aiobizstim.cli._columnar import THREADS, select_sql

def hwm():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM"))

start = hwm()
with duckdb.connect(":memory:", config={"threads": THREADS}) as db:
    db.execute("SET enable_progress_bar = false")
    db.execute(
        f"COPY ({select_sql(Path(sys.argv[1]), models.ClientSummary)}) TO '{sys.argv[2]}' "
        f"(FORMAT parquet, {sys.argv[3]})"
    )
print(hwm() - start)
"""


def _settings() -> dict[str, str]:
    from aiobizstim.cli._columnar import ROW_GROUP_BYTES, ROW_GROUP_ROWS

    return {
        "ROW_GROUP_SIZE 1000 (~ a page)": "ROW_GROUP_SIZE 1000",
        f"{ROW_GROUP_ROWS:,} rows and {ROW_GROUP_BYTES} (ours)": (
            f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}, ROW_GROUP_SIZE_BYTES '{ROW_GROUP_BYTES}'"
        ),
        REFERENCE: "ROW_GROUP_SIZE 100000",
        "1,000,000 rows (one group)": "ROW_GROUP_SIZE 1000000",
    }


def _export(url: str, key: str, out: Path) -> None:
    env = {**os.environ, "BIZSTIM_API_KEY": key, "BIZSTIM_BASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "aiobizstim.cli", "export", "clients", "-o", str(out), "-q"],
        env=env,
        check=True,
    )


def _convert(staged: Path, out: Path, options: str) -> float:
    """Peak RSS growth (MiB) of one conversion in a fresh interpreter."""
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", _CONVERT, str(staged), str(out), options],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip()) / MB


def _seconds(fn: Callable[[], object]) -> list[float]:
    fn()  # warm: the file in the page cache
    runs = []
    for _ in range(MIN_RUNS):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return runs


def _read_back(reader: Any, out: Path) -> dict[str, list[float]]:
    """Seconds of each way of reading ``out``."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    aggregate = f"SELECT count(*), sum(id), count(DISTINCT city), max(len(email)) FROM '{out}'"
    point = f"SELECT * FROM '{out}' WHERE id BETWEEN 500000 AND 500100"
    return {
        "duckdb aggregate of 4 columns": _seconds(lambda: reader.execute(aggregate).fetchall()),
        "duckdb point lookup (101 ids)": _seconds(lambda: reader.execute(point).fetchall()),
        "duckdb full scan to Arrow": _seconds(lambda: reader.sql(f"SELECT * FROM '{out}'").to_arrow_table()),
        "pyarrow read_table": _seconds(lambda: pq.read_table(out)),
    }


def run() -> list[Row]:
    """Write the same records with each row-group setting, then read every file back."""
    import duckdb
    import pyarrow.parquet as pq

    rows: list[Row] = []
    measured: dict[str, dict[str, list[float]]] = {}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        staged = Path(tmp) / "clients.jsonl"
        with FakeServer(CLIENTS) as server:
            _export(server.url, server.api_key, staged)
        reader = duckdb.connect(":memory:")  # duckdb's defaults: every core, as a reader would run it
        for name, options in _settings().items():
            out = Path(tmp) / f"clients-{len(measured)}.parquet"
            peaks = [_convert(staged, out, options) for _ in range(MIN_RUNS)]
            meta = pq.ParquetFile(out).metadata
            count = reader.execute(f"SELECT count(*) FROM '{out}'").fetchall()[0][0]
            if count != CLIENTS:
                raise RuntimeError(f"{out} holds {count} rows, expected {CLIENTS}")
            measured[name] = {
                "conversion peak RSS above start": peaks,
                "file size": [out.stat().st_size / 1e6] * MIN_RUNS,
                **_read_back(reader, out),
            }
            largest = max(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
            notes[name] = f"{meta.num_row_groups} row groups of up to {largest:,} rows"
            out.unlink()
        reader.close()
    units = {"conversion peak RSS above start": "MiB", "file size": "MB"}
    for metric in measured[REFERENCE]:
        reference = statistics.median(measured[REFERENCE][metric])
        for name, metrics in measured.items():
            runs = metrics[metric]
            unit = units.get(metric, "ms")
            if unit == "ms":
                runs = [seconds * 1000 for seconds in runs]
            rows.append(
                Row(
                    f"{SECTION}: {metric}",
                    name,
                    unit,
                    runs,
                    ratio=statistics.median(metrics[metric]) / reference,
                    ratio_to=f"of {REFERENCE}",
                    note=notes[name] if metric == "file size" else "",
                )
            )
    return rows
