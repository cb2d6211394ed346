"""A bounded fan-out: one call per record of a page walk, several at once, results in list order, with a
checkpoint that covers exactly the results handed out."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from aiobizstim._checks import check_count, check_lookahead
from aiobizstim._pagination._closing import Closing
from aiobizstim._pagination._pages import ids_of
from aiobizstim._pagination._walker import PageIterator, Position, total_text
from aiobizstim._pagination._window import cancel_all

__all__ = ["FanOut", "RecordGoneError"]

K = TypeVar("K")
R = TypeVar("R")

_CHECKPOINT_VERSION = 1
_CHECKPOINT_KIND = "fan-out"


class RecordGoneError(Exception):
    """Raised by a fan-out's call: the record is gone (deleted since the walk listed it). The fan-out skips
    it, as handled: a checkpoint covers it, and a resume does not look it up again."""


@dataclasses.dataclass(slots=True)
class _Batch(Generic[K]):
    """A batch of the walk whose results are not all handed out yet."""

    position: Position[K]
    ids: list[Any]
    done: int = 0


class FanOut(Closing, Generic[K, R]):
    """``call(k)`` for every record ``k`` of the walk ``source``, at most ``concurrency`` at once, results in
    list order.

    A call that raises :class:`RecordGoneError` has no result: its record is skipped. At most ``lookahead``
    calls are started ahead of the result the consumer waits for (running, or done and waiting their turn),
    so one slow call (a retry waiting out ``Retry-After``) does not stall the others
    while memory stays bounded by ``lookahead`` results. A page read that fails raises once the results of
    the records read before it are handed out. :attr:`total` is the source's ``total``. Closing the
    iterator (``aclose()``, cancellation, an error, or dropping it, as a ``return`` out of ``async for``
    does) cancels and awaits the calls in flight and closes ``source``. :meth:`checkpoint` says where the
    results handed out end; :meth:`source_resume` unwraps it for the ``source`` of the fan-out that resumes.
    """

    def __init__(
        self,
        source: PageIterator[K],
        call: Callable[[K], Awaitable[R]],
        *,
        concurrency: int,
        lookahead: int,
    ) -> None:
        check_lookahead(lookahead, check_count("concurrency", concurrency, minimum=1))
        # The generator and the calls refer to the run, never to this object: a consumer that drops the
        # iterator drops the generator's last reference, and the loop closes it at once.
        self._run = _Run(source, call, concurrency, lookahead)
        self._results = self._run.results()

    def __repr__(self) -> str:
        source = self._run.source
        ahead = f"a call per record, up to {self._run.lookahead} ahead"
        return f"<FanOut over {source.what}: {ahead} ({total_text(source.total)})>"

    @property
    def total(self) -> int | None:
        """The source's ``total`` (``None`` before its first page)."""
        return self._run.source.total

    def checkpoint(self) -> dict[str, Any]:
        """Where the results handed out end, as a small JSON-serialisable value: pass it to the resource
        method that built this iterator as ``resume=`` (same arguments) to continue with the result after
        it, even in another process and after the list changed (the drift guarantee of the page walk holds
        across the stop). It covers exactly the results handed out so far, whatever calls were running
        ahead: take it at any moment between results. A record whose call failed is not covered.

        Cost: the page walk's checkpoint for the last page whose results were all handed out (its compressed
        bitmap is built once per page), plus the ids of the results handed out from the page after it."""
        return self._run.checkpoint()

    @staticmethod
    def source_resume(resume: Any) -> Any:
        """The ``resume=`` for the page walk under a fan-out resuming from ``resume`` (a :meth:`checkpoint`
        or ``None``); ``ValueError`` for anything else."""
        if resume is None:
            return None
        if not isinstance(resume, dict) or resume.get("version") != _CHECKPOINT_VERSION:
            problem = "not a checkpoint of this version"
        elif resume.get("kind") != _CHECKPOINT_KIND:
            problem = f"it was taken by another kind of iterator ({resume.get('kind')!r})"
        elif "source" not in resume:
            problem = "it has no source"
        else:
            return resume["source"]
        raise ValueError(f"resume= is not a usable checkpoint of this fan-out: {problem}")

    def __aiter__(self) -> FanOut[K, R]:
        return self

    async def __anext__(self) -> R:
        return await self._results.__anext__()

    async def aclose(self) -> None:
        """Stop: cancel and await the calls in flight, close the source."""
        await self._results.aclose()


