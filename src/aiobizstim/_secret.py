"""How the API key stays secret: a string that never shows itself. Imports nothing, so the console scripts can
redact the key from a usage error without loading the client's configuration."""

from __future__ import annotations

__all__ = ["Secret"]


class Secret:
    """A string that never shows itself: ``repr``/``str`` print a placeholder; :meth:`reveal` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one place that must send it (the request header)."""
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the secret replaced by ``***``."""
        return text.replace(self._value, "***") if self._value and self._value in text else text

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret cannot be pickled")
