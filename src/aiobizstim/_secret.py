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


def _spelled(char: str) -> str:
    """A pattern for ``char`` as a server may echo it: as is, JSON-escaped (``\\u0041``, PHP's ``\\/``) or
    percent-encoded (``%2F``)."""
    spelled = [re.escape("\\u") + _any_case(f"{ord(char):04x}")]
    if char in '"\\/':
        spelled.append(re.escape("\\" + char))
    if ord(char) < 0x80:
        spelled.append("%" + _any_case(f"{ord(char):02x}"))
    # Atomic, the longer spellings first: once a character matched, the search never comes back to try it
    # another way (with backslashes in the key, ``\\`` and ``\\\\`` overlap, and retrying them would take
    # exponential time).
    return f"(?>{'|'.join([*spelled, re.escape(char)])})"


def _spellings(secret: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every spelling of ``secret`` (see :func:`_spelled`), and of its start (``_MINCUT`` characters or
    more) right before an excerpt's cut."""
    parts = [_spelled(char) for char in secret]
    rest = ""
    for part in reversed(parts[_MINCUT:-1]):  # each further character only if the one before is there
        rest = f"(?:{part}{rest})?"
    cut_inside = r"(?:\\u[0-9a-fA-F]{0,3}|\\|%[0-9a-fA-F]?)?"  # the cut fell inside an escape
    return re.compile("".join(parts)), re.compile(
        "".join(parts[:_MINCUT]) + rest + cut_inside + re.escape(CUT)
    )


class Secret:
    """A string that never shows itself: ``repr``/``str`` print a placeholder; :meth:`reveal` returns it."""

    __slots__ = ("_spelled", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._spelled: tuple[re.Pattern[str], re.Pattern[str]] | None = None

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
        escaped, cut = "\\" in text or "%" in text, CUT in text and len(secret) > _MINCUT
        if escaped or cut:  # an escaped spelling may be there, or a start of the key (any spelling) at a cut
            if self._spelled is None:
                self._spelled = _spellings(secret)
            whole, start = self._spelled
            if escaped:
                text = whole.sub("***", text)
            if cut:
                text = start.sub("***" + CUT, text)
        return text

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret cannot be pickled")
