"""The hidden files of a killed run, found and removed by the next run for the same target.

A run writes its hidden files beside the target under one token: ``.NAME.TOKEN.tmp`` (the data), and for a
columnar output ``.NAME.TOKEN.fifo`` and duckdb's ``.NAME.TOKEN.tmp.wal`` and ``.NAME.TOKEN.tmp.spill/``.
Cleaning up after itself covers every way a run can stop except one that gives it no chance (SIGKILL, the
OOM killer, a power cut). So while it writes them, the run holds an exclusive ``flock`` on
``.NAME.TOKEN.lock`` (:class:`RunMark`); a lock that no process holds is the mark of a run that was killed,
and :func:`sweep_killed_runs` removes its files. ``flock`` locks belong to an open file, so another
:class:`RunMark` of the same process counts as alive too, and the kernel drops them when the process dies.

The lock file is created under ``.NAME.TOKEN.locking``, locked, then renamed: a ``.lock`` name is always
locked while its run lives, so a sweep can never take a live run's files for a killed one's. A run killed
between the creation and the rename leaves an empty ``.locking`` file and nothing else; a sweep removes it
once it is :data:`_UNFINISHED_AFTER` old and unlocked (a live run holds it unlocked for microseconds). Files
of versions without the mark are left alone (there is no telling whether their run lives).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

if sys.platform != "win32":
    import fcntl

__all__ = ["RUN_SUFFIXES", "RunMark", "remove_path", "sweep_killed_runs"]

_TOKEN: Final = re.compile(r"[0-9a-f]{8}")
#: The hidden files a run writes, ``.NAME.TOKEN.<suffix>``: the temp file (``AtomicFile``), duckdb's
#: write-ahead log and spill directory beside it (``_columnar.side_files``) and the FIFO of a streamed
#: conversion (``_output``). A sweep removes these names exactly: ``.NAME.TOKEN.*`` would also match the
#: hidden files of a target named ``NAME.TOKEN``, and a user's own dotfiles.
RUN_SUFFIXES: Final = ("tmp", "tmp.wal", "tmp.spill", "fifo")
#: Seconds after which an unlocked ``.NAME.TOKEN.locking`` is a killed run's, not one about to lock it.
_UNFINISHED_AFTER: Final = 60.0


def _marks(target: Path, suffix: str) -> list[tuple[Path, str]]:
    """The ``.NAME.TOKEN.<suffix>`` files beside ``target`` with a token of ours, and their tokens."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        found = target.parent.glob(f"{glob.escape(prefix)}*.{suffix}")
        tokens = [(path, path.name[len(prefix) : -len(suffix) - 1]) for path in found]
        return [(path, token) for path, token in tokens if _TOKEN.fullmatch(token)]
    return []


@contextlib.contextmanager
def _unlocked(mark: Path) -> Iterator[os.stat_result | None]:
    """Lock ``mark`` for the block if it is a file of this user's that no process holds: its stat, or None.
    Opened non-blocking: a FIFO planted under a mark's name must not hang the export."""
    try:
        fd = os.open(mark, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        yield None
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            yield None  # not a mark this user's runs make
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None  # held: that run lives
            return
        yield info
    finally:
        os.close(fd)


def sweep_killed_runs(target: Path) -> list[Path]:
    """Remove the hidden files of the runs for ``target`` that were killed (their lock is free); return the
    files and directories removed. Never raises: a file that cannot be removed stays."""
    if sys.platform == "win32":  # pragma: no cover - no flock: runs leave their files to the user as before
        return []
    removed: list[Path] = []
    for mark, token in _marks(target, "lock"):
        with _unlocked(mark) as free:
            if free is None:
                continue
            for suffix in RUN_SUFFIXES:
                path = target.with_name(f".{target.name}.{token}.{suffix}")
                if os.path.lexists(path) and remove_path(path):
                    removed.append(path)
            with contextlib.suppress(OSError):
                os.unlink(mark)  # last: while it exists, the files are known to be a run's
    for making, _ in _marks(target, "locking"):
        with _unlocked(making) as free:
            if free is not None and free.st_size == 0 and time.time() - free.st_mtime > _UNFINISHED_AFTER:
                with contextlib.suppress(OSError):
                    os.unlink(making)
                    removed.append(making)
    return removed


def remove_path(path: Path) -> bool:
    """Remove the file, link or flat directory (duckdb's spill files) at ``path``; return whether it went.
    Never raises, and only unlink and rmdir calls: safe in a signal handler."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            for entry in os.listdir(path):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(path, entry))
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        return False
    return True


class RunMark:
    """The lock ``.NAME.TOKEN.lock`` beside ``target``, held while the run writes its hidden files
    ``.NAME.TOKEN.*`` (see the module docstring)."""

    def __init__(self, target: Path, token: str, mode: int = 0o600) -> None:
        self.path = target.with_name(f".{target.name}.{token}.lock")
        self._making = target.with_name(f".{target.name}.{token}.locking")
        self._mode = mode
        self._fd: int | None = None

    def take(self) -> bool:
        """Create and lock the mark (``OSError`` if it cannot be created); return whether it is held: not
        where the mark's name is too long for the file system (the target's name is near the limit: the
        run goes unmarked, as before marks). Idempotent."""
        if sys.platform == "win32":
            return False
        if self._fd is not None:
            return True
        try:
            fd = os.open(self._making, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, self._mode)
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                return False
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a new file: nobody else has it open
            os.rename(self._making, self.path)
        except BaseException as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self._making)
            if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
                return False
            raise
        self._fd = fd
        return True

    def drop(self) -> None:
        """Remove and release the mark, once the run's hidden files are gone (idempotent)."""
        self.forget()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)

    def forget(self) -> None:
        """Remove the mark's names, from anywhere (a signal handler: the process exits, the lock goes with
        it)."""
        for path in (self.path, self._making):
            with contextlib.suppress(OSError):
                os.unlink(path)
