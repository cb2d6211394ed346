"""``bizstim``: the entry point: parse, run the command, map failures to exit codes and one-line messages.

Exit codes: 0 success; 1 the API or the transport failed (or the output could not be written); 2 usage errors
(bad arguments, no API key, an unusable output path); 130 interrupted by Ctrl-C; 143 terminated (SIGTERM).
Every failure is reported as one line on stderr, without a traceback, and never shows the API key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any, Final, TextIO

from aiobizstim._constants import API_KEY_ENV
from aiobizstim.cli import _commands as commands
from aiobizstim.cli._commands import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ExportFailedError,
    UsageError,
    describe,
)
from aiobizstim.cli._parser import PROG, build_parser
from aiobizstim.errors import BizstimError

__all__ = ["main"]

DEBUG_ENV: Final = "BIZSTIM_DEBUG"


@contextlib.contextmanager
def _cli_logging(verbosity: int, stderr: TextIO) -> Iterator[None]:
    """Route the ``aiobizstim`` logger to stderr for one run, then restore it (``main`` may run in-process).

    Quiet by default: retries are expected during long exports; the progress display shows them (its
    handler needs the logger to pass WARNING records) and the summary line counts them. ``-v`` prints
    warnings, ``-vv`` every request.
    """
    logger = logging.getLogger("aiobizstim")
    saved = (logger.level, logger.propagate)
    level = {0: logging.ERROR, 1: logging.WARNING}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    handler.setLevel(level)
    logger.addHandler(handler)
    logger.setLevel(min(level, logging.WARNING))
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


# --- running ----------------------------------------------------------------------------------------------


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """Run ``coro``; SIGTERM cancels it like Ctrl-C (so cleanup runs), then raises ``_TerminatedError``."""

    async def guarded() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        terminated = False

        def on_sigterm() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            return await coro
        except asyncio.CancelledError:
            if terminated:
                raise _TerminatedError from None
            raise

    return asyncio.run(guarded())


class _TerminatedError(Exception):
    pass


def _fail(stderr: TextIO, message: str, secret: str | None) -> None:
    line = " ".join(message.split())
    if secret:
        line = line.replace(secret, "***")
    print(f"{PROG}: error: {line}", file=stderr)


def _dispatch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.command == "export":
        return _run(commands.export(args, stderr))
    if args.command == "get":
        return _run(commands.get(args, stdout))
    if args.command == "fake-server":
        return commands.fake_server(args)
    if args.command == "demo":
        return _run(commands.demo(args, stdout, stderr))
    raise UsageError(f"unknown command {args.command!r}")  # pragma: no cover - argparse rejects it first


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bizstim`` console script; returns the exit code."""
    stdout, stderr = sys.stdout, sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    secret = args.api_key or os.environ.get(API_KEY_ENV) or None
    with _cli_logging(args.verbose or 0, stderr):
        return _run_command(args, stdout, stderr, secret)


def _run_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, secret: str | None) -> int:
    try:
        return _dispatch(args, stdout, stderr)
    except UsageError as exc:
        _fail(stderr, str(exc), secret)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if args.command == "fake-server":
            return EXIT_OK
        _fail(stderr, "interrupted; nothing was written" if args.command == "export" else "interrupted", None)
        return EXIT_INTERRUPTED
    except _TerminatedError:
        _fail(stderr, "terminated; nothing was written" if args.command == "export" else "terminated", None)
        return EXIT_TERMINATED
    except ExportFailedError as exc:
        _fail(stderr, str(exc), secret)
        return EXIT_FAILURE
    except BrokenPipeError:
        # stdout closed early (``bizstim get ... | head``): not an error worth a message.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stops the interpreter's flush at exit failing
        return EXIT_FAILURE
    except (BizstimError, OSError) as exc:
        _fail(stderr, describe(exc), secret)
        return EXIT_FAILURE
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(stderr, f"unexpected {describe(exc)} (set {DEBUG_ENV}=1 for a traceback)", secret)
        return EXIT_FAILURE
