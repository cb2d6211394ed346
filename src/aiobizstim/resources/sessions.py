"""``bz.sessions``: sessions."""

from __future__ import annotations

from aiobizstim.models import Session
from aiobizstim.resources._base import PagedResource

__all__ = ["Sessions"]


class Sessions(PagedResource[Session]):
    """Sessions: ``list`` (one page), ``iter`` (every record)."""

    _list_name = "sessions"
