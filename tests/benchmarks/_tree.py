"""One command run as a whole process, measured from outside: wall seconds, CPU seconds, peak RSS.

* wall: a monotonic clock around start and reap;
* CPU: user + system seconds of the command and of every descendant it waited for (the delta of this
  process's ``RUSAGE_CHILDREN`` across the run; the fake server, a child too, is reaped only at the end);
* peak RSS: the kernel's high-water mark (``VmHWM``) of each process of the command's tree, polled by a
  thread, added up over the tree (exact for one process; for a pipe, a ceiling: the two peaks may not
  coincide). ``ru_maxrss`` is no use: it keeps the pre-``exec`` mark of this (large) process.
"""

from __future__ import annotations

import dataclasses
import resource
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil  # type: ignore[import-untyped]

__all__ = ["Usage", "measure", "vm_hwm"]

MB = 1024 * 1024
_POLL_S = 0.01
_TIMEOUT_S = 600.0


@dataclasses.dataclass(frozen=True)
class Usage:
    """What one run of a command cost."""

    wall: float
    cpu: float
    peak_mb: float


def vm_hwm(pid: int) -> int | None:
    """The process's peak RSS in bytes so far, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


class _TreeSampler(threading.Thread):
    """Polls the VmHWM of a process and of its descendants until :meth:`stop`; keeps each one's peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._pid = pid
        self._done = threading.Event()
        self.peaks: dict[int, int] = {}

    def _sample(self) -> None:
        try:
            pids = [self._pid, *(p.pid for p in psutil.Process(self._pid).children(recursive=True))]
        except psutil.Error:  # gone already
            pids = [self._pid]
        for pid in pids:
            hwm = vm_hwm(pid)
            if hwm is not None and hwm > self.peaks.get(pid, 0):
                self.peaks[pid] = hwm

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(_POLL_S)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    argv: Sequence[str | Path], *, env: Mapping[str, str], cwd: Path, stdout: Path | None = None
) -> Usage:
    """Run ``argv`` to completion (stdout to ``stdout`` or discarded); a non-zero exit raises with the end
    of its stderr."""
    with tempfile.TemporaryFile() as err, open(stdout or "/dev/null", "wb") as out:
        cpu_before = _cpu_of_children()
        start = time.perf_counter()
        proc = subprocess.Popen([str(a) for a in argv], env=dict(env), cwd=cwd, stdout=out, stderr=err)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        try:
            code = proc.wait(timeout=_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        finally:
            wall = time.perf_counter() - start
            sampler.stop()
        cpu = _cpu_of_children() - cpu_before
        if code != 0:
            err.seek(0)
            raise RuntimeError(
                f"{argv[0]} ... exited with {code}: {err.read()[-1500:].decode(errors='replace')}"
            )
    return Usage(wall=wall, cpu=cpu, peak_mb=sum(sampler.peaks.values()) / MB)
