"""SIGINT and SIGTERM while a ``bizstim`` command runs: the first one cancels, any later one exits now.

asyncio's own Ctrl-C handling raises ``KeyboardInterrupt`` wherever the second Ctrl-C lands, also inside the
event loop's shutdown, which could leave a temp file behind or hang. Here no signal ever raises:

* The first SIGINT or SIGTERM cancels the command's task from a loop callback, so its cleanup runs (temp
  file removed, connections closed) and the command ends with the exit code of that signal (130 or 143).
  If the cleanup or asyncio's shutdown has not finished :data:`GRACE` seconds later, the first signal is
  sent again, which counts as a second one.
* Any further signal calls ``force(first_signal)`` in the main thread at once: the caller removes the temp
  file, prints one line and leaves with ``os._exit``.

Handlers are installed for the life of the ``with`` block (or until :meth:`Interrupts.release`), in the main
thread only (elsewhere, e.g. ``main()`` called from a worker thread in tests, nothing changes). Threads the
CLI starts (:func:`start_thread`) block both signals, so the main thread gets them; a wakeup socket lets the
event loop see a signal at once even if another thread received it.

The command line installs the handlers before it loads a command's modules, so a signal while they load is
handled the same way; hence asyncio is imported only where an event loop is met, not with this module.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from aiobizstim.cli._entry import EXIT_CODES

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "GRACE",
    "InterruptedBySignalError",
    "Interrupts",
    "run_interruptible",
    "start_thread",
]

#: Seconds the cleanup after the first signal may take before it is cut short.
GRACE: Final = 2.0
_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """Catches SIGINT and SIGTERM for one run (see the module docstring)."""

    def __init__(self, force: Callable[[int], None]) -> None:
        #: The first signal received, if any.
        self.first: int | None = None
        self._force = force
        self._saved: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._active = False
        self._watchdog: threading.Timer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._wakeup: tuple[socket.socket, socket.socket, int] | None = None
        self._final_code = 0

    @property
    def exit_code(self) -> int:
        """130 or 143, by the first signal."""
        return EXIT_CODES.get(signal.Signals(self.first or signal.SIGINT), EXIT_CODES[signal.SIGINT])

    def install(self) -> None:
        """Handle SIGINT and SIGTERM from now on (in the main thread; elsewhere this does nothing)."""
        if threading.current_thread() is threading.main_thread() and not self._saved:
            for sig in _SIGNALS:
                self._saved[sig] = signal.signal(sig, self._handle)
            self._active = True

    def __enter__(self) -> Self:
        self.install()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def release(self, *, exiting: bool = False, code: int = 0) -> None:
        """Stop handling signals (idempotent): put the previous handlers back.

        ``exiting``: the process ends right after this (``main()`` run as the program) with ``code`` (or
        the first signal's code). Then the handlers are not put back, because the interpreter's shutdown
        would meet a late Ctrl-C with ``KeyboardInterrupt`` or its default action: further signals are
        blocked in this thread instead (they die with the process), and one that reaches another thread
        exits at once with that code.
        """
        with self._lock:
            self._active = False
            if self._watchdog is not None:
                self._watchdog.cancel()
        if not self._saved:  # not installed, or released already
            return
        self._final_code = self.exit_code if self.first is not None else code
        for sig, previous in self._saved.items():
            signal.signal(sig, self._exit_now if exiting else previous)
        if exiting:
            with contextlib.suppress(AttributeError, ValueError, OSError):
                signal.pthread_sigmask(signal.SIG_BLOCK, set(_SIGNALS))
        self._saved.clear()

    def _exit_now(self, signum: int, frame: FrameType | None) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(self._final_code)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.first is not None:
            self._force(self.first)
            return
        self.first = signum
        self._cancel()
        self._arm_watchdog()

    def _arm_watchdog(self) -> None:
        main = threading.main_thread().ident
        first = self.first
        if main is None or first is None:  # pragma: no cover - the main thread has an ident
            return

        def again() -> None:
            with self._lock:
                if self._active:
                    signal.pthread_kill(main, first)

        self._watchdog = threading.Timer(GRACE, again)
        self._watchdog.daemon = True
        start_thread(self._watchdog)

    # --- the event loop -----------------------------------------------------------------------------------

    def attach(self) -> bool:
        """Let a signal cancel the current task (call first thing in the task); ``False`` if a signal came
        already (then do not start the work)."""
        import asyncio

        loop = asyncio.get_running_loop()
        self._loop, self._task = loop, asyncio.current_task()
        if self._active:
            self._watch_wakeup(loop)
        return self.first is None

    def detach(self) -> None:
        """Stop cancelling the task (call last thing in the task)."""
        loop, self._loop, self._task = self._loop, None, None
        if self._wakeup is not None:
            reader, writer, previous = self._wakeup
            self._wakeup = None
            with contextlib.suppress(Exception):
                if loop is not None:  # the task's loop, as attach() found it
                    loop.remove_reader(reader.fileno())
            with contextlib.suppress(ValueError):
                signal.set_wakeup_fd(previous)
            reader.close()
            writer.close()

    def _watch_wakeup(self, loop: asyncio.AbstractEventLoop) -> None:
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        try:
            previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
            loop.add_reader(reader.fileno(), _drain, reader)
        except (ValueError, OSError, NotImplementedError, RuntimeError):
            reader.close()
            writer.close()
            return
        self._wakeup = (reader, writer, previous)

    def _cancel(self) -> None:
        loop, task = self._loop, self._task
        if loop is None or task is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed already
            loop.call_soon_threadsafe(task.cancel)


def _drain(reader: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while reader.recv(4096):
            pass


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (they stay pending) for the block, in the calling thread."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(_SIGNALS))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - no pthread_sigmask (Windows)
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_thread(thread: threading.Thread) -> None:
    """Start ``thread`` with SIGINT and SIGTERM blocked in it (threads inherit the mask of the thread that
    starts them), so the kernel delivers those signals to the main thread, whose handlers act on them."""
    with signals_held():
        thread.start()


class InterruptedBySignalError(Exception):
    """A command run by :func:`run_interruptible` was cancelled by a signal."""


def run_interruptible(coro: Coroutine[Any, Any, int], interrupts: Interrupts) -> int:
    """Run ``coro`` on a new event loop; a signal cancels it (:class:`Interrupts`), then
    :class:`InterruptedBySignalError` is raised."""
    import asyncio

    async def guarded() -> int:
        try:
            if not interrupts.attach():
                coro.close()  # a signal came before the work started
                raise asyncio.CancelledError
            return await coro
        finally:
            interrupts.detach()

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if interrupts.first is not None:
            raise InterruptedBySignalError from None
        raise
