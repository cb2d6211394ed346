"""The ``bizstim`` commands: ``export``, ``get``, ``fake-server`` and ``demo``, each from parsed arguments."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from aiobizstim._constants import API_KEY_ENV, BASE_URL_ENV
from aiobizstim.cli._atomic import OutputPathError
from aiobizstim.cli._choices import COLUMNAR_FORMATS, ProgressMode
from aiobizstim.cli._columnar import ColumnarError, ColumnarUnavailableError, check_available
from aiobizstim.cli._entry import EXIT_OK, describe
from aiobizstim.cli._export import (
    ExportSpec,
    ExportWatch,
    compressed_suffix,
    guess_format,
    run_export,
    unknown_suffix,
)
from aiobizstim.cli._output import Outcome, OutputPlan, plan_output
from aiobizstim.cli._parser import GET_BY_ID, PROG
from aiobizstim.cli._resume import ResumeError
from aiobizstim.errors import BizstimError
from aiobizstim.models import ENDPOINTS
from aiobizstim.models._export import encode_record

if TYPE_CHECKING:
    from aiobizstim import Bizstim

__all__ = [
    "ExportFailedError",
    "UsageError",
    "demo",
    "export",
    "fake_server",
    "get",
]


class UsageError(Exception):
    """A usage problem found after parsing (exit code 2)."""


def _api_key(args: argparse.Namespace) -> str:
    key: str | None = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV)
    if key is None or not key.strip():
        raise UsageError(f"no API key: pass --api-key KEY or set ${API_KEY_ENV}")
    return key.strip()


def _client(args: argparse.Namespace, **overrides: Any) -> Bizstim:
    key = _api_key(args)  # first: no key is a usage error, said without loading the client (and aiohttp)
    from aiobizstim import Bizstim  # imported here: fake-server and usage errors go without it

    options: dict[str, Any] = {"api_key": key}
    base_url = args.base_url if args.base_url is not None else os.environ.get(BASE_URL_ENV) or None
    if base_url is not None:
        options["base_url"] = base_url
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
        options["export_max_retries"] = args.max_retries
    if args.max_response_bytes is not None:
        options["max_response_bytes"] = args.max_response_bytes
    waits = {
        name: value
        for name, value in (
            ("max_retry_after", args.max_retry_wait),
            ("first_contact_wait", args.connect_wait),
        )
        if value is not None
    }
    if waits:
        from aiobizstim import RetryPolicy

        options["retry_policy"] = RetryPolicy(**waits)
    if args.proxy is not None:
        options["proxy"] = args.proxy
    options.update({name: value for name, value in overrides.items() if value is not None})
    try:
        return Bizstim(**options)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


async def export(args: argparse.Namespace, stderr: TextIO, watch: ExportWatch | None = None) -> int:
    """``bizstim export``: stream every record of a resource to a file (atomically), a device, a FIFO or
    stdout; ``watch`` follows what happens to the output (for the messages after a signal)."""
    watch = watch if watch is not None else ExportWatch()
    if args.details and args.resource != "clients":
        raise UsageError("--details works with clients only")
    max_limit = ENDPOINTS[args.resource].max_limit
    if args.page_size is not None and not ENDPOINTS[args.resource].paginated:
        raise UsageError(f"--page-size does not apply to {args.resource}: the API sends them in one list")
    if args.page_size is not None and max_limit is not None and args.page_size > max_limit:
        raise UsageError(f"--page-size for {args.resource} is at most {max_limit} (the API's maximum)")
    try:
        plan = plan_output(args.output)
    except OutputPathError as exc:
        raise UsageError(str(exc)) from None
    if args.resume and plan.streamed:
        raise UsageError(f"--resume needs a file to write, not {plan.display}")
    path = Path(args.output)
    fmt = args.format or ("jsonl" if plan.kind == "stdout" else guess_format(path))
    if args.format is None and plan.kind == "file":  # the format from the suffix
        if refused := compressed_suffix(path):
            raise UsageError(refused)
        if not args.quiet and (note := unknown_suffix(path)):
            print(f"{PROG}: {note}", file=stderr)
    if fmt in COLUMNAR_FORMATS:
        _check_columnar(fmt, plan)
    spec = ExportSpec(
        resource=args.resource,
        path=path,
        fmt=fmt,
        details=args.details,
        page_size=args.page_size,
        max_items=args.max_items,
        plan=plan,
        resume=args.resume,
    )
    if args.quiet or args.progress == ProgressMode.OFF.value:
        mode = ProgressMode.OFF
    elif args.progress == "auto":
        mode = ProgressMode.auto(stderr)
    else:
        mode = ProgressMode(args.progress)
    async with _client(args, max_concurrency=args.concurrency, rate_limit=args.rate) as bz:
        try:
            result = await run_export(bz, spec, stderr=stderr, progress_mode=mode, watch=watch)
        except ResumeError as exc:
            raise UsageError(str(exc)) from None
        except (BizstimError, OSError, ColumnarError) as exc:
            if isinstance(exc, BrokenPipeError) and plan.kind == "stdout":
                raise  # the reader of stdout left (``| head``): like ``get``, no message
            raise ExportFailedError(watch, exc) from exc
    if not args.quiet:
        print(f"{PROG}: {result.summary()}", file=stderr)
    return EXIT_OK


def _check_columnar(fmt: str, plan: OutputPlan) -> None:
    """A Parquet or DuckDB output needs a regular file (it is written whole, then renamed into place) and
    duckdb: say so before anything is requested."""
    if plan.streamed:
        raise UsageError(f"--format {fmt} needs a regular file, not {plan.display}")
    try:
        check_available(fmt)
    except ColumnarUnavailableError as exc:
        raise UsageError(str(exc)) from None


class ExportFailedError(Exception):
    """An export failed after it started; the message says what happened to the output."""

    def __init__(self, watch: ExportWatch, cause: BaseException) -> None:
        self.cause = cause
        plan = watch.plan
        where = plan.display if plan is not None else "the output"
        outcome = watch.outcome()
        if (kept := watch.kept()) is not None:
            text = f"export failed, {where} is not written yet; {kept}"
        elif outcome is Outcome.COMPLETE:
            text = f"the export to {where} completed, then failed"
        elif outcome is Outcome.PARTIAL:
            text = f"export failed, the output to {where} is incomplete"
        else:
            text = f"export failed, nothing written to {where}"
        super().__init__(f"{text}: {describe(cause)}")


async def get(args: argparse.Namespace, stdout: TextIO) -> int:
    """``bizstim get``: print one record as JSON on stdout."""
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
    return await getattr(bz, GET_BY_ID[args.target]).get(args.id)


def fake_server(args: argparse.Namespace) -> int:
    """``bizstim fake-server``: serve FakeBizstim until Ctrl-C."""
    from aiobizstim.testing import serve

    serve(
        host=args.host,
        port=args.port,
        clients=args.clients,
        seed=args.seed,
        api_key=args.api_key,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
        fault_rate=args.fault_rate,
        capacity=args.capacity,
        capacity_schedule=args.capacity_schedule,
    )
    return EXIT_OK


async def demo(
    args: argparse.Namespace, stdout: TextIO, stderr: TextIO, watch: ExportWatch | None = None
) -> int:
    """``bizstim demo``: export from an in-process fake and report what was measured."""
    from aiobizstim.cli._demo import run_demo

    return await run_demo(
        clients=args.clients,
        details=args.details,
        latency=args.latency_ms / 1000,
        output_dir=args.output_dir,
        stdout=stdout,
        stderr=stderr,
        watch=watch,
    )
