"""Sans-I/O retry timing: how long to wait before a retry, ``Retry-After`` parsing, and which responses pause
a whole client. Which failures are retried is :meth:`Transport._should_retry
<aiobizstim._transport.Transport._should_retry>`'s to decide.

Pure functions only (the clock and the random source are parameters), so every rule is unit-tested without
sleeping.
"""

from __future__ import annotations

import email.utils
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aiobizstim._constants import (
    DEFAULT_MAX_RETRY_AFTER,
    FIRST_CONTACT_WAIT,
    PAUSE_STATUSES,
    RETRYABLE_STATUSES,
)

__all__ = [
    "PAUSE_STATUSES",
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "backoff_delay",
    "client_pause",
    "parse_retry_after",
    "retry_delay",
]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How the client waits between attempts of an idempotent request.

    ``base * 2**n`` seconds (capped at ``cap``) before retry ``n`` (0-based), scaled by a random factor in
    ``[1 - jitter, 1]``; never less than the server's ``Retry-After``; a ``Retry-After`` above
    ``max_retry_after`` is not waited for (the request fails with :class:`~aiobizstim.RateLimitError`).
    A connection refused, or a host name that does not exist, while the server has never answered the
    client is retried only while the next attempt would start within ``first_contact_wait`` seconds of the
    first (a wrong address fails fast; raise it for a server that takes longer to come up, ``inf`` to retry
    such a failure like any other).
    """

    base: float = 0.5
    cap: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    first_contact_wait: float = FIRST_CONTACT_WAIT

    def __post_init__(self) -> None:
        if min(self.base, self.cap, self.max_retry_after, self.first_contact_wait) < 0:
            raise ValueError("RetryPolicy: base, cap, max_retry_after and first_contact_wait must be >= 0")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"RetryPolicy: jitter must be within [0, 1], got {self.jitter!r}")


def backoff_delay(
    retry: int, policy: RetryPolicy = RetryPolicy(), *, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number ``retry`` (0 = the first retry): ``min(base * 2**retry, cap)``
    reduced by up to ``jitter`` of itself, so clients that failed together do not retry together."""
    if retry < 0:
        raise ValueError(f"retry must be >= 0, got {retry}")
    raw = min(policy.base * 2.0 ** min(retry, 62), policy.cap)
    return raw * (1.0 - policy.jitter * rand())


#: A number of seconds as servers write one (delta-seconds, also with decimals, a sign or an exponent).
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for: delta-seconds (``"120"``, also ``"1.5"``) or an HTTP date.

    ``None`` when the header is absent or unreadable; a date in the past gives ``0.0``; a number too large for
    a float (``"9" * 400``) gives ``inf``: longer than any client waits.
    """
    if value is None:
        return None
    text = value.strip(" \t")  # HTTP's whitespace only
    if not text:
        return None
    if _NUMBER.fullmatch(text):  # ASCII digits only: float() also takes "1_0", "١٠", "nan", "inf"
        seconds = float(text)
        return seconds if seconds > 0 else 0.0  # "-0" too
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max((when - current).total_seconds(), 0.0)


def retry_delay(
    retry: int,
    retry_after: float | None,
    policy: RetryPolicy = RetryPolicy(),
    *,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait before retry ``retry``: the jittered backoff, but never less than ``retry_after``."""
    delay = backoff_delay(retry, policy, rand=rand)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def client_pause(status: int, headers: Mapping[str, str], policy: RetryPolicy) -> float | None:
    """Seconds a response asks every request of an adaptive client to wait: the ``Retry-After`` of a
    :data:`PAUSE_STATUSES` answer, when it is positive and one the policy waits for; otherwise ``None``."""
    if status not in PAUSE_STATUSES:
        return None
    delay = parse_retry_after(headers.get("Retry-After"))
    if delay is None or not 0 < delay <= policy.max_retry_after:
        return None
    return delay
