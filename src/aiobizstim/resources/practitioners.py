"""``bz.practitioners``: practitioners."""

from __future__ import annotations

from typing import Any

from aiobizstim.models import Practitioner, PractitionerCreate
from aiobizstim.resources._base import PagedResource

__all__ = ["Practitioners"]


class Practitioners(PagedResource[Practitioner]):
    """Practitioners: ``list`` (one page), ``iter`` (every record), ``create``."""

    _list_name = "practitioners"

    async def create(
        self, body: PractitionerCreate | None = None, *, timeout: float | None = None, **fields: Any
    ) -> str:
        """Create a practitioner (``POST /api/practitioner``); returns the server's message. Never retried."""
        return await self._write("practitioner.create", body, fields, timeout=timeout)
