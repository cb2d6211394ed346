"""Memory flat in N: peak RSS of ``bizstim export clients`` (a child process) for 100k and 1M clients.

The peak comes from the kernel (``ru_maxrss`` of the reaped child, via ``os.wait4``); a psutil sampler
watching the child's RSS every few milliseconds cross-checks it.
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

RUNS = 5
SIZES = (100_000, 1_000_000)
LIMIT_MB = 150.0
MB = 1024 * 1024


def _command() -> list[str]:
    script = Path(sys.executable).with_name("bizstim")
    if script.exists():
        return [str(script)]
    found = shutil.which("bizstim")
    return [found] if found else [sys.executable, "-m", "aiobizstim.cli"]


def _sample(proc: psutil.Process, peak: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], proc.memory_info().rss)
        except psutil.Error:
            return
        stop.wait(0.005)


def export_peak_rss(url: str, key: str, out: Path, expected: int) -> tuple[float, float, float]:
    """Run one ``bizstim export clients``; return (kernel peak RSS MB, sampled peak RSS MB, seconds)."""
    env = {**os.environ, "BIZSTIM_API_KEY": key, "BIZSTIM_BASE_URL": url}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*_command(), "export", "clients", "-o", str(out), "-q"], env=env, stderr=err, stdout=err
        )
        peak = [0]
        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(psutil.Process(proc.pid), peak, stop), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"bizstim export exited with {proc.returncode}: {err.read()[-500:]!r}")
    lines = sum(1 for _ in out.open("rb"))
    out.unlink()
    if lines != expected:
        raise RuntimeError(f"bizstim export wrote {lines} lines, expected {expected}")
    return usage.ru_maxrss * 1024 / MB, peak[0] / MB, elapsed


def run() -> list[Row]:
    """Peak RSS of the export for each size, every run against a fake server in another process."""
    peaks: dict[int, list[float]] = {}
    sampled: dict[int, list[float]] = {}
    seconds: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        out = Path(tmp) / "clients.jsonl"
        for n in SIZES:
            peaks[n], sampled[n], seconds[n] = [], [], []
            with FakeServer(n) as server:
                for _ in range(RUNS):
                    kernel, sample, elapsed = export_peak_rss(server.url, server.api_key, out, n)
                    peaks[n].append(kernel)
                    sampled[n].append(sample)
                    seconds[n].append(elapsed)
    small = SIZES[0]
    base = statistics.median(peaks[small])
    rows = []
    for n in SIZES:
        note = (
            f"psutil-sampled peak {statistics.median(sampled[n]):.1f} MB; "
            f"export took {statistics.median(seconds[n]):.2f} s "
            f"({n / statistics.median(seconds[n]):,.0f} rec/s)"
        )
        if n == small:
            rows.append(
                Row("memory: peak RSS of bizstim export clients", f"{n:,} clients", "MB", peaks[n], note=note)
            )
        else:
            rows.append(
                Row(
                    "memory: peak RSS of bizstim export clients",
                    f"{n:,} clients",
                    "MB",
                    peaks[n],
                    ratio=statistics.median(peaks[n]) / base,
                    ratio_to=f"of {small:,}",
                    target=Target(f"<= 1.2x, < {LIMIT_MB:.0f} MB", max_ratio=1.2, max_value=LIMIT_MB),
                    note=note,
                )
            )
    return rows
