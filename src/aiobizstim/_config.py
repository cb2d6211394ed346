"""Client configuration: where settings come from, how they are checked, how the API key stays secret."""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field

from yarl import URL

from aiobizstim._version import __version__
from aiobizstim.errors import ConfigurationError

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "ClientConfig",
    "ConfigurationError",
    "Secret",
    "resolve_config",
]

API_KEY_ENV = "BIZSTIM_API_KEY"
BASE_URL_ENV = "BIZSTIM_BASE_URL"
DEFAULT_BASE_URL = "https://www.bizstim.com"
DEFAULT_USER_AGENT = f"aiobizstim/{__version__}"
# Retries per request of the iterators: an export makes thousands of requests. At 20 % failed attempts
# (issue 5's fault mix), a request fails 11 times in a row with p = 0.2**11 = 2e-8, so 50,000 lookups
# lose one with p < 0.1 %; with the single-call default of 3 that would be 0.2**4 = 0.16 % per request.
EXPORT_MAX_RETRIES = 10


class Secret:
    """A string that never shows itself: ``repr``/``str`` print a placeholder; :meth:`reveal` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one place that must send it (the request header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Validated settings of one :class:`~aiobizstim.Bizstim` client."""

    api_key: Secret = field(repr=False)
    base_url: URL
    timeout: float
    max_retries: int
    export_max_retries: int
    max_concurrency: int
    rate_limit: float | None
    user_agent: str


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(raw: str, *, allow_insecure_http: bool) -> URL:
    """Parse and check a base URL: absolute http(s), no query/fragment/credentials; plain http only to
    loopback.
    """
    try:
        url = URL(raw.strip())
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"base_url {raw!r} is not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}, got {raw!r}"
        )
    if url.user or url.password:
        raise ConfigurationError("base_url must not contain credentials; pass the key as api_key")
    if url.query_string or url.fragment:
        raise ConfigurationError(f"base_url must not have a query or fragment, got {raw!r}")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise ConfigurationError(
            f"refusing plain http:// to non-loopback host {url.host!r}: "
            "the API key would travel in clear text "
            "(use https://, or pass allow_insecure_http=True if you really mean it)"
        )
    return url.with_path(url.path.rstrip("/") or "/")


def _positive_number(name: str, value: object, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _count(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be >= {minimum}, got {value}")
    return value


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: float,
    max_retries: int,
    export_max_retries: int | None,
    max_concurrency: int,
    rate_limit: float | None,
    user_agent: str | None,
    allow_insecure_http: bool,
) -> ClientConfig:
    """Settings from the arguments, else the environment, else the defaults; every value checked."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is None or not key.strip():
        raise ConfigurationError(
            f"no API key: pass api_key=... or set the environment variable ${API_KEY_ENV}"
        )
    if not isinstance(key, str):
        raise TypeError(f"api_key must be a str, got {type(key).__name__}")
    key = key.strip()
    if any(ch in key for ch in "\r\n\0"):
        raise ConfigurationError("api_key contains control characters")
    raw_url = base_url if base_url is not None else (os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    retries = _count("max_retries", max_retries, minimum=0)
    export_retries = (
        max(retries, EXPORT_MAX_RETRIES)
        if export_max_retries is None
        else _count("export_max_retries", export_max_retries, minimum=0)
    )
    timeout_s = _positive_number("timeout", timeout)
    assert timeout_s is not None
    return ClientConfig(
        api_key=Secret(key),
        base_url=check_base_url(raw_url, allow_insecure_http=allow_insecure_http),
        timeout=timeout_s,
        max_retries=retries,
        export_max_retries=export_retries,
        max_concurrency=_count("max_concurrency", max_concurrency, minimum=1),
        rate_limit=_positive_number("rate_limit", rate_limit, allow_none=True),
        user_agent=user_agent or DEFAULT_USER_AGENT,
    )
