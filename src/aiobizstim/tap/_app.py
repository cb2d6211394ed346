"""``tap-bizstim``: parse, read the inputs, run discovery or a sync; failures as one line and an exit code.

stdout carries Singer messages only (or the catalog of ``--discover``, or ``--about``); logs go to stderr.
Exit codes: 0 success; 1 the API, the network or stdout failed; 2 bad input (arguments, config, catalog,
state); 130 Ctrl-C; 143 SIGTERM. A failure is one line on stderr, ``tap-bizstim: error: <Type>: <reason>``,
without a traceback (``BIZSTIM_DEBUG=1`` shows one for an unexpected error) and never with the API key. The
first SIGINT/SIGTERM stops the sync after writing out the messages already made (every STATE on stdout then
covers records on stdout); a second one exits at once (:mod:`aiobizstim.cli._signals`).

Start-up: the handlers are installed first; what a run needs (the settings, the catalog, the client, the
models, logging) loads after the arguments are parsed, so ``--about``, ``--help``, ``--version`` and usage
errors load none of it, and a signal while it loads stops the run like one during the sync.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, NoReturn, TextIO

from aiobizstim._constants import API_KEY_ENV
from aiobizstim._secret import Secret
from aiobizstim._version import __version__
from aiobizstim.cli._entry import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, describe, diagnostics
from aiobizstim.cli._signals import InterruptedBySignalError, Interrupts, run_interruptible
from aiobizstim.errors import BizstimError
from aiobizstim.tap._about import NAME, render_about
from aiobizstim.tap._errors import InputError, UsageError

if TYPE_CHECKING:
    from aiobizstim.tap._catalog import Selection
    from aiobizstim.tap._settings import TapSettings
    from aiobizstim.tap._state import SyncState

__all__ = ["main"]

PROG: Final = NAME
DEBUG_ENV: Final = "BIZSTIM_DEBUG"
_LOGGER: Final = "aiobizstim.tap"


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (:class:`UsageError`) instead of usage text and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {PROG} --help)")


def build_parser() -> argparse.ArgumentParser:
    """The ``tap-bizstim`` argument parser."""
    parser = _Parser(
        prog=PROG,
        description="Singer tap for the Bizstim CRM API: Singer messages on stdout, logs on stderr.",
    )
    parser.add_argument("-c", "--config", type=Path, help="settings (JSON): api_key, base_url, ...")
    parser.add_argument("-d", "--discover", action="store_true", help="print the catalog of every stream")
    parser.add_argument("--catalog", type=Path, help="the streams and fields to sync (a Singer catalog)")
    parser.add_argument("-p", "--properties", type=Path, help="the same, by its legacy name")
    parser.add_argument("-s", "--state", type=Path, help="continue from this state (a STATE message's value)")
    parser.add_argument("--about", action="store_true", help="what the tap is and takes")
    parser.add_argument("--format", choices=["json", "markdown"], default="json", help="of --about")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


@contextlib.contextmanager
def _logging(stderr: TextIO) -> Iterator[None]:
    """The tap's own progress (INFO) and the client's warnings (retries) to stderr for one run."""
    import logging

    from aiobizstim.cli._logs import logs_to

    logger = logging.getLogger(_LOGGER)
    saved = logger.level
    logger.setLevel(logging.INFO)
    try:
        with logs_to(stderr, PROG, logger_level=logging.WARNING):
            yield
    finally:
        logger.setLevel(saved)


async def _sync(settings: TapSettings, selections: Sequence[Selection], state: SyncState) -> int:
    import logging

    from aiobizstim.tap._sync import sync

    started = time.monotonic()
    async with settings.connect() as bz:
        count = await sync(bz, selections, state, settings.page_size)
        requests = bz.stats.requests
    logging.getLogger(_LOGGER).info(
        "synced %d records in %.2f s (%d requests)", count, time.monotonic() - started, requests
    )
    return EXIT_OK


def _fail(stderr: TextIO, message: str, secret: Secret | None) -> None:
    """``PROG: error: message`` on stderr, with ``secret`` (else ``$BIZSTIM_API_KEY``'s key) redacted."""
    line = " ".join(message.split())
    if secret is None:
        secret = _env_secret()
    if secret is not None:
        line = secret.redact(line)
    print(f"{PROG}: error: {line}", file=stderr, flush=True)


def _env_secret() -> Secret | None:
    raw = os.environ.get(API_KEY_ENV)
    if not raw or not raw.strip():
        return None
    return Secret(raw.strip())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tap-bizstim`` console script; returns the exit code."""
    stdout, stderr = sys.stdout, diagnostics(sys.stderr)
    code = EXIT_FAILURE

    def force(first: int) -> None:  # a second signal: say so and leave now
        with contextlib.suppress(OSError):
            os.write(2, f"{PROG}: error: {_signal_word(first)}\n".encode())
        os._exit(interrupts.exit_code)

    interrupts = Interrupts(force)
    interrupts.install()
    try:
        code = _main(argv, stdout, stderr, interrupts)
        return code
    finally:
        interrupts.release(exiting=argv is None, code=code)


def _signal_word(signum: int | None) -> str:
    return "terminated" if signum == signal.SIGTERM else "interrupted"


def _main(argv: Sequence[str] | None, stdout: TextIO, stderr: TextIO, interrupts: Interrupts) -> int:
    secret: Secret | None = None  # the settings' key once read; until then _fail redacts $BIZSTIM_API_KEY's
    try:
        args = build_parser().parse_args(argv)
        if args.about:
            stdout.write(render_about(args.format) + "\n")
            return EXIT_OK
        if args.config is None:
            raise UsageError("--config CONFIG is required (settings as JSON: api_key, base_url, ...)")
        with _logging(stderr):
            # What a run needs loads here, after the arguments: --help, --version and --about go without it.
            import msgspec

            from aiobizstim.tap._catalog import default_selection, discover, read_catalog
            from aiobizstim.tap._settings import read_settings
            from aiobizstim.tap._state import SyncState, read_state

            settings = read_settings(args.config)
            secret = settings.secret
            if args.discover:
                stdout.write(msgspec.json.format(msgspec.json.encode(discover()), indent=2).decode() + "\n")
                return EXIT_OK
            if args.catalog is not None and args.properties is not None:
                raise UsageError("give --catalog or --properties, not both")
            catalog = args.catalog if args.catalog is not None else args.properties
            selections = read_catalog(catalog) if catalog is not None else default_selection()
            state = read_state(args.state) if args.state is not None else SyncState()
            return run_interruptible(_sync(settings, selections, state), interrupts)
    except InterruptedBySignalError:
        _fail(stderr, _signal_word(interrupts.first), None)
        return interrupts.exit_code
    except InputError as exc:
        _fail(stderr, f"{type(exc).__name__}: {exc}", secret)
        return EXIT_USAGE
    except BrokenPipeError:
        _fail(stderr, "stdout was closed by its reader before the sync ended", secret)
        return EXIT_FAILURE
    except (BizstimError, OSError) as exc:
        _fail(stderr, describe(exc), secret)
        return EXIT_FAILURE
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(stderr, f"unexpected {describe(exc)} (set {DEBUG_ENV}=1 for a traceback)", secret)
        return EXIT_FAILURE
