"""``bz.discounts``: discount codes."""

from __future__ import annotations

from aiobizstim.models import Discount
from aiobizstim.resources._base import PagedResource

__all__ = ["Discounts"]


class Discounts(PagedResource[Discount]):
    """Discount codes: ``list`` (one page), ``iter`` (every record), ``get``."""

    _list_name = "discounts"

    async def get(self, id: int, *, timeout: float | None = None, max_retries: int | None = None) -> Discount:
        """One discount code by id (``get(17)`` or ``get(id=17)``); unknown id: ``NotFoundError``."""
        return await self._get_by_id("discount", Discount, id, timeout, max_retries)
