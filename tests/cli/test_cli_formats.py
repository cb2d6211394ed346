"""Unit tests of the streaming writers (JSON Lines, CSV, JSON array) and the atomic output file."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import threading
import tracemalloc
import weakref
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec
import pytest

from aiobizstim._envelope import decode_one
from aiobizstim.cli import _atomic
from aiobizstim.cli._atomic import AtomicFile, OutputPathError, check_output_path, files_no_wider_than
from aiobizstim.cli._choices import ProgressMode
from aiobizstim.cli._export import LISTABLE, export_records, guess_format, record_model
from aiobizstim.cli._formats import (
    CsvWriter,
    JsonArrayWriter,
    JsonLinesWriter,
    csv_header,
    make_writer,
)
from aiobizstim.cli._progress import Progress
from aiobizstim.models import Client, ClientSummary, Discount
from aiobizstim.models._export import encode_record
from aiobizstim.testing import FakeBizstim

CLIENT_WIRE = (
    b'{"id":"21","users_id":"654","first_name":"Joe","last_name":"Smith, Jr.","email":"a@x.com, b@x.com",'
    b'"dob":"0000-00-00","start_date":"2020-01-31","status":"active","hide costs":"1","minTime":"08:00:00",'
    b'"maxTime":"24:00","calendar":"2","use_records":"1","notes":"line one\\nline \\"two\\""}'
)
DISCOUNT_WIRE = (
    b'{"id":"17","uses":"3","secret":"0","expires":"2025-12-31","code":"10%OFF","fixed":"1","type":"0",'
    b'"amount":"12345678901234567.89","services":"4, 5,,6"}'
)


def client() -> Client:
    return msgspec.json.decode(CLIENT_WIRE, type=Client, strict=False)


def discount() -> Discount:
    return msgspec.json.decode(DISCOUNT_WIRE, type=Discount, strict=False)


def discounts(n: int) -> Iterator[Discount]:
    for i in range(n):
        yield Discount(id=i, code=f"CODE{i}", amount=Decimal(f"{i}.10"))


async def aiter_of(
    records: Iterator[msgspec.Struct], batch: int = 100
) -> AsyncIterator[list[msgspec.Struct]]:
    """``records`` in batches, as the export reads pages."""
    chunk: list[msgspec.Struct] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def test_json_uses_public_attribute_names_and_exact_values() -> None:
    data = json.loads(encode_record(client()))
    assert data["id"] == 21
    assert data["hide_costs"] is True
    assert data["user_records"] is True  # folded from the use_records spelling
    assert "_use_records" not in data
    assert data["min_time"] == "08:00:00"
    assert data["max_time"] == "24:00"
    assert data["dob"] is None
    assert data["start_date"] == "2020-01-31"
    assert data["status"] == "active"
    assert data["calendar"] == 2
    assert data["email"] == ["a@x.com", "b@x.com"]
    assert data["city"] is None  # every field present, absent ones as null
    assert list(data) == csv_header(Client)
    money = json.loads(encode_record(discount()))["amount"]
    assert money == "12345678901234567.89"  # a string: no float rounding


def test_jsonl_one_record_per_line_in_order() -> None:
    out = io.BytesIO()
    writer = JsonLinesWriter(out)
    for record in discounts(5000):
        writer.write(record)
    writer.close()
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(range(5000))
    assert out.getvalue().endswith(b"\n")


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_array_is_valid_for_any_count(count: int) -> None:
    out = io.BytesIO()
    writer = JsonArrayWriter(out)
    for record in discounts(count):
        writer.write(record)
    writer.close()
    assert [item["id"] for item in json.loads(out.getvalue())] == list(range(count))


def test_csv_header_and_values() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, Client)
    writer.write(client())
    writer.close()
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    header, row = rows
    assert header == csv_header(Client)
    assert header[:3] == ["id", "users_id", "client_settings_id"]
    assert "hide_costs" in header
    assert "min_time" in header
    assert "_use_records" not in header
    cells = dict(zip(header, row, strict=True))
    assert cells["id"] == "21"
    assert cells["client_settings_id"] == ""
    assert cells["last_name"] == "Smith, Jr."
    assert cells["email"] == "a@x.com,b@x.com"
    assert cells["dob"] == ""
    assert cells["start_date"] == "2020-01-31"
    assert cells["status"] == "active"
    assert cells["calendar"] == "2"
    assert cells["hide_costs"] == "1"
    assert cells["user_records"] == "1"
    assert cells["max_time"] == "24:00"
    assert cells["notes"] == 'line one\nline "two"'


def test_csv_money_is_exact_and_never_exponent() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, Discount)
    writer.write(discount())
    writer.write(Discount(id=1, amount=Decimal("1E+2"), expires=None, services=[]))
    writer.close()
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    assert rows[0]["amount"] == "12345678901234567.89"
    assert rows[0]["fixed"] == "1"
    assert rows[0]["secret"] == "0"
    assert rows[0]["expires"] == "2025-12-31"
    assert rows[0]["services"] == "4,5,6"
    assert rows[1]["amount"] == "100"
    assert rows[1]["services"] == ""


def test_csv_id_lists_are_joined_with_commas() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, Discount)
    writer.write(Discount(id=1, services=[66, 67, 36]))
    odd = Discount(id=2)
    odd.services = ["a", "b"]  # type: ignore[list-item]  # not ids: written as JSON rather than lost
    writer.write(odd)
    writer.close()
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    assert [row["services"] for row in rows] == ["66,67,36", '["a","b"]']


def test_csv_rejects_a_record_of_another_model() -> None:
    writer = CsvWriter(io.BytesIO(), Discount)
    with pytest.raises(TypeError, match="expected a Discount record"):
        writer.write(client())


def test_make_writer_and_format_guess() -> None:
    assert isinstance(make_writer("csv", io.BytesIO(), Discount), CsvWriter)
    with pytest.raises(ValueError, match="unknown format"):
        make_writer("xml", io.BytesIO(), Discount)
    assert guess_format(Path("a.CSV")) == "csv"
    assert guess_format(Path("a.json")) == "json"
    assert guess_format(Path("a.jsonl")) == "jsonl"
    assert guess_format(Path("a")) == "jsonl"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_atomic_file_commits_by_rename(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with AtomicFile(target) as out:
        out.file.write(b"hello\n")
        assert not target.exists()
        assert out.temp_path.parent == tmp_path
        out.commit()
    assert target.read_bytes() == b"hello\n"
    assert leftovers(tmp_path) == []


def test_atomic_file_failure_keeps_old_content(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")

    def write_then_fail() -> None:
        with AtomicFile(target) as out:
            out.file.write(b"new\n")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert target.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_atomic_file_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "private.jsonl"
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    with AtomicFile(target) as out:
        assert out.temp_path.stat().st_mode & 0o777 == 0o600  # private while it is written, too
        out.file.write(b"new\n")
        out.commit()
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o777 == 0o600


def _record_syncs(monkeypatch: pytest.MonkeyPatch, fail: OSError | None = None) -> list[tuple[int, str]]:
    """A 1000-byte buffer and background syncs every 1000 bytes, each one's file size and thread recorded (or
    ``fail`` raised)."""
    syncs: list[tuple[int, str]] = []

    def datasync(fd: int) -> None:
        syncs.append((os.fstat(fd).st_size, threading.current_thread().name))
        if fail is not None:
            raise fail

    monkeypatch.setattr(_atomic, "SYNC_EVERY", 1000)
    monkeypatch.setattr(_atomic, "_BUFFER", 1000)
    monkeypatch.setattr(_atomic, "_datasync", datasync)
    return syncs


def test_an_atomic_file_syncs_behind_the_writing_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs = _record_syncs(monkeypatch)
    target = tmp_path / "out.jsonl"
    chunks = [bytes([65 + n]) * 1500 for n in range(4)]  # past the file's buffer: each goes to the OS
    with AtomicFile(target, sync_behind=True) as out:
        for chunk in chunks:
            out.file.write(chunk)
            cast(Any, out.file).wait_for_sync()  # one sync at a time: wait, so that every chunk starts one
        out.commit()
    assert target.read_bytes() == b"".join(chunks)
    assert [size for size, _ in syncs] == [1500, 3000, 4500, 6000]  # what the OS had when each sync ran
    assert all(thread != threading.main_thread().name for _, thread in syncs)
    assert leftovers(tmp_path) == []


def test_an_atomic_file_does_not_sync_behind_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs = _record_syncs(monkeypatch)
    with AtomicFile(tmp_path / "state.json") as out:
        out.file.write(b"x" * 5000)
        out.commit()
    assert syncs == []


def test_a_failed_background_sync_fails_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _record_syncs(monkeypatch, fail=OSError(errno.EIO, "Input/output error"))
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")

    def write() -> None:
        with AtomicFile(target, sync_behind=True) as out:
            out.file.write(b"x" * 1500)
            out.commit()

    with pytest.raises(OSError, match="Input/output error"):
        write()
    assert target.read_bytes() == b"old\n"  # never replaced by a file that may not be on the disk
    assert leftovers(tmp_path) == []


def test_check_output_path(tmp_path: Path) -> None:
    check_output_path(tmp_path / "new.csv")
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "x.csv")
    with pytest.raises(OutputPathError, match="is a directory"):
        check_output_path(tmp_path)


async def test_export_records_streams_and_commits(tmp_path: Path) -> None:
    target = tmp_path / "d.json"
    progress = Progress("discounts", io.StringIO(), ProgressMode.OFF)
    count = await export_records(aiter_of(discounts(250)), target, "json", Discount, progress)
    assert count == 250
    assert [d["id"] for d in json.loads(target.read_bytes())] == list(range(250))


def written_one_by_one(fmt: str, records: list[msgspec.Struct]) -> bytes:
    """What the ``fmt`` writer makes of ``records`` written one at a time (the reference for batches)."""
    out = io.BytesIO()
    writer = make_writer(fmt, out, Discount)
    for record in records:
        writer.write(record)
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
async def test_writing_a_page_at_once_equals_writing_record_by_record(fmt: str) -> None:
    records: list[msgspec.Struct] = list(discounts(30))
    batched = io.BytesIO()
    writer = make_writer(fmt, batched, Discount)
    writer.write_many(records[:7])
    writer.write_many(records[7:])
    writer.close()
    assert batched.getvalue() == written_one_by_one(fmt, records)


@pytest.mark.parametrize(
    "batch",
    [
        [],
        [Client(id=1, first_name="A", user_records=True), Client(id=2)],  # private alias field: dict route
        [ClientSummary(id=3, email=["a@x", "b@x"]), Discount(id=4), ClientSummary(id=5)],  # mixed models
    ],
    ids=["empty", "private-fields", "mixed"],
)
def test_jsonl_write_many_equals_write_for_any_batch(batch: list[msgspec.Struct]) -> None:
    batched = io.BytesIO()
    writer = make_writer("jsonl", batched, Discount)
    writer.write_many(batch)
    writer.close()
    assert batched.getvalue() == written_one_by_one("jsonl", batch)
    assert batched.getvalue().splitlines() == [encode_record(record) for record in batch]


class WriteLog(io.BytesIO):
    """A file that notes, for every write, whether it was handed the writer's own buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer_of: object = None
        self.from_buffer: list[bool] = []

    def write(self, data: Any) -> int:
        self.from_buffer.append(data is self.buffer_of)
        return super().write(data)


