"""The export pipeline: records from a resource's iterator -> a streaming writer -> the output (an atomic
file, or a device, FIFO or stdout written as it comes; :mod:`aiobizstim.cli._output`)."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

import msgspec

from aiobizstim._lists import LISTABLE, record_model
from aiobizstim._log import logger as _logger
from aiobizstim.cli._atomic import files_no_wider_than
from aiobizstim.cli._choices import COLUMNAR_FORMATS, ProgressMode
from aiobizstim.cli._columnar import convert_off_loop
from aiobizstim.cli._formats import make_writer
from aiobizstim.cli._output import (
    ColumnarOutput,
    FileOutput,
    Outcome,
    Output,
    OutputPlan,
    StreamedColumnarOutput,
    StreamOutput,
)
from aiobizstim.cli._progress import Progress, RetryFeed, format_age, format_rate
from aiobizstim.cli._resume import ResumableOutput, discard_superseded_progress
from aiobizstim.models import ENDPOINTS

if TYPE_CHECKING:
    from aiobizstim import Bizstim
    from aiobizstim._stats import ClientStats

__all__ = [
    "LISTABLE",
    "ExportResult",
    "ExportSpec",
    "ExportWatch",
    "export_records",
    "guess_format",
    "record_model",
    "run_export",
    "unknown_suffix",
]


@dataclass(frozen=True)
class ExportSpec:
    """What to export and where (``plan``: how to write ``path``; by default an atomic regular file)."""

    resource: str
    path: Path
    fmt: str = "jsonl"
    details: bool = False
    page_size: int | None = None
    max_items: int | None = None
    plan: OutputPlan | None = None
    #: Keep progress beside the output and continue it (``--resume``; a file output only).
    resume: bool = False

    @property
    def output(self) -> OutputPlan:
        """How the output is written."""
        return self.plan if self.plan is not None else OutputPlan("file", self.path, str(self.path))


class ExportWatch:
    """What happened to an export's output so far, readable at any moment (also from a signal handler), so
    the CLI can say the truth about PATH after Ctrl-C or SIGTERM and clean up before a forced exit."""

    def __init__(self) -> None:
        #: Set once the output path is known; the output as soon as it exists (before its temp file does).
        self.plan: OutputPlan | None = None
        self.output: Output | None = None
        self.progress: Progress | None = None

    def outcome(self) -> Outcome:
        """Nothing written yet, incomplete (a stream), or complete."""
        return self.output.outcome() if self.output is not None else Outcome.NOTHING

    def truth(self) -> str:
        """What happened to PATH, for a message: ``"nothing was written"``, ``"nothing was written and PATH
        is unchanged"``, ``"the output to PATH is incomplete"`` or ``"the export had completed and PATH was
        written"``."""
        plan, outcome = self.plan, self.outcome()
        if plan is None:
            return "nothing was written"
        if (kept := self.kept()) is not None:
            return f"{plan.display} is not written yet; {kept}"
        if outcome is Outcome.COMPLETE:
            return f"the export had completed and {plan.display} was written"
        if outcome is Outcome.PARTIAL:
            return f"the output to {plan.display} is incomplete"
        if plan.streamed:
            return f"nothing was written to {plan.display}"
        if plan.existed:
            return f"nothing was written and {plan.display} is unchanged"
        return "nothing was written"

    def kept(self) -> str | None:
        """What a resumable export keeps to continue from (``None``: nothing, or not resumable)."""
        return self.output.kept() if isinstance(self.output, ResumableOutput) else None

    def abandon(self) -> None:
        """Remove the temp file, if any and not renamed yet (safe from a signal handler)."""
        if self.output is not None:
            self.output.abandon()

    def clear_line(self) -> str:
        """What to write before a last message so that it does not land on the progress bar."""
        return self.progress.clear_line() if self.progress is not None else ""


