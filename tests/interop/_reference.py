"""The reference: what tap-bizstim emits for the fake's data (from the tap's venv, this checkout's wheel),
proved against the fake itself before any peer is judged by it.

Against the fake: every stream's ids are the fake's, once each, and every money, date and flag field holds
the wire value in the export form (money the wire's exact text, dates ISO or null for ``0000-00-00``, flags
``"1"``/``"0"`` as booleans), decoded here without the library. The peers' outputs are then compared with
these records (:mod:`tests.interop._compare`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from aiobizstim._lists import LISTABLE, record_model
from aiobizstim.models._kinds import Kind, field_kinds
from aiobizstim.testing import FakeBizstim
from tests.interop._outcome import expect
from tests.interop._proc import run

__all__ = ["Reference", "expected_ids", "parse_messages", "take_reference"]

Record = dict[str, Any]


def expected_ids(fake: FakeBizstim) -> dict[str, list[int]]:
    """The ids the fake holds now, per stream the tap syncs by default."""
    ids = {"clients": fake.client_ids()}
    ids.update({name: [int(r["id"]) for r in fake.records(name)] for name in LISTABLE if name != "clients"})
    return ids


def parse_messages(text: str) -> list[dict[str, Any]]:
    """Singer messages, one JSON object a line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclasses.dataclass(frozen=True)
class Reference:
    """Per stream: the SCHEMA message's schema and the records by id."""

    schemas: dict[str, dict[str, Any]]
    records: dict[str, dict[int, Record]]

    @property
    def total(self) -> int:
        return sum(map(len, self.records.values()))

    def counts(self) -> dict[str, int]:
        return {stream: len(records) for stream, records in self.records.items()}

    def fields(self, stream: str, kind: str) -> list[str]:
        """The fields of ``stream`` of one kind (``decimal``, ``date``, ``boolean``, ``integer``, ...)."""
        found = []
        for name, schema in self.schemas[stream]["properties"].items():
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            fmt = {"singer.decimal": "decimal", "date": "date"}.get(schema.get("format", ""))
            if (fmt or next(t for t in types if t != "null")) == kind:
                found.append(name)
        return found


def _wire_value(kind: Kind, wire: Any) -> Any:
    """The export form of a wire money, date or flag value, decoded without the library."""
    if wire in (None, ""):
        return None
    if kind is Kind.DATE:
        return None if wire == "0000-00-00" else wire
    if kind is Kind.FLAG:
        return {"1": True, "0": False}[wire]
    return wire if isinstance(wire, str) else str(wire)  # money: the exact text (a JSON number's too)


def _wire_mismatches(fake: FakeBizstim, stream: str, records: dict[int, Record]) -> list[str]:
    found = []
    typed = [s for s in field_kinds(record_model(stream)) if s.kind in (Kind.MONEY, Kind.DATE, Kind.FLAG)]
    for wire in fake.records(stream):
        record = records[int(wire["id"])]
        for spec in typed:
            want = _wire_value(spec.kind, wire.get(spec.wire))
            if record[spec.attr] != want:
                found.append(f"{stream} {wire['id']} {spec.attr}: {record[spec.attr]!r}, wire {want!r}")
    return found


def check_against_fake(reference: Reference, fake: FakeBizstim) -> int:
    """Prove the reference against the fake's data; return how many typed values were compared."""
    ids = expected_ids(fake)
    expect(set(reference.records) == set(ids), f"streams {sorted(reference.records)}, fake {sorted(ids)}")
    compared = 0
    for stream, want in ids.items():
        got = reference.records[stream]
        expect(sorted(got) == sorted(want), f"{stream}: the tap's ids are not the fake's")
        if stream != "clients":
            mismatches = _wire_mismatches(fake, stream, got)
            expect(not mismatches, f"the tap's values differ from the wire: {mismatches[:3]}")
            compared += len(got) * sum(
                s.kind in (Kind.MONEY, Kind.DATE, Kind.FLAG) for s in field_kinds(record_model(stream))
            )
    return compared


async def take_reference(tap: Path, config: Path, fake: FakeBizstim, workdir: Path) -> tuple[Reference, int]:
    """Run the tap once; return its output as the reference, proved against the fake, and how many money,
    date and flag values were compared with the wire."""
    out = workdir / "reference.singer"
    await run([tap, "--config", config], stdout=out)
    schemas: dict[str, dict[str, Any]] = {}
    records: dict[str, dict[int, Record]] = {}
    for message in parse_messages(out.read_text()):
        if message["type"] == "SCHEMA":
            schemas[message["stream"]] = message["schema"]
            records.setdefault(message["stream"], {})
        elif message["type"] == "RECORD":
            by_id = records[message["stream"]]
            record = message["record"]
            expect(record["id"] not in by_id, f"the tap sent {message['stream']} {record['id']} twice")
            by_id[record["id"]] = record
    reference = Reference(schemas, records)
    return reference, check_against_fake(reference, fake)
