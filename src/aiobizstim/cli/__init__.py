"""The ``bizstim`` command line: ``export``, ``get``, ``fake-server`` and ``demo`` (``bizstim --help``)."""

from aiobizstim.cli._app import main

__all__ = ["main"]
