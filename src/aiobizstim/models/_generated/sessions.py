# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from typing import Annotated
from msgspec import Meta, field
from aiobizstim.models._base import WireModel
from aiobizstim.models._kinds import CommaList, Flag, WireInt


class Session(WireModel, kw_only=True):
    """
    A scheduled session (only the documented fields up to session_status; the rest of the table is truncated in the docs).
    """

    __wire_aliases__ = {"_pract_id": "pract_d"}

    id: Annotated[WireInt, Meta(description="unique id")]
    confirmed: Annotated[Flag, Meta(description="true = confirmed, false = pending")] | None = None
    multi: Annotated[Flag, Meta(description="true = group session, false = single session")] | None = None
    slots: Annotated[WireInt, Meta(description="total participants allowed")] | None = None
    class_id: Annotated[WireInt, Meta(description="class id")] | None = None
    display: Annotated[Flag, Meta(description="listed in the online group booking tool")] | None = None
    pract_d: (
        Annotated[
            WireInt,
            Meta(
                description="practitioner id (documented name pract_d, probably a typo for pract_id; a pract_id key decodes into it too)"
            ),
        ]
        | None
    ) = None
    _pract_id: (
        Annotated[
            WireInt,
            Meta(
                description="the probable real spelling of pract_d; folded into pract_d after decoding (private field)"
            ),
        ]
        | None
    ) = field(name="pract_id", default=None)
    wage_id: Annotated[WireInt, Meta(description="wage-earnings id")] | None = None
    client_id: Annotated[WireInt, Meta(description="client id")] | None = None
    client_due_id: Annotated[WireInt, Meta(description="client cost id")] | None = None
    cancel_clients: (
        Annotated[
            CommaList,
            Meta(
                description="cancellations from a group session: client_id|client_dues_id|temp_session_id triples, comma-separated on the wire"
            ),
        ]
        | None
    ) = None
    temp: (
        Annotated[
            WireInt, Meta(description="0 = not a temp session, otherwise the id of the original session")
        ]
        | None
    ) = None
    service_id: Annotated[WireInt, Meta(description="service id")] | None = None
    location_id: Annotated[WireInt, Meta(description="location id")] | None = None
    recurr_id: Annotated[WireInt, Meta(description="recurring-series id")] | None = None
    recurr_on: Annotated[Flag, Meta(description="part of a recurring series")] | None = None
    qb_invoice_id: Annotated[str, Meta(description="QuickBooks invoice id")] | None = None
    session_status: (
        Annotated[
            WireInt,
            Meta(
                description="status code: 0 open, 1 c… (the code list is truncated in the docs, so this stays an int)"
            ),
        ]
        | None
    ) = None
