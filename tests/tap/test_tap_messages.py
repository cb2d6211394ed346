"""``tap-bizstim`` against a FakeBizstim: discovery, the Singer message stream (what singer-python's
``parse_message`` needs, in the order the spec asks), records typed as the JSON Lines export, selection."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aiobizstim import Bizstim
from aiobizstim.cli._export import LISTABLE
from aiobizstim.models import Client, Discount
from aiobizstim.models._export import encode_record, export_fields
from aiobizstim.tap import main
from aiobizstim.tap._catalog import discover
from aiobizstim.testing import FakeBizstim
from tests.tap.helpers import PROG, TapRun, config_for, schema_errors, tap, write_json

CLIENTS = 1_234

#: The keys of each message type (singer-python's required ones, and the optional ones the tap writes).
MESSAGE_KEYS = {
    "SCHEMA": {"type", "stream", "schema", "key_properties"},
    "RECORD": {"type", "stream", "record", "time_extracted"},
    "STATE": {"type", "value"},
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=15) as server:
        yield server


def check_conformance(run: TapRun) -> None:
    """stdout is Singer messages only, each stream's SCHEMA before its records, every record valid against
    it, a STATE after each stream's records and a final STATE last; stderr holds the logs."""
    assert run.stdout.endswith("\n")
    assert len(run.messages) == run.stdout.count("\n")
    schemas: dict[str, dict[str, Any]] = {}
    done: set[str] = set()
    current: str | None = None
    for i, message in enumerate(run.messages):
        assert set(message) == MESSAGE_KEYS[message["type"]], message
        kind = message["type"]
        if kind == "SCHEMA":
            stream = message["stream"]
            assert stream not in schemas, f"stream {stream} started twice"
            assert current is None, f"stream {stream} started inside {current}"
            assert message["schema"]["type"] == "object"
            assert all(key in message["schema"]["properties"] for key in message["key_properties"])
            schemas[stream], current = message["schema"], stream
        elif kind == "RECORD":
            assert message["stream"] == current, "a record outside its stream's SCHEMA ... STATE"
            schema = schemas[message["stream"]]
            assert set(message["record"]) == set(schema["properties"])
            assert schema_errors(message["record"], schema) == []
            assert dt.datetime.fromisoformat(message["time_extracted"]).tzinfo is not None
        elif current is not None and message["value"]["bookmarks"].get(current) == {"complete": True}:
            assert run.messages[i - 1]["type"] in ("RECORD", "STATE", "SCHEMA")
            done.add(current)
            current = None
    assert current is None
    assert done == set(schemas)
    assert run.messages[-1] == {"type": "STATE", "value": {"bookmarks": {}, "currently_syncing": None}}
    assert all(line.startswith(f"{PROG}: ") for line in run.stderr.splitlines())


async def exported(fake: FakeBizstim, stream: str) -> list[dict[str, Any]]:
    """The stream's records as ``bizstim export`` writes them (JSON Lines), read with the library."""
    async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
        resource = getattr(bz, stream)
        if stream == "testimonials":
            records = await resource.list()
        elif stream == "client_details":
            records = [r async for r in bz.clients.iter_details()]
        else:
            records = [r async for r in resource.iter()]
    return [json.loads(encode_record(record)) for record in records]


