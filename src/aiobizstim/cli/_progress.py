"""Progress reporting on stderr: a live bar on a terminal, a line every few seconds otherwise.

Progress never goes to stdout, so ``bizstim ... > file`` and pipes stay clean.
"""

from __future__ import annotations

import enum
import shutil
import time
from collections.abc import Callable
from typing import Final, TextIO

__all__ = ["Progress", "ProgressMode", "format_rate", "format_seconds"]

_BAR_INTERVAL: Final = 0.1  # seconds between redraws of the live bar
_LINE_INTERVAL: Final = 5.0  # seconds between plain progress lines (stderr is not a terminal)
_CHECK_EVERY: Final = 64  # records between clock reads, so update() stays nearly free per record


class ProgressMode(enum.Enum):
    """How progress is shown: ``bar`` (live, redrawn in place), ``lines`` (periodic lines) or ``off``."""

    BAR = "bar"
    LINES = "lines"
    OFF = "off"

    @classmethod
    def auto(cls, stream: TextIO) -> ProgressMode:
        """A live bar when ``stream`` is a terminal, periodic lines otherwise."""
        try:
            return cls.BAR if stream.isatty() else cls.LINES
        except (AttributeError, ValueError):
            return cls.LINES


def format_seconds(seconds: float) -> str:
    """``75.4`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_rate(records: int, seconds: float) -> str:
    """Records per second, rounded, with thousands separators (``"12,345 rec/s"``)."""
    rate = records / seconds if seconds > 0 else 0.0
    return f"{rate:,.0f} rec/s"


class Progress:
    """Tracks records done against an optional ``total`` and renders to ``stream`` (stderr).

    Call :meth:`update` after every record (it reads the clock only every few dozen calls) and
    :meth:`finish` once at the end, which clears the live bar so a summary line can follow.
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
        self.started = time.monotonic()
        self._interval = _BAR_INTERVAL if mode is ProgressMode.BAR else _LINE_INTERVAL
        self._next_render = self.started + self._interval
        self._next_check = _CHECK_EVERY
        self._drawn = False

    @property
    def elapsed(self) -> float:
        """Seconds since the progress started."""
        return time.monotonic() - self.started

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

    def finish(self) -> None:
        """Clear the live bar (if one was drawn)."""
        if self._drawn and self.mode is ProgressMode.BAR:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
        self._drawn = False

    def describe(self, elapsed: float) -> str:
        """The progress text without decoration: counts, percent, rate and ETA."""
        done, total = self.done, self.total()
        parts = [f"{self.label} {done:,}" + (f"/{total:,}" if total else "")]
        if total:
            parts.append(f"{min(100.0, 100.0 * done / total):3.0f}%")
        parts.append(format_rate(done, elapsed))
        if total and done and elapsed > 0:
            remaining = max(0, total - done) * elapsed / done
            parts.append(f"ETA {format_seconds(remaining)}")
        return "  ".join(parts)

    def _render(self, elapsed: float) -> None:
        text = self.describe(elapsed)
        if self.mode is ProgressMode.LINES:
            self.stream.write(f"bizstim: {text}\n")
        else:
            width = shutil.get_terminal_size(fallback=(80, 24)).columns
            bar = ""
            total = self.total()
            if total:
                bar_width = max(10, min(30, width - len(text) - 4))
                filled = min(bar_width, bar_width * self.done // total)
                bar = "[" + "#" * filled + "-" * (bar_width - filled) + "] "
            self.stream.write("\r\x1b[2K" + (bar + text)[: max(1, width - 1)])
            self._drawn = True
        self.stream.flush()