def test_jsonl_pages_past_the_buffer_go_straight_to_the_file_in_order() -> None:
    records: list[msgspec.Struct] = list(discounts(6000))
    batched = WriteLog()
    writer = make_writer("jsonl", batched, Discount)
    batched.buffer_of = writer._buf  # type: ignore[attr-defined]
    # small (buffered), large behind buffered bytes, large on an empty buffer (written directly), small
    routes = []
    for start, end in [(0, 3), (3, 2500), (2500, 5990), (5990, 6000)]:
        before = len(batched.from_buffer)
        writer.write_many(records[start:end])
        routes.append(batched.from_buffer[before:])
    assert routes == [[], [True], [False], []]  # the third page skipped the buffer, not copied into it
    writer.close()
    assert batched.from_buffer[-1] is True  # the last small page went through the buffer
    assert len(batched.getvalue()) > 2 * (1 << 18)  # the large pages exceed the buffer
    assert batched.getvalue() == written_one_by_one("jsonl", records)


class Tracked(msgspec.Struct, weakref=True):
    id: int


async def test_export_records_lets_a_page_go_once_written(tmp_path: Path) -> None:
    written: list[weakref.ref[Tracked]] = []
    alive_at_next_page: list[int] = []

    async def pages() -> AsyncIterator[list[Tracked]]:
        for start in range(0, 30, 10):
            page = [Tracked(id) for id in range(start, start + 10)]
            written.extend(weakref.ref(record) for record in page)
            yield page
            del page  # the consumer asks for the next page: is anything of this one still held?
            alive_at_next_page.append(sum(ref() is not None for ref in written))

    progress = Progress("tracked", io.StringIO(), ProgressMode.OFF)
    assert await export_records(pages(), tmp_path / "t.jsonl", "jsonl", Tracked, progress) == 30
    assert alive_at_next_page == [0, 0, 0]  # the writer dropped each page before asking for the next
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(range(30))


