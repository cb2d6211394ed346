"""Client configuration: where settings come from, how they are checked, and the per-call options resolved
once from them (the API key is held as a :class:`~aiobizstim._secret.Secret`)."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import ssl
import urllib.request
from dataclasses import dataclass, field

from yarl import URL

from aiobizstim._checks import (
    check_concurrency,
    check_concurrency_bounds,
    check_count,
    check_flag,
    check_header_value,
    check_positive_number,
)
from aiobizstim._constants import (
    API_KEY_ENV,
    AUTO_CONCURRENCY_MAX,
    AUTO_CONCURRENCY_MIN,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    EXPORT_MAX_RETRIES,
)
from aiobizstim._secret import Secret
from aiobizstim._version import __version__
from aiobizstim.errors import ConfigurationError

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "AutoConcurrency",
    "ClientConfig",
    "ConfigurationError",
    "RequestOptions",
    "api_key_from",
    "proxy_from_env",
    "resolve_config",
]

DEFAULT_USER_AGENT = f"aiobizstim/{__version__}"


@dataclass(frozen=True, slots=True)
class AutoConcurrency:
    """``max_concurrency=AutoConcurrency(...)``: a limit that adapts to the server within ``[minimum,
    maximum]``, starting at ``start`` (default: ``minimum``, a conservative start);
    ``max_concurrency="auto"`` is ``AutoConcurrency()``."""

    minimum: int = AUTO_CONCURRENCY_MIN
    maximum: int = AUTO_CONCURRENCY_MAX
    start: int | None = None

    def __post_init__(self) -> None:
        check_concurrency_bounds(self.minimum, self.first_limit, self.maximum, what="AutoConcurrency")

    @property
    def first_limit(self) -> int:
        """The limit at the start: ``start``, or ``minimum`` when it is not given."""
        return self.minimum if self.start is None else self.start

    def __str__(self) -> str:
        return f"auto[{self.minimum}..{self.maximum}]"


def concurrency_from(value: object) -> tuple[int, AutoConcurrency | None]:
    """``max_concurrency`` as the cap on requests in flight and, when it adapts, its range."""
    if isinstance(value, AutoConcurrency):
        return value.maximum, value
    limit = check_concurrency("max_concurrency", value)
    if isinstance(limit, int):
        return limit, None
    auto = AutoConcurrency()
    return auto.maximum, auto


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """The options of one call, resolved once when the call is made and used by every request it sends."""

    #: Total seconds each attempt may take.
    timeout: float
    #: Retries allowed per request (GET only: writes are never retried).
    max_retries: int
    #: Whether the wait for a request slot and the rate limit counts against ``timeout``: yes for a single
    #: call, bounded as a whole; no for an iterator's requests, which queue behind the cap by design (the
    #: lookups of ``iter_details`` run twice the cap), so they are timed from when they get their turn.
    queue_timed: bool = True


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Validated settings of one :class:`~aiobizstim.Bizstim` client."""

    api_key: Secret = field(repr=False)
    base_url: URL
    timeout: float
    max_retries: int
    export_max_retries: int
    #: Requests in flight at most: the fixed limit, or the top of the adaptive range.
    max_concurrency: int
    rate_limit: float | None
    user_agent: str
    max_response_bytes: int
    #: The adaptive range when ``max_concurrency`` was ``"auto"`` or an :class:`AutoConcurrency`.
    auto_concurrency: AutoConcurrency | None = None
    #: Read ``HTTP(S)_PROXY`` / ``NO_PROXY`` from the environment, as requests and httpx do.
    trust_env: bool = True
    #: A proxy for every request (``http://host:port``); overrides the environment's.
    proxy: URL | None = field(default=None, repr=False)
    #: The TLS context for https (a private CA); ``None``: the system's trust store (``SSL_CERT_FILE`` works).
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def replace(
        self,
        *,
        timeout: object = None,
        max_retries: object = None,
        export_max_retries: object = None,
        max_response_bytes: object = None,
    ) -> ClientConfig:
        """These settings with some per-call defaults changed (checked as the constructor checks them)."""
        retries = (
            self.max_retries if max_retries is None else check_count("max_retries", max_retries, minimum=0)
        )
        if export_max_retries is not None:
            export_retries = check_count("export_max_retries", export_max_retries, minimum=0)
        elif max_retries is not None:
            export_retries = max(retries, EXPORT_MAX_RETRIES)
        else:
            export_retries = self.export_max_retries
        return dataclasses.replace(
            self,
            timeout=self.timeout if timeout is None else check_positive_number("timeout", timeout),
            max_retries=retries,
            export_max_retries=export_retries,
            max_response_bytes=(
                self.max_response_bytes
                if max_response_bytes is None
                else check_count("max_response_bytes", max_response_bytes, minimum=1)
            ),
        )

    def options(
        self, *, timeout: object = None, max_retries: object = None, export: bool = False
    ) -> RequestOptions:
        """A call's options: its own ``timeout``/``max_retries`` if given (checked as the constructor checks
        them), else the client's; ``export`` picks the iterators' retry default and untimed queueing."""
        default_retries = self.export_max_retries if export else self.max_retries
        return RequestOptions(
            timeout=self.timeout if timeout is None else check_positive_number("timeout", timeout),
            max_retries=(
                default_retries if max_retries is None else check_count("max_retries", max_retries, minimum=0)
            ),
            queue_timed=not export,
        )


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
    """Parse and check a base URL: absolute http(s), no query/fragment/credentials, not the path ``/api``
    (requests add it); plain http only to loopback.
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
    if url.path.rstrip("/") == "/api":  # every request's path starts with /api/ already
        raise ConfigurationError(
            f"base_url is the site the API is served from, such as {DEFAULT_BASE_URL!r}, not the API's own "
            f"path: drop the trailing /api from {raw!r}"
        )
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise ConfigurationError(
            f"refusing plain http:// to non-loopback host {url.host!r}: "
            "the API key would travel in clear text "
            "(use https://; from Python, allow_insecure_http=True allows it if you really mean it)"
        )
    return url.with_path(url.path.rstrip("/") or "/")


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: float,
    max_retries: int,
    export_max_retries: int | None,
    max_concurrency: int | str | AutoConcurrency,
    rate_limit: float | None,
    user_agent: str | None,
    allow_insecure_http: bool,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    trust_env: bool = True,
    proxy: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> ClientConfig:
    """Settings from the arguments, else the environment, else the defaults; every value checked."""
    key = api_key_from(api_key)
    raw_url = base_url if base_url is not None else (os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    retries = check_count("max_retries", max_retries, minimum=0)
    export_retries = (
        max(retries, EXPORT_MAX_RETRIES)
        if export_max_retries is None
        else check_count("export_max_retries", export_max_retries, minimum=0)
    )
    cap, auto = concurrency_from(max_concurrency)
    return ClientConfig(
        api_key=key,
        base_url=check_base_url(raw_url, allow_insecure_http=allow_insecure_http),
        timeout=check_positive_number("timeout", timeout),
        max_retries=retries,
        export_max_retries=export_retries,
        max_concurrency=cap,
        auto_concurrency=auto,
        rate_limit=None if rate_limit is None else check_positive_number("rate_limit", rate_limit),
        user_agent=DEFAULT_USER_AGENT if user_agent is None else check_header_value("user_agent", user_agent),
        max_response_bytes=check_count("max_response_bytes", max_response_bytes, minimum=1),
        trust_env=check_flag("trust_env", trust_env),
        proxy=None if proxy is None else check_proxy(proxy),
        ssl_context=None if ssl_context is None else check_ssl_context(ssl_context),
    )


def proxy_from_env(url: URL) -> URL | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY``, any
    case), unless ``NO_PROXY`` exempts its host; as requests and httpx read them: a bare ``host:port`` is an
    http:// proxy, and a ``NO_PROXY`` network (``10.0.0.0/8``) exempts the IP addresses in it."""
    if url.host is None or _bypassed(url.host):
        return None
    proxies = urllib.request.getproxies()
    key = url.scheme if proxies.get(url.scheme) else "all"
    named = proxies.get(key)
    if not named:
        return None
    if "://" not in named:
        named = f"http://{named}"
    try:
        return check_proxy(named)
    except ConfigurationError:
        raise ConfigurationError(
            f"the {key.upper()}_PROXY environment variable is not an http(s) proxy URL: fix or unset it, or "
            "name a proxy yourself (proxy=, the CLI's --proxy); trust_env=False ignores the environment"
        ) from None


