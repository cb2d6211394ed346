"""The shape of one documented Bizstim method; the table of all of them is generated from ``schema/``."""

from __future__ import annotations

import enum
from typing import NamedTuple

import msgspec

__all__ = ["Endpoint", "Shape"]


class Shape(enum.Enum):
    """What the envelope's ``response`` holds."""

    PAGE = "page"  # a list of records plus ``total``; takes /{start}/{limit}
    LIST = "list"  # a list of records, no ``total``, no pagination
    ONE = "one"  # a single record
    TEXT = "text"  # a string: an on-demand link or a write's result message


class Endpoint(NamedTuple):
    """One documented method: verb, path template, pagination limits and the models it speaks."""

    name: str
    verb: str
    path: str
    shape: Shape
    response_model: type[msgspec.Struct] | None
    request_model: type[msgspec.Struct] | None = None
    default_limit: int | None = None
    max_limit: int | None = None
    lookup: tuple[str, ...] = ()
    description: str = ""

    @property
    def paginated(self) -> bool:
        """True when the method takes ``/{start}/{limit}``."""
        return self.shape is Shape.PAGE
