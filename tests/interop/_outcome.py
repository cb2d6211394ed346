"""What a peer's check reports: one line, PASS or FAIL, with the facts it established."""

from __future__ import annotations

import dataclasses
from typing import Final

__all__ = ["CheckError", "Outcome", "expect"]

PASS: Final = "PASS"
FAIL: Final = "FAIL"


class CheckError(Exception):
    """A check found the peer's result wrong (the message says how)."""


def expect(condition: bool, message: str) -> None:
    """Fail the check with ``message`` unless ``condition`` holds (not ``assert``: ``-O`` cannot drop it)."""
    if not condition:
        raise CheckError(message)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One peer's result: ``facts`` is what was proved (PASS) or what went wrong (FAIL)."""

    peer: str
    version: str
    passed: bool
    facts: str

    def line(self) -> str:
        return f"{self.peer} {self.version}: {PASS if self.passed else FAIL}: {self.facts}"
