# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta
from aiobizstim.models._base import WireModel


class ClientImport(WireModel, kw_only=True):
    """
    Body of POST ADD CLIENTS: a header row and one data row per client.
    """

    header: Annotated[
        list[str], Meta(description="column names (columns 0-15 required, then custom field ids or tags)")
    ]
    data: Annotated[
        list[list[str]], Meta(description="one row per client, as many cells as header, same order")
    ]
