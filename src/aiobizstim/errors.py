"""The exception hierarchy: every error aiobizstim raises on purpose is a :class:`BizstimError`.

```
BizstimError
├── APIConnectionError            the request never got a response
│   └── APITimeoutError           ... because it ran out of time
├── APIStatusError                a non-2xx HTTP response (.status, .body, .retry_after)
│   ├── AuthenticationError       401 / 403
│   ├── NotFoundError             404, or "no such record" answering a single-record lookup
│   ├── RateLimitError            429 (.retry_after)
│   └── ServerError               5xx
├── APIResponseError              a failure envelope, whatever the HTTP status (.message)
│   ├── PaginationDriftError      the list changed by more than a page, repeatedly, during iter()
│   ├── PaginationStalledError    the server returned the same page for different offsets
│   └── PaginationIncompleteError a page stayed short although its total said more records follow
├── ResponseTooLargeError         a body longer than max_response_bytes (.limit)
├── ConfigurationError            bad client or call settings (also a ValueError)
├── DecodeError                   a body or value that cannot be decoded (.path, .excerpt, .unreadable)
├── ClientClosedError             the client was used after aclose()
└── EventLoopError                the client was used from another event loop than its first
```

Messages name the request (``GET /api/clients/0/1000``) but never the API key.
"""

from __future__ import annotations

import html
import re
from typing import Final

from aiobizstim._secret import CUT

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BizstimError",
    "ClientClosedError",
    "ConfigurationError",
    "DecodeError",
    "EventLoopError",
    "NotFoundError",
    "PaginationDriftError",
    "PaginationIncompleteError",
    "PaginationStalledError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "excerpt",
]

_EXCERPT_CHARS = 200


def excerpt(value: object, limit: int = _EXCERPT_CHARS) -> str:
    """A short, printable excerpt of ``value`` (bytes are decoded leniently) for error messages: on one line,
    control and format characters escaped (``\\x1b``)."""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value[: limit * 4]).decode("utf-8", "replace")
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = repr(value)
        except (RecursionError, ValueError):  # nested past the recursion limit; an int of > 4300 digits
            text = f"<{type(value).__name__} too deeply nested or too large to show>"
    text = " ".join(text.split())
    if not text.isprintable():  # a server's ESC sequences, NUL or bidi controls: shown, never acted on
        return _escaped(text, limit)
    if len(text) > limit:
        return text[: limit - 1] + CUT
    return text


def _escaped(text: str, limit: int) -> str:
    """``text`` with what is not printable escaped, cut to ``limit`` between escapes (only what is shown is
    escaped: a body may be megabytes)."""
    pieces, size = [], 0
    for char in text:
        pieces.append(piece := _printable(char))
        size += len(piece)
        if size > limit:
            break
    else:
        return "".join(pieces)
    while size > limit - 1:
        size -= len(pieces.pop())
    return "".join(pieces) + CUT


