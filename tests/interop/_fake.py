"""The fake the checks read: its size, and a drift hook that counts page requests and can stop a run."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Final

from aiobizstim.testing import FakeBizstim, PageRequest

__all__ = ["CLIENTS", "PAGE_SIZE", "SEED", "Pages"]

#: A few thousand clients: every stream several pages long at PAGE_SIZE, the whole account read in a second.
CLIENTS: Final = 3_000
SEED: Final = 15
#: The page size of the resumed Meltano run (30 pages of clients), so "what is left" is measurable.
PAGE_SIZE: Final = 100


class Pages:
    """A drift hook (``fake.set_drift(pages)``): counts the pages served per resource and, once armed with
    :meth:`stop_at`, calls an action before serving the first page of a resource at or past an offset."""

    def __init__(self) -> None:
        self.served: collections.Counter[str] = collections.Counter()
        self._trigger: tuple[str, int, Callable[[], None]] | None = None
        self.fired = False

    def __call__(self, fake: FakeBizstim, page: PageRequest) -> None:
        self.served[page.resource] += 1
        if self._trigger is not None:
            resource, start, action = self._trigger
            if page.resource == resource and page.start >= start:
                self._trigger, self.fired = None, True
                action()

    def reset(self) -> None:
        """Forget the counts (and any armed stop)."""
        self.served.clear()
        self._trigger, self.fired = None, False

    def stop_at(self, resource: str, start: int, action: Callable[[], None]) -> None:
        """Call ``action`` (once) when a page of ``resource`` starting at ``start`` or later is asked for."""
        self._trigger, self.fired = (resource, start, action), False
