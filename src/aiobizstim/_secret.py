"""How the API key stays secret: a string that never shows itself. Imports only ``re``, so the console scripts
can redact the key from a usage error without loading the client's configuration."""

from __future__ import annotations

import re

__all__ = ["CUT", "Secret"]

#: What an error excerpt ends with where it was cut (:func:`aiobizstim.errors.excerpt`): redaction looks
#: there for a key the cut left half.
CUT = "\u2026"
#: A shorter start of the key before a cut is left as it is: too common to be told from text.
_MINCUT = 4


def _any_case(hex_digits: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in hex_digits)


def _spellings(secret: str) -> re.Pattern[str]:
    """Every spelling of ``secret`` a server may echo: as is, or with any of its characters JSON-escaped
    (``\\u0041``, PHP's ``\\/``) or percent-encoded (``%2F``)."""
    parts = []
    for char in secret:
        spelled = [re.escape(char), re.escape("\\u") + _any_case(f"{ord(char):04x}")]
        if ord(char) < 0x80:
            spelled.append("%" + _any_case(f"{ord(char):02x}"))
        if char in '"\\/':
            spelled.append(re.escape("\\" + char))
        parts.append(f"(?:{'|'.join(spelled)})")
    return re.compile("".join(parts))


class Secret:
    """A string that never shows itself: ``repr``/``str`` print a placeholder; :meth:`reveal` returns it."""

    __slots__ = ("_spelled", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._spelled: re.Pattern[str] | None = None

    def reveal(self) -> str:
        """The secret value, for the one place that must send it (the request header)."""
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the secret replaced by ``***`` (also where some of its characters
        are JSON-escaped or percent-encoded), and its start where an excerpt cut through it (the start of the
        secret, 4 characters or more, right before an ``…``)."""
        secret = self._value
        if not secret:
            return text
        if secret in text:
            text = text.replace(secret, "***")
        if "\\" in text or "%" in text:  # an escaped spelling may be there
            if self._spelled is None:
                self._spelled = _spellings(secret)
            text = self._spelled.sub("***", text)
        if CUT not in text:
            return text
        pieces = text.split(CUT)
        for n, piece in enumerate(pieces[:-1]):
            for length in range(min(len(secret) - 1, len(piece)), _MINCUT - 1, -1):
                if piece.endswith(secret[:length]):
                    pieces[n] = piece[:-length] + "***"
                    break
        return CUT.join(pieces)

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret cannot be pickled")
