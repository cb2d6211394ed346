"""Counters a client keeps about its own traffic (for progress bars, summaries and tests)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClientStats"]


@dataclass(slots=True)
class ClientStats:
    """What one :class:`~aiobizstim.Bizstim` client has done so far; read it as ``bz.stats``."""

    #: HTTP requests sent (every attempt counts, retries included; on the session the client creates, also
    #: the re-send aiohttp makes by itself when a connection drops before the response).
    requests: int = 0
    #: Attempts that failed transiently and were tried again (aiohttp's own re-sends included, as above).
    retries: int = 0
    #: Calls that ended in an error raised to the caller.
    errors: int = 0
    #: Records dropped by ``on_decode_error="skip"``.
    skipped_records: int = 0
    #: Pages fetched by the iterators (drift repairs included).
    pages: int = 0
    #: Extra pages fetched to repair a gap caused by records inserted or deleted during an export.
    drift_repairs: int = 0
    #: Records seen again (overlap or drift) and not yielded twice.
    duplicates_dropped: int = 0
