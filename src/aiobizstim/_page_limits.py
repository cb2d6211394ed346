# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.
"""Each paginated method's ``max_limit``, as in ``aiobizstim.models.ENDPOINTS``, in a module
that loads no models: the command line names these page sizes in its help, which must start fast."""

from __future__ import annotations

from typing import Final

MAX_LIMITS: Final[dict[str, int]] = {
    "clients": 1000,
    "discounts": 100,
    "locations": 100,
    "meetourstaff": 100,
    "payments": 100,
    "practitioners": 100,
    "services": 100,
    "sessions": 1000,
    "staffs": 100,
}
