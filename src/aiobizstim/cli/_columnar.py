"""Parquet and DuckDB outputs: the JSON Lines export form, read by duckdb as it comes (or staged first).

``bizstim export -o clients.parquet`` writes the records in the export form (JSON Lines,
:mod:`aiobizstim.models._export`) into a FIFO beside the target that a :func:`start_conversion` thread reads
with duckdb (:func:`select_sql`) into the typed columns of :mod:`aiobizstim.models._columns`, writing a
Parquet file or a DuckDB database with one table named after the resource
(``cli/_output.StreamedColumnarOutput``).
Without FIFOs (Windows), and for ``--resume`` (whose partial output must be durable), the lines are staged in
a file and :func:`convert` runs once all are in. duckdb is an optional extra
(``pip install 'aiobizstim[duckdb]'``); :func:`check_available` says so before anything is requested.

Why the export form and duckdb: writing it is what every output does already, and duckdb reads it back typed
far faster than rows can be built from Python (100,000 clients: 0.25 s to Parquet from a file; through the
FIFO most of it overlaps the requests: measured at 50 ms latency, 1.04x the JSON Lines export's time for
Parquet, 1.06x for DuckDB; pyarrow took 1 s just to build the columns from the records); one wheel writes both
formats. Memory stays flat but not small: duckdb takes ~30 MB to start and holds a row group before writing
it, so one thread, :data:`MEMORY_LIMIT`, and row groups of at most :data:`ROW_GROUP_ROWS` rows and
:data:`ROW_GROUP_BYTES` (measured, 1,000,000 clients: peak RSS 138.0 MiB to Parquet, 135.8 MiB to DuckDB).

Nothing is rounded or cut: a money amount with a third decimal place, or a value too large for its column,
fails the conversion with :class:`ColumnarError` naming the field and the record's id (decimals are read as
text and checked in SQL before the cast); any duckdb error becomes a :class:`ColumnarError` of one line.

:func:`convert_off_loop` runs the conversion in a thread of its own, so Ctrl-C and SIGTERM act at once: a
cancellation interrupts duckdb, waits for the thread to stop and leaves no file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Final

import msgspec

from aiobizstim.cli._choices import COLUMNAR_FORMATS, EXTRA
from aiobizstim.cli._leftovers import remove_path
from aiobizstim.cli._signals import start_thread
from aiobizstim.models._columns import Column, Logical, columns

__all__ = [
    "MAX_RECORD_BYTES",
    "MEMORY_LIMIT",
    "MIN_DUCKDB",
    "ROW_GROUP_BYTES",
    "ROW_GROUP_ROWS",
    "TABLE_ROW_GROUP_ROWS",
    "ColumnarError",
    "ColumnarUnavailableError",
    "Conversion",
    "RunningConversion",
    "check_available",
    "convert",
    "convert_off_loop",
    "remove_side_files",
    "select_sql",
    "side_files",
    "spill_directory",
    "sql_type",
    "start_conversion",
]

#: The oldest duckdb with what the conversion uses (``json_transform_strict``, ``ROW_GROUP_SIZE_BYTES``,
#: ``ATTACH ... (ROW_GROUP_SIZE n)``, documented from the 1.4 LTS); tested with 2.0.
MIN_DUCKDB: Final = (1, 4)
#: Rows per Parquet row group at most: groups of up to 100,000 rows suit readers (not one per API page) ...
ROW_GROUP_ROWS: Final = 100_000
#: ... and at most this much data in memory per group: duckdb holds a whole group before writing it, so this
#: bounds the memory of the conversion (100,000 client summaries would take ~35 MB: groups of ~34,000 here,
#: the largest that keeps a 1,000,000-client export under 150 MB with the export running beside duckdb;
#: 16 MB groups took 144.7 MiB with a 40 MB limit, and were 1.3x slower with 32 MB). Readers lose nothing
#: by it (``make bench``, section ``row-groups``: duckdb reads these groups about as fast as 100,000-row
#: ones, pyarrow ~10 % slower).
ROW_GROUP_BYTES: Final = "12MB"
#: Rows per row group of a DuckDB output's table (duckdb's default is 122,880): a group is compressed when it
#: is full, so with half of that most of the work is done while the records still come; at the end only the
#: last, partial group is left (100,000 clients: 0.04 s after the last record instead of 0.18 s).
TABLE_ROW_GROUP_ROWS: Final = 61_440
#: duckdb's own memory limit (its buffer manager; it uses about 30 MB more outside of it). Past it duckdb
#: spills to a hidden directory beside the output (:func:`spill_directory`) instead of failing (48 MB
#: without spilling ran out of memory once); 1,000,000 clients do not spill.
MEMORY_LIMIT: Final = "32MB"
#: One duckdb thread: a second one is ~10 % faster and takes ~50 MB more.
THREADS: Final = 1
#: The longest record (one JSON line) a conversion reads; duckdb's read buffer is this size.
MAX_RECORD_BYTES: Final = 1 << 21

_INSTALL: Final = f"pip install 'aiobizstim[{EXTRA}]'"


class ColumnarError(Exception):
    """A Parquet or DuckDB output could not be written (a value that does not fit its column, a duckdb
    failure); the message is one line."""


class ColumnarUnavailableError(Exception):
    """duckdb, which the Parquet and DuckDB outputs need, is not installed (or too old)."""


def _duckdb(fmt: str) -> Any:
    """The duckdb module, or :class:`ColumnarUnavailableError` naming the extra to install."""
    try:
        duckdb = importlib.import_module("duckdb")
    except ImportError:
        raise ColumnarUnavailableError(
            f"--format {fmt} needs duckdb, which is not installed: {_INSTALL}"
        ) from None
    version = tuple(int(part) for part in re.findall(r"\d+", str(getattr(duckdb, "__version__", "0")))[:2])
    if version < MIN_DUCKDB:
        raise ColumnarUnavailableError(
            f"--format {fmt} needs duckdb >= {'.'.join(map(str, MIN_DUCKDB))}, found "
            f"{getattr(duckdb, '__version__', 'an unknown version')}: {_INSTALL}"
        )
    return duckdb


def check_available(fmt: str) -> None:
    """Raise :class:`ColumnarUnavailableError` (one line, naming the extra) if ``fmt`` cannot be written here;
    ``fmt`` is one of :data:`COLUMNAR_FORMATS`. Imports duckdb, so the conversion later starts at once."""
    if fmt not in COLUMNAR_FORMATS:
        raise ValueError(f"not a columnar format: {fmt!r}; expected one of {', '.join(COLUMNAR_FORMATS)}")
    _duckdb(fmt)


# --- SQL --------------------------------------------------------------------------------------------------

_SQL_TYPES: Final = {
    Logical.STRING: "VARCHAR",
    Logical.INTEGER: "BIGINT",
    Logical.FLOAT: "DOUBLE",
    Logical.BOOLEAN: "BOOLEAN",
    Logical.DATE: "DATE",
    Logical.CLOCK: "VARCHAR",
    Logical.STRING_LIST: "VARCHAR[]",
    Logical.INTEGER_LIST: "BIGINT[]",
    Logical.JSON: "VARCHAR",
}


def sql_type(column: Column) -> str:
    """The duckdb type of ``column`` (a decimal as ``DECIMAL(p,s)``)."""
    if column.type is Logical.DECIMAL:
        return f"DECIMAL({column.precision},{column.scale})"
    return _SQL_TYPES[column.type]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# The decimal places a number's text really has: fraction digits without trailing zeros, less the exponent.
_NUMBER: Final = r"^[+-]?[0-9]*(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$"


def _decimal(column: Column, record_id: str | None) -> str:
    """``column``, read as text, cast to its decimal type: an error, never a rounding, for a value with more
    decimal places than the scale or too large for the precision."""
    name = _ident(column.name)
    target = sql_type(column)
    places = (
        f"length(rtrim(regexp_extract({name}, {_text(_NUMBER)}, 1), '0')) - "
        f"coalesce(try_cast(nullif(regexp_extract({name}, {_text(_NUMBER)}, 2), '') AS BIGINT), 0)"
    )
    where = (
        "" if record_id is None else f" || ' of the record with id ' || coalesce({record_id}::VARCHAR, '?')"
    )
    prefix = f"{_text('field ' + column.name)}{where} || ': ' || {name}"
    too_precise = f"{prefix} || {_text(f' has more than {column.scale} decimal places (column {target})')}"
    too_large = f"{prefix} || {_text(f' does not fit the column type {target}')}"
    return (
        f"CASE WHEN {name} IS NULL THEN NULL "
        f"WHEN ({places}) > {column.scale} THEN error({too_precise}) "
        f"WHEN try_cast({name} AS {target}) IS NULL THEN error({too_large}) "
        f"ELSE CAST({name} AS {target}) END AS {name}"
    )


def select_sql(staged: Path, model: type[msgspec.Struct]) -> str:
    """The query reading the staged JSON Lines of ``model`` records as typed columns, in file order.

    Each line is read whole as text (``read_csv`` with a delimiter JSON never holds unescaped, small buffers)
    and parsed by ``json_transform_strict`` into the columns: the same result as ``read_json``, with a third
    of its memory (it reads through 32 MB buffers). Strict: a value of another type, out of range, or a key
    missing fails the conversion (``from_json`` would give ``NULL``).
    """
    cols = columns(model)
    structure = ", ".join(
        f'"{c.name}": "{"VARCHAR" if c.type is Logical.DECIMAL else sql_type(c)}"' for c in cols
    )
    record_id = _ident("id") if any(c.name == "id" for c in cols) else None
    select = ", ".join(_decimal(c, record_id) if c.type is Logical.DECIMAL else _ident(c.name) for c in cols)
    lines = (
        f"read_csv({_text(str(staged))}, columns = {{'line': 'VARCHAR'}}, delim = {_text(chr(1))}, "
        f"quote = '', escape = '', header = false, auto_detect = false, "
        f"buffer_size = {MAX_RECORD_BYTES}, max_line_size = {MAX_RECORD_BYTES})"
    )
    typed = f"json_transform_strict(line, {_text('{' + structure + '}')})"
    return f"SELECT {select} FROM (SELECT unnest({typed}) FROM {lines})"


# --- conversion -------------------------------------------------------------------------------------------


def side_files(dest: Path) -> tuple[Path, ...]:
    """``dest`` and what duckdb may create beside it while writing it: the write-ahead log, and the
    directory it spills to when a conversion needs more than :data:`MEMORY_LIMIT`."""
    return (dest, dest.with_name(dest.name + ".wal"), spill_directory(dest))


def spill_directory(dest: Path) -> Path:
    """Where duckdb may spill while writing ``dest`` (hidden, beside it; removed with it)."""
    return dest.with_name(dest.name + ".spill")


def remove_side_files(dest: Path) -> None:
    """Remove ``dest`` and its :func:`side_files`, whatever is there (idempotent; safe in a signal handler:
    only unlink and rmdir calls)."""
    for path in side_files(dest):
        remove_path(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_PREFIX: Final = re.compile(r"^[A-Z][A-Za-z ]*Error: ")


def _one_line(exc: BaseException, staged: Path) -> str:
    """duckdb's message: its first line, without the ``Invalid Input Error:`` prefix or the staging file."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    text = _PREFIX.sub("", lines[0]).replace(f' in file "{staged}"', "")
    # The staging file alone, not a longer name it begins (the output's temp file, ``STAGED.TOKEN.tmp``).
    text = re.sub(re.escape(str(staged)) + r"(?![\w-]|\.\w)", "the records", text)
    return " ".join(text.split())


