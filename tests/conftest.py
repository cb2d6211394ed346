"""Hooks for the whole suite."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write this process's coverage data as soon as its tests are done, not only at exit.

    ``make unit`` measures the pytest-xdist workers as subprocesses; coverage.py writes their data at
    interpreter exit, and xdist kills a worker that has not exited 10 s after the run ends (its data is then
    lost: a CI run once reported 90 % where every worker's data gave 95 %). pytest-cov saves here for the
    same reason.
    """
    try:
        import coverage
    except ImportError:  # pragma: no cover - coverage is a dev dependency
        return
    measuring = coverage.Coverage.current()
    if measuring is not None:
        measuring.save()
