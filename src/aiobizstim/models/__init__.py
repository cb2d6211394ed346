"""Typed models of every documented Bizstim method (generated from ``schema/``) and their wire types.

:func:`to_wire` encodes a model to the exact wire form (write bodies), :func:`to_builtins` to typed JSON-able
values keyed by wire names. The files ``bizstim export`` writes use a third form, keyed by Python attribute
names with every field present, defined once in ``_export``.
"""

from aiobizstim.models._base import WireModel
from aiobizstim.models._clock import ClockTime
from aiobizstim.models._encode import to_builtins, to_wire
from aiobizstim.models._endpoint import Endpoint, Shape
from aiobizstim.models._generated import *  # noqa: F403
from aiobizstim.models._generated import __all__ as _generated_all
from aiobizstim.models._generated.endpoints import ENDPOINTS

__all__ = [
    "ENDPOINTS",
    "ClockTime",
    "Endpoint",
    "Shape",
    "WireModel",
    "to_builtins",
    "to_wire",
    *_generated_all,
]
