"""What every peer's check is handed: the fake, the venvs, the reference and a fresh working directory."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from aiobizstim.testing import FakeBizstim
from tests.interop._fake import Pages
from tests.interop._reference import Reference
from tests.interop._venvs import Venv

__all__ = ["Context"]


@dataclasses.dataclass(frozen=True)
class Context:
    fake: FakeBizstim
    pages: Pages  # the fake's drift hook
    venvs: dict[str, Venv]
    wheel: Path  # this checkout's wheel, built by this run
    reference: Reference
    config: Path  # the tap's config: the fake's url and key
    workdir: Path  # this run's scratch directory; each check makes its own subdirectory
    cache: Path  # kept between runs (package caches)

    @property
    def tap(self) -> Path:
        """tap-bizstim, installed from this run's wheel."""
        return self.venvs["tap"].bin("tap-bizstim")

    def directory(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True)
        return path