def _printable(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_HTML: Final = re.compile(r"<(?:!doctype\s+html|html|head|body|title|h1)\b", re.IGNORECASE)
_TITLE: Final = re.compile(r"<(title|h1)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_UNSEEN: Final = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG: Final = re.compile(r"<[^>]*>?")


def _readable(body: str) -> str:
    """A body excerpt as an error message quotes it: an HTML page (a proxy's or a web server's error page)
    by its title or first heading, else its text, without markup, scripts or styles."""
    if not body.lstrip().startswith("<") or not _HTML.search(body):
        return body
    found = [text for _, raw in _TITLE.findall(body) if (text := _text(raw))]
    return f"an HTML page: {excerpt(found[0] if found else _text(body), 160)}"


def _text(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", _UNSEEN.sub(" ", markup)))


class BizstimError(Exception):
    """Base class of every error raised by aiobizstim."""

    def __init__(self, message: str, *, request: str | None = None) -> None:
        self.message = message
        #: ``"VERB /path"`` of the request that failed, when there was one.
        self.request = request
        super().__init__(f"{message} ({request})" if request else message)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle (a process pool, multiprocessing, Celery) and copy rebuild an exception by calling its class
        # with ``args``: ours take keyword-only fields and put the finished text in ``args``. Rebuild it
        # from that text and the attributes instead, as they were.
        return _rebuilt, (type(self), self.args), self.__dict__


def _rebuilt(cls: type[BizstimError], args: tuple[object, ...]) -> BizstimError:
    """An error of ``cls`` with ``args``, before its attributes are restored (see ``__reduce__``)."""
    return cls.__new__(cls, *args)


class ClientClosedError(BizstimError):
    """The client was used after :meth:`Bizstim.aclose`."""


class EventLoopError(BizstimError):
    """The client was used from another event loop than the one it first ran in (its connections, limits and
    locks belong to that loop): create one client per event loop, e.g. inside each ``asyncio.run()``."""


class ResponseTooLargeError(BizstimError):
    """A response body grew past the client's ``max_response_bytes`` (counted after decompression); the
    rest was not read. Not retried: the same request would get the same body."""

    def __init__(self, message: str, *, limit: int, request: str | None = None) -> None:
        #: The ``max_response_bytes`` limit that was exceeded.
        self.limit = limit
        super().__init__(message, request=request)


class ConfigurationError(BizstimError, ValueError):
    """The client cannot be built from the given settings (no API key, a bad base URL, a bad number)."""


class APIConnectionError(BizstimError):
    """The request did not get an HTTP response (DNS, refused or dropped connection, TLS, ...)."""

    def __init__(
        self, message: str, *, request: str | None = None, attempts: int = 1, no_connection: bool = False
    ) -> None:
        self.attempts = attempts
        #: No connection could be made (refused, no such host): the request never reached a server.
        self.no_connection = no_connection
        if attempts > 1:
            message = f"{message} after {attempts} attempts"
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""


class APIStatusError(BizstimError):
    """The server answered with a non-2xx HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: str = "",
        request: str | None = None,
        attempts: int = 1,
        retry_after: float | None = None,
        quote_body: bool = True,
    ) -> None:
        self.status = status
        #: A bounded excerpt of the response body (HTML error pages included).
        self.body = body
        self.attempts = attempts
        #: Seconds the server asked to wait before trying again (its ``Retry-After``), when it said.
        self.retry_after = retry_after
        # A lookup's "no such record" may come in a 200 failure envelope: "HTTP 200" would only confuse.
        text = message if 200 <= status < 300 else f"HTTP {status}: {message}"
        if quote_body and body and body != message:  # not when the message was taken from the body
            text += f": {_readable(body)}"
        if attempts > 1:
            text += f" after {attempts} attempts"
        super().__init__(text, request=request)


class AuthenticationError(APIStatusError):
    """HTTP 401 or 403: the API key is missing, wrong, or not allowed to do this."""


class NotFoundError(APIStatusError):
    """HTTP 404, or a failure envelope answering a single-record lookup that says nothing was found ("No
    client found"): no such record. ``status`` is the HTTP status; the API's own failure is the
    ``__cause__``."""


class RateLimitError(APIStatusError):
    """HTTP 429, or a ``Retry-After`` longer than the client is willing to wait."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        body: str = "",
        request: str | None = None,
        attempts: int = 1,
        retry_after: float | None = None,
        quote_body: bool = True,
    ) -> None:
        if retry_after is not None:
            message = f"{message} (retry after {retry_after:g} s)"
        super().__init__(
            message,
            status=status,
            body=body,
            request=request,
            attempts=attempts,
            retry_after=retry_after,
            quote_body=quote_body,
        )


class ServerError(APIStatusError):
    """HTTP 5xx."""


class APIResponseError(BizstimError):
    """The API answered with a failure envelope (``status`` other than ``"success"``)."""

    def __init__(self, message: str, *, status: object = "failure", request: str | None = None) -> None:
        #: The envelope's ``status`` value as sent (``"failure"``, ``False``, ...).
        self.status = status
        super().__init__(message, request=request)


class PaginationStalledError(APIResponseError):
    """The server returned the same page for different offsets (it ignores or clamps ``start``)."""


class PaginationIncompleteError(APIResponseError):
    """A page came back with fewer records than asked for while its own ``total`` said more follow, and
    re-reading it did not help: the records between :attr:`missing_from` and :attr:`missing_to` (offsets)
    could not be read. Raised instead of ending the iteration early, which would lose them silently."""

    def __init__(
        self, message: str, *, missing_from: int, missing_to: int, request: str | None = None
    ) -> None:
        #: First offset that could not be read.
        self.missing_from = missing_from
        #: One past the last offset that could not be read (``min(offset + limit, total)``).
        self.missing_to = missing_to
        super().__init__(message, status="incomplete", request=request)


class PaginationDriftError(APIResponseError):
    """The list changed faster than the iterator could repair (more than a page moved, repeatedly)."""


class DecodeError(BizstimError):
    """A response body, or one value in it, could not be decoded into the expected type."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "$",
        value: str = "",
        request: str | None = None,
        unreadable: bool = False,
    ) -> None:
        #: JSON path of the offending value, such as ``$.response[3].expires``.
        self.path = path
        #: A short excerpt of the offending value.
        self.excerpt = value
        #: True when the body is not JSON at all (cut short, garbled, an HTML page): a fault of the transfer
        #: rather than of the data, so a GET answered so is retried like a dropped connection.
        self.unreadable = unreadable
        text = f"{message} at {path}"
        if value:
            text += f" (value: {value})"
        super().__init__(text, request=request)
