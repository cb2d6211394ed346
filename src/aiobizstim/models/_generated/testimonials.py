# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import WireInt


class Testimonial(WireModel, kw_only=True):
    """
    A client's testimonial.
    """

    id: Annotated[WireInt, Meta(description="testimonial id")]
    first_name: Annotated[str, Meta(description="client's first name")] | None = None
    last_name: Annotated[str, Meta(description="client's last name")] | None = None
    testimonial: Annotated[str, Meta(description="the testimonial text; contains HTML")] | None = None
