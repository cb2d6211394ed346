"""``tap-bizstim``: a Singer tap for the Bizstim CRM API (``tap-bizstim --config C [--discover] [--catalog C]
[--state S] [--about]``), built on the client and the export form of the records; no dependency beyond the
library's own (aiohttp, msgspec)."""

from __future__ import annotations

from collections.abc import Sequence

from aiobizstim.cli._entry import start

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tap-bizstim`` console script; returns the exit code
    (:func:`aiobizstim.tap._app.main`)."""
    return start("tap-bizstim", "aiobizstim.tap._app", argv)
