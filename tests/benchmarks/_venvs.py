"""The peers' virtualenvs under ``.bench/venvs`` (never the dev environment): built by
``tests/interop/_venvs.py``'s :func:`~tests.interop._venvs.prepare` (once per set of pins, reused while the
pins and the Python match), from the synchronous benchmark code."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Final

from tests.interop import _venvs
from tests.interop._proc import clean_env
from tests.interop._venvs import REPO, Venv, VenvSpec

__all__ = ["REPO", "ROOT", "Venv", "VenvSpec", "clean_env", "prepare"]

ROOT: Final = REPO / ".bench" / "venvs"


def prepare(spec: VenvSpec, root: Path = ROOT) -> Venv:
    """The venv of ``spec`` under ``root`` (peers only: this checkout is never installed in them)."""
    return asyncio.run(_venvs.prepare(spec, root))
