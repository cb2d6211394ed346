# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import WireInt


class StaffProfile(WireModel, kw_only=True):
    """
    A public staff profile (fields undocumented: id and names assumed by analogy with Staff, so even id is optional).
    """

    id: Annotated[WireInt, Meta(description="unique id (assumed)")] | None = None
    users_id: Annotated[WireInt, Meta(description="users table id (assumed)")] | None = None
    first_name: Annotated[str, Meta(description="first name (assumed)")] | None = None
    last_name: Annotated[str, Meta(description="last name (assumed)")] | None = None
