"""Everything one fake serves, derived from one seed: the client store and the small resources.

The clients live in :mod:`._clients` (up to a million, rebuilt on demand), the small resources in
:mod:`._tables` (built once per seed); what they share (hash, value forms, name pools, default sizes) is in
:mod:`._seeded`.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping
from typing import Any

from aiobizstim.testing._clients import ClientStore
from aiobizstim.testing._seeded import DEFAULT_COUNTS, Record
from aiobizstim.testing._tables import seeded_tables

__all__ = ["Dataset", "ondemand_link"]


def ondemand_link(seed: int, identifier: str, primary: int, secondary: int) -> str:
    """The opaque "encrypted" on-demand URL for an identifier and agent pair (deterministic per seed)."""
    token = hashlib.sha256(f"{seed}|{identifier}|{primary}|{secondary}".encode()).hexdigest()[:48]
    return f"http://www.bizstim.com/ondemand/company/{token}"


class Dataset:
    """Everything one fake serves: the client store and the small resources, all derived from one seed."""

    def __init__(self, clients: int, seed: int, counts: Mapping[str, int] | None = None) -> None:
        wanted = dict(DEFAULT_COUNTS)
        for name, n in (counts or {}).items():
            if name not in DEFAULT_COUNTS:
                raise ValueError(f"unknown resource {name!r} in counts; known: {', '.join(DEFAULT_COUNTS)}")
            if n < 0:
                raise ValueError(f"counts[{name!r}] must be >= 0, got {n}")
            wanted[name] = n
        self.seed = seed
        self.clients = ClientStore(clients, seed)
        # Each fake gets its own copy of the rows: writes append to them.
        self.tables = {
            name: [dict(row) for row in rows]
            for name, rows in seeded_tables(seed, clients, tuple(sorted(wanted.items()))).items()
        }

    def find(self, table: str, record_id: str) -> Record | None:
        """The record of ``table`` whose id is ``record_id`` (ids are sorted, so a binary search)."""
        rows = self.tables[table]
        if not record_id.isdigit():
            return None
        want = int(record_id)
        i = bisect.bisect_left(rows, want, key=lambda r: int(r["id"]))
        if i < len(rows) and int(rows[i]["id"]) == want:
            return rows[i]
        return None

    def append(self, table: str, fields: Mapping[str, Any]) -> str:
        """Add a record to ``table`` with the next free id; returns that id."""
        rows = self.tables[table]
        new_id = str(int(rows[-1]["id"]) + 1 if rows else 1)
        rows.append({"id": new_id, **fields})
        return new_id
