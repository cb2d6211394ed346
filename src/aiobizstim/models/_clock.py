"""``ClockTime``: a time of day as Bizstim sends it, ``24:00`` included."""

from __future__ import annotations

import datetime as _dt
import functools
import operator

__all__ = ["ClockTime"]


def _ints(*values: object) -> tuple[int, int, int]:
    """``ClockTime``'s arguments as ints (a numpy integer is one); a clear ``TypeError`` for anything else."""
    out = []
    for name, value in zip(("hour", "minute", "second"), values, strict=True):
        try:
            if isinstance(value, bool):
                raise TypeError
            out.append(operator.index(value))  # type: ignore[arg-type]
        except TypeError:
            hint = " (ClockTime.parse reads text)" if isinstance(value, str) else ""
            raise TypeError(
                f"ClockTime {name} must be an int, got {type(value).__name__} {value!r}{hint}"
            ) from None
    return out[0], out[1], out[2]


@functools.total_ordering
class ClockTime:
    """A wall-clock time of day as Bizstim sends it: ``HH:MM`` or ``HH:MM:SS``, from ``00:00`` to ``24:00``.

    ``datetime.time`` cannot hold the documented ``24:00`` (end of day), hence this small type.
    Equality ignores whether seconds were written; :meth:`__str__` gives back the wire form.
    """

    __slots__ = ("_seconds_written", "hour", "minute", "second")

    hour: int
    minute: int
    second: int

    def __init__(self, hour: int, minute: int = 0, second: int = 0, *, seconds_written: bool = False) -> None:
        if not (type(hour) is int and type(minute) is int and type(second) is int):
            hour, minute, second = _ints(hour, minute, second)
        if not (0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= second <= 59):
            raise ValueError(f"clock time out of range: {hour:02d}:{minute:02d}:{second:02d}")
        if hour == 24 and (minute or second):
            raise ValueError(f"clock time past 24:00: {hour:02d}:{minute:02d}:{second:02d}")
        self.hour = hour
        self.minute = minute
        self.second = second
        self._seconds_written = seconds_written

    @classmethod
    def parse(cls, text: str) -> ClockTime:
        """Parse ``HH:MM`` or ``HH:MM:SS``; raise ``ValueError`` on anything else."""
        parts = text.strip().split(":")
        if len(parts) not in (2, 3) or not all(len(p) == 2 and p.isdigit() and p.isascii() for p in parts):
            raise ValueError(f"expected HH:MM or HH:MM:SS, got {text[:20]!r}")
        nums = [int(p) for p in parts]
        return cls(*nums, seconds_written=len(parts) == 3)

    @property
    def is_end_of_day(self) -> bool:
        """True for ``24:00``."""
        return self.hour == 24

    def to_time(self) -> _dt.time:
        """As ``datetime.time``; ``24:00`` raises ``ValueError`` (use :attr:`total_seconds`)."""
        if self.hour == 24:
            raise ValueError("24:00 has no datetime.time equivalent")
        return _dt.time(self.hour, self.minute, self.second)

    @property
    def total_seconds(self) -> int:
        """Seconds since midnight (86400 for ``24:00``)."""
        return self.hour * 3600 + self.minute * 60 + self.second

    def __str__(self) -> str:
        if self._seconds_written or self.second:
            return f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        return f"{self.hour:02d}:{self.minute:02d}"

    def __repr__(self) -> str:
        return f"ClockTime.parse({str(self)!r})"  # a call that gives it back, seconds written or not

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClockTime):
            return self.total_seconds == other.total_seconds
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, ClockTime):
            return self.total_seconds < other.total_seconds
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.total_seconds)