async def test_export_records_failure_midway_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "d.jsonl"
    closed = []

    async def failing() -> AsyncIterator[list[msgspec.Struct]]:
        try:
            for record in discounts(100):
                yield [record]
            raise ConnectionError("server went away")
        finally:
            closed.append(True)

    progress = Progress("discounts", io.StringIO(), ProgressMode.OFF)
    with pytest.raises(ConnectionError):
        await export_records(failing(), target, "jsonl", Discount, progress)
    assert not target.exists()
    assert leftovers(tmp_path) == []
    assert closed == [True]


async def test_export_memory_is_flat_in_record_count(tmp_path: Path) -> None:
    async def run(n: int) -> int:
        progress = Progress("discounts", io.StringIO(), ProgressMode.OFF)
        tracemalloc.start()
        try:
            await export_records(aiter_of(discounts(n)), tmp_path / f"{n}.jsonl", "jsonl", Discount, progress)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = await run(2_000), await run(40_000)
    assert large < small * 1.5 + 512 * 1024, (small, large)
    sizes = [os.stat(tmp_path / name).st_size for name in ("2000.jsonl", "40000.jsonl")]
    assert sizes[1] > 18 * sizes[0]


def test_progress_lines_and_bar() -> None:
    lines = io.StringIO()
    progress = Progress("clients", lines, ProgressMode.LINES, lambda: 1000)
    progress.started -= 10  # as if 10 s had passed
    progress._next_render = 0
    progress.update(500)
    progress.update(500 + 64)
    text = lines.getvalue()
    assert text.startswith("bizstim: clients ")
    assert text.endswith("\n")
    assert "/1,000" in text
    assert "rec/s" in text
    assert "ETA" in text
    bar = io.StringIO()
    progress = Progress("clients", bar, ProgressMode.BAR, lambda: 1000)
    progress._next_render = 0
    progress.update(640)
    progress.finish()
    assert "[" in bar.getvalue()
    assert bar.getvalue().endswith("\r\x1b[2K")


