"""The ``bizstim`` command line: ``export``, ``get``, ``fake-server`` and ``demo`` (``bizstim --help``)."""

from __future__ import annotations

from collections.abc import Sequence

from aiobizstim.cli._entry import start

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bizstim`` console script; returns the exit code (:func:`aiobizstim.cli._app.main`;
    without ``argv`` it runs as the program, from ``sys.argv``)."""
    return start("bizstim", "aiobizstim.cli._app", argv)
