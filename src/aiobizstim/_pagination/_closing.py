"""What every iterator of records shares: ``async with it:`` closes it on the way out."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing:
    """``async with bz.clients.iter() as it:`` closes the iterator when the block ends, as
    ``contextlib.aclosing(it)`` does: the requests it started are cancelled and awaited."""

    __slots__ = ()

    async def aclose(self) -> None:
        """Stop: cancel and await the requests in flight."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
