# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.
"""Second wire spellings of a field: model -> ((alias wire name, target wire name), ...)."""

from __future__ import annotations

from typing import Final

WIRE_ALIASES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "aiobizstim.models._generated.client.Client": (("use_records", "user_records"),),
    "aiobizstim.models._generated.sessions.Session": (("pract_id", "pract_d"),),
}
