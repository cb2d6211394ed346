"""The lists a whole-account export reads (``bizstim export``, the Singer tap, the dlt source) and the model
of their records. Importing it loads no models: the command line's parser names the lists on every run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import msgspec

__all__ = ["LISTABLE", "capped_page_size", "record_key", "record_model"]

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


def record_key(model: type[msgspec.Struct]) -> tuple[str, ...]:
    """The primary key of a list's records of ``model``: ``("id",)`` when the model requires an id; ``()``
    for one whose id may be missing (``meetourstaff``: its fields are undocumented), since a key is never
    null. The tap's ``key_properties`` and the dlt source's ``primary_key``."""
    import msgspec  # here: the command line's parser imports this module

    required = {info.name for info in msgspec.structs.fields(model) if info.required}
    return ("id",) if "id" in required else ()


def capped_page_size(resource: str, page_size: int | None) -> int | None:
    """``page_size`` for ``resource``'s list, within the API's largest page for it (one size asked of every
    list serves them all); ``None`` (the iterator's default) for ``None`` or an unpaginated list."""
    from aiobizstim.models import ENDPOINTS

    largest = ENDPOINTS[resource].max_limit
    return None if page_size is None or largest is None else min(page_size, largest)
