"""A peer's rows against the reference records: the same ids once each, and every value the same once read
back in the peer's own types (a DECIMAL, a DATE, a JSON column, exact text)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tests.interop._outcome import expect
from tests.interop._reference import Reference

__all__ = ["check_rows", "same_value", "schema_tables"]


def schema_tables(
    db: Any, schema: str, *, skip_prefix: str | None = None
) -> tuple[dict[str, dict[str, str]], dict[str, list[dict[str, Any]]]]:
    """Column types and rows of every table in ``schema`` of the duckdb connection ``db`` (tables whose name
    starts with ``skip_prefix`` left out)."""
    types: dict[str, dict[str, str]] = {}
    for table, column, kind in db.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ?",
        [schema],
    ).fetchall():
        if skip_prefix is None or not str(table).startswith(skip_prefix):
            types.setdefault(str(table), {})[str(column)] = str(kind)
    rows = {}
    for table in types:
        cursor = db.execute(f'SELECT * FROM "{schema}"."{table}"')
        names = [d[0] for d in cursor.description]
        rows[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return types, rows


def same_value(want: Any, got: Any, kind: str) -> bool:
    """Whether ``got`` (as a peer stores it) is the reference value ``want`` of a field of ``kind``."""
    if want is None or got is None:
        return want is None and got is None
    if kind == "decimal":  # exact: a DECIMAL column or the very text, never a float
        return not isinstance(got, float) and Decimal(str(got)) == Decimal(want)
    if kind == "date":
        return bool((got.isoformat() if isinstance(got, dt.date) else got) == want)
    if kind == "array":
        return bool((json.loads(got) if isinstance(got, str) else got) == want)
    if kind == "boolean":
        return got is want
    if kind == "integer":
        return not isinstance(got, bool) and got == want
    return bool(got == want)


def _kinds(reference: Reference, stream: str) -> dict[str, str]:
    kinds = {}
    for kind in ("decimal", "date", "array", "boolean", "integer", "string"):
        kinds.update(dict.fromkeys(reference.fields(stream, kind), kind))
    return kinds


def check_rows(
    reference: Reference,
    stream: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    exact_text: bool = False,
    empty_is_null: list[str] | None = None,
) -> int:
    """Check a peer's rows of ``stream`` (column name -> value; columns beyond the reference's, a peer's
    own metadata, are ignored) against the reference; return how many rows. ``exact_text``: money must be
    the very string (a peer that keeps JSON strings), not just the same number. ``empty_is_null``: a peer
    that stores an empty string as NULL; each such value is noted in the list ("stream.field")."""
    want = reference.records[stream]
    kinds = _kinds(reference, stream)
    seen: set[int] = set()
    for row in rows:
        row_id = row["id"]
        expect(row_id not in seen, f"{stream}: id {row_id} twice")
        seen.add(row_id)
        expect(row_id in want, f"{stream}: id {row_id} is not the tap's")
        for name, kind in kinds.items():
            expect(name in row, f"{stream}: no column {name}")
            value, wanted = row[name], want[row_id][name]
            if empty_is_null is not None and wanted == "" and value is None:
                empty_is_null.append(f"{stream}.{name}")
                continue
            ok = value == wanted if exact_text and kind == "decimal" else same_value(wanted, value, kind)
            expect(ok, f"{stream} {row_id} {name}: {value!r}, the tap sent {wanted!r}")
    expect(seen == set(want), f"{stream}: {len(seen)} ids, the tap sent {len(want)}")
    return len(seen)
