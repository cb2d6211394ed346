"""Reading the tap's input files (config, catalog, state): JSON, or one typed line saying why not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from aiobizstim.tap._errors import InputError

__all__ = ["read_json"]


def read_json(path: Path, what: str, error: type[InputError]) -> Any:
    """The JSON value in ``path`` (the ``what`` file); ``error`` when it cannot be read or is not JSON."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise error(f"{path}: the {what} file is not valid JSON: {exc}") from None
