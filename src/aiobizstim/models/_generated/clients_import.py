# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from typing import Annotated, Any
from msgspec import Meta
from aiobizstim.models._base import WireModel


class ClientsImportResponse(WireModel, kw_only=True):
    """
    POST ADD CLIENTS (bulk import): POST /api/clients. header lists the column names (columns 0-15 required, in a mandatory layout whose names are not captured in the stored docs; columns 16 onward are custom fields such as 23_label, or tags); data holds one row per client with as many cells as header. Trial accounts: 3 clients per run or 30 an hour. Source: www.bizstim.com/api/post-method/clients, bizstim.com/api/post-method/clients (agree).
    """

    status: (
        Annotated[Any, Meta(description='"success" or "failure"; false from the REST framework')] | None
    ) = None
    response: (
        Annotated[str, Meta(description="the result message, e.g. The records were imported successfully.")]
        | None
    ) = None
    error: (
        Annotated[Any, Meta(description='the REST framework\'s error message, e.g. "Invalid API key "')]
        | None
    ) = None


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
