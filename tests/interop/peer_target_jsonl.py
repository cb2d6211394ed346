"""``tap-bizstim | target-jsonl``: the files hold every record once, value for value the tap's (money the
exact strings, dates ISO), and the target passes the final STATE on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from tests.interop._compare import check_rows
from tests.interop._context import Context
from tests.interop._outcome import expect
from tests.interop._proc import clean_env, pipe
from tests.interop._reference import Reference, parse_messages

PEER = "target-jsonl"
FINAL_STATE: dict[str, Any] = {"bookmarks": {}, "currently_syncing": None}


def read_output(directory: Path, stream: str) -> list[dict[str, Any]]:
    """Every record target-jsonl wrote for ``stream`` (its files are ``<stream>-<timestamp>.jsonl``)."""
    rows = []
    for path in sorted(directory.glob(f"{stream}-*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line]
    return rows


def streams_written(directory: Path) -> set[str]:
    """The streams target-jsonl wrote files for."""
    return {path.name.rsplit("-", 1)[0] for path in directory.glob("*.jsonl")}


def types_seen(reference: Reference, rows_by_stream: dict[str, list[dict[str, Any]]]) -> str:
    """The JSON types of the non-null money, date and flag values, e.g. ``decimal: str x 420``."""
    seen: dict[str, Counter[str]] = {}
    for stream, rows in rows_by_stream.items():
        for kind in ("decimal", "date", "boolean"):
            for name in reference.fields(stream, kind):
                values = (row[name] for row in rows if row[name] is not None)
                seen.setdefault(kind, Counter()).update(type(v).__name__ for v in values)
    return ", ".join(
        f"{kind} as {'/'.join(f'{t} x{n}' for t, n in sorted(counts.items()))}"
        for kind, counts in seen.items()
    )


async def check(ctx: Context) -> str:
    """Run the check; return the facts it proved (a failure raises :class:`CheckError`)."""
    venv = ctx.venvs[PEER]
    cwd = ctx.directory(PEER)
    output = cwd / "output"
    output.mkdir()
    config = cwd / "target.json"
    config.write_text(json.dumps({"destination_path": str(output)}))
    out = await pipe(
        [ctx.tap, "--config", ctx.config], [venv.bin(PEER), "--config", config], cwd=cwd, env=clean_env()
    )
    states = [m for m in parse_messages(out) if "bookmarks" in m]
    expect(states[-1:] == [FINAL_STATE], f"the target's last STATE is {states[-1:]}, expected {FINAL_STATE}")
    written = streams_written(output)
    expect(written == set(ctx.reference.records), f"files for {sorted(written)}")
    rows = {stream: read_output(output, stream) for stream in ctx.reference.records}
    total = sum(check_rows(ctx.reference, stream, got, exact_text=True) for stream, got in rows.items())
    return (
        f"{total} records in {len(rows)} streams = the tap's, ids unique, values equal "
        f"({types_seen(ctx.reference, rows)}; money exact text, dates ISO); final STATE passed on"
    )
