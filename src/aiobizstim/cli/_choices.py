"""What ``bizstim export``'s options offer: the output formats and the progress modes.

A module of its own that imports nothing heavy: the parser lists these values on every run (``--help`` and
usage errors included), while the writers (:mod:`aiobizstim.cli._formats`, :mod:`aiobizstim.cli._columnar`)
and the progress display (:mod:`aiobizstim.cli._progress`) that act on them load only when a command runs.
"""

from __future__ import annotations

import enum
from typing import Final, TextIO

__all__ = ["COLUMNAR_FORMATS", "EXTRA", "FORMATS", "ProgressMode"]

#: The formats written as the records come (:func:`aiobizstim.cli._formats.make_writer`).
FORMATS: Final = ("jsonl", "csv", "json")
#: The typed output formats, written from a JSON Lines staging file (:mod:`aiobizstim.cli._columnar`).
COLUMNAR_FORMATS: Final = ("parquet", "duckdb")
#: The extra that installs what they need.
EXTRA: Final = "duckdb"


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
