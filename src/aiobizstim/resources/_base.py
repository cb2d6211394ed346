"""What every resource shares: reading its endpoint from ``ENDPOINTS``, building paths, one page, iteration,
single records and writes. Resource modules only name their endpoints and their public method signatures."""

from __future__ import annotations

import builtins
import functools
import logging
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast
from urllib.parse import quote

import msgspec

from aiobizstim._envelope import check_json, decode_list, decode_one, decode_page, decode_text
from aiobizstim._pagination import (
    FetchedPage,
    OnDecodeError,
    Page,
    ReceivedPage,
    check_int,
    check_page_args,
    iterate_pages,
    iterate_records,
)
from aiobizstim._transport import Transport
from aiobizstim.models import ENDPOINTS, Endpoint, to_wire

__all__ = ["M", "PagedResource", "Resource", "check_id", "encode_body", "segment"]

M = TypeVar("M", bound=msgspec.Struct)
W = TypeVar("W", bound=msgspec.Struct)
R = TypeVar("R")

logger = logging.getLogger("aiobizstim")


def encode_body(body: msgspec.Struct) -> Any:
    """The JSON-ready wire form of a request model (every value as the API expects it)."""
    return to_wire(body)


def segment(value: str | int) -> str:
    """One percent-encoded path segment: ``/ ? # %``, spaces and non-ASCII are escaped, dot segments too."""
    text = str(value)
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe="")


def check_id(name: str, value: object) -> int:
    """A record id: an int (bools refused) >= 1."""
    ident = check_int(name, value)
    if ident < 1:
        raise ValueError(f"{name} must be a positive int, got {ident}")
    return ident


def _check_on_decode_error(value: object) -> bool:
    if value not in ("raise", "skip"):
        raise ValueError(f"on_decode_error must be 'raise' or 'skip', got {value!r}")
    return value == "skip"


def _check_optional_positive(name: str, value: object) -> int | None:
    if value is None:
        return None
    number = check_int(name, value)
    if number < 1:
        raise ValueError(f"{name} must be >= 1, got {number}")
    return number


