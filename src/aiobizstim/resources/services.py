"""``bz.services``: services and service packages."""

from __future__ import annotations

from aiobizstim.models import Service
from aiobizstim.resources._base import PagedResource

__all__ = ["Services"]


class Services(PagedResource[Service]):
    """Services and service packages: ``list`` (one page), ``iter`` (every record), ``get``."""

    _list_name = "services"

    async def get(self, id: int, *, timeout: float | None = None, max_retries: int | None = None) -> Service:
        """One service by id (``get(17)`` or ``get(id=17)``); unknown id: ``NotFoundError``."""
        return await self._get_by_id("service", Service, id, timeout, max_retries)
