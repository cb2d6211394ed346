"""``bz.testimonials``: every testimonial (an unpaginated list)."""

from __future__ import annotations

from aiobizstim.models import Testimonial
from aiobizstim.resources._base import Resource

__all__ = ["Testimonials"]


class Testimonials(Resource):
    """Testimonials: ``list()`` returns all of them (the API does not paginate them)."""

    async def list(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> list[Testimonial]:
        """Every testimonial (``GET /api/testimonials``); the text may contain HTML."""
        return await self._get_list("testimonials", Testimonial, self._options(timeout, max_retries))
