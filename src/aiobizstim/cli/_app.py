"""``bizstim``: the entry point: parse, run the command, map failures to exit codes and one-line messages.

Exit codes: 0 success; 1 the API or the transport failed (or the output could not be written); 2 usage errors
(bad arguments, no API key, an unusable output path); 130 interrupted by Ctrl-C; 143 terminated (SIGTERM);
``fake-server`` runs until one of those signals and exits 0 when it stops on it.
Every failure is reported as one line on stderr, without a traceback, and never shows the API key.

Signals (:mod:`aiobizstim.cli._signals`): the first SIGINT/SIGTERM cancels the command, any further one exits
at once; either way the temp file is gone and the last line says what happened to the export's PATH
(:meth:`ExportWatch.truth`), also when the signal came after the file had been renamed into place.

Start-up: the handlers are installed first, then the arguments are parsed; a command's modules (the client
and aiohttp, the models, the writers, logging) load only when it runs (:func:`_dispatch`), under those
handlers. So ``--help``, ``--version`` and usage errors load little, and a signal while a command loads ends
it as one during its run would.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Final, TextIO

from aiobizstim._constants import API_KEY_ENV
from aiobizstim._secret import Secret
from aiobizstim.cli._entry import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, describe, diagnostics
from aiobizstim.cli._parser import PROG, build_parser
from aiobizstim.cli._signals import Interrupts, run_interruptible, signals_held
from aiobizstim.errors import BizstimError

if TYPE_CHECKING:
    from aiobizstim.cli._export import ExportWatch

__all__ = ["main"]

DEBUG_ENV: Final = "BIZSTIM_DEBUG"


@contextlib.contextmanager
def _cli_logging(verbosity: int, stderr: TextIO) -> Iterator[None]:
    """Route the ``aiobizstim`` logger to stderr for one run, then restore it (``main`` may run in-process).

    Quiet by default: retries are expected during long exports; the progress display shows them (its
    handler needs the logger to pass WARNING records) and the summary line counts them. ``-v`` prints
    warnings and INFO lines (an adaptive concurrency limit's changes), ``-vv`` every request.
    """
    import logging

    from aiobizstim.cli._logs import logs_to

    level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    with logs_to(stderr, PROG, logger_level=min(level, logging.WARNING), handler_level=level):
        yield


# --- running ----------------------------------------------------------------------------------------------


def _fail(stderr: TextIO, message: str, secret: Secret | None) -> None:
    line = " ".join(message.split())
    if secret is not None:
        line = secret.redact(line)
    print(f"{PROG}: error: {line}", file=stderr)


def _secret(args: argparse.Namespace) -> Secret | None:
    """The API key as the client sends it (surrounding whitespace dropped), to redact from every message."""
    raw = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV)
    return Secret(raw.strip()) if raw and raw.strip() else None


def _dispatch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, session: _Session) -> int:
    """Run the command: the one place that maps a command to its implementation, whose modules load here."""
    from aiobizstim.cli import _commands as commands
    from aiobizstim.cli._export import ExportWatch

    if args.command == "export":
        session.watch = ExportWatch()
        return run_interruptible(commands.export(args, stderr, session.watch), session.interrupts)
    if args.command == "get":
        return run_interruptible(commands.get(args, stdout), session.interrupts)
    if args.command == "fake-server":
        session.interrupts.release()  # it stops on SIGINT/SIGTERM by itself
        if session.interrupts.first is not None:
            return EXIT_OK  # stopped before it started
        return commands.fake_server(args)
    if args.command == "demo":
        session.watch = ExportWatch()
        return run_interruptible(commands.demo(args, stdout, stderr, session.watch), session.interrupts)
    raise commands.UsageError(f"unknown command {args.command!r}")  # pragma: no cover - argparse rejects it


class _Session:
    """One run of :func:`main`: the signals, what the export did, and the last words after a signal."""

    def __init__(self, stderr: TextIO, exit_now: Callable[[int], None] = os._exit) -> None:
        self.stderr = stderr
        self.command: str | None = None
        #: What the export (or the demo's) did to its output; set when it starts.
        self.watch: ExportWatch | None = None
        self.interrupts = Interrupts(self.force)
        self._exit_now = exit_now
        self._said = False

    def interrupted(self, signum: int | None) -> str:
        """``interrupted; <what happened to PATH>`` (or ``terminated; ...`` for SIGTERM)."""
        what = "terminated" if signum == signal.SIGTERM else "interrupted"
        if self.command != "export" or self.watch is None:  # no export started: no output to speak of
            return what
        return f"{what}; {self.watch.truth()}"

    def say_last(self, message: str) -> None:
        """The last line after a signal, said once: a later signal, held back while it is written, then
        exits without saying it again (half a line and a second copy were seen)."""
        with signals_held():
            _fail(self.stderr, message, None)
            self._said = True

    def force(self, first: int) -> None:
        """A signal after the first one: remove the temp file, say what happened, exit now (any moment,
        in the main thread, from the signal handler: no buffered writes, no locks)."""
        watch = self.watch
        if watch is not None:
            watch.abandon()
        if self._said:
            self._exit_now(self.interrupts.exit_code)
            return
        clear = watch.clear_line() if watch is not None else ""
        line = f"{clear}{PROG}: error: {self.interrupted(first)}\n"
        for stream in (sys.stdout, self.stderr):
            with contextlib.suppress(Exception):  # may be in the middle of a write of its own
                stream.flush()
        try:
            fd = self.stderr.fileno()
        except (AttributeError, ValueError, OSError):
            fd = 2
        with contextlib.suppress(OSError):
            os.write(fd, line.encode(errors="replace"))
        self._exit_now(self.interrupts.exit_code)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bizstim`` console script; returns the exit code.

    Without ``argv`` it runs as the program (the arguments come from ``sys.argv``): SIGINT and SIGTERM stay
    handled until the process exits (see :meth:`Interrupts.release`).
    """
    stdout, stderr = sys.stdout, diagnostics(sys.stderr)
    session = _Session(stderr)
    code = EXIT_FAILURE
    session.interrupts.install()  # first, before a command's modules load (see the module docstring)
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit:  # --help, --version or a usage error, which argparse has printed
            if session.interrupts.first is None:
                raise
            session.say_last(session.interrupted(session.interrupts.first))
            code = session.interrupts.exit_code
            return code
        session.command = args.command
        code = _run_command(args, stdout, stderr, session)
        return code
    finally:
        session.interrupts.release(exiting=argv is None, code=code)


def _run_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, session: _Session) -> int:
    interrupts = session.interrupts
    secret = _secret(args)
    try:
        with _cli_logging(args.verbose or 0, stderr):
            code = _dispatch(args, stdout, stderr, session)
    except KeyboardInterrupt:  # Ctrl-C where no handler of ours is installed (main() in another thread)
        if args.command == "fake-server":
            return EXIT_OK
        session.say_last(session.interrupted(signal.SIGINT))
        return EXIT_INTERRUPTED
    except Exception as exc:
        if interrupts.first is None:
            return _failed(exc, stderr, secret)
        code = EXIT_OK  # whatever the signal's cancellation caused: the signal is what is reported
    if interrupts.first is not None and args.command != "fake-server":
        session.say_last(session.interrupted(interrupts.first))
        return interrupts.exit_code
    return code


def _failed(exc: Exception, stderr: TextIO, secret: Secret | None) -> int:
    """Report a failure as one line; return the exit code."""
    from aiobizstim.cli._commands import ExportFailedError, UsageError  # loaded already: exc came from there

    if isinstance(exc, UsageError):
        _fail(stderr, str(exc), secret)
        return EXIT_USAGE
    if isinstance(exc, ExportFailedError):
        _fail(stderr, str(exc), secret)
        return EXIT_FAILURE
    if isinstance(exc, BrokenPipeError):
        # stdout closed early (``bizstim get ... | head``): not an error worth a message.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stops the interpreter's flush at exit failing
        return EXIT_FAILURE
    if isinstance(exc, BizstimError | OSError):
        _fail(stderr, describe(exc), secret)
        return EXIT_FAILURE
    if os.environ.get(DEBUG_ENV):
        raise exc
    _fail(stderr, f"unexpected {describe(exc)} (set {DEBUG_ENV}=1 for a traceback)", secret)
    return EXIT_FAILURE
