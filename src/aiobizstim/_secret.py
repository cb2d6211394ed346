"""How the API key stays secret: a string that never shows itself. Imports nothing, so the console scripts can
redact the key from a usage error without loading the client's configuration."""

from __future__ import annotations

__all__ = ["CUT", "Secret"]

#: What an error excerpt ends with where it was cut (:func:`aiobizstim.errors.excerpt`): redaction looks
#: there for a key the cut left half.
CUT = "\u2026"
#: A shorter start of the key before a cut is left as it is: too common to be told from text.
_MINCUT = 4


class Secret:
    """A string that never shows itself: ``repr``/``str`` print a placeholder; :meth:`reveal` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one place that must send it (the request header)."""
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the secret replaced by ``***``, and its start where an excerpt
        cut through it (the start of the secret, 4 characters or more, right before an ``…``)."""
        secret = self._value
        if not secret:
            return text
        if secret in text:
            text = text.replace(secret, "***")
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
