"""Discovery and selection: the catalog ``--discover`` prints, and what a ``--catalog`` file selects.

A discovered stream holds ``tap_stream_id`` (= ``stream``), the JSON Schema of its records
(:mod:`aiobizstim.tap._schema`), ``key_properties`` and Singer metadata: at breadcrumb ``[]``
``inclusion: available``, ``selected-by-default`` (true but for ``client_details``),
``table-key-properties`` and ``forced-replication-method: FULL_TABLE``; at ``["properties", name]`` each
field's ``inclusion`` (``automatic`` for the key) and ``selected-by-default: true``.

Selection, as singer-python and the Meltano SDK read it: a stream is synced if its ``[]`` metadata says
``selected: true`` (or, legacy, its schema does), else if ``selected-by-default`` says so; streams missing
from the catalog are not synced. A field is kept if its inclusion is ``automatic`` (the key: never
dropped), else by its ``selected`` metadata (or legacy ``selected`` in its property schema), else by
``selected-by-default`` (true unless the catalog says otherwise). Deselected fields are left out of the
SCHEMA and RECORD messages. The schema in the catalog is not read back: records are typed as the models say.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from aiobizstim.models._export import export_fields
from aiobizstim.tap._errors import CatalogError
from aiobizstim.tap._files import read_json
from aiobizstim.tap._schema import record_schema
from aiobizstim.tap._streams import STREAMS, Stream, stream_named

__all__ = ["Selection", "default_selection", "discover", "read_catalog"]


@dataclasses.dataclass(frozen=True)
class Selection:
    """A stream to sync and the fields kept (``None``: every field)."""

    stream: Stream
    fields: tuple[str, ...] | None = None


def _metadata(stream: Stream) -> list[dict[str, Any]]:
    keys = list(stream.key_properties)
    entries: list[dict[str, Any]] = [
        {
            "breadcrumb": [],
            "metadata": {
                "inclusion": "available",
                "selected-by-default": stream.selected_by_default,
                "table-key-properties": keys,
                "forced-replication-method": "FULL_TABLE",
            },
        }
    ]
    for name in export_fields(stream.model):
        entries.append(
            {
                "breadcrumb": ["properties", name],
                "metadata": {
                    "inclusion": "automatic" if name in keys else "available",
                    "selected-by-default": True,
                },
            }
        )
    return entries


def discover() -> dict[str, Any]:
    """The catalog of every stream, as ``--discover`` prints it."""
    return {
        "streams": [
            {
                "tap_stream_id": stream.name,
                "stream": stream.name,
                "schema": record_schema(stream.model),
                "key_properties": list(stream.key_properties),
                "metadata": _metadata(stream),
            }
            for stream in STREAMS
        ]
    }


def default_selection() -> list[Selection]:
    """What a run without ``--catalog`` syncs: every stream selected by default, every field."""
    return [Selection(stream) for stream in STREAMS if stream.selected_by_default]


def _flag(where: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise CatalogError(f"{where} must be true or false, got {value!r}")


def _breadcrumbs(where: str, entry: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    metadata = entry.get("metadata", [])
    if not isinstance(metadata, list):
        raise CatalogError(f"{where}.metadata must be a list")
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    for i, item in enumerate(metadata):
        here = f"{where}.metadata[{i}]"
        if not isinstance(item, dict):
            raise CatalogError(f"{here} must be an object")
        crumb, values = item.get("breadcrumb"), item.get("metadata", {})
        if not isinstance(crumb, list) or not all(isinstance(part, str) for part in crumb):
            raise CatalogError(f"{here}.breadcrumb must be a list of strings")
        if not isinstance(values, dict):
            raise CatalogError(f"{here}.metadata must be an object")
        for key in ("selected", "selected-by-default"):
            _flag(f"{here}.metadata.{key}", values.get(key))
        found[tuple(crumb)] = values
    return found


def _selected(where: str, entry: dict[str, Any], crumbs: dict[tuple[str, ...], dict[str, Any]]) -> bool:
    top = crumbs.get((), {})
    schema = entry.get("schema")
    legacy = _flag(f"{where}.schema.selected", schema.get("selected")) if isinstance(schema, dict) else None
    for choice in (top.get("selected"), legacy, top.get("selected-by-default")):
        if choice is not None:
            return bool(choice)
    return False


def _fields(
    where: str, stream: Stream, entry: dict[str, Any], crumbs: dict[tuple[str, ...], dict[str, Any]]
) -> tuple[str, ...] | None:
    schema = entry.get("schema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    kept = []
    for name in export_fields(stream.model):
        values = crumbs.get(("properties", name), {})
        legacy = None
        if isinstance(properties, dict) and isinstance(properties.get(name), dict):
            legacy = _flag(f"{where}.schema.properties.{name}.selected", properties[name].get("selected"))
        keep = True
        if name not in stream.key_properties:
            for choice in (values.get("selected"), legacy, values.get("selected-by-default")):
                if choice is not None:
                    keep = bool(choice)
                    break
        if keep:
            kept.append(name)
    return None if len(kept) == len(export_fields(stream.model)) else tuple(kept)


def read_catalog(path: Path) -> list[Selection]:
    """The streams (in sync order) and fields the catalog at ``path`` selects."""
    data = read_json(path, "catalog", CatalogError)
    if not isinstance(data, dict) or not isinstance(data.get("streams"), list):
        raise CatalogError(f'{path}: a catalog is a JSON object with a list of streams under "streams"')
    chosen: dict[str, Selection | None] = {}
    for i, entry in enumerate(data["streams"]):
        where = f"{path}: streams[{i}]"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where} must be an object")
        name = entry.get("tap_stream_id", entry.get("stream"))
        if not isinstance(name, str):
            raise CatalogError(f"{where} has no tap_stream_id")
        stream = stream_named(name)
        if stream is None:
            known = ", ".join(s.name for s in STREAMS)
            raise CatalogError(f"{where}: no stream {name!r} in this tap (its streams: {known})")
        if name in chosen:
            raise CatalogError(f"{where}: stream {name!r} is listed twice")
        crumbs = _breadcrumbs(where, entry)
        selected = _selected(where, entry, crumbs)
        chosen[name] = Selection(stream, _fields(where, stream, entry, crumbs)) if selected else None
    return [selection for s in STREAMS if (selection := chosen.get(s.name)) is not None]