class _Run(Generic[K, R]):
    """The state of one :class:`FanOut` and the async generator of its results (:meth:`results`)."""

    def __init__(
        self, source: PageIterator[K], call: Callable[[K], Awaitable[R]], concurrency: int, lookahead: int
    ) -> None:
        self.source = source
        self._call = call
        self._gate = asyncio.Semaphore(concurrency)
        self.lookahead = lookahead
        #: The walk's position after the latest batch whose results were all handed out.
        self._base = source.position
        #: The ids of those results (with those a resumed checkpoint covered).
        self._handled = source.seen.copy()
        #: The batches received whose results are not all handed out, oldest first.
        self._batches: collections.deque[_Batch[K]] = collections.deque()

    def checkpoint(self) -> dict[str, Any]:
        """See :meth:`FanOut.checkpoint`."""
        taken: list[Any] = []
        if self._batches:
            first = self._batches[0]
            taken = first.ids[: first.done]
        return {
            "version": _CHECKPOINT_VERSION,
            "kind": _CHECKPOINT_KIND,
            "source": self.source.checkpoint_at(self._base, self._handled, taken),
        }

    async def _gated(self, key: K) -> R:
        async with self._gate:
            return await self._call(key)

    async def _next(self, pending: collections.deque[asyncio.Task[R]]) -> R:
        """The oldest call's result, counted as handed out; when it raised :class:`RecordGoneError`, counted
        too and raised again (any other error leaves it pending, to be cancelled with the rest)."""
        try:
            result = await pending[0]
        except RecordGoneError:
            pending.popleft()
            self._handing_out()
            raise
        pending.popleft()
        self._handing_out()
        return result

    def _handing_out(self) -> None:
        """Count the oldest pending result as handed out; a batch all handed out becomes the base."""
        batch = self._batches[0]
        batch.done += 1
        if batch.done == len(batch.ids):
            self._batches.popleft()
            self._handled.add_all([key for key in batch.ids if key is not None])
            self._base = batch.position

    async def results(self) -> AsyncGenerator[R, None]:
        """The calls' results, in list order. The next page is read while the results before it are handed
        out: the first result waits for its own call, not for ``lookahead`` calls to be started."""
        pending: collections.deque[asyncio.Task[R]] = collections.deque()
        keys: collections.deque[K] = collections.deque()  # read, their calls not started yet
        source, lookahead = self.source, self.lookahead
        reading: asyncio.Task[list[K]] | None = None
        more = True
        #: A page read that failed: raised once the results of the records read before it are handed out,
        #: as a walk one page at a time would (and so that a checkpoint covers them).
        failed: Exception | None = None
        try:
            while True:
                # A page read is taken up at once, results ready or not: with a consumer slower than the
                # calls the oldest result is always ready, and the calls would run dry once per page.
                if reading is not None and reading.done():
                    done, reading = reading, None
                    try:
                        batch = done.result()
                    except StopAsyncIteration:
                        more = False
                    except Exception as exc:
                        more, failed = False, exc
                    else:
                        self._batches.append(_Batch(source.position, ids_of(batch)))
                        keys.extend(batch)
                while keys and len(pending) < lookahead:
                    pending.append(asyncio.ensure_future(self._gated(keys.popleft())))
                if reading is None and more and not keys and len(pending) < lookahead:
                    reading = asyncio.ensure_future(source.__anext__())
                if pending and (pending[0].done() or reading is None):
                    with contextlib.suppress(RecordGoneError):  # no result: skipped
                        yield await self._next(pending)
                    continue
                if reading is None:
                    if failed is not None:
                        raise failed
                    return
                await asyncio.wait(
                    (reading, pending[0]) if pending else (reading,), return_when=FIRST_COMPLETED
                )
        finally:
            await cancel_all([*pending, *([reading] if reading is not None else [])])
            await source.aclose()
