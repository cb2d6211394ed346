"""Test-side shim: aioresponses 0.7.9 with aiohttp >= 3.14.

aiohttp 3.14 made ``stream_writer`` a required keyword of ``ClientResponse.__init__``; aioresponses
0.7.9 builds its fake responses without it and every mocked request fails with a ``TypeError`` (upstream
pnuckowski/aioresponses#289). Until a fixed release exists, :class:`MockedAPI` swaps the response class
aioresponses instantiates (the module-level ``ClientResponse`` name it falls back to) for a subclass that
supplies a stub writer. Remove this module once aioresponses ships the fix.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import aioresponses.core as aioresponses_core
from aiohttp import ClientResponse
from aioresponses import aioresponses
from yarl import URL

__all__ = ["MockedAPI"]


class _CompatResponse(ClientResponse):
    """A ClientResponse that tolerates being built without ``stream_writer`` (the mocked response has no
    connection, so nothing is ever written to it)."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", mock.Mock(name="stream_writer"))
        super().__init__(method, url, **kwargs)


class MockedAPI(aioresponses):
    """``aioresponses`` that works with aiohttp 3.14 (see the module docstring)."""

    def start(self) -> None:
        self._response_class_patch = mock.patch.object(aioresponses_core, "ClientResponse", _CompatResponse)
        self._response_class_patch.start()
        super().start()

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self._response_class_patch.stop()
