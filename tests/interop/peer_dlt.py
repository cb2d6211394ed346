"""The README's dlt snippet, as written, run twice into DuckDB (a few clients inserted in between): typed
columns in ``information_schema`` (DECIMAL, DATE, BOOLEAN, BIGINT, JSON), every row once, values equal."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any, Final

import duckdb

from tests.interop._compare import check_rows, schema_tables
from tests.interop._context import Context
from tests.interop._outcome import expect
from tests.interop._proc import clean_env, run
from tests.interop._readme import snippet

PEER = "dlt"
INSERTED: Final = 7
EXPECTED_TYPES: Final = {
    "decimal": ("DECIMAL(18,2)", "DECIMAL(38,18)"),
    "date": ("DATE",),
    "boolean": ("BOOLEAN",),
    "integer": ("BIGINT",),
    "array": ("JSON",),
    "string": ("VARCHAR",),
}


def _read(database: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[dict[str, Any]]]]:
    """Column types and rows of the dataset that holds ``clients`` (dlt's own tables left out)."""
    with duckdb.connect(str(database), read_only=True) as db:
        datasets = db.execute(  # not dlt's staging dataset for merges
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'clients' AND table_schema NOT LIKE '%\\_staging' ESCAPE '\\'"
        )
        (dataset,) = [str(name) for (name,) in datasets.fetchall()]
        return schema_tables(db, dataset, skip_prefix="_dlt")


async def check(ctx: Context) -> str:
    """Run the check; return the facts it proved (a failure raises :class:`CheckError`)."""
    venv = ctx.venvs[PEER]
    cwd = ctx.directory(PEER)
    script = cwd / "load_bizstim.py"
    script.write_text(snippet("dlt"))
    env = clean_env(
        {
            "BIZSTIM_API_KEY": ctx.fake.api_key,
            "BIZSTIM_BASE_URL": ctx.fake.url,
            "DLT_DATA_DIR": str(cwd / "dlt-data"),  # pipelines' state here, not in ~/.dlt
            "RUNTIME__DLTHUB_TELEMETRY": "false",
        }
    )
    await run([venv.bin("python"), script], cwd=cwd, env=env)
    added = ctx.fake.insert_clients(INSERTED)
    try:
        await run([venv.bin("python"), script], cwd=cwd, env=env)
        client_ids = ctx.fake.client_ids()
    finally:
        ctx.fake.delete_clients(added)  # the next checks see the reference's data again
    databases = list(cwd.glob("*.duckdb"))
    expect(len(databases) == 1, f"the snippet made {len(databases)} DuckDB files")
    types, rows = _read(databases[0])
    reference = ctx.reference
    expect(set(rows) == set(reference.records), f"tables {sorted(rows)}")
    seen: dict[str, set[str]] = collections.defaultdict(set)
    total = 0
    for stream in reference.records:
        got = rows[stream]
        if stream == "clients":
            ids = [row["id"] for row in got]
            expect(
                sorted(ids) == sorted(client_ids),
                f"clients: {len(ids)} rows, the fake holds {len(client_ids)}",
            )
            got = [row for row in got if row["id"] in reference.records[stream]]
            total += INSERTED
        total += check_rows(reference, stream, got)
        for kind, allowed in EXPECTED_TYPES.items():
            for name in reference.fields(stream, kind):
                kind_seen = types[stream][name]
                expect(kind_seen in allowed, f"{stream}.{name} ({kind}) is {kind_seen}, expected {allowed}")
                seen[kind].add(kind_seen)
    facts = ", ".join(f"{kind} {'/'.join(sorted(t))}" for kind, t in seen.items())
    return (
        f"README snippet run twice ({INSERTED} clients inserted between): {total} rows in {len(rows)} tables "
        f"= the fake's, no duplicate ids (merge by id), values equal; columns: {facts}"
    )
