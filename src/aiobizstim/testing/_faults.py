"""Fault injection for FakeBizstim: what can go wrong, how often, and what each fault puts on the wire."""

from __future__ import annotations

import dataclasses
import enum
import random
from typing import Final

__all__ = ["Fault", "FaultPlan", "Faults", "error_body"]


class Fault(enum.Enum):
    """One injected failure of a single request."""

    HTTP_500 = 500
    HTTP_502 = 502
    HTTP_503 = 503
    HTTP_429 = 429
    DROP = "drop"  # the connection is closed without any response
    TRUNCATE = "truncate"  # a 200 whose body stops short of its Content-Length, then the connection closes


@dataclasses.dataclass(frozen=True, kw_only=True)
class Faults:
    """Probabilities (0..1, per request) of each injected failure; they are exclusive and must sum to <= 1.

    ``html_body_ratio`` is the share of 5xx answers that carry an nginx-style HTML page instead of JSON.
    ``retry_after`` is the ``Retry-After`` header (seconds) sent with every 429.
    """

    p_500: float = 0.0
    p_502: float = 0.0
    p_503: float = 0.0
    html_body_ratio: float = 0.5
    p_429: float = 0.0
    retry_after: float = 1.0
    p_drop: float = 0.0
    p_truncate: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"Faults.{field.name} must be a number, got {type(value).__name__}")
            if field.name == "retry_after":
                if value < 0:
                    raise ValueError(f"Faults.retry_after must be >= 0, got {value}")
            elif not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{field.name} must be between 0 and 1, got {value}")
        if self.total > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities sum to {self.total:.3f}, more than 1")

    @property
    def total(self) -> float:
        """The probability that a request fails in some way."""
        return self.p_500 + self.p_502 + self.p_503 + self.p_429 + self.p_drop + self.p_truncate

    @classmethod
    def mixed(cls, rate: float, *, retry_after: float = 1.0) -> Faults:
        """Faults at overall ``rate``, split like a flaky production path: half 5xx, a quarter 429, the rest
        dropped connections (15%) and truncated bodies (10%)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        five = rate * 0.5 / 3
        return cls(
            p_500=five,
            p_502=five,
            p_503=five,
            p_429=rate * 0.25,
            p_drop=rate * 0.15,
            p_truncate=rate * 0.10,
            retry_after=retry_after,
        )


class FaultPlan:
    """Draws the fault (if any) for each request from a seeded RNG."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self._rng = random.Random(f"faults-{seed}")

    def draw(self) -> tuple[Fault | None, bool]:
        """The fault for the next request (or None), and whether a 5xx should carry an HTML body."""
        f = self.faults
        if f.total <= 0.0:
            return None, False
        r = self._rng.random()
        html = self._rng.random() < f.html_body_ratio
        for fault, p in (
            (Fault.HTTP_500, f.p_500),
            (Fault.HTTP_502, f.p_502),
            (Fault.HTTP_503, f.p_503),
            (Fault.HTTP_429, f.p_429),
            (Fault.DROP, f.p_drop),
            (Fault.TRUNCATE, f.p_truncate),
        ):
            if r < p:
                return fault, html
            r -= p
        return None, False


_REASONS: Final = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def error_body(status: int, *, html: bool) -> tuple[bytes, str]:
    """The body and content type of an injected error answer: an nginx page or a JSON failure envelope."""
    reason = _REASONS.get(status, "Error")
    if html:
        page = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        return page.encode(), "text/html"
    return f'{{"status":"failure","response":"{reason}"}}'.encode(), "application/json"
