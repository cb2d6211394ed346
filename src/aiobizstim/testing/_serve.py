"""Running a FakeBizstim outside a test: blocking in the foreground (CLI, scripts) or in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from aiobizstim._constants import API_KEY_ENV, BASE_URL_ENV
from aiobizstim.testing._capacity import CapacitySchedule
from aiobizstim.testing._faults import Faults
from aiobizstim.testing._server import FakeBizstim

__all__ = ["export_lines", "serve", "serve_in_thread"]


def export_lines(url: str, api_key: str) -> str:
    """The two lines :func:`serve` prints: ``export`` statements a POSIX shell can ``eval``."""
    return f"export {BASE_URL_ENV}={shlex.quote(url)}\nexport {API_KEY_ENV}={shlex.quote(api_key)}"


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clients: int = 1000,
    seed: int = 0,
    api_key: str | None = None,
    latency: float = 0.0,
    jitter: float = 0.0,
    fault_rate: float = 0.0,
    faults: Faults | None = None,
    out: TextIO | None = None,
    capacity: float | None = None,
    capacity_schedule: CapacitySchedule | str | None = None,
) -> None:
    """Run a FakeBizstim until Ctrl-C or SIGTERM (blocking).

    Once listening it prints two lines to ``out`` (default stdout) and flushes, so scripts can read them
    and a POSIX shell can ``eval`` them (the values are quoted with :func:`shlex.quote` where needed)::

        export BIZSTIM_BASE_URL=http://127.0.0.1:8765
        export BIZSTIM_API_KEY=<40 hex characters>

    ``latency``/``jitter`` are seconds. ``fault_rate`` (0..1) injects a realistic mix of failures
    (:meth:`Faults.mixed`); ``faults`` sets them precisely instead. ``capacity`` limits the requests served
    at full speed at once, ``capacity_schedule`` changes that limit while it runs (see :class:`FakeBizstim`).
    The log keeps the last ~10,000 requests.
    """
    if faults is None and fault_rate:
        faults = Faults.mixed(fault_rate)
    fake = FakeBizstim(
        clients=clients,
        seed=seed,
        api_key=api_key,
        latency=latency,
        jitter=jitter,
        faults=faults,
        host=host,
        port=port,
        log_limit=10_000,
        capacity=capacity,
        capacity_schedule=capacity_schedule,
    )
    stream = out if out is not None else sys.stdout

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        async with fake:
            print(export_lines(fake.url, fake.api_key), file=stream, flush=True)
            await stop.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


class _ThreadedFake:
    def __init__(self, kwargs: dict[str, Any]) -> None:
        self._kwargs = kwargs
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._fake: FakeBizstim | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="FakeBizstim", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                async with FakeBizstim(**self._kwargs) as fake:
                    self._fake = fake
                    self._ready.set()
                    await self._stop.wait()
            except BaseException as exc:
                self._error = exc
                self._ready.set()

        asyncio.run(main())

    def start(self) -> FakeBizstim:
        self._thread.start()
        self._ready.wait()
        if self._error is not None or self._fake is None:
            raise RuntimeError("FakeBizstim failed to start in its thread") from self._error
        return self._fake

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


@contextlib.contextmanager
def serve_in_thread(**kwargs: Any) -> Iterator[FakeBizstim]:
    """Run a FakeBizstim (same arguments) on its own event loop in a daemon thread, for the block's duration.

    The server then does not compete with the code under test for the caller's event loop (benchmarks).
    Read ``url``, ``api_key``, ``requests`` and ``max_in_flight`` freely; change it only through
    ``set_faults``/``set_latency`` (single assignments, safe across threads).
    """
    runner = _ThreadedFake(kwargs)
    fake = runner.start()
    try:
        yield fake
    finally:
        runner.stop()
