"""All-or-nothing output files: write a temp file beside the target, fsync, then rename over it.

Until :meth:`AtomicFile.commit` succeeds the target path is never touched: a new target does not appear and an
existing one keeps its old content. On any failure or interruption the temp file is removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Self

__all__ = ["AtomicFile", "OutputPathError", "check_output_path"]

_BUFFER: Final = 1 << 20


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


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform or filesystem allows opening a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicFile:
    """A binary file written under a hidden temp name beside ``path`` and renamed to ``path`` on commit.

    Use as a context manager; call :meth:`commit` as the last step inside it. Leaving the block without a
    commit (an exception, cancellation, Ctrl-C) deletes the temp file and leaves ``path`` as it was.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.temp_path = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        self._file: BinaryIO | None = None
        self.committed = False

    @property
    def file(self) -> BinaryIO:
        """The open temp file (buffered)."""
        if self._file is None:
            raise RuntimeError("AtomicFile is not open")
        return self._file

    def __enter__(self) -> Self:
        # O_EXCL: never write into a file someone else created; 0o666 lets the umask decide the mode.
        fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        self._file = os.fdopen(fd, "wb", buffering=_BUFFER)
        return self

    def commit(self) -> None:
        """Flush, fsync and rename the temp file to :attr:`path`."""
        file = self.file
        file.flush()
        os.fsync(file.fileno())
        file.close()
        with contextlib.suppress(OSError):  # replacing a file: keep its permissions (e.g. 0600)
            os.chmod(self.temp_path, stat.S_IMODE(os.stat(self.path).st_mode))
        os.replace(self.temp_path, self.path)
        self.committed = True
        _fsync_dir(self.path.parent)

    def discard(self) -> None:
        """Close and delete the temp file (idempotent; never raises for a file already gone)."""
        if self._file is not None and not self._file.closed:
            with contextlib.suppress(OSError):
                self._file.close()
        if not self.committed:
            with contextlib.suppress(FileNotFoundError):
                self.temp_path.unlink()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()
