"""Hypothesis profiles for the fuzz tests, and a hard watchdog against a decoder that never returns.

``ci`` (the default, used by ``make test``): derandomized (a fixed seed: reproducible runs), few examples.
``fuzz`` (``make fuzz`` sets ``HYPOTHESIS_PROFILE=fuzz``): random seeds and many more examples.

The profiles are applied by the tests in this directory only (``tests.fuzz.profile.fuzz_settings``), never
loaded globally, so other hypothesis tests in the suite keep their own settings.
"""

from __future__ import annotations

import faulthandler
from collections.abc import Iterator

import pytest

from tests.fuzz.profile import WATCHDOG_SECONDS


@pytest.fixture(autouse=True)
def _hang_watchdog() -> Iterator[None]:
    """Kill the run with a traceback if one fuzz test hangs (a per-example time check cannot catch that)."""
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
