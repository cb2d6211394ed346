"""The ``aiobizstim`` logger routed to a console script's stderr for one run, then restored (``main`` may run
in-process, in tests or an application)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TextIO

__all__ = ["logs_to"]


@contextlib.contextmanager
def logs_to(
    stream: TextIO, prog: str, *, logger_level: int, handler_level: int = logging.NOTSET
) -> Iterator[None]:
    """Write the ``aiobizstim`` logger's records of ``logger_level`` and up to ``stream`` as
    ``PROG: LEVEL: message`` (only those of ``handler_level`` and up), not to the root logger."""
    from aiobizstim._log import logger

    saved = (logger.level, logger.propagate)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(f"{prog}: %(levelname)s: %(message)s"))
    handler.setLevel(handler_level)
    logger.addHandler(handler)
    logger.setLevel(logger_level)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
