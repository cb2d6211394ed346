"""Sans-I/O: an HTTP response in, a typed payload or a typed error out. No I/O, no state.

:func:`read_response` is the one step that reads a response: status, headers and body in; the body of a
2xx answer, checked to be whole JSON where that is in doubt, or the typed error the response stands for.
The ``decode_*`` functions then turn the body into models.

Decoding is two-speed. The fast path hands the whole body to a cached ``msgspec.json.Decoder`` of a generic
envelope over the endpoint's model, with ``strict=False`` (numeric strings -> numbers), which is all a
well-formed page needs. Only when that raises does the lenient path run: it parses the body to
builtins, checks the envelope's ``status``, repairs the quirks msgspec rejects (``""`` for a number, a JSON
number where a string was documented) field by field, and converts record by record so an error names its
exact JSON path, or (``skip_invalid``) drops just the bad records.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final, Generic, NamedTuple, TypeVar, cast

import msgspec

from aiobizstim._backoff import parse_retry_after
from aiobizstim._constants import RETRYABLE_STATUSES
from aiobizstim.errors import (
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ServerError,
    excerpt,
)
from aiobizstim.models._kinds import Kind, field_kinds

__all__ = [
    "PageContent",
    "Response",
    "decode_list",
    "decode_one",
    "decode_page",
    "decode_text",
    "is_failure_envelope",
    "read_response",
    "status_error",
]

M = TypeVar("M", bound=msgspec.Struct)
T = TypeVar("T")

_SUCCESS = "success"
# What msgspec raises for bytes that are not readable JSON: malformed JSON, invalid UTF-8 inside a string
# (a UnicodeDecodeError, not a msgspec.DecodeError) and nesting past its depth limit (a RecursionError).
_UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
_BODY_EXCERPT = 300
_INF = float("inf")
_MESSAGE_CHARS = 500  # a failure envelope's message, as quoted in APIResponseError
_BOM = b"\xef\xbb\xbf"


class _Envelope(msgspec.Struct, Generic[T], gc=False):
    status: Any = None
    total: int | None = None
    response: T | None = None
    error: Any = None


class Response(NamedTuple):
    """One HTTP response as received (the body of a non-2xx answer only in part)."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


class PageContent(NamedTuple, Generic[M]):
    """What one page's envelope holds: its records, its ``total`` and the records skipped as undecodable."""

    items: list[M]
    total: int | None
    skipped: list[DecodeError]


@functools.cache
def _decoder(tp: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_Envelope[tp], strict=False)


# --- errors ----------------------------------------------------------------------------------------------

