"""Memory flat in N: peak RSS of ``bizstim export clients`` (a child process) for 100k and 1M clients, and
for 1M clients to Parquet and to DuckDB (the JSON Lines staged, then converted by duckdb in the process).

A sampler thread reads the child's ``VmHWM`` (the kernel's RSS high-water mark for its address space) from
``/proc/<pid>/status`` every few milliseconds, and psutil's RSS as a cross-check. ``ru_maxrss`` is no use
here: it keeps the pre-``exec`` high-water mark, which is the size of this (large) benchmark process.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._report import Row, Target
from tests.benchmarks._tree import vm_hwm

RUNS = 5
SIZES = (100_000, 1_000_000)
#: Typed outputs measured at the larger size (the conversion after the export is in the same process).
COLUMNAR = ("parquet", "duckdb")
LIMIT_MB = 150.0
MB = 1024 * 1024
SECTION = "memory: peak RSS of bizstim export clients"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("bizstim")
    if script.exists():
        return [str(script)]
    found = shutil.which("bizstim")
    return [found] if found else [sys.executable, "-m", "aiobizstim.cli"]


class _Sampler(threading.Thread):
    """Polls one process's VmHWM and RSS until it exits or :meth:`stop` is called."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._pid = pid
        self._proc = psutil.Process(pid)
        self._done = threading.Event()
        self.hwm = 0
        self.rss = 0

    def run(self) -> None:
        while not self._done.is_set():
            hwm = vm_hwm(self._pid)
            try:
                rss = int(self._proc.memory_info().rss)
            except psutil.Error:
                return
            if hwm is None:
                return
            self.hwm, self.rss = max(self.hwm, hwm), max(self.rss, rss)
            self._done.wait(0.005)

    def stop(self) -> None:
        self._done.set()
        self.join()


def export_peak_rss(url: str, key: str, out: Path, expected: int) -> tuple[float, float, float]:
    """Run one ``bizstim export clients``; return (peak RSS MB from VmHWM, sampled peak RSS MB, seconds)."""
    env = {**os.environ, "BIZSTIM_API_KEY": key, "BIZSTIM_BASE_URL": url}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*_command(), "export", "clients", "-o", str(out), "-q"], env=env, stderr=err, stdout=err
        )
        sampler = _Sampler(proc.pid)
        sampler.start()
        code = proc.wait()
        elapsed = time.perf_counter() - start
        sampler.stop()
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"bizstim export exited with {code}: {err.read()[-500:]!r}")
    lines = _rows(out)
    out.unlink()
    if lines != expected:
        raise RuntimeError(f"bizstim export wrote {lines} records, expected {expected}")
    return sampler.hwm / MB, sampler.rss / MB, elapsed


def _rows(out: Path) -> int:
    """Records in an export's output: lines of JSON Lines, rows of a Parquet file or DuckDB table."""
    if out.suffix in (".parquet", ".duckdb"):
        import duckdb

        with duckdb.connect(str(out) if out.suffix == ".duckdb" else ":memory:") as db:
            source = "clients" if out.suffix == ".duckdb" else f"read_parquet('{out}')"
            row = db.execute(f"SELECT count(*) FROM {source}").fetchone()
        return int(row[0]) if row else 0
    with out.open("rb") as lines:
        return sum(1 for _ in lines)


def run() -> list[Row]:
    """Peak RSS of the export for each size, every run against a fake server in another process."""
    peaks: dict[int, list[float]] = {}
    sampled: dict[int, list[float]] = {}
    seconds: dict[int, list[float]] = {}
    typed: dict[str, list[float]] = {}
    typed_seconds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        out = Path(tmp) / "clients.jsonl"
        for n in SIZES:
            peaks[n], sampled[n], seconds[n] = [], [], []
            with FakeServer(n) as server:
                for _ in range(RUNS):
                    hwm, rss, elapsed = export_peak_rss(server.url, server.api_key, out, n)
                    peaks[n].append(hwm)
                    sampled[n].append(rss)
                    seconds[n].append(elapsed)
                if n == SIZES[-1]:
                    for fmt in COLUMNAR:
                        typed[fmt], typed_seconds[fmt] = [], []
                        for _ in range(RUNS):
                            hwm, _rss, elapsed = export_peak_rss(
                                server.url, server.api_key, out.with_suffix(f".{fmt}"), n
                            )
                            typed[fmt].append(hwm)
                            typed_seconds[fmt].append(elapsed)
    small = SIZES[0]
    base = statistics.median(peaks[small])
    rows = []
    for n in SIZES:
        took = statistics.median(seconds[n])
        note = (
            f"psutil-sampled peak RSS {statistics.median(sampled[n]):.1f} MB; "
            f"export took {took:.2f} s ({n / took:,.0f} rec/s, process start included)"
        )
        row = Row(SECTION, f"{n:,} clients", "MB", peaks[n], note=note)
        if n != small:
            row.ratio = statistics.median(peaks[n]) / base
            row.ratio_to = f"of {small:,}"
            row.target = Target(f"<= 1.2x, < {LIMIT_MB:.0f} MB", max_ratio=1.2, max_value=LIMIT_MB)
        rows.append(row)
    large = SIZES[-1]
    for fmt, runs in typed.items():
        took = statistics.median(typed_seconds[fmt])
        rows.append(
            Row(
                SECTION,
                f"{large:,} clients to {fmt}",
                "MB",
                runs,
                ratio=statistics.median(runs) / base,
                ratio_to=f"of {small:,} JSONL",
                target=Target(f"< {LIMIT_MB:.0f} MB", max_value=LIMIT_MB),
                note=f"export and duckdb conversion took {took:.2f} s (process start included)",
            )
        )
    return rows
