"""``tap-bizstim``: a Singer tap for the Bizstim CRM API (``tap-bizstim --config C [--discover] [--catalog C]
[--state S] [--about]``), built on the client and the export form of the records; no dependency beyond the
library's own (aiohttp, msgspec)."""

from aiobizstim.tap._app import main

__all__ = ["main"]
