"""The two hypothesis profiles of the fuzz tests and the time limits they run under."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, settings

__all__ = ["PROFILE", "WATCHDOG_SECONDS", "fuzz_settings", "timed"]

T = TypeVar("T")

_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile(
    "ci",
    derandomize=True,  # fixed seed: the same examples on every run of `make test`
    max_examples=40,
    deadline=None,  # wall-clock limits are checked per decode call instead, see `timed`
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_DATA,
)
settings.register_profile(
    "fuzz",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_DATA,
)

#: ``HYPOTHESIS_PROFILE`` picks the profile (``make fuzz`` sets ``fuzz``); anything else means ``ci``.
PROFILE = "fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "ci"

#: One decode call of a bounded (~1 MB) body must return within this many seconds.
PER_CALL_SECONDS = 2.0
#: A whole fuzz test that runs longer than this is killed with a traceback (faulthandler).
WATCHDOG_SECONDS = 1800 if PROFILE == "fuzz" else 120


def fuzz_settings(ci_examples: int) -> settings:
    """The active profile; under ``ci`` with ``ci_examples`` examples (cost-weighted per test)."""
    if PROFILE == "ci":
        return settings(settings.get_profile("ci"), max_examples=ci_examples)
    return settings.get_profile("fuzz")


def timed(call: Callable[[], T], what: str) -> T:
    """Run ``call``; fail when it takes longer than :data:`PER_CALL_SECONDS` (exceptions pass through)."""
    started = time.perf_counter()
    try:
        return call()
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < PER_CALL_SECONDS, f"{what} took {elapsed:.2f} s"
