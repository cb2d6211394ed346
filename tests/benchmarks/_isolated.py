"""Run one timed variant in a fresh interpreter, so compared variants never share a heap.

Measured in one process, whatever a variant leaves behind (the peers' pydantic and httpx modules and schema
caches, about 20k more GC-tracked objects) slows every full garbage collection of the variants timed after
it: ``clients.iter()`` took 0.86 s instead of 0.82 s next to them. pyperf spawns worker processes for the
same reason. A variant is a ``module:function`` taking ``(url, api_key)`` and returning ``(records,
seconds)``, or ``(records, {name: seconds})`` for several timings of one run (:func:`run_isolated_timings`):
it times only its own work (warm-up and setup excluded). The key travels in the environment.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_KEY_ENV = "AIOBIZSTIM_BENCH_API_KEY"
_TIMEOUT_S = 300.0
_REPO = Path(__file__).resolve().parents[2]  # where ``tests`` is importable from

Variant = Callable[[str, str], tuple[int, float | dict[str, float]]]


def _resolve(spec: str) -> Variant:
    module, _, name = spec.partition(":")
    variant: Variant = getattr(importlib.import_module(module), name)
    return variant


def run_isolated(spec: str, url: str, api_key: str, *, expected: int) -> float:
    """Seconds the variant ``spec`` took in a child interpreter; it must have read ``expected`` records."""
    return float(_run(spec, url, api_key, expected=expected))


def run_isolated_timings(spec: str, url: str, api_key: str, *, expected: int) -> dict[str, float]:
    """The named timings (seconds) of one run of the variant ``spec`` in a child interpreter."""
    timings = _run(spec, url, api_key, expected=expected)
    if not isinstance(timings, dict):
        raise RuntimeError(f"{spec} returned {timings!r}, not named timings")
    return {name: float(seconds) for name, seconds in timings.items()}


def _run(spec: str, url: str, api_key: str, *, expected: int) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks._isolated", spec, url],
        env={**os.environ, _KEY_ENV: api_key},
        cwd=_REPO,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{spec} failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["records"] != expected:
        raise RuntimeError(f"{spec} read {result['records']} records, expected {expected}")
    return result["seconds"]


def main(argv: list[str]) -> int:
    """Child side: ``python -m tests.benchmarks._isolated module:function URL`` prints one JSON line."""
    spec, url = argv
    records, seconds = _resolve(spec)(url, os.environ[_KEY_ENV])
    print(json.dumps({"records": records, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
