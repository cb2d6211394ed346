"""The CLI's numeric argument types accept what they promise and reject the rest with a clear message."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from aiobizstim.cli._parser import _non_negative_float, _non_negative_int, _positive_float, _positive_int

CASES: list[tuple[Callable[[str], float], list[str], list[tuple[str, str]]]] = [
    (_positive_int, ["1", "05"], [("0", "at least 1"), ("-1", "at least 1"), ("1.5", "whole number")]),
    (_non_negative_int, ["0", "7"], [("-1", "not be negative"), ("x", "whole number")]),
    (_positive_float, ["0.5", "3"], [("0", "positive"), ("nan", "positive"), ("inf", "positive")]),
    (_non_negative_float, ["0", "2.5"], [("-0.1", ">= 0"), ("nan", ">= 0"), ("x", "a number")]),
]


@pytest.mark.parametrize(("parse", "good", "bad"), CASES)
def test_numeric_argument_types(
    parse: Callable[[str], float], good: list[str], bad: list[tuple[str, str]]
) -> None:
    for text in good:
        assert parse(text) == float(text)
    for text, message in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse(text)
