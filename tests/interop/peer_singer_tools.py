"""singer-tools' ``singer-check-tap``: our output parsed by singer-python, every RECORD validated against
its SCHEMA (JSON Schema draft 4, with format checks); then the same for a run from the last STATE.

singer-tools 0.4.1 pins attrs 16.3.0 and jsonschema 2.6.0; it installs and runs on Python 3.11 (with the
newest singer-python that accepts them), in a venv of its own. Its ``--tap`` mode is not used: it returns
the summary of its reader thread without joining it (``run_and_summarize``), so a tap that exits before the
thread has read everything makes it crash on ``None`` (seen here on the second run). The check does what
``--tap`` would, deterministically: each run's output is written to a file and fed to singer-check-tap on
stdin, and the second run gets the first one's last STATE through ``--state``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.interop._context import Context
from tests.interop._outcome import expect
from tests.interop._proc import clean_env, run
from tests.interop._reference import parse_messages

PEER = "singer-tools"
_ROW = re.compile(r"^\| (\w+)\s*\| (\d+)\s*\| (\d+)\s*\|$", re.MULTILINE)


def _table(out: str) -> dict[str, tuple[int, int]]:
    """The "Details by stream" table: stream -> (records, schemas)."""
    return {name: (int(records), int(schemas)) for name, records, schemas in _ROW.findall(out)}


async def check(ctx: Context) -> str:
    """Run the check; return the facts it proved (a failure raises :class:`CheckError`)."""
    venv = ctx.venvs[PEER]
    cwd = ctx.directory(PEER)
    want = {stream: (count, 1) for stream, count in ctx.reference.counts().items()}
    state: Path | None = None
    states = 0
    for i in (1, 2):
        output = cwd / f"run{i}.singer"
        resume: list[str | Path] = ["--state", state] if state else []
        await run([ctx.tap, "--config", ctx.config, *resume], stdout=output)
        _, out, _ = await run([venv.bin("singer-check-tap")], cwd=cwd, stdin=output, env=clean_env())
        expect("The output is valid." in out, f"run {i}: singer-check-tap did not find the output valid")
        table = _table(out)
        expect(table == want, f"run {i}: (records, schemas) per stream {table}, the fake holds {want}")
        found = [m["value"] for m in parse_messages(output.read_text()) if m["type"] == "STATE"]
        states += len(found)
        state = cwd / "state.json"
        state.write_text(json.dumps(found[-1]))
    records = sum(count for count, _ in want.values())
    return (
        f"singer-check-tap (on stdin: its --tap mode races, see the module): 2 runs (fresh, then from the "
        f"last STATE) valid, every RECORD against its SCHEMA (draft 4 + formats): {records} records in "
        f"{len(want)} streams each, one SCHEMA per stream, {states} STATE messages, counts = the fake's"
    )
