"""The machine a benchmark ran on: CPU model, cores, Python and library versions."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def machine_info() -> dict[str, str | int]:
    """What the figures depend on, for the table header and the JSON file."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.release()}",
        "aiobizstim": _version("aiobizstim"),
        "aiohttp": _version("aiohttp"),
        "msgspec": _version("msgspec"),
        "pydantic": _version("pydantic"),
        "httpx": _version("httpx"),
    }
