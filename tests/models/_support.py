"""Shared helpers of the model tests: golden payloads and envelope builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

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
