"""The lists a whole-account export reads (``bizstim export``, the Singer tap, the dlt source) and the model
of their records. Importing it loads no models: the command line's parser names the lists on every run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import msgspec

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
    from aiobizstim.models import ENDPOINTS  # here: the models load when an export runs, not with the parser

    model = ENDPOINTS["client" if details else resource].response_model
    if model is None:  # pragma: no cover - every listable endpoint has a response model
        raise ValueError(f"{resource} has no record model")
    return model
