"""Shared helpers of the model tests: golden payloads and envelope builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from aiobizstim.models._kinds import Kind, field_kinds

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_bytes(name: str) -> bytes:
    """The golden response body of a method (a documented example made valid JSON)."""
    return (GOLDEN / f"{name}.json").read_bytes()


def golden(name: str) -> Any:
    """The golden response body of a method, parsed."""
    return json.loads(golden_bytes(name))


def page(*records: Any, total: int | None = None) -> bytes:
    """A paginated success envelope around ``records``."""
    return msgspec.json.encode(
        {"status": "success", "total": len(records) if total is None else total, "response": list(records)}
    )


def one(record: Any) -> bytes:
    """A single-record success envelope."""
    return msgspec.json.encode({"status": "success", "response": record})


def required_wire(model: type[msgspec.Struct]) -> dict[str, Any]:
    """Wire values for the required fields of ``model`` (an id ``"1"``, a name ``"x"``, the first code of an
    enum, ...): the least a record of ``model`` carries to decode. Tests add the fields they look at."""
    values: dict[Kind, Any] = {Kind.INT: "1", Kind.STR: "x", Kind.MONEY: "1.00", Kind.FLAG: "0"}
    out: dict[str, Any] = {}
    for spec, info in zip(field_kinds(model), msgspec.structs.fields(model), strict=True):
        if not info.required:
            continue
        if spec.kind is Kind.ENUM:
            out[spec.wire] = str(next(iter(spec.inner)).value)
        elif spec.kind is Kind.ARRAY:
            out[spec.wire] = []
        else:
            out[spec.wire] = values[spec.kind]
    return out
