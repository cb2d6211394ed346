"""The one place that sends HTTP requests: auth header, timeout, concurrency cap, rate limit, retries,
logging.

Retry policy (see :mod:`aiobizstim._backoff`): only GET is retried. A GET is retried on a connection error, a
timeout, a body cut short, a 2xx body that is not JSON at all (a truncated or garbled transfer; a well-formed
envelope with bad records is *not* retried: that is deterministic), and on HTTP 408/429/500/502/503/504.
Writes (PUT/POST) are sent exactly once: the API has no idempotency keys, so after a failure we cannot know
whether the server applied the write.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import aiohttp
import msgspec
from yarl import URL

from aiobizstim._backoff import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after, retry_delay
from aiobizstim._config import ClientConfig
from aiobizstim._envelope import check_json, decode_text, status_error
from aiobizstim._stats import ClientStats
from aiobizstim.errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    BizstimError,
    ClientClosedError,
    DecodeError,
    RateLimitError,
    excerpt,
)

__all__ = ["Transport", "logger"]

T = TypeVar("T")

logger = logging.getLogger("aiobizstim")

_ERROR_BODY_LIMIT = 8192  # bytes of a non-2xx body we read for the error message
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 10  # as in the vendor's cURL example (CURLOPT_MAXREDIRS 10)


class _FaultError(Exception):
    """A transient transport failure of one attempt (becomes APIConnectionError/APITimeoutError)."""

    def __init__(self, reason: str, *, timeout: bool = False, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timeout = timeout
        self.retryable = retryable


class _RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart, measured from when each one really started.

    Callers queue on a lock and the next start time is set from the loop clock after the wait, so a loop
    that stalls (a consumer busy with a page) cannot turn the waiting requests into a burst.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next = loop.time() + self._interval


def _framed(headers: Mapping[str, str]) -> bool:
    """The body's end is known (``Content-Length`` or chunked), so aiohttp raises when it is cut short. A
    body that simply runs until the connection closes can be cut short without any error."""
    return "Content-Length" in headers or "chunked" in headers.get("Transfer-Encoding", "").lower()


def _is_json(body: bytes) -> bool:
    try:
        msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return False
    return True


class _Sends:
    """How many times aiohttp sent one attempt's request: it re-sends an idempotent request once, silently,
    when the connection drops before the response (``ClientSession``'s built-in connection retry)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class Transport:
    """Sends requests for one client; owns the session it creates, never an injected one."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or RetryPolicy()
        self.stats = ClientStats()
        self._session = session
        self._owns_session = session is None
        self._semaphore = asyncio.Semaphore(config.max_concurrency)
        self._limiter = _RateLimiter(config.rate_limit) if config.rate_limit else None
        self._closed = False
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests swap it to observe delays
        # Peak of requests in flight, for tests and benchmarks.
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._closed

    def _require_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this Bizstim client is closed; create a new one")

    def _get_session(self) -> aiohttp.ClientSession:
        self._require_open()
        if self._session is None:
            # Created lazily, inside the running loop of the first request, never at construction time.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.timeout),
                raise_for_status=False,
                trace_configs=[self._resend_counter()],
            )
        elif self._session.closed:
            raise ClientClosedError("the aiohttp session given to Bizstim(session=...) is closed")
        return self._session

    def _resend_counter(self) -> aiohttp.TraceConfig:
        """Count aiohttp's silent re-sends in :attr:`stats` (as requests and retries), so that the stats say
        what went over the wire. Only on the session we create: an injected one has its own trace configs."""
        config = aiohttp.TraceConfig()

        async def headers_sent(
            session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestHeadersSentParams
        ) -> None:
            sends = context.trace_request_ctx
            if isinstance(sends, _Sends):
                sends.count += 1
                if sends.count > 1:  # logged like the client's own retries: every retry is a warning
                    self.stats.requests += 1
                    self.stats.retries += 1
                    logger.warning(
                        "retrying %s %s at once (aiohttp re-sends it by itself: the connection dropped "
                        "before the response)",
                        params.method,
                        params.url.raw_path_qs,
                    )

        config.on_request_headers_sent.append(headers_sent)
        return config

    async def aclose(self) -> None:
        """Close the session we created (an injected one is left open). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    def url(self, path: str) -> URL:
        """The absolute URL of an already percent-encoded ``path`` under the base URL."""
        base = self.config.base_url
        return base.with_path(base.raw_path.rstrip("/") + path, encoded=True)

    def _timeout(self, timeout: float | None) -> float:
        if timeout is None:
            return self.config.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        return float(timeout)

    def retry_budget(self, max_retries: int | None, *, export: bool = False) -> int:
        """Retries allowed for one call: the argument if given, else the client default for single calls or
        exports.
        """
        if max_retries is None:
            return self.config.export_max_retries if export else self.config.max_retries
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise TypeError(f"max_retries must be an int, got {type(max_retries).__name__}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        return max_retries

    async def request(
        self,
        method: str,
        path: str,
        decode: Callable[[bytes, str], T],
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> T:
        """Send ``method path`` and return ``decode(body, label)`` of the 2xx response, retrying GETs on
        transient faults.

        ``path`` is already percent-encoded. Raises the typed :mod:`aiobizstim.errors` error of the last
        attempt.
        """
        self._require_open()
        total = self._timeout(timeout)
        budget = self.retry_budget(max_retries) if method in _IDEMPOTENT else 0
        url = self.url(path)
        if params:
            url = url.with_query(params)
        label = f"{method} {url.raw_path_qs}"
        data = msgspec.json.encode(json) if json is not None else None
        attempt = 0
        redirects = 0
        try:
            while True:
                attempt += 1
                reason: str
                retry_after: float | None = None
                error: BizstimError
                try:
                    status, reason_phrase, headers, body = await self._send(
                        method, url, data, total, label, attempt
                    )
                except _FaultError as fault:
                    cls = APITimeoutError if fault.timeout else APIConnectionError
                    error = cls(fault.reason, request=label, attempts=attempt)
                    if not fault.retryable:
                        raise error from fault.__cause__
                    reason = fault.reason
                    if attempt > budget:
                        raise error from fault.__cause__
                else:
                    if status in _REDIRECTS and "Location" in headers and redirects < _MAX_REDIRECTS:
                        url = self._redirect_target(method, url, headers["Location"], status, label)
                        redirects += 1
                        attempt -= 1  # following a redirect is not a retry
                        continue
                    if 200 <= status < 300:
                        try:
                            if not _framed(headers):
                                check_json(body, request=label)
                            return decode(body, label)
                        except DecodeError as exc:
                            if attempt > budget or _is_json(body):
                                raise
                            reason, error = "the 2xx body is not JSON (truncated?)", exc
                    else:
                        retry_after = parse_retry_after(headers.get("Retry-After"))
                        error = self._status_error(status, reason_phrase, body, label, attempt, retry_after)
                        if status not in RETRYABLE_STATUSES or attempt > budget:
                            raise error
                        if retry_after is not None and retry_after > self.policy.max_retry_after:
                            raise error
                        reason = f"HTTP {status}"
                delay = retry_delay(attempt - 1, retry_after, self.policy)
                self.stats.retries += 1
                logger.warning(
                    "retrying %s in %.2f s (attempt %d of %d failed: %s)",
                    label,
                    delay,
                    attempt,
                    budget + 1,
                    reason,
                )
                await self._sleep(delay)
        except BizstimError:
            self.stats.errors += 1
            raise

    def _redirect_target(self, method: str, url: URL, location: str, status: int, label: str) -> URL:
        """Where a redirect leads, if we may follow it: same origin and an idempotent request only, so the
        API key is never sent to another host (aiohttp's own redirect handling would forward it)."""
        try:
            target = url.join(URL(location))
        except ValueError:
            raise APIStatusError(
                "the redirect has an invalid Location", status=status, request=label
            ) from None
        if target.origin() != url.origin():
            raise APIStatusError(
                f"refusing to follow a redirect to another origin ({target.origin()}): "
                "the API key would be sent there; if the API moved, point base_url at it",
                status=status,
                request=label,
            )
        if method not in _IDEMPOTENT:
            raise APIStatusError(
                f"refusing to re-send a {method} to a redirect target", status=status, request=label
            )
        return target

    def _status_error(
        self, status: int, reason: str, body: bytes, label: str, attempt: int, retry_after: float | None
    ) -> BizstimError:
        if (
            retry_after is not None
            and retry_after > self.policy.max_retry_after
            and status in RETRYABLE_STATUSES
        ):
            return RateLimitError(
                f"the server asked to wait {retry_after:g} s, "
                f"more than the {self.policy.max_retry_after:g} s "
                "this client waits",
                status=status,
                body=excerpt(body, 300),
                request=label,
                attempts=attempt,
                retry_after=retry_after,
            )
        error: APIStatusError = status_error(
            status, body, request=label, attempts=attempt, retry_after=retry_after, reason=reason
        )
        if type(error) is APIStatusError and status not in RETRYABLE_STATUSES:
            # A plain 4xx carrying a failure envelope is the API's own error: report its message as such.
            try:
                decode_text(body, request=label)
            except APIResponseError as failure:
                failure.__cause__ = error
                return failure
            except DecodeError:
                pass
        return error

    async def _send(
        self, method: str, url: URL, data: bytes | None, total: float, label: str, attempt: int
    ) -> tuple[int, str, Mapping[str, str], bytes]:
        session = self._get_session()
        headers = {
            "x-api-key": self.config.api_key.reveal(),
            "User-Agent": self.config.user_agent,
            "Accept": "application/json",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self._semaphore:
            if self._limiter is not None:
                await self._limiter.wait()
            self._require_open()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.stats.requests += 1
            started = time.perf_counter()
            try:
                async with session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    # A per-request timeout replaces the whole session ClientTimeout: always pass a full one.
                    timeout=aiohttp.ClientTimeout(total=total),
                    allow_redirects=False,  # followed by request(), same origin only
                    trace_request_ctx=_Sends() if self._owns_session else None,
                ) as resp:
                    if 200 <= resp.status < 300:
                        body = await resp.read()
                    else:
                        body = await resp.content.read(_ERROR_BODY_LIMIT)
                    result = (resp.status, resp.reason or "", resp.headers, body)
            except TimeoutError as exc:
                raise _FaultError(f"timed out after {total:g} s", timeout=True) from exc
            except aiohttp.ClientPayloadError as exc:
                raise _FaultError(f"the response body was cut short ({excerpt(str(exc), 120)})") from exc
            except aiohttp.ClientConnectionError as exc:
                raise _FaultError(
                    f"connection failed: {type(exc).__name__}: {excerpt(str(exc), 160)}"
                ) from exc
            except aiohttp.ClientError as exc:
                raise _FaultError(
                    f"request failed: {type(exc).__name__}: {excerpt(str(exc), 160)}", retryable=False
                ) from exc
            finally:
                self.in_flight -= 1
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s -> %d in %.1f ms (attempt %d)",
                    label,
                    result[0],
                    (time.perf_counter() - started) * 1e3,
                    attempt,
                )
            return result
