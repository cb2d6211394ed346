"""Progress reporting on stderr: a live bar on a terminal, a line every few seconds otherwise.

Progress never goes to stdout, so ``bizstim ... > file`` and pipes stay clean. Once :meth:`Progress.start`
ed it redraws on a timer too, so something shows before the first page arrives and while the server is
down. Retries (the library logs each one; :class:`RetryFeed` hands them over) show on the bar's line at
once, with a countdown to the next try; in lines mode a retry gets a line of its own when no record has
arrived for :data:`_STALLED` seconds (a retry that passes unnoticed needs no line: the summary counts it),
at most one per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TextIO

from aiobizstim._stats import RetryEvent
from aiobizstim.cli._choices import ProgressMode

__all__ = ["Progress", "RetryFeed", "format_rate", "format_seconds"]

_BAR_INTERVAL: Final = 0.1  # seconds between redraws of the live bar
_LINE_INTERVAL: Final = 5.0  # seconds between plain progress lines (stderr is not a terminal)
_LINES_TICK: Final = 0.25  # seconds between checks in lines mode (is a retry line due?)
_CHECK_EVERY: Final = 64  # records between clock reads, so update() stays nearly free per record
_STALLED: Final = 1.5  # lines mode: seconds without a new record before retries get lines of their own
_RETRY_LINE_INTERVAL: Final = 1.0  # lines mode: seconds between retry lines at least
_RETRY_LINGER: Final = 1.0  # bar: seconds a retry stays on the line after its next try started


def format_seconds(seconds: float) -> str:
    """``75.4`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_age(seconds: float) -> str:
    """How long ago, roughly: ``"40 s"``, ``"12 min"``, ``"5 h"``, ``"3 days"``."""
    whole = max(0, round(seconds))
    if whole < 120:
        return f"{whole} s"
    if whole < 7200:
        return f"{whole // 60} min"
    if whole < 2 * 86400:
        return f"{whole // 3600} h"
    return f"{whole // 86400} days"


def format_rate(records: int, seconds: float) -> str:
    """Records per second, rounded, with thousands separators (``"12,345 rec/s"``)."""
    rate = records / seconds if seconds > 0 else 0.0
    return f"{rate:,.0f} rec/s"


@dataclass
class _Retry:
    """The latest retry: what is retried, when, and why."""

    event: RetryEvent
    due: float
    done_then: int = 0  # records done when it was logged
    shown: bool = False  # lines mode: printed already

    def describe(self, now: float) -> str:
        """``attempt 2 of 11 failed, next try in 1.2 s: <reason> [GET /api/...]`` (the wait counts down;
        the reason, often long, last but the request)."""
        event = self.event
        if event.attempt is None:
            return f"{event.reason}, sent again at once [{event.request}]"
        left = self.due - now
        when = f"next try in {left:.1f} s" if left > 0.05 else "trying again"
        return f"attempt {event.attempt} of {event.attempts} failed, {when}: {event.reason} [{event.request}]"


class Progress:
    """Tracks records done against an optional ``total`` and renders to ``stream`` (stderr).

    Call :meth:`update` after every record or batch (it reads the clock only every few dozen records),
    :meth:`start` once inside the event loop to redraw on a timer as well, and :meth:`finish` once at the
    end, which stops the timer and clears the live bar so a summary line can follow.
    """

    def __init__(
        self,
        label: str,
        stream: TextIO,
        mode: ProgressMode,
        total: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.label = label
        self.stream = stream
        self.mode = mode
        self.done = 0
        #: Asked for the expected record count only when drawing (it may become known mid-way).
        self.total = total
        #: Retries seen (through :meth:`retry`).
        self.retries = 0
        self.started = time.monotonic()
        self._interval = _BAR_INTERVAL if mode is ProgressMode.BAR else _LINE_INTERVAL
        self._next_render = self.started + self._interval
        self._next_check = _CHECK_EVERY
        self._drawn = False
        self._last_drawn = 0.0
        self._retry: _Retry | None = None
        self._seen_done = 0
        self._last_record = self.started  # when ``done`` last grew (as the timer saw it)
        self._next_retry_line = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the progress started."""
        return time.monotonic() - self.started

    def start(self) -> None:
        """Draw now (bar) and keep redrawing on a timer of the running event loop until :meth:`finish`."""
        if self.mode is ProgressMode.OFF:
            return
        if self.mode is ProgressMode.BAR:
            now = time.monotonic()
            self._next_render = now + self._interval
            self._render(now - self.started)
        self._schedule()

    def _schedule(self) -> None:
        tick = _BAR_INTERVAL if self.mode is ProgressMode.BAR else _LINES_TICK
        self._timer = asyncio.get_running_loop().call_later(tick, self._tick)

    def _tick(self) -> None:
        self._timer = None
        now = time.monotonic()
        self._saw_records(now)
        try:
            if self.mode is ProgressMode.LINES:
                self._retry_line(now)
            if now >= self._next_render:
                self._next_render = now + self._interval
                self._render(now - self.started)
        except (OSError, ValueError):  # stderr is gone: stop drawing, the export goes on
            return
        self._schedule()

    def _saw_records(self, now: float) -> None:
        if self.done != self._seen_done:
            self._seen_done = self.done
            self._last_record = now

    def update(self, done: int) -> None:
        """Record that ``done`` records are finished; redraw if it is time."""
        self.done = done
        if self.mode is ProgressMode.OFF or done < self._next_check:
            return
        self._next_check = done + _CHECK_EVERY
        now = time.monotonic()
        if now >= self._next_render:
            self._next_render = now + self._interval
            self._render(now - self.started)

    def retry(self, event: RetryEvent) -> None:
        """Show a retry the library logged on the bar at once, or as a line if the export is stalled."""
        if self.mode is ProgressMode.OFF:
            return
        now = time.monotonic()
        self.retries += 1
        self._saw_records(now)
        self._retry = _Retry(event, now + event.delay, self.done)
        if self.mode is ProgressMode.LINES:
            self._retry_line(now)
        elif now - self._last_drawn >= _BAR_INTERVAL / 2:  # else the timer draws it in a moment
            self._next_render = now + self._interval
            self._render(now - self.started)

    def _retry_line(self, now: float) -> None:
        retry = self._retry
        if retry is None or retry.shown or now - self._last_record < _STALLED or now < self._next_retry_line:
            return
        retry.shown = True
        self._next_retry_line = now + _RETRY_LINE_INTERVAL
        self.stream.write(f"bizstim: {self.label} {self.done:,}  {retry.describe(now)}\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """Print one line (``bizstim: text``) above the bar, or between the lines."""
        if self.mode is ProgressMode.OFF:
            return
        self.stream.write(("\r\x1b[2K" if self._drawn else "") + f"bizstim: {text}\n")
        self._drawn = False
        self.stream.flush()
        if self.mode is ProgressMode.BAR and self._timer is not None:
            self._render(self.elapsed)

    def finish(self) -> None:
        """Stop the timer and clear the live bar (if one was drawn)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._drawn and self.mode is ProgressMode.BAR:
            with contextlib.suppress(OSError, ValueError):
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
        self._drawn = False

    def clear_line(self) -> str:
        """What to write before a last message so it does not land on the bar (``""`` if none is drawn)."""
        return "\r\x1b[2K" if self._drawn and self.mode is ProgressMode.BAR else ""

    def _shown_retry(self, now: float) -> _Retry | None:
        """The latest retry, while it matters: its next try is not long past, or no record came since."""
        retry = self._retry
        if retry is not None and now >= retry.due + _RETRY_LINGER and self.done != retry.done_then:
            return None
        return retry

    def describe(self, elapsed: float) -> str:
        """The progress text without decoration: counts, percent, rate and ETA (or how long it has waited
        for the first records), and the retries so far. While a retry matters it replaces the rate and
        the ETA (so that it fits on the bar's line)."""
        done, total = self.done, self.total()
        retry = self._shown_retry(self.started + elapsed)
        if retry is not None and retry.shown:  # lines mode: it has a line of its own already
            retry = None
        parts = [f"{self.label} {done:,}" + (f"/{total:,}" if total else "")]
        if total:
            parts.append(f"{min(100.0, 100.0 * done / total):3.0f}%")
        if retry is not None:
            if not done:
                parts.append(format_seconds(elapsed))
            parts.append(retry.describe(self.started + elapsed))
            return "  ".join(parts)
        if done or total:
            parts.append(format_rate(done, elapsed))
        else:
            parts.append(f"waiting for the first records  {format_seconds(elapsed)}")
        if total and done and elapsed > 0:
            remaining = max(0, total - done) * elapsed / done
            parts.append(f"ETA {format_seconds(remaining)}")
        if self.retries:
            parts.append(f"{self.retries:,} retr{'y' if self.retries == 1 else 'ies'}")
        return "  ".join(parts)

    def _render(self, elapsed: float) -> None:
        text = self.describe(elapsed)
        if self.mode is ProgressMode.LINES:
            self.stream.write(f"bizstim: {text}\n")
        else:
            width = shutil.get_terminal_size(fallback=(80, 24)).columns
            bar = ""
            total = self.total()
            if total and self._shown_retry(self.started + elapsed) is None:
                bar_width = max(10, min(30, width - len(text) - 4))
                filled = min(bar_width, bar_width * self.done // total)
                bar = "[" + "#" * filled + "-" * (bar_width - filled) + "] "
            self.stream.write("\r\x1b[2K" + (bar + text)[: max(1, width - 1)])
            self._drawn = True
        self._last_drawn = self.started + elapsed
        self.stream.flush()


class RetryFeed(logging.Handler):
    """A logging handler for the ``aiobizstim`` logger that hands each retry warning to a :class:`Progress`.

    The logger's level must let WARNING records through (the CLI sets it so; its stderr handler has its
    own level for ``-v``).
    """

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.WARNING)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        """Pass a retry warning (its :class:`RetryEvent`) on; ignore everything else."""
        event = getattr(record, "retry", None)
        if isinstance(event, RetryEvent):
            with contextlib.suppress(Exception):  # the display must never break a request
                self.progress.retry(event)
