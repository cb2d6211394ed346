"""Argument checks shared by the constructor, the resources and the CLI: one rule per kind of value.

Each check returns the value in its canonical type or raises before any request: ``TypeError`` for a value of
the wrong type, ``ValueError`` for a value out of range. Client and per-call options (timeouts, retry budgets,
concurrency, rates) raise :class:`~aiobizstim.ConfigurationError`, a ``ValueError``, wherever they are given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from aiobizstim.errors import ConfigurationError

__all__ = [
    "check_concurrency",
    "check_concurrency_bounds",
    "check_count",
    "check_flag",
    "check_header_value",
    "check_id",
    "check_int",
    "check_lookahead",
    "check_on_decode_error",
    "check_optional_positive",
    "check_overlap",
    "check_page_args",
    "check_positive_number",
    "check_rows",
    "check_text",
]


def check_int(name: str, value: object) -> int:
    """``value`` if it is an int (bools refused), else ``TypeError`` naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return value


# --- options: ConfigurationError wherever they are given ----------------------------------------------------


def check_positive_number(name: str, value: object) -> float:
    """A positive, finite number of seconds or requests per second (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_flag(name: str, value: object) -> bool:
    """A bool, nothing else (``"false"`` is not false)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_header_value(name: str, value: object) -> str:
    """A string sent as an HTTP header value: printable ASCII only (no control characters, which would
    split or break the header)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not (value.isascii() and value.isprintable()):
        raise ConfigurationError(
            f"{name} contains control characters or non-ASCII text (it is sent as an HTTP header)"
        )
    return value


def check_count(name: str, value: object, *, minimum: int) -> int:
    """An int of at least ``minimum`` (bools refused): a retry budget, a concurrency limit."""
    count = check_int(name, value)
    if count < minimum:
        raise ConfigurationError(f"{name} must be >= {minimum}, got {count}")
    return count


def check_concurrency(name: str, value: object) -> int | str:
    """A concurrency limit: an int >= 1, or ``"auto"`` (the limit adapts to the server)."""
    if isinstance(value, str):
        if value.strip().isdigit():  # a number in a string is a type mix-up
            raise TypeError(f"{name} must be an int >= 1 or 'auto', got the str {value!r}")
        if value != "auto":
            raise ConfigurationError(f"{name} must be an int >= 1 or 'auto', got {value!r}")
        return value
    return check_count(name, value, minimum=1)


def check_concurrency_bounds(
    minimum: object, start: object, maximum: object, *, what: str = "adaptive concurrency"
) -> tuple[int, int, int]:
    """An adaptive limit's range and start: ints with ``1 <= minimum <= start <= maximum``; ``what`` names
    the owner in the messages."""
    low = check_count(f"{what} minimum", minimum, minimum=1)
    first, high = check_int(f"{what} start", start), check_int(f"{what} maximum", maximum)
    if not low <= first <= high:
        raise ConfigurationError(
            f"{what} needs 1 <= minimum <= start <= maximum, got minimum={low}, start={first}, maximum={high}"
        )
    return low, first, high


# --- call arguments: ValueError / TypeError -----------------------------------------------------------------


def check_page_args(
    start: object, limit: object, max_limit: int, *, limit_name: str = "limit"
) -> tuple[int, int]:
    """``start``/``limit`` of page requests: ints, ``start >= 0``, ``1 <= limit <= max_limit``."""
    start_i, limit_i = check_int("start", start), check_int(limit_name, limit)
    if start_i < 0:
        raise ValueError(f"start must be >= 0, got {start_i}")
    if not 1 <= limit_i <= max_limit:
        raise ValueError(
            f"{limit_name} must be between 1 and {max_limit} (the documented maximum), got {limit_i}"
        )
    return start_i, limit_i


def check_overlap(overlap: object, page_size: int) -> int:
    """Records consecutive pages share: an int within ``[0, page_size - 1]``."""
    value = check_int("overlap", overlap)
    if not 0 <= value < page_size:
        raise ValueError(f"overlap must be between 0 and page_size - 1, got {value}")
    return value


def check_lookahead(lookahead: object, concurrency: int) -> int:
    """Calls a fan-out may start ahead of the consumer: an int, at least ``concurrency``."""
    value = check_int("lookahead", lookahead)
    if value < concurrency:
        raise ValueError(f"lookahead must be >= concurrency ({concurrency}), got {value}")
    return value


def check_optional_positive(name: str, value: object) -> int | None:
    """``None``, or an int >= 1."""
    if value is None:
        return None
    number = check_int(name, value)
    if number < 1:
        raise ValueError(f"{name} must be >= 1, got {number}")
    return number


def check_id(name: str, value: object) -> int:
    """A record id: an int (bools refused) >= 1."""
    ident = check_int(name, value)
    if ident < 1:
        raise ValueError(f"{name} must be a positive int, got {ident}")
    return ident


def check_on_decode_error(value: object) -> bool:
    """``on_decode_error``: ``"raise"`` or ``"skip"``; True for skip."""
    if value not in ("raise", "skip"):
        raise ValueError(f"on_decode_error must be 'raise' or 'skip', got {value!r}")
    return value == "skip"


def check_text(name: str, value: object) -> str:
    """A non-empty, non-blank string argument."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    return value


def check_rows(
    header: Sequence[object], data: Sequence[Sequence[object]]
) -> tuple[list[str], list[list[str]]]:
    """A bulk import table: a non-empty header of strings and rows of the header's length."""
    if isinstance(header, str) or not isinstance(header, Sequence):
        raise TypeError("header must be a list of column names")
    if not header:
        raise ValueError("header must not be empty")
    cols = [check_text(f"header[{i}]", col) for i, col in enumerate(header)]
    if isinstance(data, str) or not isinstance(data, Sequence):
        raise TypeError("data must be a list of rows")
    if not data:
        raise ValueError("data must contain at least one row")
    rows: list[list[str]] = []
    for r, row in enumerate(data):
        if isinstance(row, str) or not isinstance(row, Sequence):
            raise TypeError(f"data[{r}] must be a list of values")
        if len(row) != len(cols):
            raise ValueError(f"data[{r}] has {len(row)} values but header has {len(cols)} columns")
        rows.append([_cell(f"data[{r}][{c}]", value) for c, value in enumerate(row)])
    return cols, rows


def _cell(name: str, value: object) -> str:
    """One value of a bulk import row as the API takes it: text, a number's digits, a date's YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))  # the float's shortest digits, written out below without an exponent
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{name} must be a finite number, got {value}")
        return format(value, "f")  # no exponent: 1E+2 is 100, 1e-05 is 0.00001
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{name} must be a str, number or date, got {type(value).__name__}")
