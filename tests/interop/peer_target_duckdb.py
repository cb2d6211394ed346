"""``tap-bizstim | target-duckdb``, twice: typed columns, every record once, the second run upserting by id.

target-duckdb (the pipelinewise-based one) maps a JSON Schema string to VARCHAR whatever its format: money
(``format: singer.decimal``) and dates stay the tap's exact text, never a DOUBLE; flags are BOOLEAN, ids
and counts HUGEINT (no ``maximum`` in the schema), lists JSON. ``meetourstaff`` has no key properties, so
``primary_key_required`` is off (it is then appended, not upserted, and checked after the first run only).
It loads through CSV files whose empty fields DuckDB reads as NULL, so an empty string comes back NULL: a
known loss of this target, counted in its line rather than failed.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import duckdb

from tests.interop._compare import check_rows, schema_tables
from tests.interop._context import Context
from tests.interop._outcome import expect
from tests.interop._proc import clean_env, pipe

PEER = "target-duckdb"
SCHEMA = "bizstim"
#: What target-duckdb makes of each kind of field of the tap's schema.
EXPECTED_TYPES = {
    "decimal": "VARCHAR",
    "date": "VARCHAR",
    "boolean": "BOOLEAN",
    "integer": "HUGEINT",
    "array": "JSON",
    "string": "VARCHAR",
}
UNKEYED = "meetourstaff"


def _read(database: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[dict[str, Any]]]]:
    """Column types and rows of every table in the target's schema."""
    with duckdb.connect(str(database), read_only=True) as db:
        return schema_tables(db, SCHEMA)


async def check(ctx: Context) -> str:
    """Run the check; return the facts it proved (a failure raises :class:`CheckError`)."""
    venv = ctx.venvs[PEER]
    cwd = ctx.directory(PEER)
    database = cwd / "warehouse.duckdb"
    config = cwd / "target.json"
    settings = {"path": str(database), "default_target_schema": SCHEMA, "primary_key_required": False}
    config.write_text(json.dumps(settings))
    producer: list[str | Path] = [ctx.tap, "--config", ctx.config]
    consumer: list[str | Path] = [venv.bin(PEER), "--config", config]
    reference = ctx.reference
    seen: dict[str, set[str]] = collections.defaultdict(set)
    totals = []
    nulled: list[str] = []  # empty strings it stored as NULL
    for run in (1, 2):
        await pipe(producer, consumer, cwd=cwd, env=clean_env())
        types, rows = _read(database)
        expect(set(rows) == set(reference.records), f"run {run}: tables {sorted(rows)}")
        total = 0
        for stream in reference.records:
            if stream == UNKEYED and run == 2:
                expect(len(rows[stream]) == 2 * len(reference.records[stream]), f"{stream}: not appended")
                continue
            total += check_rows(reference, stream, rows[stream], exact_text=True, empty_is_null=nulled)
            for kind, want in EXPECTED_TYPES.items():
                for name in reference.fields(stream, kind):
                    got = types[stream][name]
                    expect(got == want, f"{stream}.{name} ({kind}) is {got}, expected {want}")
                    seen[kind].add(got)
        totals.append(total)
    facts = ", ".join(f"{kind} {'/'.join(sorted(t))}" for kind, t in seen.items())
    return (
        f"2 runs: {totals[0]} rows in {len(reference.records)} tables = the tap's, then {totals[1]} keyed "
        f"rows upserted by id (no duplicates, {UNKEYED} appended), values equal but {len(nulled)} empty "
        f"strings stored as NULL (its CSV load; in {len(set(nulled))} text columns); columns: {facts}"
    )
