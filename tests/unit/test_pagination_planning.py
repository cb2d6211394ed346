"""Page arithmetic, page argument checks and Page."""

from __future__ import annotations

import pytest

from aiobizstim import Page
from aiobizstim._checks import check_page_args
from aiobizstim._pagination import default_overlap, is_terminal


def test_default_overlap_is_small_but_present() -> None:
    assert default_overlap(1) == 0
    assert default_overlap(2) == 1
    assert default_overlap(20) == 1
    assert default_overlap(100) == 2
    assert default_overlap(1000) == 20


def test_terminal_pages() -> None:
    assert is_terminal(0, 5, 10, None)  # short
    assert is_terminal(90, 10, 10, 100)  # reaches its total
    assert not is_terminal(80, 10, 10, 100)
    assert not is_terminal(0, 10, 10, None)


@pytest.mark.parametrize(
    ("start", "limit", "error"),
    [
        (-1, 10, ValueError),
        (0, 0, ValueError),
        (0, 101, ValueError),
        (True, 10, TypeError),
        (0, 1.5, TypeError),
        ("0", 10, TypeError),
        (0, False, TypeError),
    ],
)
def test_page_args_are_checked(start: object, limit: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_page_args(start, limit, 100)


def test_page_args_accept_the_bounds() -> None:
    assert check_page_args(0, 1, 100) == (0, 1)
    assert check_page_args(5, 100, 100) == (5, 100)


def test_page_has_more() -> None:
    assert Page([1, 2], total=10, start=0, limit=2).has_more
    assert not Page([1, 2], total=4, start=2, limit=2).has_more
    assert Page([1, 2], total=None, start=0, limit=2).has_more
    assert not Page([1], total=None, start=0, limit=2).has_more
    assert len(Page([1, 2, 3], total=3, start=0, limit=5)) == 3
