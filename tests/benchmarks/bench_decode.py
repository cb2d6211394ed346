"""Decode speed: aiobizstim's decode path against bare msgspec, ``json.loads`` and hand-written pydantic."""

from __future__ import annotations

import json
import statistics
import typing
from typing import Any, Generic, TypeVar

import msgspec

from aiobizstim._envelope import decode_page
from tests.benchmarks import _pydantic_models as pyd
from tests.benchmarks._payloads import clients_page, discounts_page
from tests.benchmarks._report import Row, Target
from tests.benchmarks._timing import interleaved_rates

T = TypeVar("T")

BARE_TARGET = Target(">= 0.75x", min_ratio=0.75)
PYDANTIC_TARGET = Target(">= 3x", min_ratio=3.0)
#: The page with its conversions (comma lists, dates) against the same page into plain Structs (issue 16).
QUIRKS_TARGET = Target(">= 0.6x", min_ratio=0.6)


class BareEnvelope(msgspec.Struct, Generic[T], gc=False):
    """The paginated envelope, as anyone using msgspec directly would declare it."""

    status: Any = None
    total: int | None = None
    response: list[T] = []


def plain_mirror(model: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """``model``'s fields with their raw wire types, no post-decode conversion (dates, lists stay str)."""
    hints = typing.get_type_hints(model, include_extras=True)
    fields = [(f.name, hints[f.name], f.default) for f in msgspec.structs.fields(model)]
    rename = {f.name: f.encode_name for f in msgspec.structs.fields(model)}
    return msgspec.defstruct(f"Plain{model.__name__}", fields, kw_only=True, gc=False, rename=rename)


def _page_rows(
    section: str,
    body: bytes,
    model: type[msgspec.Struct],
    pyd_model: type[Any],
    *,
    quirks_target: Target | None = None,
) -> list[Row]:
    n = len(json.loads(body)["response"])
    bare = msgspec.json.Decoder(BareEnvelope[model], strict=False)  # type: ignore[valid-type]
    plain = msgspec.json.Decoder(BareEnvelope[plain_mirror(model)], strict=False)  # type: ignore[misc]
    pyd_page = pyd.Page[pyd_model]  # type: ignore[valid-type]
    # Sanity: the pydantic model reads the same wire fields, and every variant reads the whole page.
    wire_names = {f.encode_name for f in msgspec.structs.fields(model)}
    pyd_names = {f.alias or name for name, f in pyd_model.model_fields.items()}
    assert wire_names == pyd_names, f"pydantic {pyd_model.__name__} differs: {wire_names ^ pyd_names}"
    decoded = decode_page(body, model)
    assert len(decoded.items) == n
    assert not decoded.skipped
    assert len(bare.decode(body).response) == n
    assert len(pyd_page.model_validate_json(body).response) == n

    rates = interleaved_rates(
        {
            "aiobizstim decode_page": lambda: decode_page(body, model),
            "msgspec Decoder, same Structs": lambda: bare.decode(body),
            "msgspec Decoder, plain Structs": lambda: plain.decode(body),
            "json.loads": lambda: json.loads(body),
            "pydantic v2 model_validate_json": lambda: pyd_page.model_validate_json(body),
        },
        items_per_call=n,
    )
    ours = statistics.median(rates["aiobizstim decode_page"])
    rows = [Row(section, "aiobizstim decode_page", "rec/s", rates["aiobizstim decode_page"])]
    notes = {
        "msgspec Decoder, plain Structs": "no date/list conversion at all: the cost of the quirks",
        "json.loads": "dicts of strings only, no types",
    }
    targets = {
        "msgspec Decoder, same Structs": BARE_TARGET,
        "pydantic v2 model_validate_json": PYDANTIC_TARGET,
        "msgspec Decoder, plain Structs": quirks_target,
    }
    for name, runs in rates.items():
        if name == "aiobizstim decode_page":
            continue
        rows.append(
            Row(
                section,
                name,
                "rec/s",
                runs,
                ratio=ours / statistics.median(runs),
                ratio_to="aiobizstim/this",
                target=targets.get(name),
                note=notes.get(name, ""),
            )
        )
    return rows


def run() -> list[Row]:
    """Decode a 1000-record clients page and a 100-record discounts page with every variant."""
    from aiobizstim import models

    rows: list[Row] = []
    client_model = getattr(models, "ClientSummary", None)
    if client_model is not None:
        rows += _page_rows(
            "decode clients page (1000)",
            clients_page(1000),
            client_model,
            pyd.ClientSummary,
            quirks_target=QUIRKS_TARGET,
        )
    rows += _page_rows("decode discounts page (100)", discounts_page(100), models.Discount, pyd.Discount)
    return rows