class Resource:
    """Base of the resource namespaces (``bz.clients``, ``bz.discounts``, ...)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"

    @staticmethod
    def _endpoint(name: str) -> Endpoint:
        return ENDPOINTS[name]

    @staticmethod
    def _path(endpoint: Endpoint, **params: str | int) -> str:
        return endpoint.path.format(**{key: segment(value) for key, value in params.items()})

    async def _get_one(
        self,
        name: str,
        model: type[W],
        *,
        query: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        **params: str | int,
    ) -> W:
        endpoint = self._endpoint(name)
        assert endpoint.response_model is model, f"{name} answers {endpoint.response_model}, not {model}"

        def decode(body: bytes, label: str) -> W:
            return decode_one(body, model, request=label)

        return await self._transport.request(
            endpoint.verb,
            self._path(endpoint, **params),
            decode,
            params=query,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def _get_list(
        self, name: str, model: type[W], *, timeout: float | None = None, max_retries: int | None = None
    ) -> list[W]:
        endpoint = self._endpoint(name)
        assert endpoint.response_model is model, f"{name} answers {endpoint.response_model}, not {model}"

        def decode(body: bytes, label: str) -> list[W]:
            return decode_list(body, model, request=label)

        return await self._transport.request(
            endpoint.verb, self._path(endpoint), decode, timeout=timeout, max_retries=max_retries
        )

    async def _get_text(
        self, name: str, *, timeout: float | None = None, max_retries: int | None = None, **params: str | int
    ) -> str:
        endpoint = self._endpoint(name)
        return await self._transport.request(
            endpoint.verb,
            self._path(endpoint, **params),
            _decode_text,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def _write(
        self,
        name: str,
        body: msgspec.Struct | None,
        fields: Mapping[str, Any],
        *,
        timeout: float | None = None,
        **params: str | int,
    ) -> str:
        """Send a write (never retried by the client; aiohttp re-sends a PUT once by itself if the connection
        drops before any answer, as it does for every idempotent method) and return the result message."""
        endpoint = self._endpoint(name)
        model = endpoint.request_model
        assert model is not None, f"endpoint {name} has no request model"
        if body is None:
            try:
                body = model(**fields)
            except TypeError as exc:
                raise TypeError(f"{model.__name__}: {exc}") from None
        elif fields:
            raise TypeError(f"pass either a {model.__name__} or keyword fields, not both")
        elif not isinstance(body, model):
            raise TypeError(f"expected a {model.__name__}, got {type(body).__name__}")
        payload = encode_body(body)
        if not payload:
            raise ValueError(f"{model.__name__} has no field set: there is nothing to send")
        return await self._transport.request(
            endpoint.verb,
            self._path(endpoint, **params),
            _decode_text,
            json=payload,
            timeout=timeout,
        )


def _decode_text(body: bytes, label: str) -> str:
    return decode_text(body, request=label)


class PagedResource(Resource, Generic[M]):
    """A resource with a paginated list method: ``list()`` for one page, ``iter()`` for every record."""

    _list_name: ClassVar[str]

    @property
    def _list_endpoint(self) -> Endpoint:
        return self._endpoint(self._list_name)

    @property
    def _model(self) -> type[M]:
        model = self._list_endpoint.response_model
        assert model is not None
        return cast(type[M], model)

    async def _fetch(
        self, start: int, limit: int, *, skip: bool, timeout: float | None, max_retries: int | None
    ) -> FetchedPage[M]:
        return await self._get_page(
            start, limit, self._page_decoder(start, limit, skip), timeout, max_retries
        )

    async def _receive(
        self, start: int, limit: int, *, skip: bool, timeout: float | None, max_retries: int | None
    ) -> ReceivedPage[M]:
        """:meth:`_fetch` for the iterators: the page is decoded when the iterator reaches it.

        A body that is not a JSON object at all (a server error page or message) is caught here, so that
        the transport retries it as it would on decoding: the transport itself catches bodies cut short.
        """
        decode = self._page_decoder(start, limit, skip)

        def received(body: bytes, label: str) -> ReceivedPage[M]:
            if not body[-64:].rstrip().endswith(b"}"):  # not an object: find out what it is
                check_json(body, request=label)
            return ReceivedPage(functools.partial(decode, body, label))

        return await self._get_page(start, limit, received, timeout, max_retries)

    async def _get_page(
        self,
        start: int,
        limit: int,
        handle: Callable[[bytes, str], R],
        timeout: float | None,
        max_retries: int | None,
    ) -> R:
        endpoint = self._list_endpoint
        return await self._transport.request(
            endpoint.verb,
            self._path(endpoint, start=start, limit=limit),
            handle,
            timeout=timeout,
            max_retries=max_retries,
        )

    def _page_decoder(self, start: int, limit: int, skip: bool) -> Callable[[bytes, str], FetchedPage[M]]:
        model = self._model
        stats = self._transport.stats

        def decode(body: bytes, label: str) -> FetchedPage[M]:
            page = decode_page(body, model, request=label, skip_invalid=skip)
            for error in page.skipped:
                stats.skipped_records += 1
                logger.warning("skipped a record that failed to decode: %s", error)
            return FetchedPage(start, limit, page.items, page.total, len(page.items) + len(page.skipped))

        return decode

    async def list(
        self,
        start: int = 0,
        limit: int | None = None,
        *,
        on_decode_error: OnDecodeError = "raise",
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Page[M]:
        """One page: ``limit`` records (default: the endpoint's documented default) from offset ``start``.

        Raises ``ValueError``/``TypeError`` before any request for a negative ``start`` or a ``limit`` outside
        ``1..max``. ``max_retries`` overrides the client's retry budget for this call.
        """
        endpoint = self._list_endpoint
        assert endpoint.default_limit is not None
        assert endpoint.max_limit is not None
        start, limit = check_page_args(
            start, endpoint.default_limit if limit is None else limit, endpoint.max_limit
        )
        skip = _check_on_decode_error(on_decode_error)
        page = await self._fetch(start, limit, skip=skip, timeout=timeout, max_retries=max_retries)
        return Page(page.items, page.total, start, limit, skipped=page.raw_count - len(page.items))

    def iter(
        self,
        *,
        page_size: int | None = None,
        start: int = 0,
        max_items: int | None = None,
        on_decode_error: OnDecodeError = "raise",
        window: int | None = None,
        overlap: int | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> AsyncGenerator[M, None]:
        """Every record from offset ``start`` (at most ``max_items``), in list order, each at most once.

        Pages of ``page_size`` (default: the documented maximum) are prefetched concurrently, at most
        ``window`` (default: the client's ``max_concurrency``) at a time. Each page request gets
        ``max_retries`` retries (default: the client's ``export_max_retries``, 10 unless configured, higher
        than single calls since a long export makes many requests). Records inserted or deleted meanwhile are
        handled as described in
        :mod:`aiobizstim._pagination` (``overlap`` records shared by consecutive pages). With
        ``on_decode_error="skip"`` a record that fails to decode is logged, counted in
        ``stats.skipped_records`` and dropped instead of raising :class:`~aiobizstim.DecodeError`. Arguments
        are checked at call time.
        """
        return iterate_records(
            **self._iteration(
                page_size, start, max_items, on_decode_error, window, overlap, max_retries, timeout
            )
        )

    def iter_pages(
        self,
        *,
        page_size: int | None = None,
        start: int = 0,
        max_items: int | None = None,
        on_decode_error: OnDecodeError = "raise",
        window: int | None = None,
        overlap: int | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> AsyncGenerator[builtins.list[M], None]:
        """:meth:`iter`, a page's worth of new records at a time (each list non-empty, in list order).

        For bulk consumers: handing over whole lists saves a generator step per record.
        """
        return iterate_pages(
            **self._iteration(
                page_size, start, max_items, on_decode_error, window, overlap, max_retries, timeout
            )
        )

    def _iteration(
        self,
        page_size: int | None,
        start: int,
        max_items: int | None,
        on_decode_error: OnDecodeError,
        window: int | None,
        overlap: int | None,
        max_retries: int | None,
        timeout: float | None,
    ) -> dict[str, Any]:
        """Check :meth:`iter`'s arguments (before any request) and build the iterator's keyword arguments."""
        endpoint = self._list_endpoint
        assert endpoint.max_limit is not None
        size = endpoint.max_limit if page_size is None else page_size
        start, size = check_page_args(start, size, endpoint.max_limit)
        max_items = _check_optional_positive("max_items", max_items)
        width = _check_optional_positive("window", window) or self._transport.config.max_concurrency
        if overlap is not None:
            check_int("overlap", overlap)
            if not 0 <= overlap < size:
                raise ValueError(f"overlap must be between 0 and page_size - 1, got {overlap}")
        skip = _check_on_decode_error(on_decode_error)
        budget = self._transport.retry_budget(max_retries, export=True)
        self._transport._timeout(timeout)

        def fetch(offset: int, limit: int) -> Any:
            return self._receive(offset, limit, skip=skip, timeout=timeout, max_retries=budget)

        return {
            "fetch": fetch,
            "start": start,
            "page_size": size,
            "max_items": max_items,
            "window": width,
            "overlap": overlap,
            "stats": self._transport.stats,
            "what": self._list_name,
        }


def check_selector_text(name: str, value: object) -> str:
    """A non-empty, non-blank string argument."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    return value


def check_rows(
    header: Sequence[object], data: Sequence[Sequence[object]]
) -> tuple[list[str], list[list[str]]]:
    """Validate a bulk import table: a non-empty header of strings and rows of the header's length."""
    if isinstance(header, str) or not isinstance(header, Sequence):
        raise TypeError("header must be a list of column names")
    if not header:
        raise ValueError("header must not be empty")
    cols = [check_selector_text(f"header[{i}]", col) for i, col in enumerate(header)]
    if isinstance(data, str) or not isinstance(data, Sequence):
        raise TypeError("data must be a list of rows")
    if not data:
        raise ValueError("data must contain at least one row")
    rows: list[list[str]] = []
    for r, row in enumerate(data):
        if isinstance(row, str) or not isinstance(row, Sequence):
            raise TypeError(f"data[{r}] must be a list of values")
        if len(row) != len(cols):
            raise ValueError(f"data[{r}] has {len(row)} values but header has {len(cols)} columns")
        values = []
        for c, value in enumerate(row):
            if value is None:
                values.append("")
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                values.append(str(value))
            else:
                raise TypeError(f"data[{r}][{c}] must be a str or number, got {type(value).__name__}")
        rows.append(values)
    return cols, rows
