"""The console scripts' first code, their exit codes and the one-line form of an exception in their errors.

``bizstim`` and ``tap-bizstim`` import and call their main module inside :func:`start`, so that a Ctrl-C
before their signal handling (:mod:`aiobizstim.cli._signals`) is installed ends as any interrupted run
does, in one line with exit code 130, instead of a traceback. Both install it first thing in ``main`` and
load what a command needs (the client, the models, the writers) only when it runs, so little loads before.
Imports nothing heavy itself."""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import os
import signal
import sys
from collections.abc import Sequence
from typing import Final, TextIO, cast

__all__ = [
    "EXIT_CODES",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "Diagnostics",
    "describe",
    "diagnostics",
    "start",
]

#: Exit codes (``bizstim --help`` lists them: :data:`aiobizstim.cli._parser.EPILOG`).
EXIT_OK: Final = 0
#: The API or the transport failed, or the output could not be written.
EXIT_FAILURE: Final = 1
#: Bad arguments, no API key, an unusable output path.
EXIT_USAGE: Final = 2
#: Ended by SIGINT (Ctrl-C) or SIGTERM: the shell's 128 + the signal's number.
EXIT_INTERRUPTED: Final = 130
EXIT_TERMINATED: Final = 143
#: The exit code of a run ended by each signal.
EXIT_CODES: Final = {signal.SIGINT: EXIT_INTERRUPTED, signal.SIGTERM: EXIT_TERMINATED}


class _Closed(io.TextIOBase):
    """Stands for a standard stream the process was started without (``>&-``: Python sets it to ``None``).
    Output written to it fails with an ``OSError`` that the commands report in one line, as for any
    unwritable output; diagnostics (``discard``: standard error) are dropped, as their reader asked."""

    def __init__(self, name: str, *, discard: bool = False) -> None:
        self._name = name
        self._discard = discard

    def _closed(self) -> OSError:
        return OSError(errno.EBADF, f"{self._name} is closed")

    def write(self, text: str) -> int:
        if self._discard:
            return len(text)
        raise self._closed()

    def flush(self) -> None:  # nothing was written: the interpreter's flush at exit has nothing to fail on
        pass

    def fileno(self) -> int:
        raise self._closed()


class Diagnostics(io.TextIOBase):
    """Standard error as the console scripts write to it: once it is gone (the reader of the pipe left, a
    log shipper died, the stream was closed), that write and every later one are dropped; a write that fails
    otherwise (a full non-blocking pipe) is dropped alone. Losing the messages must not fail an export, nor
    turn a finished one into exit code 1."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        #: The stream is gone: nothing more is written.
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except (OSError, ValueError) as exc:
                self._failed(exc)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except (OSError, ValueError) as exc:
                self._failed(exc)

    def _failed(self, exc: OSError | ValueError) -> None:
        """A reader that left or a closed stream ends it; a full non-blocking pipe loses only this write."""
        if isinstance(exc, BlockingIOError | UnicodeError):
            return
        self.gone = True

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        try:
            return not self.gone and self._stream.isatty()
        except (OSError, ValueError):
            return False


def diagnostics(stream: TextIO) -> TextIO:
    """``stream`` (standard error) as a :class:`Diagnostics`."""
    return cast("TextIO", Diagnostics(stream))


def start(prog: str, module: str, argv: Sequence[str] | None) -> int:
    """Import ``module`` and return what its ``main(argv)`` returns; a Ctrl-C that Python's own handling
    meets (the import, the moments before ``main`` installs its own and after it puts Python's back) is one
    line, ``PROG: error: interrupted``, and exit code 130. A standard stream the process was started without
    fails when used, with an ``OSError`` (see :class:`_Closed`)."""
    for fd in (0, 1, 2):  # closed at start: hold the number, so no file or socket opened later takes it
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):  # no /dev/null, or no descriptor left: as before, then
                os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
    if sys.stdout is None:
        sys.stdout = _Closed("standard output")
    if sys.stderr is None:
        sys.stderr = _Closed("standard error", discard=True)
    try:
        code: int = importlib.import_module(module).main(argv)
    except KeyboardInterrupt:
        Diagnostics(cast("TextIO", sys.stderr)).write(f"{prog}: error: interrupted\n")
        return EXIT_INTERRUPTED
    return code


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, on one line (an OSError as its strerror and file name)."""
    text = " ".join(str(exc).split()) or "no details"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {text}"
