"""The request window: page requests sent ahead of the reader, at most ``width`` at a time, in list order."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from aiobizstim._pagination._pages import DecodedPage, RawPage

__all__ = ["RequestWindow", "cancel_all"]

T = TypeVar("T")

Fetched = DecodedPage[T] | RawPage[T]


async def cancel_all(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until they are done."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


class RequestWindow(Generic[T]):
    """Requests for the pages at ``next_offset``, ``next_offset + step``, ... kept in flight, at most
    ``width`` at a time and none past the end of the list as far as it is known; taken in order. ``width``
    may be a function, read at each refill (an adaptive concurrency limit)."""

    def __init__(
        self,
        get: Callable[[int], Awaitable[Fetched[T]]],
        *,
        width: int | Callable[[], int],
        step: int,
        overlap: int,
        end: int | None,
    ) -> None:
        self._get = get
        self._tasks: collections.deque[asyncio.Task[Fetched[T]]] = collections.deque()
        self.width = width
        self.step = step
        self.overlap = overlap
        #: Offset after which no page is requested (``max_items``), ``None`` for the whole list.
        self.end = end
        #: Offset of the next page to request.
        self.next_offset = 0
        #: The list's length as far as the server has said (the largest ``total`` seen).
        self.total_hint: int | None = None

    def __len__(self) -> int:
        return len(self._tasks)

    def past_end(self) -> bool:
        """The next page would start at or past ``end``."""
        return self.end is not None and self.next_offset >= self.end

    def refill(self) -> bool:
        """Start page requests until ``width`` are outstanding (none past the known end of the list); say
        whether any was started."""
        started = False
        width = self.width if isinstance(self.width, int) else self.width()
        # A page starting within ``overlap`` of the end would hold only records the previous one had.
        while len(self._tasks) < width and (
            self.total_hint is None or self.next_offset + self.overlap < self.total_hint
        ):
            if self.past_end():
                break
            self.push()
            started = True
        return started

    def push(self) -> None:
        """Request the page at ``next_offset`` whatever the known end (the list may have grown)."""
        self._tasks.append(asyncio.ensure_future(self._get(self.next_offset)))
        self.next_offset += self.step

    async def take(self) -> Fetched[T]:
        """The oldest request's page, once it arrived."""
        page = await self._tasks[0]
        self._tasks.popleft()
        return page

    async def close(self) -> None:
        """Cancel the requests still in flight and wait for them."""
        await cancel_all(list(self._tasks))
        self._tasks.clear()
