"""The library's logger, ``aiobizstim``: its records go where the application's logging sends them, and
nowhere while it has set none up (a ``NullHandler``, as a library should add: without one, Python's
last-resort handler prints every warning, such as a retry that then succeeds, to the app's stderr)."""

from __future__ import annotations

import logging
from typing import Final

__all__ = ["logger"]

logger: Final = logging.getLogger("aiobizstim")
logger.addHandler(logging.NullHandler())
