"""``Bizstim``: the async client. Configuration, lifecycle, and the resource namespaces."""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Literal

import aiohttp

from aiobizstim._backoff import RetryPolicy
from aiobizstim._config import AutoConcurrency, ClientConfig, resolve_config
from aiobizstim._constants import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
)
from aiobizstim._stats import ClientStats
from aiobizstim._transport import Transport
from aiobizstim.resources import (
    AvailabilityResource,
    Clients,
    Discounts,
    Locations,
    MeetOurStaff,
    OnDemand,
    Payments,
    Practitioners,
    Services,
    Sessions,
    Staffs,
    Testimonials,
)

__all__ = ["Bizstim"]


class Bizstim:
    """Async client for the Bizstim CRM REST API.

    ``api_key`` defaults to ``$BIZSTIM_API_KEY`` (missing -> :class:`~aiobizstim.ConfigurationError`),
    ``base_url`` to ``$BIZSTIM_BASE_URL`` then ``https://www.bizstim.com`` (the site root; plain ``http://``
    only to a loopback host unless ``allow_insecure_http=True``). ``timeout`` bounds each attempt of a request
    (every method also takes ``timeout=``; see the README for what it counts). GET requests are retried up to
    ``max_retries`` times on transient faults; iterators use ``export_max_retries`` (default
    ``max(max_retries, 10)``) per request, since a long export makes many requests. At most
    ``max_concurrency`` requests are in flight across the whole client; ``max_concurrency="auto"`` (or an
    :class:`~aiobizstim.AutoConcurrency` for another range than 1..64) adapts that limit to the server: it
    grows while latency stays flat, shrinks when latency climbs or the server answers 429/503/504 or times
    out, and the ``Retry-After`` of a 429 or 503 holds every request of the client
    (``stats.concurrency_limit`` shows where it is). ``rate_limit`` (requests per second) spaces request
    starts. A response body longer than ``max_response_bytes`` (after decompression; default 64 MiB) is not
    read past that point: :class:`~aiobizstim.ResponseTooLargeError`. ``HTTP_PROXY`` / ``HTTPS_PROXY`` /
    ``NO_PROXY`` are honoured unless ``trust_env=False``; ``proxy`` sends every request through that proxy;
    ``ssl_context`` (an ``ssl.SSLContext`` that verifies) trusts a private CA. An injected ``session`` is used
    and never closed; otherwise a session is created on the first request and closed by :meth:`aclose` (or
    ``async with``)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_concurrency: int | Literal["auto"] | AutoConcurrency = DEFAULT_MAX_CONCURRENCY,
        rate_limit: float | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure_http: bool = False,
        user_agent: str | None = None,
        export_max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        trust_env: bool = True,
        proxy: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise TypeError(f"session must be an aiohttp.ClientSession, got {type(session).__name__}")
        config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            export_max_retries=export_max_retries,
            max_concurrency=max_concurrency,
            rate_limit=rate_limit,
            user_agent=user_agent,
            allow_insecure_http=allow_insecure_http,
            max_response_bytes=max_response_bytes,
            trust_env=trust_env,
            proxy=proxy,
            ssl_context=ssl_context,
        )
        self._attach(Transport(config, session=session, policy=retry_policy))

    def _attach(self, transport: Transport) -> None:
        self._transport = transport
        #: Clients: list/iter/get/iter_details/update/add/import_.
        self.clients = Clients(transport)
        #: Discount codes: list/iter/get.
        self.discounts = Discounts(transport)
        #: Services: list/iter/get.
        self.services = Services(transport)
        #: Sessions: list/iter.
        self.sessions = Sessions(transport)
        #: Payments: list/iter/get/create/add.
        self.payments = Payments(transport)
        #: Practitioners: list/iter/create.
        self.practitioners = Practitioners(transport)
        #: Locations: list/iter/get.
        self.locations = Locations(transport)
        #: Staff members: list/iter.
        self.staffs = Staffs(transport)
        #: The public staff directory: list/iter.
        self.meetourstaff = MeetOurStaff(transport)
        #: Availability schedules: get.
        self.availability = AvailabilityResource(transport)
        #: Testimonials: list.
        self.testimonials = Testimonials(transport)
        #: On-demand links: link.
        self.ondemand = OnDemand(transport)

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        export_max_retries: int | None = None,
        max_response_bytes: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Bizstim:
        """A client with other defaults for these per-call settings, sharing this one's connection pool,
        concurrency limit, rate limit and ``stats``: ``fast = bz.with_options(timeout=5, max_retries=0)``.

        Cheap (no new session). Closing the copy closes only the copy; closing this client closes the
        pool, after which the copy raises :class:`~aiobizstim.ClientClosedError` too.
        """
        transport = self._transport
        config = transport.config.replace(
            timeout=timeout,
            max_retries=max_retries,
            export_max_retries=export_max_retries,
            max_response_bytes=max_response_bytes,
        )
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise TypeError(f"retry_policy must be a RetryPolicy, got {type(retry_policy).__name__}")
        copy = object.__new__(Bizstim)
        copy._attach(transport.with_config(config, retry_policy or transport.policy))
        return copy

    @property
    def config(self) -> ClientConfig:
        """The validated settings (the API key inside is a redacted :class:`Secret`)."""
        return self._transport.config

    @property
    def base_url(self) -> str:
        """The site root requests go to."""
        return str(self._transport.config.base_url)

    @property
    def stats(self) -> ClientStats:
        """Counters of this client's traffic: requests, retries, errors, skipped records, pages, drift
        repairs; the concurrency limit, the range it took and its bounds.
        """
        return self._transport.stats

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran; any later call raises :class:`~aiobizstim.ClientClosedError`."""
        return self._transport.closed

    async def aclose(self) -> None:
        """Close the session this client created (never an injected one). Safe to call more than once."""
        await self._transport.aclose()

    async def __aenter__(self) -> Bizstim:
        self._transport._require_open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        config = self._transport.config
        state = "closed" if self.closed else "open"
        return (
            f"<Bizstim base_url={str(config.base_url)!r} timeout={config.timeout:g} "
            f"max_retries={config.max_retries} "
            f"max_concurrency={config.auto_concurrency or config.max_concurrency} "
            f"rate_limit={config.rate_limit} {state}>"
        )
