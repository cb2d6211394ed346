"""``aiobizstim.dlt.bizstim_source`` in a real dlt pipeline into DuckDB, against FakeBizstim over loopback
(issue 15, point 2): typed columns, every row, and a second run that merges instead of adding rows."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from aiobizstim._lists import LISTABLE
from aiobizstim.dlt import bizstim_source, column_hints
from aiobizstim.models import Payment
from aiobizstim.testing import FakeBizstim

CLIENTS = 2_500


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.delenv("BIZSTIM_API_KEY", raising=False)


def _pipeline(tmp_path: Path, name: str) -> dlt.Pipeline:
    """A pipeline into ``tmp_path``'s warehouse.duckdb, dataset ``crm``, its state kept under ``tmp_path``."""
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="crm",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def _run(fake: FakeBizstim, tmp_path: Path, **options: Any) -> None:
    source = bizstim_source(api_key=fake.api_key, base_url=fake.url, **options)
    _pipeline(tmp_path, "bizstim_test").run(source).raise_on_failed_jobs()


def _column_types(db: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = db.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'crm' AND table_name = ?",
        [table],
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


async def test_every_list_lands_typed_and_a_second_run_merges(tmp_path: Path) -> None:
    async with FakeBizstim(clients=CLIENTS, seed=3) as fake:
        await asyncio.to_thread(_run, fake, tmp_path, page_size=100)
        expected = {name: len(fake.client_ids()) if name == "clients" else None for name in LISTABLE}
        tables = {name: fake.records(name) for name in LISTABLE if name != "clients"}
        fake.insert_clients(7)
        await asyncio.to_thread(_run, fake, tmp_path, page_size=100)
        client_ids = fake.client_ids()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as db:
        for name in LISTABLE:
            count, unique = db.execute(f"SELECT count(*), count(DISTINCT id) FROM crm.{name}").fetchone()  # type: ignore[misc]
            want = len(client_ids) if name == "clients" else len(tables[name])
            assert (count, unique) == (want, want), name
        assert expected["clients"] == CLIENTS
        ids = [row[0] for row in db.execute("SELECT id FROM crm.clients ORDER BY id").fetchall()]
        assert ids == sorted(client_ids)
        payments = _column_types(db, "payments")
        assert payments["id"] == "BIGINT"
        assert payments["revenue_amount"] == "DECIMAL(18,2)"
        assert payments["revenue_date"] == "DATE"
        services = _column_types(db, "services")
        assert services["service_taxable"] == "BOOLEAN"
        assert services["service_cost"] == "DECIMAL(18,2)"
        clients = _column_types(db, "clients")
        assert clients["email"] == "JSON"
        assert "clients__email" not in {row[0] for row in db.execute("SHOW ALL TABLES").fetchall()}
        wire = {str(r["id"]): r for r in tables["payments"]}
        for row_id, amount in db.execute("SELECT id, revenue_amount FROM crm.payments").fetchall():
            assert str(amount) == wire[str(row_id)]["revenue_amount"], row_id


async def test_client_details_is_there_but_not_selected(tmp_path: Path) -> None:
    source = bizstim_source(api_key="k" * 40, base_url="http://127.0.0.1:9")
    assert "client_details" in source.resources
    assert "client_details" not in source.selected_resources
    assert set(source.selected_resources) == set(LISTABLE)


def test_the_resources_named_are_selected() -> None:
    """Naming client_details selects it: it loaded nothing, without a word, unless also picked by
    ``with_resources`` (a review found it)."""
    source = bizstim_source(api_key="k" * 40, resources=["client_details", "discounts"])
    assert set(source.selected_resources) == {"client_details", "discounts"}


def test_bad_options_fail_before_extracting() -> None:
    with pytest.raises(ValueError, match="unknown Bizstim resource 'invoices'"):
        bizstim_source(api_key="k" * 40, resources=["clients", "invoices"])
    with pytest.raises(ValueError, match="max_concurrency"):
        bizstim_source(api_key="k" * 40, max_concurrency=0)


def test_column_hints_come_from_the_models() -> None:
    hints = column_hints(Payment)
    assert hints["id"] == {"data_type": "bigint", "nullable": False}
    assert hints["revenue_amount"] == {"data_type": "decimal", "nullable": True, "precision": 18, "scale": 2}
    assert hints["revenue_date"] == {"data_type": "date", "nullable": True}


async def test_client_details_loads_full_records_typed(tmp_path: Path) -> None:
    async with FakeBizstim(clients=1_250, seed=4) as fake:
        source = bizstim_source(api_key=fake.api_key, base_url=fake.url, resources=["client_details"])

        def run() -> None:
            pipeline = _pipeline(tmp_path, "bizstim_details")
            pipeline.run(source).raise_on_failed_jobs()  # named, so selected

        await asyncio.to_thread(run)
        ids = fake.client_ids()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as db:
        rows = db.execute("SELECT id FROM crm.client_details ORDER BY id").fetchall()
        assert [row[0] for row in rows] == sorted(ids)
        types = _column_types(db, "client_details")
    assert types["latitude"] == "DECIMAL(38,18)"
    assert types["dob"] == "DATE"


async def test_key_from_dlt_config_large_pages_and_id_less_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three things a review found: the key, resolved from dlt's config as documented, was written to the
    pipeline's trace in plain text; a page_size over a list's maximum (services: 100) failed mid-extract;
    a meetourstaff record without an id (its fields are undocumented) failed the load, its id not null."""
    async with FakeBizstim(clients=300, seed=6) as fake:
        staff = fake._data.tables["meetourstaff"]
        for record in staff[:2]:
            del record["id"]
        monkeypatch.setenv("SOURCES__BIZSTIM__API_KEY", fake.api_key)
        source = bizstim_source(base_url=fake.url, page_size=1000)

        def run() -> None:
            pipeline = _pipeline(tmp_path, "bizstim_config")
            for _ in range(2):  # the id-less table is replaced, not appended to, by a second run
                resources = source.with_resources("clients", "services", "meetourstaff")
                pipeline.run(resources).raise_on_failed_jobs()
            assert fake.api_key not in repr(pipeline.last_trace)
            key = fake.api_key.encode()
            assert [p for p in tmp_path.rglob("*") if p.is_file() and key in p.read_bytes()] == []

        await asyncio.to_thread(run)
        counts = {
            "clients": len(fake.client_ids()),
            **{n: len(fake.records(n)) for n in ("services", "meetourstaff")},
        }
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as db:
        for name, want in counts.items():
            assert db.execute(f"SELECT count(*) FROM crm.{name}").fetchone() == (want,), name
        assert db.execute("SELECT count(*) FROM crm.meetourstaff WHERE id IS NULL").fetchone() == (2,)
