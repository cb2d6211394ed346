"""The README's "Load into a warehouse" snippets, taken as written: the fenced block right after a
``<!-- interop: NAME -->`` comment, so what `make interop` runs and what the README shows cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from tests.interop._outcome import expect

__all__ = ["snippet"]

README = Path(__file__).resolve().parents[2] / "README.md"


def snippet(name: str, readme: Path = README) -> str:
    """The body of the one fenced block that follows ``<!-- interop: name -->``."""
    pattern = rf"^<!-- interop: {re.escape(name)} -->\n```[a-z]*\n(.*?)^```$"
    found = re.findall(pattern, readme.read_text(), flags=re.DOTALL | re.MULTILINE)
    expect(len(found) == 1, f"{readme.name}: {len(found)} blocks marked 'interop: {name}', expected 1")
    return str(found[0])
