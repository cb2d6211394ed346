"""A `dlt <https://dlthub.com>`_ source for Bizstim: ``pip install "aiobizstim[dlt]"``.

::

    import dlt
    from aiobizstim.dlt import bizstim_source

    pipeline = dlt.pipeline("bizstim", destination="duckdb", dataset_name="crm")
    pipeline.run(bizstim_source())          # $BIZSTIM_API_KEY, or api_key=...; every list, merged by id

One resource per documented list (``clients``, ``services``, ... ``testimonials``) plus ``client_details``
(each client's full record: one request per client, so not selected by default; ``resources=[...]`` or
``.with_resources(...)`` picks resources). Each resource reads its list with the client's concurrent,
ordered, drift-safe iterator and hands dlt a page at a time, with primary key ``id`` and ``merge`` as the
write disposition (a second run updates rows instead of adding them); ``meetourstaff``, whose records may
lack an id, has no key and is replaced on each run. Rows carry Python types and explicit column hints from
the models: money as ``decimal`` with its two places, coordinates as exact decimals, dates as ``date``,
flags as ``bool``, ids and counts as ``bigint``, enums as their wire values, comma lists as ``json`` (one
column, not a child table).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Final, Literal

import msgspec

try:
    import dlt
    from dlt.common.typing import TSecretStrValue
    from dlt.extract.resource import DltResource
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError('aiobizstim.dlt needs dlt: pip install "aiobizstim[dlt]"') from exc

from aiobizstim._client import Bizstim
from aiobizstim._lists import LISTABLE, capped_page_size, record_key, record_model
from aiobizstim.models._columns import Column, Logical, columns
from aiobizstim.models._export import export_rows

__all__ = ["bizstim_source"]

#: The resource of full client records (one GET per client).
DETAILS: Final = "client_details"

_DATA_TYPES: Final = {
    Logical.STRING: "text",
    Logical.INTEGER: "bigint",
    Logical.FLOAT: "double",
    Logical.BOOLEAN: "bool",
    Logical.DECIMAL: "decimal",
    Logical.DATE: "date",
    Logical.CLOCK: "text",
    Logical.STRING_LIST: "json",
    Logical.INTEGER_LIST: "json",
    Logical.JSON: "json",
}


def _hint(column: Column, key: tuple[str, ...]) -> dict[str, Any]:
    hint: dict[str, Any] = {"data_type": _DATA_TYPES[column.type], "nullable": column.name not in key}
    if column.type is Logical.DECIMAL:
        hint["precision"], hint["scale"] = column.precision, column.scale
    return hint


def column_hints(model: type[msgspec.Struct]) -> dict[str, dict[str, Any]]:
    """dlt column hints for the export form of ``model``: one typed column per field, the key's not null."""
    key = record_key(model)
    return {column.name: _hint(column, key) for column in columns(model)}


async def _pages(bz_options: dict[str, Any], name: str, page_size: int | None) -> AsyncIterator[Any]:
    async with Bizstim(**bz_options) as bz:
        if name == DETAILS:
            details = bz.clients.iter_details(page_size=capped_page_size("clients", page_size))
            batch: list[Any] = []
            async for record in details:
                batch.append(record)
                if len(batch) == 1000:
                    yield export_rows(batch)
                    batch = []
            if batch:
                yield export_rows(batch)
            return
        resource = getattr(bz, name)
        if name == "testimonials":
            if records := await resource.list():
                yield export_rows(records)
            return
        async for page in resource.iter_pages(page_size=capped_page_size(name, page_size)):
            yield export_rows(page)


def _resource(name: str, bz_options: dict[str, Any], page_size: int | None, selected: bool) -> DltResource:
    model = record_model("clients", details=True) if name == DETAILS else record_model(name)

    async def rows() -> AsyncIterator[Any]:  # a function, not a generator: each run of the source reads anew
        async for batch in _pages(bz_options, name, page_size):
            yield batch

    key = record_key(model)
    return dlt.resource(  # type: ignore[call-overload, no-any-return]
        rows,
        name=name,
        primary_key=list(key),
        # Without a key (meetourstaff), merge has nothing to match rows on: each run replaces the table.
        write_disposition="merge" if key else "replace",
        columns=column_hints(model),
        selected=selected,
    )


@dlt.source(name="bizstim", max_table_nesting=0)
def bizstim_source(
    api_key: TSecretStrValue | None = None,  # a secret to dlt: never in its traces
    base_url: str | None = None,
    max_concurrency: int | Literal["auto"] | None = None,
    rate_limit: float | None = None,
    page_size: int | None = None,
    resources: Sequence[str] | None = None,
) -> list[DltResource]:
    """Every Bizstim list as a dlt resource (see the module docstring).

    ``api_key`` and ``base_url`` default to ``$BIZSTIM_API_KEY`` and ``$BIZSTIM_BASE_URL`` (or dlt's config:
    ``sources.bizstim.api_key``); ``max_concurrency`` (an int or ``"auto"``), ``rate_limit`` and
    ``page_size`` are the client's and the iterators' (the defaults: 8, none, the API's maximum;
    ``page_size`` is capped at each list's maximum).
    ``resources`` names the resources to create, each selected (default: every list, and
    ``client_details`` created but not selected: one request per client).
    """
    names = [*LISTABLE, DETAILS] if resources is None else list(resources)
    unknown = [name for name in names if name not in (*LISTABLE, DETAILS)]
    if unknown:
        raise ValueError(
            f"unknown Bizstim resource {unknown[0]!r}; expected some of {', '.join((*LISTABLE, DETAILS))}"
        )
    options: dict[str, Any] = {
        key: value
        for key, value in {
            "api_key": api_key,
            "base_url": base_url,
            "max_concurrency": max_concurrency,
            "rate_limit": rate_limit,
        }.items()
        if value is not None
    }
    Bizstim(**options)  # checks the options now, before dlt starts extracting (no session is opened)
    return [_resource(name, options, page_size, resources is not None or name != DETAILS) for name in names]
