"""``bizstim export --resume``: an export that survives a crash and continues where it stopped.

Two hidden files beside the target ``PATH`` hold the progress:

* ``.PATH.partial``: the output written so far (the export form of the format, or JSON Lines for a format
  that is converted at the end);
* ``.PATH.resume``: a small JSON state: the options the export was started with, how many bytes of the
  partial output and how many records are durable, and the iterator's checkpoint after those records.

A state only ever describes data that is already durable: at a checkpoint the partial output is flushed and
fsynced first, then the state is replaced atomically (temp file, fsync, rename, fsync of the directory). A
crash at any moment (``kill -9``, power loss) therefore leaves a state whose bytes are all on disk, perhaps
followed by more bytes that no state describes: a resume truncates the partial output to the state's length
and continues the iterator from its checkpoint (the drift guarantee holds across the stop). When the export
completes, the state is marked finished, the partial output is renamed (or converted) into ``PATH``
atomically, and the state is removed; a crash in between is completed by the next run without a request.

Checkpoints cost an fsync each: one is taken after a page when at least :data:`CHECKPOINT_SPACING` times the
last checkpoint's duration has passed since it (so they take at most about a sixth of the export's time,
and every page on a fast disk).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import stat
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Final

import msgspec

from aiobizstim.cli._atomic import AtomicFile, creation_mode, fsync_dir, keep_mode
from aiobizstim.cli._columnar import remove_side_files
from aiobizstim.cli._leftovers import sweep_killed_runs
from aiobizstim.cli._output import AllAtOnceOutput, Outcome, OutputPlan

if sys.platform != "win32":
    import fcntl

__all__ = [
    "CHECKPOINT_SPACING",
    "ResumableOutput",
    "ResumeError",
    "discard_superseded_progress",
    "resume_paths",
]

STATE_VERSION: Final = 1

#: A checkpoint waits this many times the duration of the previous one (see the module docstring).
CHECKPOINT_SPACING: Final = 5.0

_BUFFER: Final = 1 << 20


class ResumeError(ValueError):
    """The saved progress cannot be used: other options, a damaged state, another export at work."""


def resume_paths(target: Path) -> tuple[Path, Path]:
    """The partial output and the state file of an export to ``target`` (hidden, beside it)."""
    return target.with_name(f".{target.name}.partial"), target.with_name(f".{target.name}.resume")


def discard_superseded_progress(target: Path, options: Mapping[str, Any]) -> bool:
    """Remove the progress an interrupted ``--resume`` export to ``target`` with the same ``options`` saved,
    once an export without ``--resume`` has put a complete ``target`` in place: resumed later, it would
    continue from records an older run read. Not while an export holds it (its lock, kept until its
    output is in place), nor the progress of another export (``--details`` lookups of hours, say). Return
    whether any was removed; never raises."""
    if sys.platform == "win32":  # pragma: no cover - no lock to tell a running export by: left alone
        return False
    partial, state = resume_paths(target)
    try:
        saved = _decode_state(state.read_bytes())
    except FileNotFoundError:
        saved = None  # a partial file alone: a run killed before its first checkpoint (never continued)
    except (OSError, msgspec.DecodeError):
        return False  # not ours to judge
    if saved is not None and saved.options != dict(options):
        return False
    try:
        fd = os.open(partial, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        fd = None  # a state alone (an export that finished, or one killed before its partial file)
    except OSError:
        return False
    try:
        if fd is not None:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # an export is at work on it
        removed = False
        for path in (state, partial):  # the state first: a partial file without one is never continued
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed = True
        return removed
    except OSError:
        return False
    finally:
        if fd is not None:
            os.close(fd)


class _State(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    options: dict[str, Any]
    bytes: Annotated[int, msgspec.Meta(ge=0)]
    records: Annotated[int, msgspec.Meta(ge=0)]
    checkpoint: Any
    finished: bool = False


_decode_state = msgspec.json.Decoder(_State).decode
_encode = msgspec.json.Encoder().encode


class ResumableOutput(AllAtOnceOutput):
    """The output of ``bizstim export --resume``: a partial file and a state beside the target.

    :meth:`open` takes up saved progress (or starts afresh) and says where to continue;
    :meth:`checkpoint` makes the records written so far durable; :meth:`finish` puts the complete output in
    place (``finalize`` turns the partial file into the target: a rename, or a conversion). On a failure or
    an interruption the progress stays, so that the same command continues it.
    """

    def __init__(
        self,
        plan: OutputPlan,
        options: Mapping[str, Any],
        finalize: Callable[[Path, Path], Awaitable[None]] | None = None,
    ) -> None:
        self.plan = plan
        self.options = dict(options)
        self.partial_path, self.state_path = resume_paths(plan.target)
        self._finalize = finalize
        self._file: BinaryIO | None = None
        self._saving: AtomicFile | None = None
        self._converted: Path | None = None  # the finalized output, before its rename
        self._moving: Path | None = None
        # "open" -> "renaming" -> "renamed", set before each step (read by signal handlers).
        self._phase = "open"
        #: The records and the iterator checkpoint the export continues from (0 and ``None``: from the start).
        self.resumed_records = 0
        self.resumed_checkpoint: Any = None
        #: When the progress continued from was saved (its state file's time), or ``None``.
        self.resumed_saved_at: float | None = None
        #: Whether an earlier run's output is continued (its header or opening bracket is written).
        self.continuing = False
        #: Records that are durable now (described by the state on disk).
        self.saved_records = 0
        #: Every record of the export, once written (set before :meth:`finish`, for the finished state).
        self.final_records: int | None = None
        self._saving_records = 0
        self._saved = False  # a state describes the partial file (from this run or an earlier one)
        self._started = False  # this run started the partial file afresh (it may remove it)
        self._finished_before = False  # the earlier run had completed its output but not put it in place
        self._last_cost = 0.0
        self._next_at = 0.0

    # -- opening ---------------------------------------------------------------------------------------

    def open(self) -> ResumableOutput:
        """Take up the saved progress for the same options, or start afresh; lock out a second export."""
        state = self._load_state()
        if state is not None and state.finished and not self.partial_path.exists():
            state = None  # that export completed and put its output in place: this one starts afresh
            self._remove_state()
        self._started = state is None  # before the file exists: a forced exit then removes it
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.partial_path, flags, creation_mode(self.plan.target))
        self._file = os.fdopen(fd, "r+b", buffering=_BUFFER)
        self._lock(fd)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(self.partial_path))
        except FileNotFoundError:
            same = False
        if not same or (state is not None and not self.state_path.exists()):
            self._started = False  # not ours to remove
            self.close_file()
            raise ResumeError(
                f"the saved progress of {self.plan.display} was removed while this export took it up "
                "(by a complete export without --resume): run it again to start afresh"
            )
        self._sweep()
        size = os.fstat(fd).st_size
        if state is None:
            os.ftruncate(fd, 0)  # bytes no state describes: an earlier run that never reached a checkpoint
        else:
            if size < state.bytes:
                raise ResumeError(
                    f"cannot resume: {self.partial_path} holds {size:,} bytes, fewer than the "
                    f"{state.bytes:,} its state describes; delete {self.state_path} to start over"
                )
            self._check_consistent(state, fd)
            os.ftruncate(fd, state.bytes)  # bytes past the last checkpoint were never described
            self.resumed_records = self.saved_records = state.records
            self.resumed_checkpoint = state.checkpoint
            with contextlib.suppress(OSError):
                self.resumed_saved_at = os.stat(self.state_path).st_mtime
            self.continuing = True
            self._saved = True
            self._finished_before = state.finished
        self._file.seek(0, os.SEEK_END)
        return self

    def damaged(self, why: str) -> ResumeError:
        """The error for a state that cannot be what an export wrote (hand-edited, or another file's)."""
        return ResumeError(
            f"cannot resume: the state {self.state_path} is damaged ({why}); delete it to start over"
        )

    def _check_consistent(self, state: _State, fd: int) -> None:
        """The state describes whole records (JSON Lines and CSV end each with a newline; a JSON array's
        last is its ``}``, or its opening ``[`` line) and, unless the export had finished, where its iterator
        stood."""
        if state.bytes and os.pread(fd, 1, state.bytes - 1) not in (b"\n", b"}"):
            raise self.damaged(
                f"its byte count, {state.bytes:,}, ends inside a record of {self.partial_path}"
            )
        if state.records and state.checkpoint is None and not state.finished:
            raise self.damaged(f"it counts {state.records:,} records but holds no checkpoint")

    def _load_state(self) -> _State | None:
        try:
            raw = self.state_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            state = _decode_state(raw)
        except msgspec.DecodeError as exc:
            raise self.damaged(str(exc)) from None
        if state.version != STATE_VERSION:
            raise ResumeError(
                f"cannot resume: the state {self.state_path} was written by another version "
                f"(format {state.version}); delete it to start over"
            )
        if state.options != self.options:
            raise ResumeError(f"cannot resume: {self._difference(state.options)}")
        return state

    def _difference(self, saved: Mapping[str, Any]) -> str:
        changed = [
            f"{name} {_show(saved.get(name))} then, {_show(value)} now"
            for name, value in self.options.items()
            if saved.get(name) != value
        ]
        changed += [
            f"{name} {_show(value)} then" for name, value in saved.items() if name not in self.options
        ]
        return (
            f"the saved export to {self.plan.display} was started with other options ({'; '.join(changed)}); "
            f"run it with the same options, or delete {self.state_path} to start over"
        )

    def _lock(self, fd: int) -> None:
        if sys.platform == "win32":  # pragma: no cover - no advisory lock there; the rest works
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._started = False  # the other export's file
            self.close_file()
            raise ResumeError(
                f"another export to {self.plan.display} is running (it holds {self.partial_path})"
            ) from None

    def _sweep(self) -> None:
        """Remove temp files a killed run left (a state being written, a conversion): ours, since we hold
        the lock; and those of killed exports to the same path without ``--resume``."""
        sweep_killed_runs(self.plan.target)
        names = (glob.escape(self.partial_path.name), glob.escape(f".{self.state_path.name}"))
        for pattern in (f"{name}.*.tmp" for name in names):
            for leftover in self.partial_path.parent.glob(pattern):
                if os.path.lexists(leftover.with_suffix(".lock")):
                    continue  # a marked run's (a plain export to a target named like our partial file)
                with contextlib.suppress(OSError):
                    leftover.unlink()

    # -- the Output protocol ---------------------------------------------------------------------------

    @property
    def file(self) -> BinaryIO:
        """The partial output, positioned at its end."""
        if self._file is None:
            raise RuntimeError("the output is not open")
        return self._file

    @property
    def finished_before(self) -> bool:
        """Whether an earlier run had written every record (only the final rename or conversion is left)."""
        return self._finished_before

    def due(self) -> bool:
        """Whether a checkpoint is due (see :data:`CHECKPOINT_SPACING`)."""
        return time.monotonic() >= self._next_at

    def checkpoint(self, records: int, checkpoint: Any) -> None:
        """Make the partial output durable, then record ``records`` and the iterator's ``checkpoint`` for
        them in the state (the writer has handed every byte of those records to :attr:`file`)."""
        began = time.monotonic()
        file = self.file
        file.flush()
        os.fsync(file.fileno())
        self._save(_State(STATE_VERSION, self.options, file.tell(), records, checkpoint))
        ended = time.monotonic()
        self._last_cost = ended - began
        self._next_at = ended + CHECKPOINT_SPACING * self._last_cost

    def _save(self, state: _State) -> None:
        self._saving_records = state.records
        saving = self._saving = AtomicFile(self.state_path, marked=False)  # the export's lock covers it
        with saving:
            saving.file.write(_encode(state))
            saving.commit()
        self.saved_records = state.records
        self._saved = True
        self._saving = None

    @property
    def _state_records(self) -> int | None:
        """The records the state on disk describes (``None``: there is none), right at any moment: also
        from a signal handler that interrupted :meth:`_save` just after its rename."""
        if self._saving is not None and self._saving.renamed:
            return self._saving_records
        return self.saved_records if self._saved else None

    async def finish(self) -> None:
        """Mark the state finished, put the output in place (rename or ``finalize``), remove the state."""
        file = self.file
        if not self._finished_before:
            file.flush()
            os.fsync(file.fileno())
            records = self.saved_records if self.final_records is None else self.final_records
            self._save(_State(STATE_VERSION, self.options, file.tell(), records, None, True))
        if sys.platform == "win32":  # pragma: no cover - an open file cannot be renamed there (and no lock)
            self.close_file()
        # Otherwise the partial file stays open, and locked, until the state is gone: an export without
        # --resume to the same path must not take it for superseded progress while this one converts it.
        if self._finalize is None:
            self._put_in_place(self.partial_path)
        else:
            partial = self.partial_path
            self._converted = partial.with_name(f"{partial.name}.{secrets.token_hex(4)}.tmp")
            await self._finalize(self.partial_path, self._converted)
            self._put_in_place(self._converted)
            self.partial_path.unlink()
        fsync_dir(self.plan.target.parent)
        self._remove_state()
        self.close_file()

    def _put_in_place(self, source: Path) -> None:
        keep_mode(source, self.plan.target)  # replacing a file: keep its permissions (e.g. 0600)
        self._moving = source
        self._phase = "renaming"  # before the rename: a signal handler can then tell whether it happened
        os.replace(source, self.plan.target)
        self._phase = "renamed"

    @property
    def _renamed(self) -> bool:
        if self._phase == "renaming":
            return self._moving is not None and not os.path.lexists(self._moving)
        return self._phase == "renamed"

    def discard(self) -> None:
        """After a failure: keep the saved progress (the partial output, up to its state, and the state);
        without any checkpoint yet there is nothing to continue, so the partial file goes."""
        self.close_file()
        self.abandon()

    def abandon(self) -> None:
        """Like :meth:`discard`, also from a signal handler (only idempotent system calls)."""
        if self._saving is not None:
            self._saving.abandon()
        if self._renamed:
            return
        if self._converted is not None:
            remove_side_files(self._converted)
        if self._started and self._state_records is None:
            with contextlib.suppress(OSError):
                os.unlink(self.partial_path)

    def outcome(self) -> Outcome:
        """COMPLETE once the output is in place, NOTHING before (the target is untouched until then)."""
        return Outcome.COMPLETE if self._renamed else Outcome.NOTHING

    def kept(self) -> str | None:
        """What an interrupted run leaves to continue from, for its last message (``None``: nothing)."""
        records = self._state_records
        if records is None or self._renamed:
            return None
        counted = "1 record is" if records == 1 else f"{records:,} records are"
        return f"{counted} saved in {self.partial_path.name}: run the same command again to continue"

    def close_file(self) -> None:
        """Close the partial file (idempotent; unlocks it) and a state file being written."""
        if self._saving is not None:
            self._saving.discard()
        if self._file is not None and not self._file.closed:
            with contextlib.suppress(OSError):
                self._file.close()

    def _remove_state(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_path.unlink()


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
