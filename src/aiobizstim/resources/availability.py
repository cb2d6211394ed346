"""``bz.availability``: availability schedules by id."""

from __future__ import annotations

from aiobizstim.models import Availability
from aiobizstim.resources._base import Resource

__all__ = ["AvailabilityResource"]


class AvailabilityResource(Resource):
    """Availability schedules: ``get(avail_id)``."""

    async def get(
        self, id: int, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Availability:
        """One availability schedule by id (``get(17)`` or ``get(id=17)``); unknown id: ``NotFoundError``."""
        return await self._get_by_id("availability", Availability, id, timeout, max_retries)
