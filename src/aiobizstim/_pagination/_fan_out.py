"""A bounded fan-out: one call per item of a source, several at once, results in source order."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from aiobizstim._pagination._window import cancel_all

__all__ = ["FanOut"]

K = TypeVar("K")
R = TypeVar("R")


class FanOut(Generic[K, R]):
    """``call(k)`` for every ``k`` of ``source``, at most ``concurrency`` at once, results in source order.

    At most ``lookahead`` calls are started ahead of the result the consumer waits for (running, or done and
    waiting their turn), so one slow call (a retry waiting out ``Retry-After``) does not stall the others
    while memory stays bounded by ``lookahead`` results. :attr:`total` is the source's ``total``, if it has
    one. Closing the iterator cancels and awaits the calls in flight and closes ``source``.
    """

    def __init__(
        self,
        source: AsyncIterator[K],
        call: Callable[[K], Awaitable[R]],
        *,
        concurrency: int,
        lookahead: int,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if lookahead < concurrency:
            raise ValueError(f"lookahead must be >= concurrency ({concurrency}), got {lookahead}")
        self._source = source
        self._call = call
        self._gate = asyncio.Semaphore(concurrency)
        self._lookahead = lookahead
        self._results = self._run()

    @property
    def total(self) -> int | None:
        """The source's ``total`` attribute (``None`` when it has none)."""
        total = getattr(self._source, "total", None)
        return total if isinstance(total, int) else None

    def __aiter__(self) -> FanOut[K, R]:
        return self

    async def __anext__(self) -> R:
        return await self._results.__anext__()

    async def aclose(self) -> None:
        """Stop: cancel and await the calls in flight, close the source."""
        await self._results.aclose()

    async def _gated(self, key: K) -> R:
        async with self._gate:
            return await self._call(key)

    async def _run(self) -> AsyncGenerator[R, None]:
        pending: collections.deque[asyncio.Task[R]] = collections.deque()
        try:
            async for key in self._source:
                pending.append(asyncio.ensure_future(self._gated(key)))
                if len(pending) >= self._lookahead:
                    result = await pending[0]
                    pending.popleft()
                    yield result
            while pending:
                result = await pending[0]
                pending.popleft()
                yield result
        finally:
            await cancel_all(list(pending))
            aclose = getattr(self._source, "aclose", None)
            if aclose is not None:
                await aclose()
