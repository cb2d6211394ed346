"""``bz.discounts``: discount codes."""

from __future__ import annotations

from aiobizstim._checks import check_id
from aiobizstim.models import Discount
from aiobizstim.resources._base import PagedResource

__all__ = ["Discounts"]


class Discounts(PagedResource[Discount]):
    """Discount codes: ``list`` (one page), ``iter`` (every record), ``get``."""

    _list_name = "discounts"

    async def get(
        self, discount_id: int, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Discount:
        """One record by id (endpoint ``discount``)."""
        discount_id = check_id("discount_id", discount_id)
        return await self._get_one(
            "discount", Discount, self._options(timeout, max_retries), discount_id=discount_id
        )
