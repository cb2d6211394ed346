"""The CPU cost of each stage of ``bizstim export clients``, measured apart, as one variant for
:mod:`tests.benchmarks._isolated`.

One child interpreter runs the four stages one after another on the same pages, each timed on its own with
``time.process_time`` (user + system CPU of this process, every thread included):

* ``http``: a raw aiohttp GET loop, :data:`~tests.benchmarks._peers.CONCURRENCY` in flight as the export
  has, reading every page's body (kept for the next stages) and nothing else;
* ``decode``: :func:`~aiobizstim._envelope.decode_page` on each body;
* ``encode``: :meth:`~aiobizstim.models._export.RecordEncoder.encode_lines` of each decoded page, as the
  JSON Lines writer calls it (a page is decoded, encoded, then freed, as in an export);
* ``write``: the encoded pages written to a file in a temp directory as the CLI writes one (1 MiB buffer,
  flushed and fsynced at the end).

Besides the stages, one cost only the export has (:data:`EXPORT_ONLY`, not part of the stage sum): ``dedup``,
the id de-duplication the drift guarantee needs (:meth:`~aiobizstim._pagination.NewRecords.take` of each
decoded page, its ids and id set included, as the walker builds them; these pages do not overlap, the
export's overlap by 20 records).

The decode and encode stages run under the CLI's :func:`~aiobizstim.cli._export.fewer_gc_passes`, as they
do inside an export. Every stage is warmed up first (connection, decoders, compiled model hooks).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import aiohttp

from aiobizstim._envelope import decode_page
from aiobizstim._pagination._ids import NewRecords
from aiobizstim._pagination._pages import DecodedPage
from aiobizstim._stats import ClientStats
from aiobizstim.cli._export import fewer_gc_passes
from aiobizstim.models import ClientSummary
from aiobizstim.models._export import RecordEncoder
from tests.benchmarks._peers import CONCURRENCY, PAGE, pages_url

STAGES = ("http", "decode", "encode", "write")
EXPORT_ONLY = ("dedup",)
_FILE_BUFFER = 1 << 20  # as cli/_atomic.py's temp file


async def _get_bodies(url: str, key: str, *, warm_up: bool) -> tuple[list[bytes], float]:
    """Every page's body, in order, and the CPU seconds the GET loop took (the first page included)."""
    async with aiohttp.ClientSession(headers={"x-api-key": key}) as session:

        async def get(offset: int) -> bytes:
            async with session.get(pages_url(url, offset)) as resp:
                resp.raise_for_status()
                return await resp.read()

        if warm_up:
            await asyncio.gather(get(0), get(PAGE))
        start = time.process_time()
        first = await get(0)
        cpu = time.process_time() - start
        total = int(decode_page(first, ClientSummary).total or 0)  # not timed: the decode stage's work
        start = time.process_time()
        offsets = iter(range(PAGE, total, PAGE))
        bodies = {0: first}

        async def worker() -> None:
            for offset in offsets:
                bodies[offset] = await get(offset)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        cpu += time.process_time() - start
    return [bodies[offset] for offset in sorted(bodies)], cpu


def stage_cpu(url: str, key: str) -> tuple[int, dict[str, float]]:
    """CPU seconds of each stage in :data:`STAGES` and of each cost in :data:`EXPORT_ONLY` over every client,
    measured apart."""
    bodies, http = asyncio.run(_get_bodies(url, key, warm_up=True))
    encoder = RecordEncoder()
    encoder.encode_lines(decode_page(bodies[0], ClientSummary).items)  # warm-up: hooks, mirror Struct
    clock = time.process_time
    decode = encode = dedup = 0.0
    count = 0
    lines = []
    new = NewRecords[ClientSummary](ClientStats(), None)
    with fewer_gc_passes():  # a page at a time, the previous one freed, as in an export
        for body in bodies:
            start = clock()
            items = decode_page(body, ClientSummary).items
            decode += clock() - start
            start = clock()
            page = DecodedPage(count, len(items), items, None, len(items))
            taken = len(new.take(page))  # its ids and id set too: take() reads them
            del page  # the records are freed in the decode stage, at the next decode, as before
            dedup += clock() - start
            start = clock()
            lines.append(encoder.encode_lines(items))
            encode += clock() - start
            count += taken
    with tempfile.TemporaryDirectory(prefix="bizstim-bench-") as tmp:
        start = clock()
        with Path(tmp, "clients.jsonl").open("wb", buffering=_FILE_BUFFER) as file:
            for data in lines:
                file.write(data)
            file.flush()
            os.fsync(file.fileno())
        write = clock() - start
    return count, {"http": http, "decode": decode, "encode": encode, "write": write, "dedup": dedup}