M = TypeVar("M", bound=msgspec.Struct)


def _decoded(record: Any, model: type[M]) -> M:
    """A wire record decoded as the client decodes it (a blank coordinate, say, is None)."""
    return decode_one(msgspec.json.encode({"status": "success", "response": record}), model)


def fake_records() -> list[tuple[str, list[msgspec.Struct]]]:
    fake = FakeBizstim(clients=30, seed=5)
    details = [fake.client(i) for i in fake.client_ids()]
    out: list[tuple[str, list[msgspec.Struct]]] = [
        ("clients", [_decoded(d, ClientSummary) for d in details]),
        ("client", [_decoded(d, Client) for d in details]),
    ]
    for resource in LISTABLE[1:]:
        model = record_model(resource)
        out.append((resource, [_decoded(r, model) for r in fake.records(resource)]))
    return out


@pytest.mark.parametrize(
    ("resource", "records"), fake_records(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_fast_jsonl_path_matches_the_dict_path(resource: str, records: list[msgspec.Struct]) -> None:
    assert records
    out = io.BytesIO()
    writer = JsonLinesWriter(out)
    for record in records:
        writer.write(record)
    writer.close()
    assert out.getvalue().splitlines() == [encode_record(r) for r in records]
    first = json.loads(out.getvalue().splitlines()[0])
    assert list(first) == csv_header(type(records[0]))


def test_overlapping_exports_put_back_the_umask_from_before_the_first(tmp_path: Path) -> None:
    """Two exports in one process ending in the order they began: each put back the umask it found, so the
    process kept the first one's 0o077 and every later file was private."""
    private, shared = tmp_path / "a.csv", tmp_path / "b.csv"
    private.write_text("")
    private.chmod(0o600)
    shared.write_text("")
    shared.chmod(0o640)
    before = os.umask(0o022)
    try:
        first, second = files_no_wider_than(private), files_no_wider_than(shared)
        first.__enter__()
        second.__enter__()
        assert _umask() == 0o077  # both restrictions: the private target's wins
        first.__exit__(None, None, None)
        assert _umask() == 0o022 | 0o037  # the one still running: no more than 0640
        second.__exit__(None, None, None)
        assert _umask() == 0o022
    finally:
        os.umask(before)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