@dataclass(frozen=True)
class ExportResult:
    """What an export did (for the summary line)."""

    spec: ExportSpec
    records: int
    seconds: float
    requests: int | None
    retries: int | None
    #: The list's ``total`` in the last page the server sent (``None``: it sent none).
    server_total: int | None = None
    #: Records an earlier run had saved, which this one continued after (``--resume``), and how long before
    #: this run they were saved (``None``: unknown).
    resumed_after: int = 0
    resumed_age: float | None = None
    #: With ``--concurrency auto``: the range the limit took, how low cuts took it and where it ended
    #: (``"1..32 (cuts down to 21), ended at 27"``).
    concurrency: str | None = None
    #: Clients listed whose lookup then found nothing (``--details``: deleted meanwhile, skipped).
    gone: int = 0
    #: An export without ``--resume`` removed the progress an interrupted ``--resume`` export had saved.
    superseded: bool = False

    @property
    def label(self) -> str:
        """``"clients"`` or ``"client details"``."""
        return "client details" if self.spec.details else self.spec.resource

    def summary(self) -> str:
        """One line: records, seconds, records/s (of this run: saved ones not counted), requests, retries
        and the server's last ``total``."""
        counts = []
        if self.requests is not None:
            counts.append(_count(self.requests, "request", "requests"))
        if self.retries is not None:
            counts.append(_count(self.retries, "retry", "retries"))
        extra = f", {', '.join(counts)}" if counts else ""
        total = "" if self.server_total is None else f"; the server's total: {self.server_total:,}"
        if self.resumed_after:
            total += f"; continued after {_saved(self.resumed_after, self.resumed_age)}"
        if self.concurrency is not None:
            total += f"; concurrency auto took {self.concurrency}"
        if self.gone:
            total += f"; {_count(self.gone, 'client', 'clients')} gone since listed, skipped"
        if self.superseded:
            total += "; the progress an interrupted --resume export had saved for it is removed"
        return (
            f"exported {self.records:,} {self.label} to {self.spec.output.display} in {self.seconds:.2f} s "
            f"({format_rate(self.records - self.resumed_after, self.seconds)}{extra}{total})"
        )


_SUFFIX_FORMATS: Final = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".duckdb": "duckdb"}
_JSONL_SUFFIXES: Final = ("", ".jsonl", ".ndjson")


def guess_format(path: Path) -> str:
    """The format named by ``path``'s suffix: ``.csv`` -> csv, ``.json`` -> json, ``.parquet`` -> parquet,
    ``.duckdb`` -> duckdb, anything else -> jsonl (a compressed file's suffix is refused first:
    :func:`compressed_suffix`)."""
    return _SUFFIX_FORMATS.get(path.suffix.lower(), "jsonl")


#: Suffixes of compressed files, and the tool that makes each: the export writes none, and a file named so
#: that is not would break the reader that unpacks it.
_COMPRESSORS: Final = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bzip2",
    ".xz": "xz",
    ".zst": "zstd",
    ".lz4": "lz4",
    ".br": "brotli",
    ".zip": None,  # an archive, not a stream: no pipe makes one
}


def compressed_suffix(path: Path) -> str | None:
    """Why ``path`` (``x.jsonl.gz``) cannot be written without ``--format``: its suffix promises a compressed
    file; ``None`` otherwise. Says how to get one: the pipe through its compressor, with the format the
    name gives inside (``x.csv.gz``: ``--format csv``), or, for a file that cannot be piped, compressing it
    after the export."""
    suffix = path.suffix.lower()
    if suffix not in _COMPRESSORS:
        return None
    inner = path.with_suffix("")
    fmt, tool = guess_format(inner), _COMPRESSORS[suffix]
    if fmt in COLUMNAR_FORMATS or tool is None:
        how = f"write {inner.name} and compress it after the export"
    else:
        how = f"pipe it instead (-o -{'' if fmt == 'jsonl' else f' --format {fmt}'} | {tool} > {path.name})"
    return (
        f"{path.name} names a compressed file, and bizstim export writes none: {how}, or give --format to "
        "write it uncompressed under that name"
    )


def unknown_suffix(path: Path) -> str | None:
    """What to tell a user whose ``path`` has a suffix that names no format (``x.txt``), which is then
    written as JSON Lines; ``None`` for a known suffix or none (a compressed file's is refused before:
    :func:`compressed_suffix`)."""
    suffix = path.suffix.lower()
    if suffix in _SUFFIX_FORMATS or suffix in _JSONL_SUFFIXES:
        return None
    return f"the suffix {path.suffix} of {path.name} names no format: writing JSON Lines (--format chooses)"


#: The young-generation GC threshold while an export runs (CPython's default is 700).
EXPORT_GC_THRESHOLD: Final = 50_000


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Raise the young-generation GC threshold to :data:`EXPORT_GC_THRESHOLD` for the block, then restore it.

    Records never form cycles (reference counting frees them), but each record's lists are still tracked
    by the cyclic collector and a 1000-record page allocates thousands: at the default threshold the
    collector runs several times per page and rescans the pages in flight, 10-15 % of the CPU time of an
    export from a fast server. It still runs, less often. The CLI owns its process, so it may tune this.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], EXPORT_GC_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


