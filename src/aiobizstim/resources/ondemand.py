"""``bz.ondemand``: encrypted on-demand links (served outside ``/api``)."""

from __future__ import annotations

from aiobizstim._checks import check_int, check_text
from aiobizstim.resources._base import Resource

__all__ = ["OnDemand"]


def _agent_id(name: str, value: object) -> int:
    agent = check_int(name, value)
    if agent < 0:
        raise ValueError(f"{name} must be >= 0 (0 = none), got {agent}")
    return agent


class OnDemand(Resource):
    """On-demand links: ``link(identifier, primary_agent_id=0, secondary_agent_id=0)``."""

    async def link(
        self,
        custom_student_identifier: str,
        primary_agent_id: int = 0,
        secondary_agent_id: int = 0,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> str:
        """The encrypted on-demand URL for a user identified by ``custom_student_identifier``.

        The identifier is sent as one percent-encoded path segment (``/ ? # %``, spaces and non-ASCII
        included); the agent ids are ints, 0 meaning "none". The returned URL is an opaque string.
        """
        ident = check_text("custom_student_identifier", custom_student_identifier)
        return await self._get_text(
            "ondemand",
            self._options(timeout, max_retries),
            custom_student_identifier=ident,
            primary_agent_id=_agent_id("primary_agent_id", primary_agent_id),
            secondary_agent_id=_agent_id("secondary_agent_id", secondary_agent_id),
        )
