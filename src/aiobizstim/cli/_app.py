"""``bizstim``: the command line (argparse), configuration, and the mapping of failures to exit codes.

Exit codes: 0 success; 1 the API or the transport failed (or the output could not be written); 2 usage errors
(bad arguments, no API key, an unusable output path); 130 interrupted by Ctrl-C; 143 terminated (SIGTERM).
Every failure is reported as one line on stderr, without a traceback, and never shows the API key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO, TypeVar

import msgspec

from aiobizstim._checks import check_count, check_positive_number
from aiobizstim._constants import API_KEY_ENV, BASE_URL_ENV
from aiobizstim._version import __version__
from aiobizstim.cli._atomic import OutputPathError, check_output_path
from aiobizstim.cli._export import LISTABLE, ExportSpec, guess_format, run_export
from aiobizstim.cli._formats import FORMATS, encode_record
from aiobizstim.cli._progress import ProgressMode
from aiobizstim.errors import BizstimError
from aiobizstim.models import ENDPOINTS

if TYPE_CHECKING:
    from aiobizstim import Bizstim

__all__ = ["UsageError", "build_parser", "main"]

PROG: Final = "bizstim"
DEBUG_ENV: Final = "BIZSTIM_DEBUG"

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
EXIT_TERMINATED: Final = 143

#: ``bizstim get`` resources that take one ``--id``, mapped to the client attribute that serves them.
_GET_BY_ID: Final = {
    "discount": "discounts",
    "service": "services",
    "payment": "payments",
    "location": "locations",
    "availability": "availability",
}


_N = TypeVar("_N", int, float)


class UsageError(Exception):
    """A usage problem found after parsing (exit code 2)."""


# --- argument types ---------------------------------------------------------------------------------------


def _bounded(
    convert: Callable[[str], _N], what: str, ok: Callable[[_N], bool], rule: str
) -> Callable[[str], _N]:
    """An argparse ``type=``: ``convert`` the text (else "expected <what>"), then require ``ok``."""

    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{rule}, got {text}")
        return value

    return parse


_positive_int = _bounded(int, "a whole number", lambda v: v >= 1, "must be at least 1")
_non_negative_int = _bounded(int, "a whole number", lambda v: v >= 0, "must not be negative")
_positive_float = _bounded(float, "a number", lambda v: 0 < v < math.inf, "must be a positive number")
_non_negative_float = _bounded(float, "a number", lambda v: 0 <= v < math.inf, "must be a number >= 0")


def _option(convert: Callable[[str], _N], what: str, check: Callable[[_N], _N]) -> Callable[[str], _N]:
    """An argparse ``type=`` for a client option: ``convert`` the text, then check it as the library does."""

    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        try:
            return check(value)
        except (ValueError, TypeError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


_timeout = _option(float, "a number", lambda v: check_positive_number("timeout", v))
_max_retries = _option(int, "a whole number", lambda v: check_count("max_retries", v, minimum=0))
_concurrency = _option(int, "a whole number", lambda v: check_count("concurrency", v, minimum=1))
_rate = _option(float, "a number", lambda v: check_positive_number("rate", v))


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


# --- parser -----------------------------------------------------------------------------------------------


def _connection_options(suppress: bool) -> argparse.ArgumentParser:
    # Accepted before and after the sub-command; SUPPRESS stops the sub-command's copy from overwriting a
    # value given before it with its default.
    default: Any = argparse.SUPPRESS if suppress else None
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("connection")
    group.add_argument("--api-key", metavar="KEY", default=default, help=f"API key (default: ${API_KEY_ENV})")
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default,
        help=f"site root (default: ${BASE_URL_ENV} or bizstim.com)",
    )
    group.add_argument("--timeout", type=_timeout, metavar="S", default=default, help="per-request timeout")
    group.add_argument(
        "--max-retries", type=_max_retries, metavar="N", default=default, help="retries per request"
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log retries, drift repairs and skipped records to stderr (-vv: every request)",
    )
    return parser


@contextlib.contextmanager
def _cli_logging(verbosity: int, stderr: TextIO) -> Iterator[None]:
    """Route the ``aiobizstim`` logger to stderr for one run, then restore it (``main`` may run in-process).

    Quiet by default: retries are expected during long exports and are counted in the summary line.
    """
    logger = logging.getLogger("aiobizstim")
    saved = (logger.level, logger.propagate)
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel({0: logging.ERROR, 1: logging.WARNING}.get(verbosity, logging.DEBUG))
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def build_parser() -> argparse.ArgumentParser:
    """The ``bizstim`` argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Bulk export and inspection of Bizstim CRM data, and a local fake Bizstim server.",
        parents=[_connection_options(suppress=False)],
        epilog="Exit codes: 0 ok, 1 API/transport/output failure, 2 usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    connection = _connection_options(suppress=True)

    export = commands.add_parser(
        "export",
        parents=[connection],
        help="stream every record of a resource to a file",
        description="Stream every record of RESOURCE to a file. The file appears only when the export "
        "succeeded; on failure nothing is written and an existing file is left untouched.",
    )
    export.add_argument("resource", choices=LISTABLE, metavar="RESOURCE", help=", ".join(LISTABLE))
    export.add_argument("-o", "--output", required=True, type=Path, metavar="PATH", help="output file")
    export.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the PATH suffix: .csv, .json, anything else jsonl)",
    )
    export.add_argument(
        "--details", action="store_true", help="clients only: export each client's full record (one GET each)"
    )
    export.add_argument("--concurrency", type=_concurrency, metavar="N", help="requests in flight at most")
    export.add_argument("--rate", type=_rate, metavar="R", help="requests per second at most")
    export.add_argument("--page-size", type=_positive_int, metavar="N", help="records per page request")
    export.add_argument("--max-items", type=_positive_int, metavar="N", help="stop after N records")
    export.add_argument(
        "--progress",
        choices=[mode.value for mode in ProgressMode] + ["auto"],
        default="auto",
        help="progress on stderr: live bar, periodic lines, or off (default: bar on a terminal, else lines)",
    )
    export.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary line")

    get = commands.add_parser(
        "get",
        parents=[connection],
        help="print one record as JSON",
        description="Print one record as JSON on stdout (the same field names and values as export).",
    )
    targets = get.add_subparsers(dest="target", metavar="RESOURCE", required=True)
    client = targets.add_parser("client", parents=[connection], help="one client (full record)")
    selector = client.add_mutually_exclusive_group(required=True)
    selector.add_argument("--id", type=_positive_int, help="client id")
    selector.add_argument("--email", help="one of the client's e-mail addresses")
    selector.add_argument("--username", help="login name (not case sensitive)")
    selector.add_argument("--first-name", help="with --last-name")
    client.add_argument("--last-name", help="with --first-name")
    for name in _GET_BY_ID:
        target = targets.add_parser(name, parents=[connection], help=f"one {name} by id")
        target.add_argument("--id", type=_positive_int, required=True, help=f"{name} id")
    ondemand = targets.add_parser(
        "ondemand", parents=[connection], help="an on-demand encrypted link (printed as a JSON string)"
    )
    ondemand.add_argument("--identifier", required=True, help="custom student identifier")
    ondemand.add_argument("--primary", type=_non_negative_int, default=0, help="primary agent id")
    ondemand.add_argument("--secondary", type=_non_negative_int, default=0, help="secondary agent id")

    fake = commands.add_parser(
        "fake-server",
        help="run a local fake Bizstim API until Ctrl-C",
        description="Run FakeBizstim (seeded data, optional latency and faults) on 127.0.0.1 until Ctrl-C. "
        "Once listening it prints BIZSTIM_BASE_URL=... and BIZSTIM_API_KEY=... on stdout.",
    )
    fake.add_argument(
        "--port", type=_non_negative_int, default=8765, help="0 picks a free port (default 8765)"
    )
    fake.add_argument(
        "--clients", type=_non_negative_int, default=1000, help="number of clients (default 1000)"
    )
    fake.add_argument("--latency-ms", type=_non_negative_float, default=0.0, help="added latency per request")
    fake.add_argument(
        "--jitter-ms", type=_non_negative_float, default=0.0, help="+ random 0..J ms per request"
    )
    fake.add_argument(
        "--fault-rate",
        type=_fraction,
        default=0.0,
        help="share of requests that fail (0..1), a realistic mix",
    )
    fake.add_argument("--seed", type=_non_negative_int, default=0, help="data seed (default 0)")
    fake.add_argument(
        "--api-key", default=argparse.SUPPRESS, metavar="KEY", help="the key it accepts (default: random)"
    )

    demo = commands.add_parser(
        "demo",
        help="export from an in-process fake and show what was measured",
        description="Start FakeBizstim in-process, export its clients and a --details sample, and report "
        "records, seconds, records/s, requests and retries.",
    )
    demo.add_argument(
        "--clients", type=_positive_int, default=10_000, help="clients in the fake (default 10000)"
    )
    demo.add_argument(
        "--details", type=_non_negative_int, default=500, help="clients in the --details sample (default 500)"
    )
    demo.add_argument("--latency-ms", type=_non_negative_float, default=20.0, help="latency per request (20)")
    demo.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        default=Path("demo-output"),
        help="where the files go (./demo-output)",
    )
    return parser


