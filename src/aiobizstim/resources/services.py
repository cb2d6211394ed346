"""``bz.services``: services and service packages."""

from __future__ import annotations

from aiobizstim._checks import check_id
from aiobizstim.models import Service
from aiobizstim.resources._base import PagedResource

__all__ = ["Services"]


class Services(PagedResource[Service]):
    """Services and service packages: ``list`` (one page), ``iter`` (every record), ``get``."""

    _list_name = "services"

    async def get(
        self, service_id: int, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Service:
        """One record by id (endpoint ``service``)."""
        service_id = check_id("service_id", service_id)
        return await self._get_one(
            "service", Service, self._options(timeout, max_retries), service_id=service_id
        )
