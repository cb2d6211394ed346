"""What every resource shares: reading its endpoint from ``ENDPOINTS``, building paths, resolving a call's
options, one page, iteration, single records and writes. Resource modules only name their endpoints and
their public method signatures."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast
from urllib.parse import quote

import msgspec

from aiobizstim._checks import (
    check_id,
    check_on_decode_error,
    check_optional_positive,
    check_overlap,
    check_page_args,
)
from aiobizstim._config import RequestOptions
from aiobizstim._envelope import decode_list, decode_one, decode_page, decode_text, says_nothing_found
from aiobizstim._log import logger
from aiobizstim._pagination import DecodedPage, OnDecodeError, Page, PageIterator, RawPage, RecordIterator
from aiobizstim._transport import Transport
from aiobizstim.errors import APIResponseError, APIStatusError, BizstimError, DecodeError, NotFoundError
from aiobizstim.models import ENDPOINTS, Endpoint, to_wire
from aiobizstim.models._base import blank_required, given, unmet_requirement
from aiobizstim.models._checks import check_values

__all__ = ["M", "PagedResource", "Resource", "segment"]

M = TypeVar("M", bound=msgspec.Struct)
W = TypeVar("W", bound=msgspec.Struct)
R = TypeVar("R")


_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def segment(value: str | int) -> str:
    """One percent-encoded path segment: ``/ ? # %``, spaces and non-ASCII are escaped, dot segments too."""
    text = str(value)
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe="")