# --- configuration ----------------------------------------------------------------------------------------


def _api_key(args: argparse.Namespace) -> str:
    key: str | None = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV)
    if key is None or not key.strip():
        raise UsageError(f"no API key: pass --api-key KEY or set ${API_KEY_ENV}")
    return key.strip()


def _client(args: argparse.Namespace, **overrides: Any) -> Bizstim:
    from aiobizstim import Bizstim  # imported here: --help and fake-server start without the client

    options: dict[str, Any] = {"api_key": _api_key(args)}
    base_url = args.base_url if args.base_url is not None else os.environ.get(BASE_URL_ENV) or None
    if base_url is not None:
        options["base_url"] = base_url
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
        options["export_max_retries"] = args.max_retries
    options.update({name: value for name, value in overrides.items() if value is not None})
    try:
        return Bizstim(**options)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


# --- commands ---------------------------------------------------------------------------------------------


async def _export(args: argparse.Namespace, stderr: TextIO) -> int:
    path: Path = args.output
    if args.details and args.resource != "clients":
        raise UsageError("--details works with clients only")
    max_limit = ENDPOINTS[args.resource].max_limit
    if args.page_size is not None and max_limit is not None and args.page_size > max_limit:
        raise UsageError(f"--page-size for {args.resource} is at most {max_limit} (the API's maximum)")
    try:
        check_output_path(path)
    except OutputPathError as exc:
        raise UsageError(str(exc)) from None
    spec = ExportSpec(
        resource=args.resource,
        path=path,
        fmt=args.format or guess_format(path),
        details=args.details,
        page_size=args.page_size,
        max_items=args.max_items,
    )
    if args.quiet or args.progress == ProgressMode.OFF.value:
        mode = ProgressMode.OFF
    elif args.progress == "auto":
        mode = ProgressMode.auto(stderr)
    else:
        mode = ProgressMode(args.progress)
    async with _client(args, max_concurrency=args.concurrency, rate_limit=args.rate) as bz:
        try:
            result = await run_export(bz, spec, stderr=stderr, progress_mode=mode)
        except BizstimError as exc:
            raise _ExportFailedError(path, exc) from exc
        except OSError as exc:
            raise _ExportFailedError(path, exc) from exc
    if not args.quiet:
        print(f"{PROG}: {result.summary()}", file=stderr)
    return EXIT_OK


