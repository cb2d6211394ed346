"""The ``bizstim`` argument parser and its argument types (client options are checked by the library's own
rules, :mod:`aiobizstim._checks`).

Built on every run, ``--help`` and ``--version`` included, so it imports only what names the choices
(:mod:`aiobizstim.cli._choices`, :mod:`aiobizstim._lists`, :mod:`aiobizstim._page_limits`): no client, models
or writers."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

from aiobizstim._checks import check_concurrency, check_count, check_positive_number
from aiobizstim._constants import (
    API_KEY_ENV,
    AUTO_CONCURRENCY_MAX,
    AUTO_CONCURRENCY_MIN,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_TIMEOUT,
    EXPORT_MAX_RETRIES,
    FIRST_CONTACT_WAIT,
)
from aiobizstim._lists import LISTABLE
from aiobizstim._page_limits import MAX_LIMITS
from aiobizstim._version import __version__
from aiobizstim.cli._choices import COLUMNAR_FORMATS, EXTRA, FORMATS, ProgressMode

if TYPE_CHECKING:
    from aiobizstim._config import AutoConcurrency
    from aiobizstim.testing import CapacitySchedule

__all__ = ["EPILOG", "GET_BY_ID", "PROG", "build_parser"]

PROG: Final = "bizstim"

#: The exit codes (``EXIT_*`` in :mod:`aiobizstim.cli._entry`), as ``bizstim --help`` lists them.
EPILOG: Final = (
    "Exit codes: 0 ok, 1 API/transport/output failure, 2 usage error, 130 interrupted (Ctrl-C), "
    "143 terminated (SIGTERM)."
)

#: ``bizstim get`` resources that take one ``--id``, mapped to the client attribute that serves them.
GET_BY_ID: Final = {
    "discount": "discounts",
    "service": "services",
    "payment": "payments",
    "location": "locations",
    "availability": "availability",
}

_N = TypeVar("_N", int, float)


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
_port = _bounded(int, "a port number", lambda v: 0 <= v <= 65535, "must be between 0 and 65535")
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


def _concurrency(text: str) -> int | str | AutoConcurrency:
    """``--concurrency``: a whole number, ``auto``, or ``auto:MIN..MAX`` (an adaptive limit in that range,
    starting at MIN); checked as the library checks ``max_concurrency``."""
    if text.startswith("auto:"):
        return _auto_range(text)
    try:
        value: int | str = text if text == "auto" else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, auto or auto:MIN..MAX, got {text!r}"
        ) from None
    try:
        return check_concurrency("concurrency", value)
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _auto_range(text: str) -> AutoConcurrency:
    # Imported only when asked for: the parser is built by every command, --version included.
    from aiobizstim._config import AutoConcurrency

    low, dots, high = text.removeprefix("auto:").partition("..")
    if not (dots and low.isdigit() and high.isdigit()):
        raise argparse.ArgumentTypeError(f"expected auto:MIN..MAX (e.g. auto:2..32), got {text!r}")
    if not 1 <= int(low) <= int(high):
        raise argparse.ArgumentTypeError(f"auto:MIN..MAX needs 1 <= MIN <= MAX, got {text!r}")
    try:
        return AutoConcurrency(minimum=int(low), maximum=int(high))
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_rate = _option(float, "a number", lambda v: check_positive_number("rate", v))
_max_response_bytes = _option(
    int, "a whole number", lambda v: check_count("max_response_bytes", v, minimum=1)
)


def _capacity_schedule(text: str) -> CapacitySchedule:
    """``fake-server --capacity-schedule``: ``C,Ts:C,...`` (:meth:`CapacitySchedule.parse`)."""
    from aiobizstim.testing import CapacitySchedule  # imported here: the fake's server is not for the others

    try:
        return CapacitySchedule.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


# --- parser -----------------------------------------------------------------------------------------------


def _page_sizes() -> str:
    """Each resource's default ``--page-size`` (the API's maximum): "1000 for clients and sessions, 100 for
    the others"."""
    by_size: dict[int, list[str]] = {}
    for resource in LISTABLE:
        if (size := MAX_LIMITS.get(resource)) is not None:
            by_size.setdefault(size, []).append(resource)
    common = max(by_size, key=lambda size: len(by_size[size]))
    parts = [f"{size} for {' and '.join(names)}" for size, names in by_size.items() if size != common]
    return ", ".join([*parts, f"{common} for the others"])


