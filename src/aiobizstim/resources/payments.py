"""``bz.payments``: payments."""

from __future__ import annotations

from typing import Any

from aiobizstim.models import Payment, PaymentCreate
from aiobizstim.resources._base import PagedResource

__all__ = ["Payments"]


class Payments(PagedResource[Payment]):
    """Payments: ``list`` (one page), ``iter`` (every record), ``get``, ``create``, ``add``."""

    _list_name = "payments"

    async def get(self, id: int, *, timeout: float | None = None, max_retries: int | None = None) -> Payment:
        """One payment by id (``get(17)`` or ``get(id=17)``); unknown id: ``NotFoundError``."""
        return await self._get_by_id("payment", Payment, id, timeout, max_retries)

    async def create(
        self, body: PaymentCreate | None = None, *, timeout: float | None = None, **fields: Any
    ) -> str:
        """Record a payment (``POST /api/payment``, newer docs); returns the server's message. Not retried.

        Pay for ``client_id``, or give all of ``first_name, last_name, state, country, status`` to create a
        new client; neither is a ``ValueError`` naming what is missing, before any request."""
        return await self._write("payment.create", body, fields, timeout=timeout)

    async def add(
        self, body: PaymentCreate | None = None, *, timeout: float | None = None, **fields: Any
    ) -> str:
        """Record a payment the older docs' way (``PUT /api/payment``); returns the server's message."""
        return await self._write("payment.add", body, fields, timeout=timeout)