async def export_records(
    batches: AsyncIterator[Sequence[msgspec.Struct]],
    path: Path | Output,
    fmt: str,
    model: type[msgspec.Struct],
    progress: Progress,
    checkpoint: Callable[[], Any] | None = None,
) -> int:
    """Stream ``batches`` of records (a page at a time) into ``path``; return the record count.

    ``path`` is a regular file written atomically, or an opened :class:`~aiobizstim.cli._output.Output`.
    A file appears at ``path`` only when every record was written and synced; on any exception (including
    cancellation) ``path`` is left as it was and the temp file is removed. A stream gets the records as
    they come; on an exception it stops. A :class:`~aiobizstim.cli._resume.ResumableOutput` continues after
    the records it holds and saves ``checkpoint()`` (the iterator's, after the records written) as they
    become durable; on an exception it keeps them.
    """
    output = FileOutput(OutputPlan("file", path, str(path))).open() if isinstance(path, Path) else path
    resumable = output if isinstance(output, ResumableOutput) else None
    save = checkpoint if resumable is not None else None
    count = resumable.resumed_records if resumable is not None else 0
    try:
        if resumable is not None and resumable.finished_before:
            await _close(batches)  # every record was written by an earlier run: only the rename is left
            await resumable.finish()
            return count
        resumed_after = count if resumable is not None and resumable.continuing else None
        writer = make_writer(fmt, output.file, model, resumed_after)
        update = progress.update
        drain = output.drain
        written = True  # every record handed out so far is with the writer
        try:
            async for batch in batches:
                written = False
                writer.write_many(batch)
                count += len(batch)
                written = True
                del batch  # written: its records are freed now, still in the CPU's caches, not a page later
                update(count)
                if save is not None and resumable is not None and resumable.due():
                    writer.flush()
                    resumable.checkpoint(count, save())
                await drain()
        except Exception:
            # A page or lookup that failed for good: save what was written since the last checkpoint, so
            # that a resume does not read it again (not after a failed write: its batch is not all there).
            if written and save is not None and resumable is not None and count > resumable.saved_records:
                with contextlib.suppress(Exception):  # the error that stopped the export is the one to tell
                    writer.flush()
                    resumable.checkpoint(count, save())
            raise
        finally:
            await _close(batches)
        writer.close()
        if resumable is not None:
            resumable.final_records = count
        await output.finish()
    finally:
        output.discard()  # nothing left to do after finish()
    return count


async def _close(records: AsyncIterator[Any]) -> None:
    aclose = getattr(records, "aclose", None)
    if aclose is not None:
        await aclose()


async def _listed(resource: Any, max_items: int | None) -> AsyncIterator[list[Any]]:
    items = await resource.list()
    if chosen := items if max_items is None else items[:max_items]:
        yield chosen


async def _singles(records: AsyncIterator[Any]) -> AsyncIterator[list[Any]]:
    try:
        async for record in records:
            yield [record]
    finally:
        await _close(records)


def _kwargs(**kwargs: Any) -> dict[str, Any]:
    return {name: value for name, value in kwargs.items() if value is not None}


def _source(
    bz: Bizstim, spec: ExportSpec, resume: Any = None
) -> tuple[AsyncIterator[Sequence[msgspec.Struct]], Any]:
    """The batches of records for ``spec`` (continuing after the checkpoint ``resume``), and what knows the
    list's ``total`` and gives checkpoints (an iterator; ``None`` for the unpaginated list)."""
    options = _kwargs(page_size=spec.page_size, max_items=spec.max_items, resume=resume)
    if spec.details:
        details = bz.clients.iter_details(**options)
        return _singles(details), details
    resource = getattr(bz, spec.resource)
    if spec.resource == "testimonials":
        return _listed(resource, spec.max_items), None
    pages = resource.iter_pages(**options)
    return pages, pages


def resume_options(bz: Bizstim, spec: ExportSpec) -> dict[str, Any]:
    """What a resumed export must share with the run that saved its progress."""
    endpoint = ENDPOINTS[spec.resource]
    return {
        "resource": spec.resource,
        "details": spec.details,
        "format": spec.fmt,
        "page_size": spec.page_size if spec.page_size is not None else endpoint.max_limit,
        "max_items": spec.max_items,
        "server": bz.base_url,
    }