class Conversion:
    """One conversion of a staged JSON Lines file to ``dest`` (see :func:`convert`); :meth:`interrupt` stops
    it from another thread."""

    def __init__(self, staged: Path, dest: Path, fmt: str, model: type[msgspec.Struct], table: str) -> None:
        if fmt not in COLUMNAR_FORMATS:
            raise ValueError(f"not a columnar format: {fmt!r}; expected one of {', '.join(COLUMNAR_FORMATS)}")
        self.staged, self.dest, self.fmt, self.model, self.table = staged, dest, fmt, model, table
        self._lock = threading.Lock()
        self._connection: Any = None
        self._interrupted = False

    def interrupt(self) -> None:
        """Stop the conversion as soon as duckdb can (from any thread); :meth:`run` then raises."""
        with self._lock:
            self._interrupted = True
            if self._connection is not None:
                self._connection.interrupt()

    def run(self) -> None:
        """Write ``dest``; on any failure remove what was written of it and raise."""
        duckdb = _duckdb(self.fmt)
        if os.path.lexists(self.dest):
            raise FileExistsError(f"{self.dest} exists already")
        try:
            self._write(duckdb)
            _fsync(self.dest)
        except BaseException:
            remove_side_files(self.dest)
            raise
        finally:
            remove_path(spill_directory(self.dest))  # there only if duckdb spilled

    def _write(self, duckdb: Any) -> None:
        config = {
            "threads": THREADS,
            "memory_limit": MEMORY_LIMIT,
            "allocator_flush_threshold": "8MB",  # hand freed memory back to the system early
            # Spill beside the output rather than fail when a conversion needs more than the limit.
            "temp_directory": str(spill_directory(self.dest)),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        select = select_sql(self.staged, self.model)
        if self.fmt == "parquet":
            statements = [
                f"COPY ({select}) TO {_text(str(self.dest))} "
                f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, "
                f"ROW_GROUP_SIZE_BYTES {_text(ROW_GROUP_BYTES)})"
            ]
        else:
            statements = [
                f"ATTACH {_text(str(self.dest))} AS out (ROW_GROUP_SIZE {TABLE_ROW_GROUP_ROWS})",
                f"CREATE TABLE out.{_ident(self.table)} AS {select}",
                "CHECKPOINT out",
                "DETACH out",
            ]
        try:
            connection = duckdb.connect(":memory:", config=config)
        except duckdb.Error as exc:
            raise ColumnarError(f"cannot write {self.dest}: {_one_line(exc, self.staged)}") from None
        try:
            with self._lock:
                if self._interrupted:
                    raise ColumnarError("the conversion was interrupted")
                self._connection = connection
            try:
                for statement in statements:
                    connection.execute(statement)
            except duckdb.Error as exc:
                raise ColumnarError(f"cannot write {self.fmt}: {_one_line(exc, self.staged)}") from None
        finally:
            with self._lock:
                self._connection = None
            connection.close()


def convert(staged: Path, dest: Path, fmt: str, model: type[msgspec.Struct], table: str) -> None:
    """Convert the JSON Lines export form of ``model`` records in ``staged`` into ``dest`` (a path that must
    not exist yet): a Parquet file, or a DuckDB database holding one table ``table``; durable (fsynced) when
    it returns. On failure nothing is left at ``dest`` and :class:`ColumnarError` (or an ``OSError``) says
    why. Blocks: see :func:`convert_off_loop` in a coroutine."""
    Conversion(staged, dest, fmt, model, table).run()


class RunningConversion:
    """A :class:`Conversion` running in a thread of its own (signals stay with the main thread), started by
    :func:`start_conversion`; :meth:`wait` for its end on the event loop."""

    def __init__(self, conversion: Conversion) -> None:
        self.conversion = conversion
        self._loop = asyncio.get_running_loop()
        self._finished: asyncio.Future[None] = self._loop.create_future()
        # Nobody waits for a conversion that was given up (discarded): its error is retrieved here, so that
        # asyncio does not report it, from a garbage collection, as never retrieved.
        self._finished.add_done_callback(_retrieve)
        #: The error the conversion ended with, once it ended (readable from any thread).
        self.error: BaseException | None = None
        self._ended = threading.Event()
        start_thread(
            threading.Thread(target=self._work, name=f"bizstim-convert {conversion.dest.name}", daemon=True)
        )

    def _work(self) -> None:
        try:
            self.conversion.run()
        except BaseException as exc:
            self.error = exc
        self._ended.set()
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self._loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        if self._finished.done():  # pragma: no cover - only the thread settles it
            return
        if self.error is None:
            self._finished.set_result(None)
        else:
            self._finished.set_exception(self.error)

    @property
    def done(self) -> bool:
        """Whether the conversion has ended (readable from any thread)."""
        return self._ended.is_set()

    def interrupt(self) -> None:
        """Stop duckdb as soon as it can (from any thread, also a signal handler)."""
        self.conversion.interrupt()

    def join(self, timeout: float) -> bool:
        """Block until the conversion has ended, at most ``timeout`` seconds; whether it has."""
        return self._ended.wait(timeout)

    async def wait(self) -> None:
        """Until the conversion ends; raise its error. Cancelled, it interrupts duckdb, waits for the thread
        to stop (and the destination to be removed), then re-raises the cancellation."""
        try:
            await asyncio.shield(self._finished)
        except asyncio.CancelledError:
            self.interrupt()
            with contextlib.suppress(Exception):
                await self._finished
            raise


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


def start_conversion(
    staged: Path, dest: Path, fmt: str, model: type[msgspec.Struct], table: str
) -> RunningConversion:
    """Start :func:`convert` in a thread of its own (call on the event loop); ``staged`` may be a FIFO that is
    still being written: duckdb then reads the records as they come."""
    return RunningConversion(Conversion(staged, dest, fmt, model, table))


async def convert_off_loop(
    staged: Path, dest: Path, fmt: str, model: type[msgspec.Struct], table: str
) -> None:
    """:func:`convert` in a thread of its own, the event loop free (see :meth:`RunningConversion.wait`)."""
    await start_conversion(staged, dest, fmt, model, table).wait()