class Resource:
    """Base of the resource namespaces (``bz.clients``, ``bz.discounts``, ...)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"

    def _options(
        self, timeout: object, max_retries: object = None, *, export: bool = False
    ) -> RequestOptions:
        """A call's options, resolved once, before any request."""
        return self._transport.config.options(timeout=timeout, max_retries=max_retries, export=export)

    @staticmethod
    def _path(endpoint: Endpoint, **params: str | int) -> str:
        return endpoint.path.format(**{key: segment(value) for key, value in params.items()})

    async def _get_one(
        self,
        name: str,
        model: type[W],
        options: RequestOptions,
        *,
        query: Mapping[str, str] | None = None,
        path_params: Mapping[str, str | int] | None = None,
    ) -> W:
        """One record. A failure envelope answering the lookup that says nothing was found ("No client
        found", whatever its HTTP status) means "no such record": :class:`NotFoundError`, as a 404 is. Any
        other (a trial ended, "Error", a bad parameter) is about the request, not the record, and stays the
        :class:`APIResponseError` it is."""
        endpoint = ENDPOINTS[name]
        assert endpoint.response_model is model, f"{name} answers {endpoint.response_model}, not {model}"

        def decode(body: bytes, label: str) -> W:
            return decode_one(body, model, request=label)

        try:
            return await self._transport.request(
                endpoint.verb,
                self._path(endpoint, **(path_params or {})),
                decode,
                options=options,
                params=query,
                kind=endpoint.name,
            )
        except APIResponseError as failure:
            if not says_nothing_found(failure.message):
                raise
            cause = failure.__cause__  # the plain 4xx that carried the envelope, if it was one
            status, body = (
                (cause.status, cause.body) if isinstance(cause, APIStatusError) else (200, failure.message)
            )
            raise NotFoundError(
                failure.message, status=status, body=body, request=failure.request, quote_body=False
            ) from failure

    async def _get_by_id(
        self, name: str, model: type[W], record_id: object, timeout: object, max_retries: object
    ) -> W:
        """The record ``record_id`` of endpoint ``name``, whose path has one parameter: the id."""
        ident = check_id("id", record_id)
        (param,) = _PATH_PARAMETER.findall(ENDPOINTS[name].path)
        options = self._options(timeout, max_retries)
        return await self._get_one(name, model, options, path_params={param: ident})

    async def _get_list(self, name: str, model: type[W], options: RequestOptions) -> list[W]:
        endpoint = ENDPOINTS[name]
        assert endpoint.response_model is model, f"{name} answers {endpoint.response_model}, not {model}"

        def decode(body: bytes, label: str) -> list[W]:
            return decode_list(body, model, request=label)

        return await self._transport.request(
            endpoint.verb, self._path(endpoint), decode, options=options, kind=endpoint.name
        )

    async def _get_text(self, name: str, options: RequestOptions, **params: str | int) -> str:
        endpoint = ENDPOINTS[name]
        return await self._transport.request(
            endpoint.verb, self._path(endpoint, **params), _decode_text, options=options, kind=endpoint.name
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
        """Send a write (exactly once: never retried, by the client or by aiohttp) and return the result
        message.

        The body is checked first: ``TypeError`` for what a signature or type checker would catch (a
        missing required field, an unknown one, the wrong model, a value of the wrong type), ``ValueError``
        for what its values break (a rule of the model's ``__required_any_of__``, nothing set, an enum code or
        an amount its field cannot take; the values: :func:`~aiobizstim.models._checks.check_values`). The
        rule is checked here, when the body is sent, not when it is built, so that a body may be built in
        steps (``msgspec.structs.replace``)."""
        endpoint = ENDPOINTS[name]
        model = endpoint.request_model
        assert model is not None, f"endpoint {name} has no request model"
        options = self._options(timeout)  # never retried: the transport sends a write once
        if body is None:
            try:
                body = model(**fields)
            except TypeError as exc:
                raise TypeError(f"{model.__name__}: {exc}") from None
        elif fields:
            raise TypeError(f"pass either a {model.__name__} or keyword fields, not both")
        elif not isinstance(body, model):
            raise TypeError(f"expected a {model.__name__}, got {type(body).__name__}")
        if blank := blank_required(body):
            raise ValueError(f"{model.__name__}: required field(s) left blank: {', '.join(blank)}")
        problem = unmet_requirement(model, lambda name: given(getattr(body, name)))
        if problem is not None:
            raise ValueError(f"{model.__name__}: {problem}")
        check_values(body)
        payload = to_wire(body)
        if not payload:
            raise ValueError(f"{model.__name__} has no field set: there is nothing to send")
        return await self._transport.request(
            endpoint.verb,
            self._path(endpoint, **params),
            _decode_text,
            options=options,
            json=payload,
            kind=endpoint.name,
        )


def _decode_text(body: bytes, label: str) -> str:
    return decode_text(body, request=label)


class PagedResource(Resource, Generic[M]):
    """A resource with a paginated list method: ``list()`` for one page, ``iter()`` for every record."""

    _list_name: ClassVar[str]

    @property
    def _list_endpoint(self) -> Endpoint:
        return ENDPOINTS[self._list_name]

    @property
    def _model(self) -> type[M]:
        model = self._list_endpoint.response_model
        assert model is not None
        return cast(type[M], model)

    def _default_window(self) -> int | Callable[[], int]:
        """Pages requested ahead: the concurrency limit; an adaptive one is followed as it changes (so the
        pages held out of order stay within what the server is serving at once)."""
        transport = self._transport
        return transport.concurrency_limit if transport.adaptive else transport.config.max_concurrency

    async def _read_page(
        self,
        start: int,
        limit: int,
        handle: Callable[[bytes, str], R],
        options: RequestOptions,
    ) -> R:
        endpoint = self._list_endpoint
        return await self._transport.request(
            endpoint.verb,
            self._path(endpoint, start=start, limit=limit),
            handle,
            options=options,
            kind=(endpoint.name, limit),  # a page's latency grows with its size
        )

    def _page_decoder(self, start: int, limit: int, skip: bool) -> Callable[[bytes, str], DecodedPage[M]]:
        model = self._model
        transport = self._transport

        def decode(body: bytes, label: str) -> DecodedPage[M]:
            try:
                page = decode_page(body, model, request=label, skip_invalid=skip)
            except BizstimError as error:  # decoded by the iterators, outside the transport: redact here too
                transport.redact(error)
                raise
            for skipped in page.skipped:
                transport.redact(skipped)
                transport.stats.skipped_records += 1
                logger.warning("skipped a record that failed to decode: %s", skipped)
            return DecodedPage(start, limit, page.items, page.total, len(page.items) + len(page.skipped))

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
        skip = check_on_decode_error(on_decode_error)
        options = self._options(timeout, max_retries)
        page = await self._read_page(start, limit, self._page_decoder(start, limit, skip), options)
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
        resume: Any = None,
    ) -> RecordIterator[M]:
        """Every record from offset ``start`` (at most ``max_items``), in list order, each at most once.

        Pages of ``page_size`` (default: the documented maximum) are prefetched concurrently, at most
        ``window`` (default: the client's concurrency limit, followed as it adapts) at a time. Each page
        request gets ``max_retries`` retries (default: the client's ``export_max_retries``, 10 unless
        configured, higher than single calls since a long export makes many requests). Records inserted or
        deleted meanwhile are neither repeated nor missed if they existed throughout: consecutive pages
        share ``overlap`` records (the exact guarantee and its cost: :mod:`aiobizstim._pagination`). With
        ``on_decode_error="skip"`` a record that fails to decode is logged, counted in
        ``stats.skipped_records`` and dropped instead of raising :class:`~aiobizstim.DecodeError`.
        Arguments are checked at call time. The iterator's ``total`` is the server's latest ``total``.
        ``resume`` takes a checkpoint of :meth:`iter_pages` (see there) and continues after it.
        """
        return RecordIterator(
            self.iter_pages(
                page_size=page_size,
                start=start,
                max_items=max_items,
                on_decode_error=on_decode_error,
                window=window,
                overlap=overlap,
                max_retries=max_retries,
                timeout=timeout,
                resume=resume,
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
        resume: Any = None,
    ) -> PageIterator[M]:
        """:meth:`iter`, a page's worth of new records at a time (each list non-empty, in list order): the
        first page's ``page_size``, then ``page_size - overlap`` (980 of 1000) as consecutive pages share
        ``overlap`` records, fewer where records moved.

        For bulk consumers: handing over whole lists saves a generator step per record. After handling a
        page, ``it.checkpoint()`` gives a small JSON-serialisable value; ``iter_pages(resume=value)`` (same
        ``start`` and ``page_size``) continues after the records handed out, even in another process and
        after records were inserted or deleted meanwhile: no record twice, none missed that existed
        throughout (the drift guarantee of :mod:`aiobizstim._pagination`).
        """
        endpoint = self._list_endpoint
        assert endpoint.max_limit is not None
        size = endpoint.max_limit if page_size is None else page_size
        start, size = check_page_args(start, size, endpoint.max_limit, limit_name="page_size")
        max_items = check_optional_positive("max_items", max_items)
        width = check_optional_positive("window", window) or self._default_window()
        if overlap is not None:
            check_overlap(overlap, size)
        skip = check_on_decode_error(on_decode_error)
        options = self._options(timeout, max_retries, export=True)

        # A body that passed the transport's checks but is not JSON when decoded (lazily, in list order) is
        # read again, decoded at once, with the retries that are left: as list() would have retried it.
        retries = options.max_retries
        again = dataclasses.replace(options, max_retries=max(retries - 1, 0))

        async def fetch(offset: int, limit: int) -> RawPage[M]:
            decode = self._page_decoder(offset, limit, skip)

            def received(body: bytes, label: str) -> RawPage[M]:
                async def reread(error: DecodeError) -> DecodedPage[M]:
                    self._transport.note_retry(error, label, 1, retries, 0.0)
                    return await self._read_page(offset, limit, decode, again)

                return RawPage(body, lambda body: decode(body, label), reread if retries else None)

            return await self._read_page(offset, limit, received, options)

        return PageIterator(
            fetch,
            start=start,
            page_size=size,
            max_items=max_items,
            window=width,
            overlap=overlap,
            stats=self._transport.stats,
            what=self._list_name,
            resume=resume,
        )
