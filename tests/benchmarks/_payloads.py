"""Wire pages for the decode benchmark, built from FakeBizstim's seeded data (the same quirks it serves).

Every scalar is a JSON string (ids, flags, amounts) with now and then a JSON number instead, comma lists with
stray spaces and trailing commas, dates that read ``"0000-00-00"`` or ``""``, unknown extra fields.
"""

from __future__ import annotations

import msgspec

from aiobizstim.testing._dataset import Dataset


def _page(records: list[dict[str, object]], total: int) -> bytes:
    return msgspec.json.encode({"status": "success", "total": total, "response": records})


def clients_page(n: int = 1000, *, seed: int = 0) -> bytes:
    """A ``{"status":"success","total":...,"response":[...]}`` page of ``n`` clients."""
    data = Dataset(n, seed, counts={"sessions": 0, "payments": 0})
    return _page(data.clients.page(0, n), n)


def discounts_page(n: int = 100, *, seed: int = 0) -> bytes:
    """A ``{"status":"success","total":...,"response":[...]}`` page of ``n`` discounts."""
    data = Dataset(0, seed, counts={"discounts": n})
    return _page(data.tables["discounts"], n)
