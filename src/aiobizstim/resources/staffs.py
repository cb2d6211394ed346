"""``bz.staffs``: staff members."""

from __future__ import annotations

from aiobizstim.models import Staff
from aiobizstim.resources._base import PagedResource

__all__ = ["Staffs"]


class Staffs(PagedResource[Staff]):
    """Staff members: ``list`` (one page), ``iter`` (every record)."""

    _list_name = "staffs"
