"""All-or-nothing output files: write a temp file beside the target, fsync, then rename over it.

Until :meth:`AtomicFile.commit` succeeds the target path is never touched: a new target does not appear and an
existing one keeps its old content. On any failure or interruption the temp file is removed.

An export's output syncs behind the writing (``sync_behind=True``): every :data:`SYNC_EVERY` bytes an
``fdatasync`` runs in a thread while the export goes on, so the kernel writes the data back meanwhile and the
fsync before the rename waits for the last few megabytes only, not for the whole file (on a disk writing
200 MB/s, seconds for a large export).

Whether the rename happened is known at every moment (:attr:`AtomicFile.renamed`), also from a signal handler
that interrupted :meth:`~AtomicFile.commit` between two statements, and :meth:`~AtomicFile.abandon` removes
the temp file from there: the CLI's messages after Ctrl-C say the truth about the target.
"""

from __future__ import annotations

import contextlib
import functools
import io
import operator
import os
import secrets
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final, Self

from aiobizstim.cli._leftovers import RunMark, sweep_killed_runs

__all__ = [
    "AtomicFile",
    "OutputPathError",
    "check_output_path",
    "creation_mode",
    "files_no_wider_than",
    "fsync_dir",
    "keep_mode",
]

_BUFFER: Final = 1 << 20
#: Bytes handed to the OS between two background syncs of a file written with ``sync_behind``.
SYNC_EVERY: Final = 8 << 20
_datasync = getattr(os, "fdatasync", os.fsync)  # macOS and Windows have no fdatasync


class OutputPathError(ValueError):
    """The output path cannot be written (missing directory, a directory itself, ...)."""