def test_discover_one_stream_per_list_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_json(tmp_path / "c.json", {"api_key": "k" * 40})
    assert main(["--config", str(config), "--discover"]) == 0
    out, err = capsys.readouterr()
    catalog = json.loads(out)
    assert catalog == discover()
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert list(streams) == [*LISTABLE, "client_details"]
    for name, entry in streams.items():
        assert entry["stream"] == name
        top = entry["metadata"][0]
        assert top["breadcrumb"] == []
        assert top["metadata"]["forced-replication-method"] == "FULL_TABLE"
        assert top["metadata"]["selected-by-default"] is (name != "client_details")
        assert top["metadata"]["table-key-properties"] == entry["key_properties"]
        expected_key = [] if name == "meetourstaff" else ["id"]  # its id is undocumented: may be null
        assert entry["key_properties"] == expected_key
        crumbs = [m["breadcrumb"] for m in entry["metadata"][1:]]
        assert crumbs == [["properties", p] for p in entry["schema"]["properties"]]
    clients = streams["client_details"]["schema"]["properties"]
    assert list(clients) == list(export_fields(Client))
    assert clients["id"] == {"type": "integer"}
    assert clients["latitude"] == {"type": ["string", "null"], "format": "singer.decimal"}
    assert clients["dob"] == {"type": ["string", "null"], "format": "date"}
    assert clients["email"] == {"type": ["array", "null"], "items": {"type": "string"}}
    assert clients["status"] == {"type": ["string", "null"], "enum": ["active", "inactive", "prospect", None]}
    assert clients["hide_costs"] == {"type": ["boolean", "null"]}
    discount = streams["discounts"]["schema"]["properties"]
    assert discount["services"] == {"type": ["array", "null"], "items": {"type": "integer"}}
    assert discount["fixed"]["type"] == ["integer", "null"]
    assert "pattern" in clients["min_time"]
    assert err == ""


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_about(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--about", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        info = json.loads(out)
        assert info["name"] == PROG
        assert info["capabilities"] == ["catalog", "discover", "state", "about"]
        assert {"api_key", "base_url", "max_concurrency", "page_size", "rate_limit"} <= set(
            info["settings"]["properties"]
        )
        assert info["version"]
    else:
        assert out.startswith(f"# `{PROG}`")
        assert "| page_size |" in out


async def test_sync_is_conformant_and_typed_like_the_export(fake: FakeBizstim, tmp_path: Path) -> None:
    run = await tap("--config", config_for(fake, tmp_path, page_size=500))
    assert run.code == 0, run.stderr
    check_conformance(run)
    assert [m["stream"] for m in run.of("SCHEMA")] == list(LISTABLE)
    for stream in LISTABLE:
        assert run.records(stream) == await exported(fake, stream), stream
    assert [r["id"] for r in run.records("clients")] == fake.client_ids()
    # A STATE after each page of clients (3 pages of 500), carrying the iterator's checkpoint.
    states = run.of("STATE")
    checkpoints = [s for s in states if "checkpoint" in s["value"]["bookmarks"].get("clients", {})]
    assert len(checkpoints) == 3
    assert checkpoints[0]["value"]["currently_syncing"] == "clients"
    assert fake.api_key not in run.stdout + run.stderr
    assert f"{PROG}: INFO: synced {sum(len(run.records(s)) for s in LISTABLE)} records" in run.stderr


def catalog_with(selected: dict[str, bool | None], fields_off: dict[str, list[str]]) -> dict[str, Any]:
    """The discovered catalog with ``selected`` set on streams (None: left out) and fields deselected."""
    catalog = discover()
    for entry in catalog["streams"]:
        name = entry["tap_stream_id"]
        if selected.get(name) is not None:
            entry["metadata"][0]["metadata"]["selected"] = selected[name]
        for item in entry["metadata"][1:]:
            if item["breadcrumb"][1] in fields_off.get(name, []):
                item["metadata"]["selected"] = False
    return catalog


async def test_catalog_selects_streams_and_fields(fake: FakeBizstim, tmp_path: Path) -> None:
    off = [name for name in LISTABLE if name not in ("discounts", "services")]
    catalog = catalog_with(
        {**dict.fromkeys(off, False), "discounts": True, "client_details": True},
        {"discounts": ["amount", "id", "expires"], "client_details": ["dob"]},
    )
    # services: selected by the legacy schema flag alone (its metadata says nothing).
    services = next(s for s in catalog["streams"] if s["tap_stream_id"] == "services")
    services["metadata"][0]["metadata"].pop("selected-by-default")
    services["schema"]["selected"] = True
    run = await tap(
        "--config", config_for(fake, tmp_path), "--catalog", write_json(tmp_path / "cat.json", catalog)
    )
    assert run.code == 0, run.stderr
    check_conformance(run)
    assert [m["stream"] for m in run.of("SCHEMA")] == ["services", "discounts", "client_details"]
    kept = [f for f in export_fields(Discount) if f not in ("amount", "expires")]  # id is automatic: kept
    assert list(run.of("SCHEMA", "discounts")[0]["schema"]["properties"]) == kept
    expected = [{k: r[k] for k in kept} for r in await exported(fake, "discounts")]
    assert run.records("discounts") == expected
    details = run.records("client_details")
    assert len(details) == CLIENTS
    assert [r["id"] for r in details] == fake.client_ids()
    assert "dob" not in details[0]
    assert "latitude" in details[0]


async def test_discovered_catalog_as_is_syncs_the_streams_selected_by_default(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    catalog = discover()
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in ("staffs", "client_details")]
    run = await tap(
        "--config", config_for(fake, tmp_path), "--properties", write_json(tmp_path / "c.json", catalog)
    )
    assert run.code == 0, run.stderr
    assert [m["stream"] for m in run.of("SCHEMA")] == ["staffs"]  # not client_details: not by default
    assert run.records("staffs") == await exported(fake, "staffs")