#: What ``--max-retries`` defaults to, by where the option is given.
_RETRIES_TOP = f"{EXPORT_MAX_RETRIES} for export, {DEFAULT_MAX_RETRIES} for get"
_RETRIES_EXPORT = f"{EXPORT_MAX_RETRIES}"
_RETRIES_GET = f"{DEFAULT_MAX_RETRIES}"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage error is one line (argparse prints the whole usage block first), with
    the prefix of every other failure, ``bizstim: error:``, and the help of the command that refused it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def _connection_options(suppress: bool, retries: str) -> _Parser:
    # Accepted before and after the sub-command; SUPPRESS stops the sub-command's copy from overwriting a
    # value given before it with its default.
    default: Any = argparse.SUPPRESS if suppress else None
    parser = _Parser(add_help=False)
    group = parser.add_argument_group("connection")
    group.add_argument("--api-key", metavar="KEY", default=default, help=f"API key (default: ${API_KEY_ENV})")
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default,
        help=f"site root (default: ${BASE_URL_ENV}, else {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--timeout",
        type=_timeout,
        metavar="S",
        default=default,
        help=f"seconds one attempt of a request may take (default: {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--max-retries",
        type=_max_retries,
        metavar="N",
        default=default,
        help=f"retries of a failed request (default: {retries})",
    )
    group.add_argument(
        "--max-retry-wait",
        type=_non_negative_float,
        metavar="S",
        default=default,
        help="the longest Retry-After (429, 503) waited out before a retry; a longer one fails the request "
        f"(default: {DEFAULT_MAX_RETRY_AFTER:g})",
    )
    group.add_argument(
        "--connect-wait",
        type=_non_negative_float,
        metavar="S",
        default=default,
        help="how long a refused connection (or an unknown host) is retried before the server has answered "
        f"once: raise it for a server still starting (default: {FIRST_CONTACT_WAIT:g})",
    )
    group.add_argument(
        "--max-response-bytes",
        type=_max_response_bytes,
        metavar="N",
        default=default,
        help="the most of a response body read, after decompression "
        f"(default: {DEFAULT_MAX_RESPONSE_BYTES // 2**20} MiB)",
    )
    group.add_argument(
        "--proxy",
        metavar="URL",
        default=default,
        help="send every request through this proxy (default: $HTTPS_PROXY / $HTTP_PROXY, unless $NO_PROXY)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log retries, drift repairs, skipped records and concurrency changes to stderr (-vv: every "
        "request)",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``bizstim`` argument parser (its subcommands' parsers are of the same class)."""
    parser = _Parser(
        prog=PROG,
        description="Bulk export and inspection of Bizstim CRM data, and a local fake Bizstim server.",
        parents=[_connection_options(suppress=False, retries=_RETRIES_TOP)],
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    export_connection = _connection_options(suppress=True, retries=_RETRIES_EXPORT)
    get_connection = _connection_options(suppress=True, retries=_RETRIES_GET)

    export = commands.add_parser(
        "export",
        parents=[export_connection],
        help="stream every record of a resource to a file",
        description="Stream every record of RESOURCE to a file. The file appears only when the export "
        "succeeded; on failure nothing is written and an existing file is left untouched (with --resume the "
        "progress is kept and the same command continues it). A device, a FIFO or stdout (-o -) gets the "
        "records as they come.",
    )
    export.add_argument("resource", choices=LISTABLE, metavar="RESOURCE", help=", ".join(LISTABLE))
    export.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="output file (replaced atomically; a symlink's target is), a device or FIFO (written as the "
        "records come), or - for stdout",
    )
    export.add_argument(
        "--format",
        choices=(*FORMATS, *COLUMNAR_FORMATS),
        help="output format (default: from the PATH suffix: .csv, .json, .parquet, .duckdb, anything else "
        "jsonl but a compressed file's, .gz and the like, which needs this; jsonl for -); parquet and "
        f"duckdb need a regular file and the {EXTRA} extra",
    )
    export.add_argument(
        "--resume",
        action="store_true",
        help="keep progress beside PATH (hidden .PATH.partial and .PATH.resume) and continue it: an export "
        "that failed or was stopped goes on where it stopped when the same command runs again",
    )
    export.add_argument(
        "--details", action="store_true", help="clients only: export each client's full record (one GET each)"
    )
    export.add_argument(
        "--concurrency",
        type=_concurrency,
        metavar="N|auto|auto:MIN..MAX",
        help="requests in flight at most; auto: adapt to the server (grows while latency stays flat, shrinks "
        f"when it climbs or on 429/503; range {AUTO_CONCURRENCY_MIN}..{AUTO_CONCURRENCY_MAX}, or MIN..MAX, "
        f"starting at MIN) (default: {DEFAULT_MAX_CONCURRENCY})",
    )
    export.add_argument(
        "--rate", type=_rate, metavar="R", help="requests per second at most (default: no limit)"
    )
    export.add_argument(
        "--page-size",
        type=_positive_int,
        metavar="N",
        help=f"records per page request (default: the API's maximum, {_page_sizes()}; testimonials "
        "come in one list)",
    )
    export.add_argument(
        "--max-items", type=_positive_int, metavar="N", help="stop after N records (default: all of them)"
    )
    export.add_argument(
        "--progress",
        choices=[mode.value for mode in ProgressMode] + ["auto"],
        default="auto",
        help="progress on stderr: live bar, periodic lines, or off (default: bar on a terminal, else lines)",
    )
    export.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary line")

    get = commands.add_parser(
        "get",
        parents=[get_connection],
        help="print one record as JSON",
        description="Print one record as JSON on stdout (the same field names and values as export).",
    )
    targets = get.add_subparsers(dest="target", metavar="RESOURCE", required=True)
    client = targets.add_parser(
        "client",
        parents=[get_connection],
        help="one client (full record)",
        description="Print one client's full record as JSON: by id, e-mail, username or first and last name.",
    )
    selector = client.add_mutually_exclusive_group(required=True)
    selector.add_argument("--id", type=_positive_int, help="client id")
    selector.add_argument("--email", help="one of the client's e-mail addresses")
    selector.add_argument("--username", help="login name (not case sensitive)")
    selector.add_argument("--first-name", help="with --last-name")
    client.add_argument("--last-name", help="with --first-name")
    for name in GET_BY_ID:
        target = targets.add_parser(
            name, parents=[get_connection], help=f"one {name} by id", description=f"Print one {name} as JSON."
        )
        target.add_argument("--id", type=_positive_int, required=True, help=f"{name} id")
    ondemand = targets.add_parser(
        "ondemand",
        parents=[get_connection],
        help="an on-demand encrypted link (printed as a JSON string)",
        description="Print an on-demand encrypted link for a student as a JSON string.",
    )
    ondemand.add_argument("--identifier", required=True, help="custom student identifier")
    ondemand.add_argument(
        "--primary", type=_non_negative_int, default=0, help="primary agent id (default: 0)"
    )
    ondemand.add_argument(
        "--secondary", type=_non_negative_int, default=0, help="secondary agent id (default: 0)"
    )

    fake = commands.add_parser(
        "fake-server",
        help="run a local fake Bizstim API until Ctrl-C",
        description="Run FakeBizstim (seeded data, optional latency and faults) on 127.0.0.1 (--host) "
        "until Ctrl-C. "
        "Once listening it prints on stdout two lines a shell can eval (values shell-quoted): "
        "export BIZSTIM_BASE_URL=... and export BIZSTIM_API_KEY=...",
    )
    fake.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on, e.g. 0.0.0.0 for every one (default: 127.0.0.1)",
    )
    fake.add_argument("--port", type=_port, default=8765, help="0 picks a free port (default: 8765)")
    fake.add_argument(
        "--clients", type=_non_negative_int, default=1000, help="number of clients (default: 1000)"
    )
    fake.add_argument(
        "--latency-ms", type=_non_negative_float, default=0.0, help="added latency per request (default: 0)"
    )
    fake.add_argument(
        "--jitter-ms", type=_non_negative_float, default=0.0, help="+ random 0..J ms per request (default: 0)"
    )
    fake.add_argument(
        "--fault-rate",
        type=_fraction,
        default=0.0,
        help="share of requests that fail (0..1), a realistic mix (default: 0)",
    )
    capacity = fake.add_mutually_exclusive_group()
    capacity.add_argument(
        "--capacity",
        type=_positive_float,
        metavar="C",
        help="requests served at full speed at once: more share it (each slower), past twice C it answers "
        "429 with Retry-After (default: unlimited)",
    )
    capacity.add_argument(
        "--capacity-schedule",
        type=_capacity_schedule,
        metavar="C,Ts:C,...",
        help="a capacity that changes while it runs, instead of --capacity: C from the start, then each C "
        "from T seconds after it, e.g. 24,10s:12,30s:24 (busy from 10 s, recovered at 30 s) (default: none)",
    )
    fake.add_argument("--seed", type=_non_negative_int, default=0, help="data seed (default: 0)")
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
        "--clients", type=_positive_int, default=10_000, help="clients in the fake (default: 10000)"
    )
    demo.add_argument(
        "--details",
        type=_non_negative_int,
        default=500,
        help="clients in the --details sample (default: 500)",
    )
    demo.add_argument(
        "--latency-ms", type=_non_negative_float, default=20.0, help="latency per request (default: 20)"
    )
    demo.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        default=Path("demo-output"),
        help="where the files go (default: ./demo-output)",
    )
    return parser
