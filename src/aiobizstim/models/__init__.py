"""Typed models of every documented Bizstim method (generated from ``schema/``) and their wire types."""

from aiobizstim.models._endpoint import Endpoint, Shape
from aiobizstim.models._generated import *  # noqa: F403
from aiobizstim.models._generated import __all__ as _generated_all
from aiobizstim.models._generated.endpoints import ENDPOINTS
from aiobizstim.models._wire import ClockTime, WireModel

__all__ = ["ENDPOINTS", "ClockTime", "Endpoint", "Shape", "WireModel", *_generated_all]