def check_output_path(path: Path) -> None:
    """Raise :class:`OutputPathError` if ``path`` clearly cannot be the target of an export."""
    if path.is_dir():
        raise OutputPathError(f"output path is a directory: {path}")
    parent = path.parent
    if not parent.is_dir():
        raise OutputPathError(f"output directory does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"output directory is not writable: {parent}")


def creation_mode(target: Path) -> int:
    """The mode to create a file that is to replace ``target`` with: ``target``'s permission bits if it exists
    (a private 0600 file stays private while its replacement is written, and in a partial file kept for a
    resume), readable and writable by its owner whatever they are; else 0o666 (the umask decides)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode) | 0o600
    except OSError:
        return 0o666


def keep_mode(path: Path, target: Path) -> None:
    """Give ``path``, about to replace ``target``, ``target``'s permission bits (when it exists): a file
    written by other means (duckdb's) or created before the target was, keeps the target's privacy."""
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IMODE(os.stat(target).st_mode))


#: The restrictions of the exports running in this process (see :func:`files_no_wider_than`), and the
#: umask before the first of them.
_narrowing: list[int] = []
_umask_before: list[int] = []
_umask_lock = threading.Lock()


@contextlib.contextmanager
def files_no_wider_than(target: Path | None) -> Iterator[None]:
    """While the block runs, no file the process creates (ours, and those duckdb and pyarrow create while
    converting: their output, its log, spill files) lets group or others do more than ``target`` lets them:
    the umask takes their bits away. Exports that overlap add up their restrictions; the last one to end
    puts back the umask from before the first. Only for a command line that owns its process (the umask is
    the process's); a ``target`` that does not exist (or ``None``) changes nothing."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode) if target is not None else None
    except OSError:
        mode = None
    if mode is None:
        yield
        return
    restriction = 0o077 & ~mode
    with _umask_lock:
        if not _narrowing:
            _umask_before.append(os.umask(0o077))
        _narrowing.append(restriction)
        os.umask(_umask_before[0] | functools.reduce(operator.or_, _narrowing))
    try:
        yield
    finally:
        with _umask_lock:
            _narrowing.remove(restriction)
            if _narrowing:
                os.umask(_umask_before[0] | functools.reduce(operator.or_, _narrowing))
            else:
                os.umask(_umask_before.pop())


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows opening a directory)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _SyncingWriter(io.BufferedWriter):
    """A buffered file that makes what it wrote durable as it goes: after every ``every`` bytes written, an
    ``fdatasync`` of its own descriptor in a thread (one at a time) for what the OS has by then (all but the
    buffer's content). A failed sync is raised by the write that would start the next one or by
    :meth:`wait_for_sync`, never lost (the kernel would not report it to a later fsync)."""

    def __init__(self, raw: io.FileIO, every: int | None) -> None:
        super().__init__(raw, _BUFFER)
        self._every = every
        self._unsynced = 0
        self._syncer: threading.Thread | None = None
        self._sync_error: OSError | None = None

    def write(self, data: Any, /) -> int:
        written = super().write(data)
        self._unsynced += written
        if self._every is not None and self._unsynced >= self._every:
            syncer = self._syncer
            if syncer is None or not syncer.is_alive():
                self._raise_sync_error()
                self._unsynced = 0
                # A descriptor of its own: closing the file meanwhile (a discard) cannot redirect the sync.
                self._syncer = threading.Thread(target=self._sync, args=(os.dup(self.fileno()),), daemon=True)
                self._syncer.start()
        return written

    def _sync(self, fd: int) -> None:
        try:
            _datasync(fd)
        except OSError as exc:
            self._sync_error = exc
        finally:
            os.close(fd)

    def wait_for_sync(self) -> None:
        """Wait for the background sync, if one runs; raise the error of a failed one."""
        if self._syncer is not None:
            self._syncer.join()
        self._raise_sync_error()

    def _raise_sync_error(self) -> None:
        if (error := self._sync_error) is not None:
            self._sync_error = None
            raise error


class AtomicFile:
    """A binary file written under a hidden temp name beside ``path`` and renamed to ``path`` on commit.

    Use as a context manager; call :meth:`commit` as the last step inside it. Leaving the block without a
    commit (an exception, cancellation, Ctrl-C) deletes the temp file and leaves ``path`` as it was. Unless
    ``marked`` is false, a :class:`~aiobizstim.cli._leftovers.RunMark` is held while the temp file exists,
    and hidden files that killed runs left for ``path`` are removed first (:meth:`claim`).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, sync_behind: bool = False, marked: bool = True
    ) -> None:
        self.path = Path(path)
        self._sync_behind = sync_behind
        token = secrets.token_hex(4)
        self.temp_path = self.path.with_name(f".{self.path.name}.{token}.tmp")
        self._mark = RunMark(self.path, token) if marked else None
        self._file: _SyncingWriter | None = None
        self.committed = False
        # Set *before* each step, so a signal handler running between two statements can tell what happened:
        # "new" -> "creating" -> "open" -> "renaming" -> "renamed", or -> "discarding".
        self._phase = "new"

    @property
    def renamed(self) -> bool:
        """Whether the temp file has replaced :attr:`path` (true from the rename on, even before
        :meth:`commit` returns). Safe to ask at any moment, also from a signal handler."""
        if self._phase not in ("renaming", "renamed"):
            return False
        return self._phase == "renamed" or not os.path.lexists(self.temp_path)

    def abandon(self, remove: Callable[[Path], None] | None = None) -> bool:
        """Delete the temp file unless it was renamed already (with ``remove(temp_path)``, if given: a file
        written by other means, with its side files); return :attr:`renamed`. The mark goes last.

        Only idempotent system calls: safe at any moment, also from a signal handler that interrupted
        this object (the process is about to exit, so the open file is left to the OS).
        """
        if self.renamed:
            renamed = True
        else:
            renamed = False
            self._phase = "discarding"  # before the unlink: a missing temp file must not read as renamed
            with contextlib.suppress(OSError):
                os.unlink(self.temp_path)
            if remove is not None:
                remove(self.temp_path)
        if self._mark is not None:
            self._mark.forget()
        return renamed

    def claim(self) -> None:
        """Remove what killed runs left for :attr:`path`, then mark :attr:`temp_path` (and the other hidden
        files named after it) as this run's (idempotent; done by entering; call it before writing
        :attr:`temp_path` by other means)."""
        if self._mark is None:
            return
        sweep_killed_runs(self.path)
        try:
            if not self._mark.take():
                self._mark = None  # a name too long for a mark: unmarked, as before marks
        except OSError as exc:
            raise self._at_target(exc, "creating the hidden file beside it") from None

    def release(self) -> None:
        """Give up the mark, once the hidden files are renamed or removed (idempotent)."""
        if self._mark is not None:
            self._mark.drop()

    @property
    def file(self) -> BinaryIO:
        """The open temp file (buffered)."""
        return self._opened()

    def _opened(self) -> _SyncingWriter:
        if self._file is None:
            raise RuntimeError("AtomicFile is not open")
        return self._file

    def __enter__(self) -> Self:
        # O_EXCL: never write into a file someone else created.
        self._phase = "creating"
        self.claim()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.temp_path, flags, creation_mode(self.path))
        except OSError as exc:
            self.release()
            raise self._at_target(exc, "creating the hidden file beside it") from None
        self._file = _SyncingWriter(io.FileIO(fd, "wb"), SYNC_EVERY if self._sync_behind else None)
        self._phase = "open"
        return self

    def commit(self) -> None:
        """Flush, fsync and rename the temp file to :attr:`path`."""
        file = self._opened()
        file.flush()
        file.wait_for_sync()
        os.fsync(file.fileno())
        file.close()
        self.publish()

    def publish(self) -> None:
        """Rename the temp file, complete and synced, to :attr:`path` (:meth:`commit` without the file: for a
        temp file written by other means at :attr:`temp_path`, never opened here)."""
        keep_mode(self.temp_path, self.path)
        self._phase = "renaming"
        try:
            os.replace(self.temp_path, self.path)
        except OSError as exc:
            raise self._at_target(exc) from None
        self._phase = "renamed"
        self.committed = True
        self.release()
        fsync_dir(self.path.parent)

    def _at_target(self, exc: OSError, doing: str = "") -> OSError:
        """``exc`` naming :attr:`path`, the file the user asked for, not the hidden temp file (and what was
        being done, where the path alone would mislead: "No such file or directory" for an existing file)."""
        return type(exc)(exc.errno, f"{exc.strerror} ({doing})" if doing else exc.strerror, str(self.path))

    def discard(self) -> None:
        """Close and delete the temp file (idempotent; never raises for a file already gone)."""
        if self._file is not None and not self._file.closed:
            with contextlib.suppress(OSError):
                self._file.close()
        if not self.renamed:
            self._phase = "discarding"
            with contextlib.suppress(FileNotFoundError):
                self.temp_path.unlink()
        self.release()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()