class _ExportFailedError(Exception):
    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        self.cause = cause
        super().__init__(f"export failed, nothing written to {path}: {_describe(cause)}")


async def _get(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.target == "client" and (args.first_name is None) != (args.last_name is None):
        raise UsageError("--first-name and --last-name go together")
    async with _client(args) as bz:
        try:
            record = await _fetch_one(bz, args)
        except (ValueError, TypeError) as exc:  # the client checks arguments before sending anything
            raise UsageError(str(exc)) from None
    if isinstance(record, msgspec.Struct):
        text = encode_record(record, indent=2).decode()
    else:
        text = msgspec.json.encode(record).decode()
    stdout.write(text + "\n")
    stdout.flush()
    return EXIT_OK


async def _fetch_one(bz: Bizstim, args: argparse.Namespace) -> Any:
    """The record (or link) ``bizstim get`` asked for."""
    if args.target == "client":
        selector = {
            name: value
            for name, value in (
                ("id", args.id),
                ("email", args.email),
                ("username", args.username),
                ("first_name", args.first_name),
                ("last_name", args.last_name),
            )
            if value is not None
        }
        return await bz.clients.get(**selector)
    if args.target == "ondemand":
        return await bz.ondemand.link(
            args.identifier, primary_agent_id=args.primary, secondary_agent_id=args.secondary
        )
    return await getattr(bz, _GET_BY_ID[args.target]).get(args.id)


def _fake_server(args: argparse.Namespace) -> int:
    from aiobizstim.testing import serve

    serve(
        port=args.port,
        clients=args.clients,
        seed=args.seed,
        api_key=args.api_key,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
        fault_rate=args.fault_rate,
    )
    return EXIT_OK


async def _demo(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from aiobizstim.cli._demo import run_demo

    return await run_demo(
        clients=args.clients,
        details=args.details,
        latency=args.latency_ms / 1000,
        output_dir=args.output_dir,
        stdout=stdout,
        stderr=stderr,
    )


# --- running ----------------------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {text}"


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
        return _run(_export(args, stderr))
    if args.command == "get":
        return _run(_get(args, stdout))
    if args.command == "fake-server":
        return _fake_server(args)
    if args.command == "demo":
        return _run(_demo(args, stdout, stderr))
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
    except _ExportFailedError as exc:
        _fail(stderr, str(exc), secret)
        return EXIT_FAILURE
    except BrokenPipeError:
        # stdout closed early (``bizstim get ... | head``): not an error worth a message.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stops the interpreter's flush at exit failing
        return EXIT_FAILURE
    except (BizstimError, OSError) as exc:
        _fail(stderr, _describe(exc), secret)
        return EXIT_FAILURE
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(stderr, f"unexpected {_describe(exc)} (set {DEBUG_ENV}=1 for a traceback)", secret)
        return EXIT_FAILURE
