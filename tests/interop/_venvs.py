"""The peers' virtualenvs under ``.interop/venvs``: built once per set of pins, reused while they match;
this checkout's wheel is built fresh each run and reinstalled wherever it changed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Final

from tests.interop._outcome import expect
from tests.interop._proc import clean_env, run

__all__ = ["VENVS", "Venv", "VenvSpec", "build_wheel", "prepare"]

REPO: Final = Path(__file__).resolve().parents[2]
_KEY_FILE: Final = "interop-key.json"
_WHEEL_FILE: Final = "interop-wheel.txt"


@dataclasses.dataclass(frozen=True)
class VenvSpec:
    """A venv: exact pins, and whether this checkout goes in (``ours``: None, or its extras, "" for none)."""

    name: str
    pins: tuple[str, ...]
    ours: str | None = None


#: Every venv the checks use; the tap's venv feeds singer-check-tap and the targets' pipes.
VENVS: Final = {
    spec.name: spec
    for spec in (
        VenvSpec("tap", (), ours=""),
        VenvSpec("singer-tools", ("singer-tools==0.4.1",)),
        VenvSpec("target-jsonl", ("target-jsonl==0.1.4",)),
        VenvSpec("target-duckdb", ("target-duckdb==0.8.0", "duckdb==2.0.1")),
        VenvSpec("meltanolabs-target-csv", ("meltanolabs-target-csv==0.5.0", "singer-sdk==0.54.9")),
        VenvSpec("meltano", ("meltano==4.4.1",)),
        VenvSpec("dlt", ("dlt[duckdb]==1.31.0", "duckdb==2.0.1"), ours="dlt"),
    )
}


@dataclasses.dataclass(frozen=True)
class Venv:
    """A ready venv."""

    path: Path
    built: bool  # built by this run (False: reused)

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name

    async def version(self, distribution: str) -> str:
        """The installed version of ``distribution`` in this venv."""
        code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
        _, out, _ = await run([self.bin("python"), "-c", code])
        return out.strip()


def _wheel_record(wheel: Path) -> tuple[str, list[str]]:
    """The wheel's content hash (of its RECORD: every file's hash) and its Requires-Dist lines."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (record,) = [n for n in names if n.endswith(".dist-info/RECORD")]
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        digest = hashlib.sha256(archive.read(record)).hexdigest()
        requires = [
            line for line in archive.read(metadata).decode().splitlines() if line.startswith("Requires-Dist:")
        ]
    return digest, requires


def _emptied(directory: Path) -> Path:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def _only_wheel(directory: Path) -> Path:
    wheels = list(directory.glob("aiobizstim-*.whl"))
    expect(len(wheels) == 1, f"pip wheel made {len(wheels)} aiobizstim wheels in {directory}")
    return wheels[0]


async def build_wheel(into: Path) -> Path:
    """This checkout as a wheel (no dependencies), in an emptied ``into``."""
    await run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", _emptied(into), REPO])
    return _only_wheel(into)


async def prepare(spec: VenvSpec, root: Path, wheel: Path | None = None) -> Venv:
    """The venv of ``spec`` under ``root``: reused if built with the same pins (and, for ours, the same
    dependencies), else built anew; this run's ``wheel`` installed in it if it holds ours (then required)."""
    path = root / spec.name
    if spec.ours is not None and wheel is None:
        raise ValueError(f"the venv {spec.name} holds this checkout: give its wheel")
    digest, requires = _wheel_record(wheel) if spec.ours is not None and wheel is not None else ("", [])
    key = {
        "python": sys.version.split()[0],
        "pins": list(spec.pins),
        "ours": None if spec.ours is None else {"extras": spec.ours, "requires": requires},
    }
    pip: list[str | Path] = [
        path / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    key_file = path / _KEY_FILE
    built = False
    if not key_file.is_file() or json.loads(key_file.read_text()) != key:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        await run([sys.executable, "-m", "venv", path], env=clean_env())
        ours = [f"{wheel}[{spec.ours}]" if spec.ours else str(wheel)] if spec.ours is not None else []
        await run([*pip, *spec.pins, *ours], env=clean_env())
        key_file.write_text(json.dumps(key))
        (path / _WHEEL_FILE).write_text(digest)
        built = True
    elif spec.ours is not None and wheel is not None and (path / _WHEEL_FILE).read_text() != digest:
        await run([*pip, "--no-deps", "--force-reinstall", wheel], env=clean_env())
        (path / _WHEEL_FILE).write_text(digest)
    return Venv(path, built)
