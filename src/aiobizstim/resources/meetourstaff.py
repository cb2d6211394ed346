"""``bz.meetourstaff``: the public staff directory."""

from __future__ import annotations

from aiobizstim.models import StaffProfile
from aiobizstim.resources._base import PagedResource

__all__ = ["MeetOurStaff"]


class MeetOurStaff(PagedResource[StaffProfile]):
    """The public staff directory: ``list`` (one page), ``iter`` (every record)."""

    _list_name = "meetourstaff"
