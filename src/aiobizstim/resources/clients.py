"""``bz.clients``: list, iterate, look up, fetch every full record, update, add and bulk-import clients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, overload

from aiobizstim._checks import check_count, check_id, check_lookahead, check_rows, check_text
from aiobizstim._constants import DETAILS_LOOKAHEAD
from aiobizstim._envelope import is_failure_envelope, says_nothing_found
from aiobizstim._log import logger
from aiobizstim._pagination import FanOut, OnDecodeError, RecordGoneError
from aiobizstim.errors import APIResponseError, NotFoundError
from aiobizstim.models import Client, ClientCreate, ClientImport, ClientSummary, ClientUpdate
from aiobizstim.resources._base import PagedResource

__all__ = ["Clients"]


class Clients(PagedResource[ClientSummary]):
    """Clients: ``list``/``iter`` (summaries), ``get`` (full record), ``iter_details``, ``update``, ``add``,
    ``import_``."""

    _list_name = "clients"

    # One overload per documented lookup, so that a type checker rejects get() with none, or with two.
    @overload
    async def get(
        self, id: int, *, timeout: float | None = None, max_retries: int | None = None
    ) -> Client: ...
    @overload
    async def get(
        self, *, email: str, timeout: float | None = None, max_retries: int | None = None
    ) -> Client: ...
    @overload
    async def get(
        self, *, username: str, timeout: float | None = None, max_retries: int | None = None
    ) -> Client: ...
    @overload
    async def get(
        self,
        *,
        first_name: str,
        last_name: str,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Client: ...
    async def get(
        self,
        id: int | None = None,
        *,
        email: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Client:
        """The full record of one client, looked up by exactly one of: ``id``, ``email``, ``username``, or
        ``first_name`` + ``last_name`` together (the API's documented lookups, in its order of precedence).

        ``get(21)`` and ``get(id=21)`` are the same. Sent as query parameters of ``GET /api/client``. Bad
        selectors raise ``ValueError``/``TypeError`` before any request; no such client raises
        :class:`~aiobizstim.NotFoundError` (a 404, or the API's failure envelope).
        """
        query = _selector(id=id, email=email, username=username, first_name=first_name, last_name=last_name)
        return await self._get_one("client", Client, self._options(timeout, max_retries), query=query)

    def iter_details(
        self,
        *,
        concurrency: int | None = None,
        lookahead: int | None = None,
        page_size: int | None = None,
        start: int = 0,
        max_items: int | None = None,
        on_decode_error: OnDecodeError = "raise",
        max_retries: int | None = None,
        timeout: float | None = None,
        resume: Any = None,
    ) -> FanOut[ClientSummary, Client]:
        """The full record of every client: ``get(id=...)`` for each client of :meth:`iter`, at most
        ``concurrency`` lookups at once, yielded in list order. The default, twice the client's
        ``max_concurrency`` (with ``"auto"``, twice the top of its range), keeps the client-wide cap busy
        while some lookups wait to retry (the cap, adaptive or not, still bounds requests in flight).

        At most ``lookahead`` lookups (default 256, and at least ``concurrency``) run or wait, finished, ahead
        of the record the consumer is at: that bounds the full records held in memory, while one lookup that
        backs off between retries does not stall the others. Each lookup and page request gets
        ``max_retries`` retries (default: the client's ``export_max_retries``). The iterator's ``total`` is
        the server's client count. Closing the iterator cancels the lookups in flight.

        ``it.checkpoint()``, at any moment between records, gives a small JSON-serialisable value that
        covers exactly the records yielded so far (not the lookups running ahead); ``iter_details(resume=
        value)`` (same ``start`` and ``page_size``) continues after them, in another process too, with the
        guarantee of :meth:`iter_pages`' checkpoints: no record twice, none missed that existed throughout,
        list order kept. It re-reads the list from the page the stop fell in and looks up only the clients
        not yielded. A client whose lookup failed is not covered: a resume looks it up again if the list
        still holds it. A client deleted between list and lookup (the API answers its lookup with its failure
        envelope saying nothing was found, "No client found") is skipped, as the drift guarantee allows for a
        record deleted meanwhile: logged as a warning and counted in ``stats.records_gone``; any other
        :class:`~aiobizstim.NotFoundError` (a 404 of a wrong route, a trial ended) is raised.
        """
        width = check_count(
            "concurrency",
            2 * self._transport.config.max_concurrency if concurrency is None else concurrency,
            minimum=1,
        )
        ahead = max(DETAILS_LOOKAHEAD, width) if lookahead is None else check_lookahead(lookahead, width)
        options = self._options(timeout, max_retries, export=True)
        summaries = self.iter_pages(
            page_size=page_size,
            start=start,
            max_items=max_items,
            on_decode_error=on_decode_error,
            max_retries=options.max_retries,
            timeout=options.timeout,
            resume=FanOut.source_resume(resume),
        )

        async def detail(summary: ClientSummary) -> Client:
            try:
                return await self._get_one("client", Client, options, query={"id": str(summary.id)})
            except NotFoundError as exc:
                if not _no_such_client(exc):  # a 404 of a route or a proxy: no answer about the client
                    raise
                self._transport.stats.records_gone += 1  # deleted since the list gave it
                logger.warning("client %s is gone since it was listed (%s): skipped", summary.id, exc.message)
                raise RecordGoneError from None

        return FanOut(summaries, detail, concurrency=width, lookahead=ahead)

    async def update(
        self, client_id: int, body: ClientUpdate | None = None, *, timeout: float | None = None, **fields: Any
    ) -> str:
        """Change some fields of client ``client_id`` (``PUT /api/client/{client_id}``); returns the server's
        message. Pass a :class:`ClientUpdate` or its fields as keywords. Never retried."""
        client_id = check_id("client_id", client_id)
        return await self._write("client.update", body, fields, timeout=timeout, client_id=client_id)

    async def add(
        self, body: ClientCreate | None = None, *, timeout: float | None = None, **fields: Any
    ) -> str:
        """Create one client (``PUT /api/client``, the older docs' method); returns the server's message."""
        return await self._write("client.add", body, fields, timeout=timeout)

    async def import_(
        self,
        header: Sequence[str],
        data: Sequence[Sequence[str | int | float | Decimal | date | None]],
        *,
        timeout: float | None = None,
    ) -> str:
        """Bulk-create clients (``POST /api/clients``): ``header`` names the columns, ``data`` has one row per
        client with one value per column (text, a number, a ``Decimal`` or a ``date``; ``None`` is empty).
        Returns the server's message (e.g. "The records were imported
        successfully."); a failure (e.g. the trial limit) raises :class:`~aiobizstim.APIResponseError`."""
        cols, rows = check_rows(header, data)
        return await self._write("clients.import", ClientImport(header=cols, data=rows), {}, timeout=timeout)


def _no_such_client(error: NotFoundError) -> bool:
    """Whether a lookup's ``error`` is the API's own answer that the client does not exist: its failure
    envelope (status ``"failure"``, with a 200 or a 404) saying nothing was found. Any other answer says
    nothing about the client: a bare 404 (an HTML page, a framework's ``{"status": false}``), or a failure
    about the request or the account (a trial ended, a bad key, no search parameters)."""
    failure = error.__cause__
    enveloped = (isinstance(failure, APIResponseError) and failure.status == "failure") or (
        error.status == 404 and is_failure_envelope(error.body.encode())
    )
    return enveloped and says_nothing_found(error.message)


def _selector(
    *,
    id: object,
    email: object,
    username: object,
    first_name: object,
    last_name: object,
) -> dict[str, str]:
    chosen = [
        name
        for name, value in (
            ("id", id),
            ("email", email),
            ("username", username),
            ("name", first_name or last_name),
        )
        if value is not None
    ]
    if (first_name is None) != (last_name is None):
        raise ValueError("first_name and last_name must be given together")
    if len(chosen) != 1:
        raise ValueError(
            "clients.get() needs exactly one of id=, email=, username=, or first_name= + last_name=; "
            f"got {', '.join(chosen) if chosen else 'none'}"
        )
    if id is not None:
        return {"id": str(check_id("id", id))}
    if email is not None:
        return {"email": check_text("email", email).strip()}
    if username is not None:
        return {"username": check_text("username", username).strip()}
    return {
        "first_name": check_text("first_name", first_name).strip(),
        "last_name": check_text("last_name", last_name).strip(),
    }
