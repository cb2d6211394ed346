"""The peers' virtualenvs under ``.bench/venvs`` (never the dev environment): built once per set of pins,
reused while the pins and the Python match (as ``tests/interop/_venvs.py`` does, synchronously)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

__all__ = ["ROOT", "Venv", "VenvSpec", "clean_env", "prepare"]

REPO: Final = Path(__file__).resolve().parents[2]
ROOT: Final = REPO / ".bench" / "venvs"
_KEY_FILE: Final = "bench-key.json"
_BUILD_TIMEOUT_S: Final = 900.0


@dataclasses.dataclass(frozen=True)
class VenvSpec:
    """A venv: its directory name and exact pins."""

    name: str
    pins: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Venv:
    """A ready venv."""

    path: Path
    built: bool  # built by this run (False: reused)

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Bizstim settings, virtualenv markers or Python overrides (a peer
    must not import this checkout from ``PYTHONPATH``), plus ``extra``."""
    dropped = ("BIZSTIM_", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "TAP_", "TARGET_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(extra or {})
    return env


def _run(argv: list[str | Path]) -> None:
    proc = subprocess.run(
        [str(a) for a in argv],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=_BUILD_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed: {(proc.stdout + proc.stderr)[-2000:]}")


def prepare(spec: VenvSpec, root: Path = ROOT) -> Venv:
    """The venv of ``spec`` under ``root``: reused if built with the same pins and Python, else built anew."""
    path = root / spec.name
    key = {"python": sys.version.split()[0], "pins": list(spec.pins)}
    key_file = path / _KEY_FILE
    if key_file.is_file() and json.loads(key_file.read_text()) == key:
        return Venv(path, built=False)
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", path])
    pip: list[str | Path] = [
        path / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    _run([*pip, *spec.pins])
    key_file.write_text(json.dumps(key))
    return Venv(path, built=True)
