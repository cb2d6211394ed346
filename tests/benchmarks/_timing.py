"""Timing helpers: interleaved repeated runs so compared variants see the same machine state."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping

from tests.benchmarks._report import MIN_RUNS


def calibrate(fn: Callable[[], object], *, budget_s: float) -> int:
    """How many calls of ``fn`` take about ``budget_s`` (at least one)."""
    fn()  # warm caches (decoders, validators)
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(budget_s / once))


def interleaved_rates(
    variants: Mapping[str, Callable[[], object]],
    *,
    items_per_call: int,
    runs: int = 7,
    budget_s: float = 0.08,
) -> dict[str, list[float]]:
    """Items per second of each variant, ``runs`` times, the variants taking turns within every run."""
    if runs < MIN_RUNS:
        raise ValueError(f"runs must be >= {MIN_RUNS}")
    loops = {name: calibrate(fn, budget_s=budget_s) for name, fn in variants.items()}
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, fn in variants.items():
            n = loops[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(n):
                fn()
            elapsed = time.perf_counter() - start
            rates[name].append(n * items_per_call / elapsed)
    return rates
