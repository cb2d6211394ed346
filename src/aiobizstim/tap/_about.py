"""``--about``: what the tap is and what it takes, as the Meltano SDK prints it (``--format json``, the
default here, or ``markdown``)."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from aiobizstim._version import __version__
from aiobizstim.tap._settings import SETTINGS

__all__ = ["CAPABILITIES", "NAME", "about", "render_about"]

NAME: Final = "tap-bizstim"
DESCRIPTION: Final = "Singer tap for the Bizstim CRM REST API: every documented list, full-table, resumable"
#: What the tap can do, in the Meltano SDK's capability names.
CAPABILITIES: Final = ("catalog", "discover", "state", "about")


def about() -> dict[str, Any]:
    """Name, description, version, capabilities and the settings as JSON Schema."""
    return {
        "name": NAME,
        "description": DESCRIPTION,
        "version": __version__,
        "capabilities": list(CAPABILITIES),
        "settings": SETTINGS,
    }


def render_about(fmt: str) -> str:
    """:func:`about` as indented JSON or as Markdown."""
    info = about()
    if fmt == "json":
        return msgspec.json.format(msgspec.json.encode(info), indent=2).decode()
    lines = [f"# `{NAME}`", "", DESCRIPTION, "", f"Version {__version__}.", "", "## Capabilities", ""]
    lines += [f"- `{name}`" for name in CAPABILITIES]
    lines += ["", "## Settings", "", "| Setting | Required | Default | Description |", "|:--|:--:|:--:|:--|"]
    for name, schema in SETTINGS["properties"].items():
        default, text = schema.get("default", "None"), schema.get("description", "")
        lines.append(f"| {name} | False | {default} | {text} |")
    return "\n".join(lines)