_AT_PATH = re.compile(r"^(?P<msg>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.DOTALL)
_FIELD_PREFIX = re.compile(r"^field `(?P<field>[^`]*)`: (?P<msg>.*)$", re.DOTALL)
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$", re.DOTALL)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if _IDENT.match(key) else f"{path}[{key!r}]"


def _segments(msgspec_path: str) -> list[str | int]:
    """Split msgspec's path (``$.response[1].hide costs``: keys unquoted) into keys and indices."""
    return [
        int(index) if index else key for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", msgspec_path[1:])
    ]


def _render(base: str, segments: list[str | int]) -> str:
    """A JSON path in our style: identifiers dotted, other keys bracketed (``$.r[1]['hide costs']``)."""
    path = base
    for segment in segments:
        path = _child(path, segment)
    return path


def _lookup(doc: Any, segments: list[str | int]) -> Any:
    """The value at ``segments`` inside builtins ``doc``; ``None`` when the path leads nowhere."""
    node = doc
    for key in segments:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _decode_error(exc: msgspec.ValidationError, doc: Any, *, base: str, request: str | None) -> DecodeError:
    """Turn msgspec's ``"Expected `int`, got `str` - at `$[3].id`"`` into a DecodeError (path + excerpt)."""
    m = _AT_PATH.match(str(exc))
    assert m is not None  # the pattern matches any string
    message, segments = m.group("msg"), _segments(m.group("path") or "$")
    field = _FIELD_PREFIX.match(message)
    if field is not None:  # raised by a post-decode converter: the path stops at the record
        segments.append(field.group("field"))
        message = field.group("msg")
    elif (missing := _MISSING_FIELD.match(message)) is not None:  # msgspec names the record, not the field
        segments.append(missing.group("field"))
        message = "missing required field"
    path = _render(base, segments)
    value = _lookup(doc, segments)
    # msgspec quotes whole values in some messages ("Invalid enum value '<the entire string>'"): bound it.
    return DecodeError(
        excerpt(message, 160),
        path=path,
        value=excerpt(value, 80) if value is not None else "",
        request=request,
    )


#: How the API's failure envelope says a lookup found nothing: "No client found", "Client not found", "No
#: such record", "... does not exist" (the wording is not documented). Not "No header array found" or "No
#: API key found": those are about the request.
_NOTHING_FOUND: Final = re.compile(
    r"\bnot\s+found\b|\bdoes\s+not\s+exist\b"
    r"|(?:^|:)\s*no\s+(?:such\s+\w+|\w+\s+(?:was\s+)?found)\b",  # at the start (or after "HTTP 404:")
    re.IGNORECASE,
)


def says_nothing_found(message: str) -> bool:
    """Whether a failure envelope's ``message`` says a lookup found nothing (no such record)."""
    return _NOTHING_FOUND.search(message) is not None


def _failure_text(doc: Any) -> str | None:
    """The server's message in a failure envelope (``response``, ``error`` or ``message``), bounded."""
    if isinstance(doc, dict):
        for key in ("response", "error", "message"):
            candidate = doc.get(key)
            if isinstance(candidate, str) and candidate.strip():
                return excerpt(candidate.strip(), _MESSAGE_CHARS)
    return None


def _failure_message(status: Any, doc: Any) -> str:
    """The server's message in a failure envelope, or what its status says when it has none."""
    return _failure_text(doc) or f"the API reported status {excerpt(status, 40)}"


def _failure(status: Any, doc: Any, *, request: str | None) -> APIResponseError:
    return APIResponseError(_failure_message(status, doc), status=status, request=request)


def _parse_error_body(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except _UNREADABLE:
        return None


def status_error(
    status: int,
    body: bytes,
    *,
    request: str | None = None,
    attempts: int = 1,
    retry_after: float | None = None,
    reason: str = "",
) -> APIStatusError:
    """The :class:`APIStatusError` subclass for a non-2xx response, carrying a bounded body excerpt.

    When the body is a JSON envelope, its message (``response`` / ``error``) is the error's message.
    """
    return _status_error(status, body, _parse_error_body(body), request, attempts, retry_after, reason)


def _status_error(
    status: int,
    body: bytes,
    doc: Any,
    request: str | None,
    attempts: int,
    retry_after: float | None,
    reason: str,
) -> APIStatusError:
    failed = isinstance(doc, dict) and doc.get("status") != _SUCCESS
    told = _failure_text(doc) if failed else None  # the envelope's own message, when it has one
    # The reason phrase is the server's text too: bounded and escaped like the body.
    message = (
        _failure_message(doc.get("status"), doc) if failed else excerpt(reason, 80) or "unexpected status"
    )
    common: dict[str, Any] = {
        "status": status,
        "body": excerpt(body, _BODY_EXCERPT),
        "request": request,
        "attempts": attempts,
        "retry_after": retry_after,
        "quote_body": told is None,  # the envelope's message says it; its JSON is in .body
    }
    if status in (401, 403):
        return AuthenticationError(message, **common)
    if status == 404:
        return NotFoundError(message, **common)
    if status == 429:
        return RateLimitError(message, **common)
    if status >= 500:
        return ServerError(message, **common)
    return APIStatusError(message, **common)


def _error_of(response: Response, *, request: str, attempts: int, max_retry_after: float) -> Exception:
    """The typed error a non-2xx response stands for (the body parsed once)."""
    status, body = response.status, response.body
    header = response.headers.get("Retry-After")
    retry_after = parse_retry_after(header)
    if retry_after is not None and retry_after > max_retry_after and status in RETRYABLE_STATUSES:
        asked = f"{retry_after:g}" if retry_after < _INF else excerpt(header, 24)
        return RateLimitError(
            f"the server asked to wait {asked} s, more than the {max_retry_after:g} s this client waits",
            status=status,
            body=excerpt(body, _BODY_EXCERPT),
            request=request,
            attempts=attempts,
            retry_after=retry_after,
        )
    doc = _parse_error_body(body)
    error = _status_error(status, body, doc, request, attempts, retry_after, response.reason)
    if type(error) is APIStatusError and isinstance(doc, dict) and doc.get("status") != _SUCCESS:
        # A plain 4xx carrying a failure envelope is the API's own error: report its message as such.
        failure = _failure(doc.get("status"), doc, request=request)
        failure.__cause__ = error
        return failure
    return error


def _whole_json_likely(headers: Mapping[str, str], body: bytes) -> bool:
    """The transfer's end is known (``Content-Length`` or chunked: aiohttp raises when a body is cut short)
    and the body ends like a JSON object. Otherwise a cut or a server's trailing junk would go unnoticed."""
    framed = "Content-Length" in headers or "chunked" in headers.get("Transfer-Encoding", "").lower()
    return framed and body[-64:].rstrip().endswith(b"}")


def read_response(response: Response, *, request: str, attempts: int, max_retry_after: float) -> bytes:
    """The body of a 2xx ``response``, ready to decode; otherwise raise the typed error it stands for.

    A 2xx body whose end is in doubt gets a syntax scan (no objects built): one that is not JSON at all
    raises :class:`DecodeError` with ``unreadable`` set, a transfer fault the transport retries. A non-2xx
    status raises its :class:`APIStatusError` subclass; a ``Retry-After`` beyond ``max_retry_after`` raises
    :class:`RateLimitError`; a plain 4xx with a failure envelope raises :class:`APIResponseError`.
    """
    if 200 <= response.status < 300:
        body = response.body
        if body.startswith(_BOM):  # some PHP setups print one before the JSON: not a transfer fault
            body = body[len(_BOM) :]
        if not _whole_json_likely(response.headers, body):
            _check_json(body, request)
        return body
    raise _error_of(response, request=request, attempts=attempts, max_retry_after=max_retry_after)


_STATUS_KEY = b'"status"'
#: How far into a body its envelope's ``status`` is looked for: its first key, as in the API's answers.
_STATUS_REACH = 64


def is_failure_envelope(body: bytes) -> bool:
    """Whether a 2xx ``body`` starts as the API's failure envelope (``{"status":"failure", ...}``: no such
    record, a trial limit), by a look at its first bytes only: for the adaptive limit, which must not take
    such an answer, back at once without the work, for the server's latency. ``False`` when unsure."""
    head = body[:_STATUS_REACH].removeprefix(_BOM).lstrip(b" \t\r\n")
    if not head.startswith(b"{"):
        return False
    head = head[1:].lstrip(b" \t\r\n")
    if not head.startswith(_STATUS_KEY):  # its first key: a record's own "status" further in does not count
        return False
    value = head[len(_STATUS_KEY) :].lstrip(b" \t\r\n:")
    return value[:1] == b'"' and not value.startswith(b'"success"')


# --- the lenient path ------------------------------------------------------------------------------------

_NUMERIC_KINDS = frozenset({Kind.INT, Kind.FLOAT, Kind.MONEY, Kind.FLAG, Kind.ENUM, Kind.DATE, Kind.CLOCK})
#: An integer msgspec refuses as text but ``int()`` reads exactly: leading zeros or a sign, ASCII digits. A
#: ZEROFILL column pads to its display width (11 for an INT, 20 for a BIGINT); past 64 digits it is no id or
#: count (and ``int()`` refuses text past 4,300).
_PADDED_INT: Final = re.compile(r"\s*[+-]?[0-9]{1,64}\s*")


def _repair_record(record: Any, model: type[msgspec.Struct]) -> Any:
    """Fix, in a copy, the wire quirks msgspec rejects; anything else is left for msgspec to report."""
    if not isinstance(record, dict):
        return record
    fixed = dict(record)
    for spec in field_kinds(model):
        value = fixed.get(spec.wire)
        if value is None:
            continue
        kind = spec.kind
        if isinstance(value, str):
            if kind in _NUMERIC_KINDS and not value.strip():
                fixed[spec.wire] = None  # "" where a number, flag, code or date was expected: no value
            elif kind is Kind.INT and _PADDED_INT.fullmatch(value):
                fixed[spec.wire] = int(value)  # "007" (a MySQL ZEROFILL column), "+5", " 7 "
            elif kind in (Kind.INT, Kind.FLOAT, Kind.MONEY, Kind.ENUM) and value != value.strip():
                fixed[spec.wire] = value.strip()
        elif isinstance(value, bool):
            if kind is Kind.STR:
                fixed[spec.wire] = "1" if value else "0"
        elif isinstance(value, int | float):
            if kind in (Kind.STR, Kind.LIST, Kind.INT_LIST):
                fixed[spec.wire] = str(value)
            elif kind is Kind.INT and isinstance(value, float) and value.is_integer():
                fixed[spec.wire] = int(value)
        elif isinstance(value, list):
            if kind is Kind.LIST:
                fixed[spec.wire] = [
                    str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
                ]
            elif kind is Kind.INT_LIST:  # ["66", " 67", ""]: items trimmed, blanks dropped, as in "66, 67,"
                fixed[spec.wire] = [
                    v.strip() if isinstance(v, str) else v
                    for v in value
                    if not (isinstance(v, str) and not v.strip())
                ]
            elif (
                kind is Kind.ARRAY and isinstance(spec.inner, type) and issubclass(spec.inner, msgspec.Struct)
            ):
                fixed[spec.wire] = [_repair_record(v, spec.inner) for v in value]
        elif isinstance(value, dict) and kind is Kind.MODEL:
            fixed[spec.wire] = _repair_record(value, spec.inner)
    return fixed


def _convert_record(record: Any, model: type[M], *, base: str, request: str | None) -> M:
    try:
        return msgspec.convert(_repair_record(record, model), model, strict=False)
    except msgspec.ValidationError as exc:
        raise _decode_error(exc, record, base=base, request=request) from None


def _not_json(body: bytes, exc: Exception, request: str | None) -> DecodeError:
    what = "an empty body" if not body.strip() else "a body that is not valid JSON"
    if body.lstrip()[:1] == b"<":
        what = "an HTML page instead of JSON"
    return DecodeError(
        f"expected a JSON envelope, got {what} ({exc})",
        value=excerpt(body, 120),
        request=request,
        unreadable=True,
    )


def _parse(body: bytes, request: str | None) -> Any:
    try:
        return msgspec.json.decode(body)
    except _UNREADABLE as exc:
        raise _not_json(body, exc, request) from None


def _checked_envelope(body: bytes, request: str | None) -> dict[str, Any]:
    doc = _parse(body, request)
    if not isinstance(doc, dict):
        raise DecodeError("expected a JSON object envelope", value=excerpt(body, 120), request=request)
    status = doc.get("status")
    if status != _SUCCESS:
        raise _failure(status, doc, request=request)
    if "response" not in doc or doc["response"] is None:
        raise DecodeError(
            "the envelope has no response", path="$.response", value=excerpt(body, 120), request=request
        )
    return doc


def _total(doc: dict[str, Any], request: str | None) -> int | None:
    total = doc.get("total")
    if total is None or total == "":
        return None
    try:
        value = int(total) if not isinstance(total, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or value < 0:
        raise DecodeError(
            "total is not a non-negative integer", path="$.total", value=excerpt(total, 40), request=request
        )
    return value


def _records(doc: dict[str, Any], request: str | None) -> list[Any]:
    records = doc["response"]
    if not isinstance(records, list):
        raise DecodeError(
            "expected a list of records", path="$.response", value=excerpt(records, 80), request=request
        )
    return records


def _fast(body: bytes, tp: Any, request: str | None) -> _Envelope[Any] | None:
    """The fast path: a clean success envelope, or ``None`` to take the lenient path."""
    try:
        env: _Envelope[Any] = _decoder(tp).decode(body)
    except msgspec.ValidationError:
        return None
    except _UNREADABLE as exc:
        raise _not_json(body, exc, request) from None
    if env.status != _SUCCESS or env.response is None:
        return None
    return env


# --- public decoders -------------------------------------------------------------------------------------


def _check_json(body: bytes, request: str | None) -> None:
    """Raise the :class:`DecodeError` :func:`decode_page` would raise for a body that is not JSON at all (cut
    short, an HTML page): a syntax scan that builds no objects, about a sixth of a page decode's time."""
    try:
        msgspec.json.decode(body, type=msgspec.Raw)
    except _UNREADABLE as exc:
        raise _not_json(body, exc, request) from None


def decode_page(
    body: bytes, model: type[M], *, request: str | None = None, skip_invalid: bool = False
) -> PageContent[M]:
    """Decode a paginated list envelope: ``{"status": "success", "total": N, "response": [...]}``."""
    env = _fast(body, list[model], request)  # type: ignore[valid-type]
    # A negative total is not a clean page: the lenient path reports it.
    if env is not None and (env.total is None or env.total >= 0):
        items = cast("list[M]", env.response)
        return PageContent(items, env.total, [])
    doc = _checked_envelope(body, request)
    total = _total(doc, request)
    items = []
    skipped: list[DecodeError] = []
    for index, record in enumerate(_records(doc, request)):
        try:
            items.append(_convert_record(record, model, base=f"$.response[{index}]", request=request))
        except DecodeError as exc:
            if not skip_invalid:
                raise
            skipped.append(exc)
    return PageContent(items, total, skipped)


def decode_list(body: bytes, model: type[M], *, request: str | None = None) -> list[M]:
    """Decode an unpaginated list envelope (no ``total``), such as testimonials."""
    return decode_page(body, model, request=request).items


def decode_one(body: bytes, model: type[M], *, request: str | None = None) -> M:
    """Decode a single-record envelope: ``{"status": "success", "response": {...}}``."""
    env = _fast(body, model, request)
    if env is not None:
        return cast("M", env.response)
    doc = _checked_envelope(body, request)
    raw = doc["response"]
    if isinstance(raw, list) and len(raw) == 1:  # some PHP backends wrap a single row in a list
        raw, base = raw[0], "$.response[0]"
    else:
        base = "$.response"
    if not isinstance(raw, dict):
        raise DecodeError("expected a record object", path=base, value=excerpt(raw, 80), request=request)
    return _convert_record(raw, model, base=base, request=request)


def decode_text(body: bytes, *, request: str | None = None) -> str:
    """Decode an envelope whose ``response`` is a string: an on-demand link, or a write's result message."""
    env = _fast(body, str, request)
    if env is not None:
        return cast("str", env.response)
    doc = _checked_envelope(body, request)
    value = doc["response"]
    if not isinstance(value, str):
        raise DecodeError(
            "expected a string response", path="$.response", value=excerpt(value, 80), request=request
        )
    return value
