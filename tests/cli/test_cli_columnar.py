"""``bizstim export`` to Parquet and DuckDB: every value as in the JSON Lines export, typed as the models are,
all or nothing, and a clear line when duckdb is missing."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import signal
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from aiobizstim.cli import main
from aiobizstim.cli._columnar import ColumnarError, _one_line, convert, convert_off_loop, sql_type
from aiobizstim.cli._export import LISTABLE, record_model
from aiobizstim.cli._output import OutputPlan, StreamedColumnarOutput
from aiobizstim.models import Client, Discount, Payment
from aiobizstim.models._columns import Column, Logical, columns
from aiobizstim.models._export import export_fields
from aiobizstim.testing import FakeBizstim
from tests.cli.test_cli_commands import TIMEOUT, env_for, listing, temp_files
from tests.cli.test_cli_output import spawn

CLIENTS = 120
#: (resource, --details) for every export there is.
EXPORTS = [(resource, False) for resource in LISTABLE] + [("clients", True)]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=11) as server:
        yield server


async def export(fake: FakeBizstim, resource: str, out: Path, *extra: str) -> tuple[int, str]:
    """Run ``bizstim export`` in-process (own event loop, in a thread); return its exit code and stderr."""
    err = io.StringIO()
    argv = ["export", resource, "-o", str(out), "-q", "--base-url", fake.url, "--api-key", fake.api_key]

    def run() -> int:
        with contextlib.redirect_stderr(err):
            return main([*argv, *extra])

    code = await asyncio.to_thread(run)
    return code, err.getvalue()


def expected(column: Column, value: Any) -> Any:
    """A JSON Lines value as the typed column holds it."""
    if value is None:
        return None
    if column.type is Logical.DECIMAL:
        return Decimal(value)
    if column.type is Logical.DATE:
        return dt.date.fromisoformat(value)
    return value


ARROW = {
    Logical.STRING: pa.string(),
    Logical.CLOCK: pa.string(),
    Logical.JSON: pa.string(),
    Logical.INTEGER: pa.int64(),
    Logical.FLOAT: pa.float64(),
    Logical.BOOLEAN: pa.bool_(),
    Logical.DATE: pa.date32(),
}


def arrow_type_ok(column: Column, actual: pa.DataType) -> bool:
    if column.type is Logical.DECIMAL:
        return bool(actual == pa.decimal128(column.precision or 0, column.scale or 0))
    if column.type in (Logical.STRING_LIST, Logical.INTEGER_LIST):
        item = pa.string() if column.type is Logical.STRING_LIST else pa.int64()
        return bool(pa.types.is_list(actual) and actual.value_type == item)
    return bool(actual == ARROW[column.type])


@pytest.mark.parametrize(("resource", "details"), EXPORTS, ids=[f"{r}{'-details' * d}" for r, d in EXPORTS])
async def test_parquet_and_duckdb_hold_every_value_of_the_jsonl_export_typed(
    fake: FakeBizstim, tmp_path: Path, resource: str, details: bool
) -> None:
    extra = ("--details",) if details else ()
    outs = {fmt: tmp_path / f"{resource}.{fmt}" for fmt in ("jsonl", "parquet", "duckdb")}
    for out in outs.values():
        code, err = await export(fake, resource, out, *extra)
        assert code == 0, err
    assert listing(tmp_path) == sorted(out.name for out in outs.values())  # no staging or temp file left
    model = record_model(resource, details)
    cols = columns(model)
    names = [c.name for c in cols]
    lines = [json.loads(line) for line in outs["jsonl"].read_text().splitlines()]
    assert lines, "the fake has records of every resource"
    want = [tuple(expected(c, line[c.name]) for c in cols) for line in lines]

    table = pq.read_table(outs["parquet"])
    assert table.column_names == names
    for column, field in zip(cols, table.schema, strict=True):
        assert arrow_type_ok(column, field.type), (column, field.type)
    assert [tuple(row[n] for n in names) for row in table.to_pylist()] == want

    with duckdb.connect(str(outs["duckdb"]), read_only=True) as db:
        tables = db.execute("SELECT table_name FROM information_schema.tables").fetchall()
        assert tables == [(resource,)]  # one table, named after the resource
        described = db.execute(f'DESCRIBE "{resource}"').fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [(c.name, sql_type(c)) for c in cols]
        rows = db.execute(f'SELECT * FROM "{resource}"').fetchall()
    assert rows == want


def test_the_column_types_are_the_models() -> None:
    by_name = {c.name: c for c in columns(Client)}
    assert sql_type(by_name["id"]) == "BIGINT"
    assert sql_type(by_name["dob"]) == "DATE"
    assert sql_type(by_name["hide_costs"]) == "BOOLEAN"
    assert sql_type(by_name["email"]) == "VARCHAR[]"
    assert sql_type(by_name["latitude"]) == "DECIMAL(38,18)"  # any number of places, exact
    assert sql_type(by_name["status"]) == "VARCHAR"  # a string enum: its wire values
    assert sql_type(by_name["calendar"]) == "BIGINT"  # an int enum: its wire values
    assert sql_type(by_name["max_time"]) == "VARCHAR"  # 24:00 fits no TIME
    assert "_use_records" not in by_name  # private fields are not exported
    discount = {c.name: c for c in columns(Discount)}
    assert sql_type(discount["amount"]) == "DECIMAL(18,2)"
    assert sql_type(discount["services"]) == "BIGINT[]"


def stage(tmp_path: Path, *records: dict[str, Any], model: type[msgspec.Struct] = Discount) -> Path:
    """Stage ``records`` as an export does (every field present, ``null`` unless given)."""
    staged = tmp_path / "staged.jsonl"
    blank = dict.fromkeys(export_fields(model))
    staged.write_bytes(b"".join(msgspec.json.encode(blank | r) + b"\n" for r in records))
    return staged


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.005", "field amount of the record with id 17: 1.005 has more than 2 decimal places"),
        ("1.5E-3", "field amount of the record with id 17: 1.5E-3 has more than 2 decimal places"),
        ("12345678901234567.89", "does not fit the column type DECIMAL(18,2)"),
        ("NaN", "does not fit the column type DECIMAL(18,2)"),
    ],
)
@pytest.mark.parametrize("fmt", ["parquet", "duckdb"])
def test_a_decimal_that_does_not_fit_fails_naming_field_and_record_never_rounded(
    tmp_path: Path, fmt: str, amount: str, message: str
) -> None:
    staged = stage(tmp_path, {"id": 16, "amount": "2.50"}, {"id": 17, "amount": amount})
    dest = tmp_path / f"out.{fmt}"
    with pytest.raises(ColumnarError) as caught:
        convert(staged, dest, fmt, Discount, "discounts")
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staged.jsonl"]  # nothing of dest left


def test_exact_decimals_in_any_spelling_are_kept(tmp_path: Path) -> None:
    amounts = ["10.500", "1E+2", "-0.01", "7", "9999999999999999.99"]
    staged = stage(tmp_path, *({"id": i, "amount": a} for i, a in enumerate(amounts)))
    dest = tmp_path / "out.parquet"
    convert(staged, dest, "parquet", Discount, "discounts")
    assert pq.read_table(dest).column("amount").to_pylist() == [Decimal(a) for a in amounts]


def test_an_integer_out_of_range_is_a_one_line_error(tmp_path: Path) -> None:
    staged = stage(tmp_path, {"id": 2**64 - 1})
    with pytest.raises(ColumnarError) as caught:
        convert(staged, tmp_path / "out.duckdb", "duckdb", Discount, "discounts")
    assert "\n" not in str(caught.value)
    assert "staged" not in str(caught.value)  # the staging file is no business of the reader
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staged.jsonl"]


async def test_without_duckdb_a_parquet_export_is_one_line_before_any_request(
    fake: FakeBizstim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    for out in (tmp_path / "clients.parquet", tmp_path / "clients.db"):
        extra = () if out.suffix == ".parquet" else ("--format", "duckdb")
        code, err = await export(fake, "clients", out, *extra)
        assert code == 2
        fmt = "parquet" if out.suffix == ".parquet" else "duckdb"
        assert err.splitlines() == [
            f"bizstim: error: --format {fmt} needs duckdb, which is not installed: "
            "pip install 'aiobizstim[duckdb]'"
        ]
    assert fake.requests == []
    assert listing(tmp_path) == []


async def test_a_columnar_export_to_stdout_is_refused_up_front(fake: FakeBizstim) -> None:
    code, err = await export(fake, "clients", Path("-"), "--format", "parquet")
    assert code == 2
    assert err.splitlines() == ["bizstim: error: --format parquet needs a regular file, not stdout"]
    assert fake.requests == []


@pytest.mark.parametrize("fmt", ["parquet", "duckdb"])
async def test_a_failed_conversion_leaves_nothing_and_the_old_file_unchanged(
    fake: FakeBizstim, tmp_path: Path, fmt: str
) -> None:
    fake._data.tables["discounts"][3]["amount"] = "2.125"  # a third decimal place from the server
    out = tmp_path / f"discounts.{fmt}"
    out.write_bytes(b"old")
    code, err = await export(fake, "discounts", out)
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith(f"bizstim: error: export failed, nothing written to {out}: ColumnarError: ")
    assert "field amount of the record with id 15: 2.125 has more than 2 decimal places" in line
    assert out.read_bytes() == b"old"
    assert listing(tmp_path) == [out.name]


async def test_a_failed_export_leaves_nothing_and_the_old_file_unchanged(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    out = tmp_path / "clients.parquet"
    out.write_bytes(b"old")
    fake.fail_next(100, path_prefix="/api/clients", status=401)
    code, err = await export(fake, "clients", out, "--page-size", "20")
    assert code == 1, err
    assert out.read_bytes() == b"old"
    assert listing(tmp_path) == [out.name]


async def test_a_cancelled_conversion_stops_duckdb_and_leaves_no_file(tmp_path: Path) -> None:
    model = record_model("clients")
    records = ({"id": i, "first_name": "x" * 200, "email": ["a@b.c"]} for i in range(300_000))
    staged = stage(tmp_path, *records, model=model)  # a conversion long enough to be under way when cancelled
    dest = tmp_path / "out.duckdb"
    task = asyncio.create_task(convert_off_loop(staged, dest, "duckdb", model, "clients"))
    await asyncio.sleep(0)  # let it start its thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task  # returns once the conversion stopped and removed what it wrote
    assert listing(tmp_path) == ["staged.jsonl"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_signal_during_a_parquet_export_leaves_nothing(
    fake: FakeBizstim, tmp_path: Path, sig: signal.Signals
) -> None:
    fake.set_latency(0.05)
    out = tmp_path / "clients.parquet"
    args = ["export", "clients", "-o", str(out), "--page-size", "10", "--concurrency", "1", "-vv"]
    proc = await spawn(*args, env=env_for(fake))
    assert proc.stderr is not None
    async with asyncio.timeout(TIMEOUT):
        # -vv logs each response: after the first one the export is under way, its FIFO exists and duckdb
        # is converting what comes through it into a temp file.
        first = (await proc.stderr.readline()).decode()
        assert first.startswith("bizstim: DEBUG: GET /api/clients/"), first
        kinds = [name.rsplit(".", 1)[-1] for name in temp_files(tmp_path)]
        assert kinds in (["fifo", "lock"], ["fifo", "lock", "tmp"])
        proc.send_signal(sig)
        _, err = await proc.communicate()
    assert proc.returncode == (130 if sig == signal.SIGINT else 143)
    what = "interrupted" if sig == signal.SIGINT else "terminated"
    assert err.decode().strip().splitlines()[-1] == f"bizstim: error: {what}; nothing was written"
    assert listing(tmp_path) == []


def _payment_lines(count: int, bad_at: int | None = None) -> bytes:
    lines = []
    for n in range(count):
        amount = "1.005" if n == bad_at else f"{n % 1000}.25"
        lines.append(
            json.dumps(
                {name: None for name in export_fields(Payment)} | {"id": n + 1, "revenue_amount": amount}
            )
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("fmt", ["parquet", "duckdb"])
async def test_duckdb_stopping_mid_stream_is_its_own_error_not_a_broken_pipe(
    tmp_path: Path, fmt: str
) -> None:
    """A value that does not fit, early in a long stream: duckdb stops reading the FIFO, and the export
    fails with what stopped it (the writer's EPIPE is only its consequence); nothing is left behind."""
    out = tmp_path / f"payments.{fmt}"
    output = StreamedColumnarOutput(OutputPlan("file", out, str(out)), fmt, Payment, "payments").open()
    data = _payment_lines(200_000, bad_at=10)  # ~20 MB: far more than the FIFO and the writer queue hold

    async def write_all() -> None:
        for start in range(0, len(data), 1 << 16):
            output.file.write(data[start : start + (1 << 16)])
            await output.drain()
        await output.finish()

    with pytest.raises(
        ColumnarError, match=r"field revenue_amount of the record with id 11: 1\.005 has more"
    ):
        await write_all()
    output.discard()
    assert listing(tmp_path) == []


@pytest.mark.parametrize("fmt", ["parquet", "duckdb"])
async def test_streamed_conversion_writes_every_row_and_leaves_no_fifo(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"payments.{fmt}"
    output = StreamedColumnarOutput(OutputPlan("file", out, str(out)), fmt, Payment, "payments").open()
    output.file.write(_payment_lines(50_000))
    await output.drain()
    await output.finish()
    output.discard()
    assert listing(tmp_path) == [out.name]
    reader = f"read_parquet('{out}')" if fmt == "parquet" else "payments"
    with duckdb.connect(str(out) if fmt == "duckdb" else ":memory:", read_only=fmt == "duckdb") as db:
        count, total = db.execute(f"SELECT count(*), sum(revenue_amount) FROM {reader}").fetchone()  # type: ignore[misc]
    assert count == 50_000
    assert total == sum(Decimal(f"{n % 1000}.25") for n in range(50_000))


async def test_a_discarded_streamed_conversion_never_hangs_and_leaves_nothing(tmp_path: Path) -> None:
    """Given up before duckdb read a byte, or while it waits for more: both ends are let go at once."""
    for written in (b"", _payment_lines(10)):
        out = tmp_path / "payments.parquet"
        output = StreamedColumnarOutput(OutputPlan("file", out, str(out)), "parquet", Payment, "p").open()
        output.file.write(written)
        await output.drain()
        async with asyncio.timeout(TIMEOUT):
            await asyncio.to_thread(output.discard)
        assert listing(tmp_path) == []


def test_a_conversion_error_names_the_output_file_as_it_is(tmp_path: Path) -> None:
    """duckdb's "Could not write file" named ".c.parquet.partial.a9cc589a.tmp" "the records.a9cc589a.tmp":
    the staging path was replaced inside the longer name that begins with it (an ops review)."""
    staged = tmp_path / ".c.parquet.partial"
    temp = f"{staged}.a9cc589a.tmp"
    error = OSError(f'IO Error: Could not write file "{temp}": No space left on device')
    assert _one_line(error, staged) == f'Could not write file "{temp}": No space left on device'
    error = OSError(f'Invalid Input Error: Malformed JSON in file "{staged}", at byte 3: unexpected end')
    assert _one_line(error, staged) == "Malformed JSON, at byte 3: unexpected end"
    assert _one_line(OSError(f"cannot open {staged}"), staged) == "cannot open the records"
    assert _one_line(OSError(f"cannot open {staged}."), staged) == "cannot open the records."
