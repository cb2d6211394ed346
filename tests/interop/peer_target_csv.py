"""``tap-bizstim | target-csv`` (MeltanoLabs', on the Meltano Singer SDK): the SDK reads our messages and,
with ``validate_records``, validates every record against its SCHEMA; the CSV files hold every record once,
each value the text of the tap's (money the exact digits, dates ISO, flags ``True``/``False``; lists as the
SDK writes them, Python's ``str`` of the list; null and an empty string alike empty, as CSV has no null)."""

from __future__ import annotations

import csv
import json
from typing import Any

from tests.interop._context import Context
from tests.interop._outcome import expect
from tests.interop._proc import clean_env, pipe
from tests.interop._reference import parse_messages
from tests.interop.peer_target_jsonl import FINAL_STATE

PEER = "meltanolabs-target-csv"


def _text(value: Any) -> str:
    """A value of the tap's record as target-csv writes it."""
    return "" if value is None else str(value)


async def check(ctx: Context) -> str:
    """Run the check; return the facts it proved (a failure raises :class:`CheckError`)."""
    venv = ctx.venvs[PEER]
    cwd = ctx.directory(PEER)
    output = cwd / "output"
    output.mkdir()
    config = cwd / "target.json"
    config.write_text(json.dumps({"output_path": str(output), "validate_records": True}))
    out = await pipe(
        [ctx.tap, "--config", ctx.config],
        [venv.bin("target-csv"), "--config", config],
        cwd=cwd,
        env=clean_env(),
    )
    states = [m for m in parse_messages(out) if "bookmarks" in m]
    expect(states[-1:] == [FINAL_STATE], f"the target's last STATE is {states[-1:]}, expected {FINAL_STATE}")
    files = {path.stem for path in output.glob("*.csv")}
    expect(files == set(ctx.reference.records), f"files for {sorted(files)}")
    total = values = 0
    for stream, want in ctx.reference.records.items():
        with (output / f"{stream}.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        ids = [int(row["id"]) for row in rows]
        expect(len(set(ids)) == len(ids), f"{stream}: duplicate ids")
        expect(set(ids) == set(want), f"{stream}: {len(ids)} rows, the tap sent {len(want)}")
        for row in rows:
            record = want[int(row["id"])]
            expect(set(row) == set(record), f"{stream}: columns {sorted(row)}")
            for name, value in record.items():
                expect(
                    row[name] == _text(value), f"{stream} {row['id']} {name}: {row[name]!r}, sent {value!r}"
                )
            values += len(record)
        total += len(rows)
    return (
        f"the SDK validated every record against its SCHEMA; {total} rows in {len(files)} files = the "
        f"tap's, ids unique, all {values} values the text of the tap's (money exact, dates ISO); final STATE "
        "passed on"
    )
