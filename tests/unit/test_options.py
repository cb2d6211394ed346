"""Per-call options are resolved once, by the same checks as the constructor's (issue 12)."""

from __future__ import annotations

import math

import pytest

from aiobizstim import Bizstim, ConfigurationError
from aiobizstim._config import RequestOptions

KEY = "k" * 16


@pytest.fixture
def bz() -> Bizstim:
    return Bizstim(api_key=KEY, base_url="http://127.0.0.1:9", timeout=12.0, max_retries=2)


def test_call_options_default_to_the_clients(bz: Bizstim) -> None:
    assert bz.config.options() == RequestOptions(timeout=12.0, max_retries=2)
    assert bz.config.options(export=True) == RequestOptions(timeout=12.0, max_retries=10, queue_timed=False)
    assert bz.config.options(timeout=3, max_retries=0) == RequestOptions(timeout=3.0, max_retries=0)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("timeout", math.inf, ConfigurationError),
        ("timeout", math.nan, ConfigurationError),
        ("timeout", 0, ConfigurationError),
        ("timeout", "5", TypeError),
        ("timeout", True, TypeError),
        ("max_retries", -1, ConfigurationError),
        ("max_retries", 1.0, TypeError),
    ],
    ids=repr,
)
async def test_a_bad_value_raises_the_same_class_per_call_as_in_the_constructor(
    bz: Bizstim, option: str, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as per_call:
        await bz.discounts.list(**{option: value})  # type: ignore[arg-type]
    with pytest.raises(error) as constructor:
        Bizstim(api_key=KEY, base_url="http://127.0.0.1:9", **{option: value})  # type: ignore[arg-type]
    assert type(per_call.value) is type(constructor.value)
    with pytest.raises(error):
        bz.clients.iter(**{option: value})  # type: ignore[arg-type]
    assert bz.stats.requests == 0
    await bz.aclose()