def _bypassed(host: str) -> bool:
    """``NO_PROXY`` exempts ``host``: a name or domain it lists (as urllib reads it), or a network of it."""
    if urllib.request.proxy_bypass(host):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    for entry in urllib.request.getproxies_environment().get("no", "").split(","):  # as urllib reads it
        if "/" in entry:
            try:
                if address in ipaddress.ip_network(entry.strip().strip("[]"), strict=False):
                    return True
            except ValueError:
                continue
    return False


def check_proxy(raw: object) -> URL:
    """A proxy URL: absolute ``http://`` or ``https://`` with a host (credentials allowed, never shown)."""
    if not isinstance(raw, str):
        raise TypeError(f"proxy must be a str such as 'http://proxy.example:3128', got {type(raw).__name__}")
    try:
        url = URL(raw.strip())
    except (TypeError, ValueError):
        url = URL()
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            "proxy must be an absolute http:// or https:// URL such as 'http://proxy:3128'"
        )
    return url


def check_ssl_context(context: object) -> ssl.SSLContext:
    """An ``ssl.SSLContext`` that verifies certificates and host names: there is no silent way to turn
    verification off (add your CA to the context instead: ``context.load_verify_locations(cafile)``)."""
    if not isinstance(context, ssl.SSLContext):
        raise TypeError(f"ssl_context must be an ssl.SSLContext, got {type(context).__name__}")
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise ConfigurationError(
            "ssl_context must verify certificates and host names (verify_mode CERT_REQUIRED, "
            "check_hostname True): load your private CA into it instead of turning verification off"
        )
    return context


def api_key_from(api_key: str | None) -> Secret:
    """The API key to send: the argument, else ``$BIZSTIM_API_KEY``; surrounding whitespace dropped (the key
    as sent, and so as redacted from every message); refused when missing or unfit for a header."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is None or (isinstance(key, str) and not key.strip()):
        raise ConfigurationError(
            f"no API key: pass api_key=... or set the environment variable ${API_KEY_ENV}"
        )
    return Secret(check_header_value("api_key", key.strip() if isinstance(key, str) else key))
