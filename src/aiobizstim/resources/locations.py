"""``bz.locations``: locations (deleted ones included: status 2)."""

from __future__ import annotations

from aiobizstim.models import Location
from aiobizstim.resources._base import PagedResource

__all__ = ["Locations"]


class Locations(PagedResource[Location]):
    """Locations (deleted ones included: status 2): ``list`` (one page), ``iter`` (every record), ``get``."""

    _list_name = "locations"

    async def get(self, id: int, *, timeout: float | None = None, max_retries: int | None = None) -> Location:
        """One location by id (``get(17)`` or ``get(id=17)``); unknown id: ``NotFoundError``."""
        return await self._get_by_id("location", Location, id, timeout, max_retries)
