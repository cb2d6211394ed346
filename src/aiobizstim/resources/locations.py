"""``bz.locations``: locations (deleted ones included: status 2)."""

from __future__ import annotations

from aiobizstim._checks import check_id
from aiobizstim.models import Location
from aiobizstim.resources._base import PagedResource

__all__ = ["Locations"]


class Locations(PagedResource[Location]):
    """Locations (deleted ones included: status 2): ``list`` (one page), ``iter`` (every record), ``get``."""

    _list_name = "locations"

    async def get(
        self, location_id: int, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Location:
        """One record by id (endpoint ``location``)."""
        location_id = check_id("location_id", location_id)
        return await self._get_one(
            "location", Location, self._options(timeout, max_retries), location_id=location_id
        )