async def run_export(
    bz: Bizstim,
    spec: ExportSpec,
    *,
    stderr: TextIO,
    progress_mode: ProgressMode,
    watch: ExportWatch | None = None,
) -> ExportResult:
    """Run one export with ``bz`` (a :class:`aiobizstim.Bizstim`), showing progress (and every retry the
    client logs) on ``stderr``; ``watch`` follows what happens to the output."""
    model = record_model(spec.resource, spec.details)
    watch = watch if watch is not None else ExportWatch()
    plan = watch.plan = spec.output
    stats = bz.stats
    requests_before, retries_before, gone_before = stats.requests, stats.retries, stats.records_gone
    started = time.monotonic()
    label = "client details" if spec.details else spec.resource
    counted: Any = None

    def total() -> int | None:
        value = getattr(counted, "total", None)
        if not isinstance(value, int):
            return None
        return value if spec.max_items is None else min(value, spec.max_items)

    progress = watch.progress = Progress(label, stderr, progress_mode, total)
    # Registered before it is opened: a forced exit can always find (and remove) the temp file.
    output = watch.output = _output(bz, spec, plan, model)
    feed = RetryFeed(progress)
    _logger.addHandler(feed)
    resumed_after, resumed_age = 0, None
    private = contextlib.ExitStack()
    try:
        private.enter_context(files_no_wider_than(plan.target if plan.kind == "file" else None))
        output.open()
        if isinstance(output, ResumableOutput):
            resumed_after = output.resumed_records
            if output.resumed_saved_at is not None:
                resumed_age = time.time() - output.resumed_saved_at
            try:
                records, counted = _source(bz, spec, output.resumed_checkpoint)
            except ValueError as exc:  # the iterator refuses a checkpoint it cannot continue from
                raise output.damaged(str(exc)) from None
            if resumed_after:
                progress.note(f"continuing after {_saved(resumed_after, resumed_age)}")
        else:
            records, counted = _source(bz, spec)
        if isinstance(output, StreamOutput) and output.waiting_for_reader:
            progress.note(f"waiting for a reader of {plan.display}")
        progress.start()
        checkpoint = getattr(counted, "checkpoint", None)
        with fewer_gc_passes():
            fmt = "jsonl" if spec.fmt in COLUMNAR_FORMATS else spec.fmt  # columnar: JSON Lines staged
            count = await export_records(records, output, fmt, model, progress, checkpoint)
        superseded = (
            plan.kind == "file"
            and not spec.resume
            and discard_superseded_progress(plan.target, resume_options(bz, spec))
        )
    finally:
        try:
            output.discard()
        finally:
            private.close()
            _logger.removeHandler(feed)
            progress.finish()
    return ExportResult(
        spec=spec,
        records=count,
        seconds=time.monotonic() - started,
        requests=stats.requests - requests_before,
        retries=stats.retries - retries_before,
        server_total=getattr(counted, "total", None),
        resumed_after=resumed_after,
        resumed_age=resumed_age,
        gone=stats.records_gone - gone_before,
        concurrency=None if bz.config.auto_concurrency is None else _concurrency_taken(stats),
        superseded=superseded,
    )


def _saved(records: int, age: float | None) -> str:
    """``"3,000 saved records (saved 2 days ago)"``: a nightly job that resumes old progress says so."""
    when = "" if age is None else f" (saved {format_age(age)} ago)"
    return f"{records:,} saved records{when}"


def _concurrency_taken(stats: ClientStats) -> str:
    """``"1..64 (cuts down to 21), ended at 27"``: the range an ``"auto"`` limit took and where it ended."""
    cuts = "" if stats.concurrency_cut_to is None else f" (cuts down to {stats.concurrency_cut_to})"
    return f"{stats.concurrency_low}..{stats.concurrency_high}{cuts}, ended at {stats.concurrency_limit}"


def _output(
    bz: Bizstim, spec: ExportSpec, plan: OutputPlan, model: type[msgspec.Struct]
) -> FileOutput | StreamOutput | ResumableOutput | ColumnarOutput | StreamedColumnarOutput:
    """Where the records go: a stream, a resumable partial file, a staged columnar file or an atomic file."""
    columnar = spec.fmt in COLUMNAR_FORMATS  # JSON Lines staged, converted by finish()
    if plan.streamed:
        return StreamOutput(plan)
    if spec.resume:
        finalize = functools.partial(convert_off_loop, fmt=spec.fmt, model=model, table=spec.resource)
        return ResumableOutput(plan, resume_options(bz, spec), finalize if columnar else None)
    if columnar:
        streamed = StreamedColumnarOutput if hasattr(os, "mkfifo") else ColumnarOutput
        return streamed(plan, spec.fmt, model, spec.resource)
    return FileOutput(plan)


def _count(n: int, one: str, many: str) -> str:
    """``"1 request"``, ``"1,204 requests"``."""
    return f"{n:,} {one if n == 1 else many}"
