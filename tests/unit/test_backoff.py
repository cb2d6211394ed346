"""The pure retry-policy functions: backoff curve, jitter, Retry-After parsing, the client-wide pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from aiobizstim._backoff import (
    PAUSE_STATUSES,
    RETRYABLE_STATUSES,
    RetryPolicy,
    backoff_delay,
    client_pause,
    parse_retry_after,
    retry_delay,
)


@pytest.mark.parametrize(
    ("retry", "expected"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (60, 8.0)]
)
def test_backoff_doubles_from_half_a_second_and_caps_at_8(retry: int, expected: float) -> None:
    assert backoff_delay(retry, rand=lambda: 0.0) == expected


def test_jitter_reduces_the_delay_by_at_most_the_jitter_share() -> None:
    policy = RetryPolicy(jitter=0.5)
    assert backoff_delay(2, policy, rand=lambda: 1.0) == pytest.approx(1.0)
    assert backoff_delay(2, policy, rand=lambda: 0.5) == pytest.approx(1.5)
    delays = {backoff_delay(3, policy) for _ in range(50)}
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len(delays) > 1


def test_negative_retry_is_refused() -> None:
    with pytest.raises(ValueError, match="retry"):
        backoff_delay(-1)


@pytest.mark.parametrize(
    "kwargs", [{"jitter": 1.5}, {"base": -1.0}, {"max_retry_after": -1.0}, {"first_contact_wait": -1.0}]
)
def test_policy_validates(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("1_0", None),  # float() reads these as 10; no server means 10 by them
        ("\u0661\u0660", None),
        ("0x10", None),
        ("\xa05", None),  # a no-break space is not HTTP's whitespace
    ],
)
def test_retry_after_seconds(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(90.0)
    past = format_datetime(now - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


def test_retry_after_nan_and_inf_are_ignored() -> None:
    assert parse_retry_after("nan") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after("-Infinity") is None


@pytest.mark.parametrize("text", ["9" * 400, "1e400"])
def test_a_retry_after_too_large_for_a_float_is_longer_than_any_wait(text: str) -> None:
    assert parse_retry_after(text) == float("inf")
    assert client_pause(503, {"Retry-After": text}, RetryPolicy()) is None  # not waited for: no pause


def test_retry_delay_never_waits_less_than_retry_after() -> None:
    assert retry_delay(0, 5.0, rand=lambda: 0.0) == 5.0
    assert retry_delay(4, 1.0, rand=lambda: 0.0) == 8.0
    assert retry_delay(0, None, rand=lambda: 0.0) == 0.5


def test_retryable_statuses_are_exactly_the_documented_ones() -> None:
    assert frozenset({408, 429, 500, 502, 503, 504}) == RETRYABLE_STATUSES


@pytest.mark.parametrize("status", [429, 503])
def test_a_429_or_503_with_retry_after_pauses_the_client_for_it(status: int) -> None:
    assert client_pause(status, {"Retry-After": "1"}, RetryPolicy()) == 1.0
    assert client_pause(status, {"Retry-After": "2.5"}, RetryPolicy()) == 2.5


@pytest.mark.parametrize("status", [408, 500, 502, 504, 404, 200, 301])
def test_no_other_status_pauses_the_client(status: int) -> None:
    assert client_pause(status, {"Retry-After": "1"}, RetryPolicy()) is None


@pytest.mark.parametrize("value", [None, "soon", "0", "61"])
def test_no_pause_without_a_positive_retry_after_the_policy_waits_for(value: str | None) -> None:
    headers = {} if value is None else {"Retry-After": value}
    assert client_pause(503, headers, RetryPolicy(max_retry_after=60.0)) is None


def test_pausing_statuses_are_retryable_ones() -> None:
    assert frozenset({429, 503}) == PAUSE_STATUSES
    assert PAUSE_STATUSES <= RETRYABLE_STATUSES
