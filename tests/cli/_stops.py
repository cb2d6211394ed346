"""Stopping a piece of work between any two of its statements, as a forced exit (a second signal) may."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from types import CodeType, FrameType
from typing import Any


class _StopHereError(Exception):
    pass


def stop_at_line(
    stop_at: int | None, steps: Collection[CodeType], work: Callable[[], None], on_stop: Callable[[], None]
) -> int:
    """Run ``work``, counting the lines run inside the functions whose code is in ``steps``; at the
    ``stop_at``-th one call ``on_stop`` (what a signal handler does before ``os._exit``) and end ``work``
    there. Return the lines counted (with ``stop_at=None``: all of them, to know how many stops to try)."""
    seen = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == stop_at:
                sys.settrace(previous)
                on_stop()
                raise _StopHereError
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if event == "call" and frame.f_code in steps else None

    previous = sys.gettrace()  # coverage's tracer, when the suite runs under coverage: put it back after
    sys.settrace(tracer)
    try:
        work()
    except _StopHereError:
        pass
    finally:
        sys.settrace(previous)
    return seen
