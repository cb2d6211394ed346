"""The fake server's request log: one record per request, with timing for concurrency and rate assertions."""

from __future__ import annotations

import dataclasses

__all__ = ["PageRequest", "RequestRecord"]


@dataclasses.dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the fake answered (or dropped).

    ``path`` is the raw, still percent-encoded path without the query string; ``query`` the decoded query
    parameters in the order sent. ``status`` is 0 when the connection was dropped without an answer.
    ``started`` and ``finished`` are ``time.monotonic()`` readings (asyncio's loop clock), taken when the
    request arrived and when its answer was ready to send (before the body goes to the socket). ``fault``
    names the injected fault, if any.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int
    started: float
    finished: float
    fault: str | None = None

    @property
    def duration(self) -> float:
        """Seconds between arrival and the complete answer."""
        return self.finished - self.started


@dataclasses.dataclass(frozen=True, slots=True)
class PageRequest:
    """What a drift hook is told before the fake serves a page: resource, offset, page size and a counter."""

    resource: str
    start: int
    limit: int
    number: int  # 0 for the first page request this server has seen, then 1, 2, ...
