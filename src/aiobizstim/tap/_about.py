"""``--about``: what the tap is and what it takes (:data:`SETTINGS`), as the Meltano SDK prints it
(``--format json``, the default here, or ``markdown``). Imports nothing heavy: ``tap-bizstim --about`` loads
neither the client nor the models."""

from __future__ import annotations

import json
from typing import Any, Final

from aiobizstim._constants import API_KEY_ENV, BASE_URL_ENV
from aiobizstim._version import __version__

__all__ = ["CAPABILITIES", "NAME", "SETTINGS", "about", "render_about"]

NAME: Final = "tap-bizstim"
DESCRIPTION: Final = "Singer tap for the Bizstim CRM REST API: every documented list, full-table, resumable"
#: What the tap can do, in the Meltano SDK's capability names.
CAPABILITIES: Final = ("catalog", "discover", "state", "about")

#: Every setting as JSON Schema (``--about`` shows this object; Meltano reads it).
SETTINGS: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "api_key": {
            "type": "string",
            "description": f"The Bizstim API key (default ${API_KEY_ENV}); sent only in the x-api-key header",
            "secret": True,
            "writeOnly": True,
        },
        "base_url": {
            "type": "string",
            "description": f"The Bizstim site root (default ${BASE_URL_ENV}, then https://www.bizstim.com)",
        },
        "max_concurrency": {
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {"const": "auto"},
                {"type": "string", "pattern": "^[0-9]+$"},
            ],
            "default": 8,
            "description": "Requests in flight at once (an integer, or its digits as a string), or auto "
            "(adapts to the server)",
        },
        "page_size": {
            "type": "integer",
            "minimum": 1,
            "description": "Records per page request (default and cap: each list's documented maximum)",
        },
        "rate_limit": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Requests per second (default: no limit)",
        },
        "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 30,
            "description": "Seconds per request attempt",
        },
        "max_retries": {
            "type": "integer",
            "minimum": 0,
            "default": 10,
            "description": "Retries per request on transient faults",
        },
    },
}


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
        return json.dumps(info, indent=2, ensure_ascii=False)
    lines = [f"# `{NAME}`", "", DESCRIPTION, "", f"Version {__version__}.", "", "## Capabilities", ""]
    lines += [f"- `{name}`" for name in CAPABILITIES]
    lines += ["", "## Settings", "", "| Setting | Required | Default | Description |", "|:--|:--:|:--:|:--|"]
    for name, schema in SETTINGS["properties"].items():
        default, text = schema.get("default", "None"), schema.get("description", "")
        lines.append(f"| {name} | False | {default} | {text} |")
    return "\n".join(lines)
