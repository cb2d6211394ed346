"""``bz.availability``: availability schedules by id."""

from __future__ import annotations

from aiobizstim._checks import check_id
from aiobizstim.models import Availability
from aiobizstim.resources._base import Resource

__all__ = ["AvailabilityResource"]


class AvailabilityResource(Resource):
    """Availability schedules: ``get(avail_id)``."""

    async def get(
        self, avail_id: int, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Availability:
        """One availability schedule (``GET /api/availability/{avail_id}``)."""
        avail_id = check_id("avail_id", avail_id)
        return await self._get_one(
            "availability", Availability, self._options(timeout, max_retries), avail_id=avail_id
        )
