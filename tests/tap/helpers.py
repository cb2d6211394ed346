"""Running ``tap-bizstim`` (as ``python -m aiobizstim.tap``) and reading its Singer output."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiobizstim.testing import FakeBizstim

TIMEOUT = 60.0
PROG = "tap-bizstim"


@dataclass
class TapRun:
    """One run: exit code, the messages on stdout (a cut-off last line dropped) and stderr."""

    code: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def of(self, kind: str, stream: str | None = None) -> list[dict[str, Any]]:
        """The messages of one type (and stream)."""
        return [
            m for m in self.messages if m["type"] == kind and (stream is None or m.get("stream") == stream)
        ]

    def records(self, stream: str) -> list[dict[str, Any]]:
        """The records of ``stream``, in order."""
        return [m["record"] for m in self.of("RECORD", stream)]

    def covered(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any] | None]:
        """The records the last STATE covers (those before it), by stream, and that state."""
        last = max((i for i, m in enumerate(self.messages) if m["type"] == "STATE"), default=-1)
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for message in self.messages[:last]:
            if message["type"] == "RECORD":
                by_stream.setdefault(message["stream"], []).append(message["record"])
        return by_stream, self.messages[last]["value"] if last >= 0 else None


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIZSTIM_")}
    env.update(extra or {})
    return env


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path


def config_for(fake: FakeBizstim, tmp_path: Path, **settings: Any) -> Path:
    return write_json(tmp_path / "config.json", {"api_key": fake.api_key, "base_url": fake.url, **settings})


def parse_messages(stdout: str) -> list[dict[str, Any]]:
    """Every line of ``stdout`` as JSON (a last line without its newline, cut off by a kill, is dropped)."""
    lines = stdout.split("\n")
    return [json.loads(line) for line in lines[:-1]]


async def tap(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    stop_when: Callable[[dict[str, Any]], bool] | None = None,
    stop_signal: signal.Signals = signal.SIGKILL,
) -> TapRun:
    """Run the tap; with ``stop_when``, send it ``stop_signal`` once a message on its stdout matches (it may
    write more before the signal lands, as a real tap would)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aiobizstim.tap",
        *map(str, args),
        env=clean_env(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None

    async def read_stdout() -> bytes:
        assert proc.stdout is not None
        chunks, sent = [], False
        while line := await proc.stdout.readline():
            chunks.append(line)
            whole = line.endswith(b"\n") and proc.returncode is None
            if stop_when is not None and not sent and whole and stop_when(json.loads(line)):
                proc.send_signal(stop_signal)  # once: a second one would make it exit at once
                sent = True
        return b"".join(chunks)

    out, err = await asyncio.wait_for(asyncio.gather(read_stdout(), proc.stderr.read()), TIMEOUT)
    await asyncio.wait_for(proc.wait(), TIMEOUT)
    assert proc.returncode is not None
    run = TapRun(proc.returncode, out.decode(), err.decode())
    run.messages = parse_messages(run.stdout)
    return run


def after_checkpoints(stream: str, count: int) -> Callable[[dict[str, Any]], bool]:
    """A ``stop_when`` matching the ``count``-th STATE that holds a checkpoint of ``stream``."""
    seen = [0]

    def match(message: dict[str, Any]) -> bool:
        if message["type"] != "STATE" or "checkpoint" not in message["value"]["bookmarks"].get(stream, {}):
            return False
        seen[0] += 1
        return seen[0] == count

    return match


# --- a small JSON Schema check, enough for the schemas the tap writes -------------------------------------

_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _decimal(text: str) -> bool:
    try:
        return decimal.Decimal(text).is_finite() and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) is not None
    except decimal.InvalidOperation:
        return False


def _date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


_FORMATS: dict[str, Callable[[str], bool]] = {"date": _date, "singer.decimal": _decimal}


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (types, required, properties, items, enum, format, pattern);
    unknown keywords fail, so the check never passes by ignoring something."""
    known = {"type", "properties", "required", "items", "enum", "format", "pattern"}
    if unknown := set(schema) - known:
        return [f"{path}: unknown keywords {sorted(unknown)}"]
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[name](value) for name in names):
            return [f"{path}: {value!r} is not {names}"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "format" in schema and not _FORMATS[schema["format"]](value):
            errors.append(f"{path}: {value!r} is not a {schema['format']}")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        errors += [f"{path}: {name} is required" for name in schema.get("required", []) if name not in value]
        properties = schema.get("properties", {})
        if "properties" in schema:  # the tap's records hold exactly the fields their schema lists
            errors += [f"{path}: {name} is not in the schema" for name in value if name not in properties]
        for name, sub in properties.items():
            if name in value:
                errors += schema_errors(value[name], sub, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{i}]")
    return errors
