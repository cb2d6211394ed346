"""Every default and fixed limit of the client, in one short file."""

from __future__ import annotations

from typing import Final

#: The environment variables read when an argument is not given (library and CLI alike).
API_KEY_ENV: Final = "BIZSTIM_API_KEY"
BASE_URL_ENV: Final = "BIZSTIM_BASE_URL"

DEFAULT_BASE_URL: Final = "https://www.bizstim.com"
#: Total seconds one attempt of one request may take.
DEFAULT_TIMEOUT: Final = 30.0
#: The longest ``Retry-After`` waited out before a retry (``RetryPolicy.max_retry_after``).
DEFAULT_MAX_RETRY_AFTER: Final = 60.0
#: Retries of a single GET call.
DEFAULT_MAX_RETRIES: Final = 3
#: Requests in flight at most, across the whole client.
DEFAULT_MAX_CONCURRENCY: Final = 8
#: ``max_concurrency="auto"``: the range the limit adapts within, and where it starts: at 1, so that the first
#: requests measure the server's latency unloaded (the baseline every later decision compares with); it
#: doubles each round trip while latency stays flat, reaching 32 in five.
AUTO_CONCURRENCY_MIN: Final = 1
AUTO_CONCURRENCY_MAX: Final = 64
#: The adaptive limit's changes are logged (INFO) when it has doubled or halved since the last line (and
#: moved by at least ``CONCURRENCY_LOG_MIN_STEP``) and ``CONCURRENCY_LOG_MIN_GAP`` seconds have passed since
#: it, else at most once per ``CONCURRENCY_LOG_INTERVAL`` seconds: the steady sawtooth around the server's
#: capacity stays out of the log, and so do swings between overloads.
CONCURRENCY_LOG_MIN_STEP: Final = 4
CONCURRENCY_LOG_MIN_GAP: Final = 2.0
CONCURRENCY_LOG_INTERVAL: Final = 10.0
#: Statuses by which a server sheds load: the adaptive limit shrinks on them (and on attempt timeouts).
OVERLOAD_STATUSES: Final[frozenset[int]] = frozenset({429, 503, 504})
#: Retries per request of the iterators: an export makes thousands of requests. At 20 % failed attempts,
#: a request fails 11 times in a row with p = 0.2**11 = 2e-8, so 50,000 lookups lose one with p < 0.1 %;
#: with the single-call default of 3 that would be 0.2**4 = 0.16 % per request.
EXPORT_MAX_RETRIES: Final = 10
#: Seconds a request keeps retrying a connection refused, or a host name that does not exist, while the
#: server has not answered the client once: a wrong base URL or port fails after 5 attempts in 4-8 s, not
#: after every retry (about 45 s for an export), and a server a few seconds from ready is still met. Once
#: it has answered, a refused connection is a restart, and gets every retry; so do the failures that pass
#: (a network not up yet, a name server's temporary failure).
FIRST_CONTACT_WAIT: Final = 8.0

#: The largest response body read, counted after decompression: far above any real page (a 1000-client page
#: is well under 1 MB), low enough that a runaway body cannot exhaust memory.
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024

#: HTTP statuses a GET is retried on: request timeout, rate limited, and the transient server errors.
RETRYABLE_STATUSES: Final[frozenset[int]] = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses whose ``Retry-After`` holds every request of a client with an adaptive limit, not only the retry
#: of the one that got it: those by which HTTP says the server is unavailable for a while (429, RFC 6585;
#: 503, RFC 9110), whether the request that got it is retried or not (a write is not); on the other
#: retryable statuses a ``Retry-After`` delays only the request's own retry.
PAUSE_STATUSES: Final[frozenset[int]] = frozenset({429, 503})
#: Bytes of a non-2xx body read for the error message.
ERROR_BODY_LIMIT: Final = 8192
#: Redirects followed per attempt, as in the vendor's cURL example (CURLOPT_MAXREDIRS 10).
MAX_REDIRECTS: Final = 10

#: Times the iterators read a page again that came back short although its ``total`` said more records
#: follow, before they give up with PaginationIncompleteError (rather than end early and lose records).
SHORT_PAGE_REREADS: Final = 3

#: ``iter_details()``: lookups started (running or finished, waiting their turn) ahead of the record the
#: consumer waits for, at most; also the most full records it holds. Looking ahead keeps the other lookups
#: busy while one backs off between retries (the output is in list order).
DETAILS_LOOKAHEAD: Final = 256
