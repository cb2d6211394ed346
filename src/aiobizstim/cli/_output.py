"""Where ``bizstim export -o PATH`` writes, and what it can truthfully say about ``PATH`` at any moment.

* A regular file (or a new path): all or nothing, through :class:`~aiobizstim.cli._atomic.AtomicFile`. A
  symlink is followed: the temp file goes beside the link's *target* and is renamed over the target, so the
  link stays a link and the target gets the new content.
* A character or block device (``/dev/null``, ``/dev/full``, a terminal) or a FIFO: written directly, as
  the records come (no temp file, no rename); a reader of a FIFO gets every record.
* ``-``: stdout, streamed the same way.
* A Parquet or DuckDB file (:class:`ColumnarOutput`): JSON Lines staged beside the target, converted once
  complete, then renamed over it like a regular file.

Streamed output is written by a thread of its own, so a reader that is slow, or a FIFO nobody opened yet,
never blocks the event loop: Ctrl-C and SIGTERM still act at once. The export waits for the thread
(:meth:`StreamOutput.drain`) when more than :data:`_BACKLOG` bytes are queued.

Every output reports :meth:`~Output.outcome` (nothing written / incomplete / complete) and can be
:meth:`~Output.abandon`-ed, both safe to call from a signal handler at any moment.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import errno
import io
import os
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Protocol

import msgspec

from aiobizstim.cli._atomic import AtomicFile, OutputPathError, check_output_path
from aiobizstim.cli._columnar import RunningConversion, convert_off_loop, remove_side_files, start_conversion
from aiobizstim.cli._signals import start_thread

__all__ = [
    "STDOUT",
    "AllAtOnceOutput",
    "ColumnarOutput",
    "FileOutput",
    "Outcome",
    "Output",
    "OutputPlan",
    "StreamOutput",
    "open_output",
    "plan_output",
]

#: The ``-o`` value meaning stdout.
STDOUT: Final = "-"

_BACKLOG: Final = 4 << 20  # bytes queued for the writer thread before the export waits for it
_CONVERSION_GRACE: Final = 5.0  # seconds a discarded conversion gets to stop and remove its file


class Outcome(enum.Enum):
    """What happened to the output path so far."""

    NOTHING = "nothing"  # not one byte reached PATH (a file: PATH is as it was)
    PARTIAL = "partial"  # a stream got some of the output, not all
    COMPLETE = "complete"  # the export completed: the file was renamed into place / the stream was closed


@dataclass(frozen=True)
class OutputPlan:
    """Where an export goes: ``kind`` is ``"file"`` (atomic, at ``target``), ``"stream"`` (a device or FIFO
    at ``target``) or ``"stdout"``; ``display`` is how messages name it (the path as given)."""

    kind: str
    target: Path
    display: str
    existed: bool = False

    @property
    def streamed(self) -> bool:
        """Whether the output is written as it comes (a device, a FIFO, stdout) rather than atomically."""
        return self.kind != "file"


def plan_output(text: str) -> OutputPlan:
    """Decide how to write ``-o text``; raise :class:`OutputPathError` for a path that cannot be written."""
    if text == STDOUT:
        return OutputPlan("stdout", Path(STDOUT), "stdout")
    if not text.strip():
        raise OutputPathError("the output path is empty (give a file name, or - for stdout)")
    path = Path(text)
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        st = None
    except OSError as exc:  # a symlink loop, a path through a file, no permission ...
        raise OutputPathError(f"cannot use output path {text}: {exc.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputPathError(f"output path is a directory: {text}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise OutputPathError(f"output path is not a file, a device or a FIFO: {text}")
        if not os.access(path, os.W_OK):
            raise OutputPathError(f"output path is not writable: {text}")
        return OutputPlan("stream", path, text, existed=True)
    target = Path(os.path.realpath(path))
    if os.path.islink(target):  # realpath gives up on a loop and returns a link
        raise OutputPathError(f"cannot use output path {text}: too many levels of symbolic links")
    check_output_path(target)
    return OutputPlan("file", target, text, existed=st is not None)


class Output(Protocol):
    """An open export output: :attr:`file` for the writers, then :meth:`finish` or :meth:`discard`."""

    plan: OutputPlan

    @property
    def file(self) -> BinaryIO:
        """What the record writers write to."""

    async def drain(self) -> None:
        """Wait until the output has caught up enough to take more (streams); raise its write error."""

    async def finish(self) -> None:
        """Make the output complete: rename the file into place / write the rest and close the stream."""

    def discard(self) -> None:
        """Give up after a failure or an interruption (idempotent): remove the temp file, stop the stream."""

    def abandon(self) -> None:
        """Like :meth:`discard` but safe in a signal handler at any moment (the process exits right after)."""

    def outcome(self) -> Outcome:
        """What happened to the path so far; safe in a signal handler."""

    @property
    def written(self) -> int:
        """Bytes that reached a stream so far (0 for a file until it is complete)."""


class AllAtOnceOutput:
    """What the outputs that reach their target only once complete share (this module's and the resumable
    one): nothing is visible at the target before, and nothing to wait for between pages."""

    @property
    def written(self) -> int:
        """0 until the output is in place (nothing is visible at the path before)."""
        return 0

    async def drain(self) -> None:
        """Nothing to wait for: the file is written in place."""


class _RenamedOutput(AllAtOnceOutput):
    """An output written to a hidden temp file beside the target (``_final``) and renamed over it by
    :meth:`finish`."""

    def __init__(self, plan: OutputPlan) -> None:
        self.plan = plan
        self._final = AtomicFile(plan.target, sync_behind=True)

    @property
    def temp_path(self) -> Path:
        """Where the file is written before it is renamed over the target."""
        return self._final.temp_path

    def outcome(self) -> Outcome:
        """COMPLETE once the rename happened, NOTHING before."""
        return Outcome.COMPLETE if self._final.renamed else Outcome.NOTHING


class FileOutput(_RenamedOutput):
    """A regular file written atomically (temp file beside the target, renamed over it by :meth:`finish`)."""

    def open(self) -> FileOutput:
        """Create the temp file."""
        self._final.__enter__()
        return self

    @property
    def file(self) -> BinaryIO:
        """The temp file."""
        return self._final.file

    async def finish(self) -> None:
        """Flush, fsync and rename over the target."""
        self._final.commit()

    def discard(self) -> None:
        """Close and delete the temp file (unless it was renamed)."""
        self._final.discard()

    def abandon(self) -> None:
        """Delete the temp file (unless it was renamed), from anywhere."""
        self._final.abandon()


class _Queue(io.RawIOBase):
    """The :attr:`StreamOutput.file` the writers see: every write is queued for the writer thread."""

    def __init__(self, owner: StreamOutput) -> None:
        super().__init__()
        self._owner = owner

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]  # the writers reuse their buffers
        self._owner._put(chunk)
        return len(chunk)


class StreamOutput:
    """A device, a FIFO or stdout, written as the records come by a daemon thread.

    The thread opens the path itself when a FIFO has no reader yet (that open blocks until one comes) and
    owns the descriptor; stdout is written through descriptor 1 and never closed. A write error (ENOSPC on
    ``/dev/full``, EPIPE when the reader left) stops the thread and is raised by the next write,
    :meth:`drain` or :meth:`finish`. On :meth:`discard` the thread is left behind (it is a daemon): the
    process is about to exit, and a thread stuck writing to a stalled reader must not hold it.
    """

    def __init__(self, plan: OutputPlan) -> None:
        self.plan = plan
        self.waiting_for_reader = False
        self._fd: int | None = None
        self._owns_fd = plan.kind != "stdout"
        self._cond = threading.Condition()
        self._chunks: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._written = 0
        self._writing = False
        self._closing = False
        self._discarded = False
        self._done = False
        self._completed = False
        self._error: OSError | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._file = io.BufferedWriter(_Queue(self), buffer_size=1 << 16)
        self._thread = threading.Thread(target=self._run, name=f"bizstim-output {plan.display}", daemon=True)

    def open(self) -> StreamOutput:
        """Open the path (or take stdout) and start the writer thread; call inside the event loop."""
        self._loop = asyncio.get_running_loop()
        if self.plan.kind == "stdout":
            sys.stdout.flush()
            self._fd = sys.stdout.fileno()
        else:
            flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
            try:  # a FIFO without a reader refuses a non-blocking open (ENXIO) instead of blocking
                self._fd = os.open(self.plan.target, flags | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                self.waiting_for_reader = True  # the thread opens it, blocking until a reader comes
            else:
                os.set_blocking(self._fd, True)
        start_thread(self._thread)  # signals are for the main thread
        return self

    @property
    def file(self) -> BinaryIO:
        """A buffered file whose bytes go to the writer thread."""
        return self._file

    @property
    def written(self) -> int:
        """Bytes written to the stream so far."""
        return self._written

    def _put(self, chunk: bytes) -> None:
        with self._cond:
            if self._discarded:
                return
            if self._error is not None:
                raise self._error
            if self._closing:
                raise ValueError("the output is closed")
            self._chunks.append(chunk)
            self._queued += len(chunk)
            self._cond.notify()

    async def _wait(self, ready: str) -> None:
        """Wait (on the event loop) until ``ready`` holds: ``"room"`` or ``"done"``; raise the write error."""
        while True:
            with self._cond:
                if self._error is not None:
                    raise self._error
                if self._done or (ready == "room" and self._queued <= _BACKLOG):
                    return
                assert self._loop is not None
                self._waiter = self._loop.create_future()
                waiter = self._waiter
            await waiter

    def _wake(self) -> None:  # on the event loop
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _notify(self) -> None:  # from the thread
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(self._wake)

    async def drain(self) -> None:
        """Hand the buffered bytes over and wait while more than :data:`_BACKLOG` bytes are queued."""
        self._file.flush()
        await self._wait("room")

    async def finish(self) -> None:
        """Write everything that is queued, then close the stream (stdout is flushed, not closed)."""
        self._file.flush()
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._notify()
        await self._wait("done")
        with self._cond:
            if self._error is not None:
                raise self._error
            self._completed = True
        self._file.close()

    def discard(self) -> None:
        """Drop what is queued and let the thread stop (it may stay blocked on a stalled reader)."""
        with self._cond:
            self._discarded = True
            self._chunks.clear()
            self._queued = 0
            self._closing = True
            self._cond.notify()
        with contextlib.suppress(Exception):
            self._file.close()

    def abandon(self) -> None:
        """Nothing to remove: what reached the stream is there."""

    def outcome(self) -> Outcome:
        """COMPLETE after :meth:`finish`, else PARTIAL if a byte may have reached the stream (a write
        returned or is under way), else NOTHING."""
        if self._completed:
            return Outcome.COMPLETE
        return Outcome.PARTIAL if self._written or self._writing else Outcome.NOTHING

    def _run(self) -> None:
        try:
            if self._fd is None:
                flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
                self._fd = os.open(self.plan.target, flags)
            self._write_all(self._fd)
        except OSError as exc:
            with self._cond:
                self._error = exc
        finally:
            if self._owns_fd and self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
            with self._cond:
                self._done = True
            self._notify()

    def _write_all(self, fd: int) -> None:
        while True:
            with self._cond:
                while not self._chunks and not self._closing:
                    self._cond.wait()
                if not self._chunks:
                    return
                chunk = self._chunks.popleft()
            view = memoryview(chunk)
            while view:
                # A blocking write to a pipe returns only when all of it is in, or fails having written
                # nothing: while it runs, part of it may have reached the reader already.
                self._writing = True
                try:
                    count = os.write(fd, view)
                finally:
                    self._writing = False
                view = view[count:]
                self._written += count
            with self._cond:
                self._queued -= len(chunk)
                waiting = self._queued <= _BACKLOG
            if waiting:
                self._notify()


def open_output(plan: OutputPlan) -> FileOutput | StreamOutput:
    """Open the output ``plan`` describes (call inside the event loop)."""
    if plan.streamed:
        return StreamOutput(plan).open()
    return FileOutput(plan).open()


class _ConvertedOutput(_RenamedOutput):
    """A Parquet or DuckDB file (:mod:`aiobizstim.cli._columnar`) of ``model`` records, table ``table``:
    duckdb writes :attr:`temp_path` (``_final`` is never opened), renamed over the target."""

    def __init__(self, plan: OutputPlan, fmt: str, model: type[msgspec.Struct], table: str) -> None:
        super().__init__(plan)
        self._fmt, self._model, self._table = fmt, model, table

    def _remove_converted(self) -> None:
        """Delete the converted file with its side files, unless it was renamed (from anywhere)."""
        self._final.abandon(remove_side_files)  # the side files before the mark goes


class ColumnarOutput(_ConvertedOutput):
    """A Parquet or DuckDB file: the writers write JSON Lines to a hidden staging file beside the target;
    :meth:`finish` converts it off the event loop into a hidden temp file, renamed over the target (all or
    nothing, like :class:`FileOutput`), then removes the staging file."""

    def __init__(self, plan: OutputPlan, fmt: str, model: type[msgspec.Struct], table: str) -> None:
        super().__init__(plan, fmt, model, table)
        self._staging = AtomicFile(plan.target)  # never renamed: it holds the JSON Lines

    def open(self) -> ColumnarOutput:
        """Create the staging file (and mark the converted one's names as this run's)."""
        self._staging.__enter__()
        self._final.claim()
        return self

    @property
    def file(self) -> BinaryIO:
        """The staging file (JSON Lines)."""
        return self._staging.file

    @property
    def staging_path(self) -> Path:
        """Where the JSON Lines are staged."""
        return self._staging.temp_path

    async def finish(self) -> None:
        """Convert the staged records, rename the result over the target, remove the staging file."""
        self._staging.file.close()
        await convert_off_loop(self.staging_path, self.temp_path, self._fmt, self._model, self._table)
        self._final.publish()
        self._staging.discard()

    def discard(self) -> None:
        """Delete the staging file and the converted file (unless it was renamed)."""
        self._staging.discard()
        self.abandon()
        self._final.release()

    def abandon(self) -> None:
        """Delete the staging file and the converted file with its side files (unless it was renamed), from
        anywhere."""
        self._staging.abandon()
        self._remove_converted()


class StreamedColumnarOutput(_ConvertedOutput):
    """A Parquet or DuckDB file converted *while* the records come: the writers write JSON Lines into a FIFO
    (a hidden one beside the target, written by a :class:`StreamOutput` thread) that duckdb reads in a thread
    of its own, so parsing and encoding overlap the requests instead of following them; :meth:`finish`
    closes the FIFO, waits for duckdb to write its last row group and renames the result over the target.
    All or nothing, like :class:`ColumnarOutput` (used where there are no FIFOs)."""

    def __init__(self, plan: OutputPlan, fmt: str, model: type[msgspec.Struct], table: str) -> None:
        super().__init__(plan, fmt, model, table)
        self.fifo_path = plan.target.with_name(f"{self._final.temp_path.name[:-4]}.fifo")
        self._stream = StreamOutput(OutputPlan("stream", self.fifo_path, plan.display))
        self._conversion: RunningConversion | None = None

    def open(self) -> StreamedColumnarOutput:
        """Create the FIFO, start duckdb reading it and the thread writing it (inside the event loop)."""
        self._final.claim()  # the FIFO and duckdb's files are named after the converted file
        os.mkfifo(self.fifo_path, 0o600)
        self._conversion = start_conversion(
            self.fifo_path, self.temp_path, self._fmt, self._model, self._table
        )
        self._stream.open()
        return self

    @property
    def file(self) -> BinaryIO:
        """What the writers write to (JSON Lines, on their way to duckdb)."""
        return self._stream.file

    async def drain(self) -> None:
        """Wait while duckdb is behind; raise its error if it stopped (a value that does not fit)."""
        try:
            await self._stream.drain()
        except OSError:
            await self._raise_conversion_error()
            raise

    async def _raise_conversion_error(self) -> None:
        # A write to the FIFO failed: duckdb closed it, so it is ending; raise what stopped it.
        if self._conversion is not None:
            await self._conversion.wait()

    async def finish(self) -> None:
        """Close the FIFO (end of input), wait for duckdb, rename its file over the target."""
        assert self._conversion is not None
        try:
            await self._stream.finish()
        except OSError:
            await self._raise_conversion_error()
            raise
        await self._conversion.wait()
        self._remove_fifo()  # before the rename gives up the mark: a kill between leaves nothing unmarked
        self._final.publish()

    def discard(self) -> None:
        """Stop the writer and duckdb, wait (briefly) for duckdb to let go, remove what was written."""
        self._stream.discard()
        self._stop_conversion()
        if self._conversion is not None:
            self._conversion.join(_CONVERSION_GRACE)
        self.abandon()
        if self._conversion is None or self._conversion.done:
            self._final.release()  # else duckdb still writes: the mark stays until the process ends

    def _stop_conversion(self) -> None:
        if self._conversion is not None:
            self._conversion.interrupt()
        # Either end may still wait in open() for the other: open the FIFO both ways, non-blocking, so that
        # they get an end of file or a broken pipe instead of waiting forever.
        for flags in (os.O_RDONLY | os.O_NONBLOCK, os.O_WRONLY | os.O_NONBLOCK):
            with contextlib.suppress(OSError):
                os.close(os.open(self.fifo_path, flags))

    def _remove_fifo(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.fifo_path)

    def abandon(self) -> None:
        """Stop duckdb, remove the FIFO and the converted file with its side files (unless it was renamed),
        from anywhere."""
        if self._conversion is not None and not self._conversion.done:
            self._conversion.interrupt()
        self._remove_fifo()
        self._remove_converted()
