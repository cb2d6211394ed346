"""What a client reports about its own traffic: counters, and the retry events its warnings carry (for
progress displays, summaries and tests)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClientStats", "RetryEvent"]


@dataclass(slots=True)
class ClientStats:
    """What one :class:`~aiobizstim.Bizstim` client has done so far; read it as ``bz.stats``.

    Traffic: ``requests`` sent (every attempt), ``retries``, ``errors`` raised to the caller. Iterators:
    ``pages`` read, ``drift_repairs`` (pages read again because records moved), ``duplicates_dropped``
    (records read twice and handed out once: mostly the ``overlap`` consecutive pages share by design, not
    duplicates in the data), ``skipped_records`` (``on_decode_error="skip"``), ``records_gone`` (listed, then
    not found by ``iter_details``). Concurrency: the limit now, the range it took, the lowest a cut took an
    ``"auto"`` limit to (``None`` while none has) and the range it may take. Each field's comment in the
    source says more.
    """

    #: HTTP requests sent (every attempt counts, retries included; on the session the client creates, also
    #: the re-send aiohttp makes by itself when a connection drops before the response).
    requests: int = 0
    #: Attempts that failed transiently and were tried again (aiohttp's own re-sends included, as above).
    retries: int = 0
    #: Calls that ended in an error raised to the caller.
    errors: int = 0
    #: Records dropped by ``on_decode_error="skip"``.
    skipped_records: int = 0
    #: Pages fetched by the iterators (drift repairs included).
    pages: int = 0
    #: Extra pages fetched to repair a gap caused by records inserted or deleted during an export.
    drift_repairs: int = 0
    #: Records read again and not handed out twice: those consecutive pages share by design (``overlap``,
    #: about 2 % of the records of a walk), and any seen again after records moved.
    duplicates_dropped: int = 0
    #: Records a list gave whose lookup then found nothing (deleted since): ``iter_details`` skips them.
    records_gone: int = 0
    #: Requests that may be in flight now (``max_concurrency``, or where ``"auto"`` has taken it).
    concurrency_limit: int = 0
    #: The lowest and highest that limit has been so far (both ``max_concurrency`` when it is fixed).
    concurrency_low: int = 0
    concurrency_high: int = 0
    #: The lowest a cut has taken an ``"auto"`` limit to (429s, timeouts or latency); ``None`` while none
    #: has. ``concurrency_low`` is often just the start: this tells a fall from it.
    concurrency_cut_to: int | None = None
    #: The range the limit may take: ``(minimum, maximum)`` of ``"auto"``, ``(N, N)`` for a fixed ``N``.
    concurrency_bounds: tuple[int, int] = (0, 0)


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """A retry, as every ``retrying ...`` warning of the ``aiobizstim`` logger carries it in
    ``record.retry``: for progress displays, which need not parse the message."""

    #: ``"GET /api/clients/0/1000"``.
    request: str
    #: Seconds until the next try.
    delay: float
    #: The attempt that failed and the attempts allowed; ``None`` for aiohttp's own immediate re-send.
    attempt: int | None
    attempts: int | None
    #: Why the attempt failed (``"HTTP 503"``, ``"connection failed: ..."``).
    reason: str
