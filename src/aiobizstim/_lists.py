"""The lists a whole-account export reads (``bizstim export``, the Singer tap, the dlt source) and the model
of their records."""

from __future__ import annotations

from typing import Final

import msgspec

from aiobizstim.models import ENDPOINTS

__all__ = ["LISTABLE", "record_model"]

#: Every resource with a list: the paginated ones plus the unpaginated testimonials.
LISTABLE: Final = (
    "clients",
    "services",
    "discounts",
    "sessions",
    "payments",
    "practitioners",
    "locations",
    "staffs",
    "meetourstaff",
    "testimonials",
)


def record_model(resource: str, details: bool = False) -> type[msgspec.Struct]:
    """The model of the records a list of ``resource`` yields (``Client`` for ``details``)."""
    model = ENDPOINTS["client" if details else resource].response_model
    if model is None:  # pragma: no cover - every listable endpoint has a response model
        raise ValueError(f"{resource} has no record model")
    return model
