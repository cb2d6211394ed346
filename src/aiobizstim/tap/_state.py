"""The tap's state: what ``--state`` holds, what each STATE message says, and when a stream is read again.

The value (the ``value`` of a STATE message, and what a ``--state`` file holds)::

    {"bookmarks": {"clients": {"checkpoint": {...}}, "services": {"complete": true}},
     "currently_syncing": "clients"}

* ``checkpoint``: the stream's page iterator's checkpoint after the last page whose records were emitted (see
  ``iter_pages(resume=)``): a run given this state continues the stream after it, with the drift guarantee
  across the stop (no record twice, none missed that existed throughout).
* ``complete``: the stream was read to its end in a run that did not finish: a run given this state does not
  read it again, so a second run after an interruption reads only what was left.
* When every selected stream is complete the run ends with ``{"bookmarks": {}, "currently_syncing": null}``:
  every stream is a full table, so the next run reads everything again (the bookmarks of streams this run did
  not select go too).

Bookmarks of streams this tap does not know, and other keys, are carried along until that final state. A
checkpoint the stream cannot continue from (another page size, a damaged value, a stream read in one request)
is refused with a :class:`StateError` before anything is read, rather than read again from the start, which
would send its records twice: delete the bookmark (or the state) to start the stream over.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from aiobizstim.tap._errors import StateError
from aiobizstim.tap._files import read_json

__all__ = ["SyncState", "read_state"]


class SyncState:
    """The state of one run, updated as streams progress; :attr:`value` is what a STATE message carries."""

    def __init__(self, value: dict[str, Any] | None = None, source: str = "state") -> None:
        self.source = source
        self._value: dict[str, Any] = copy.deepcopy(value) if value else {}
        self._value.setdefault("bookmarks", {})
        self._value.setdefault("currently_syncing", None)

    @property
    def value(self) -> dict[str, Any]:
        """The state as it stands."""
        return self._value

    @property
    def _bookmarks(self) -> dict[str, Any]:
        bookmarks: dict[str, Any] = self._value["bookmarks"]
        return bookmarks

    def resume_token(self, stream: str) -> Any:
        """The checkpoint ``stream`` continues from (``None``: read it from the start)."""
        return self._bookmarks.get(stream, {}).get("checkpoint")

    def is_complete(self, stream: str) -> bool:
        """Whether an earlier run of this cycle read ``stream`` to its end."""
        return self._bookmarks.get(stream, {}).get("complete") is True

    def start(self, stream: str) -> None:
        """``stream`` is being read."""
        self._value["currently_syncing"] = stream

    def checkpoint(self, stream: str, token: Any) -> None:
        """``stream``'s records up to ``token`` have been emitted."""
        self._bookmarks[stream] = {"checkpoint": token}

    def complete(self, stream: str) -> None:
        """``stream`` was read to its end."""
        self._bookmarks[stream] = {"complete": True}
        self._value["currently_syncing"] = None

    def finish(self) -> None:
        """Every selected stream is complete: the next run reads everything again."""
        self._value = {"bookmarks": {}, "currently_syncing": None}


def read_state(path: Path) -> SyncState:
    """The state in ``path``: an object whose ``bookmarks`` (if any) maps stream names to objects."""
    data = read_json(path, "state", StateError)
    if not isinstance(data, dict):
        raise StateError(f"{path}: the state must be a JSON object, got {type(data).__name__}")
    bookmarks = data.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        raise StateError(f"{path}: bookmarks must be an object")
    for name, bookmark in bookmarks.items():
        if not isinstance(bookmark, dict):
            raise StateError(f"{path}: bookmarks.{name} must be an object")
        if bookmark.get("complete", True) is not True:
            raise StateError(f"{path}: bookmarks.{name}.complete must be true")
    syncing = data.get("currently_syncing")
    if syncing is not None and not isinstance(syncing, str):
        raise StateError(f"{path}: currently_syncing must be a stream name or null")
    return SyncState(data, str(path))
