"""The exception hierarchy lives in one module, and the top level re-exports the same classes."""

from __future__ import annotations

import copy
import pickle

import aiobizstim
from aiobizstim import errors


def test_every_error_is_a_bizstim_error_and_re_exported() -> None:
    names = [name for name in errors.__all__ if name != "excerpt"]
    assert {"ConfigurationError", "PaginationDriftError", "PaginationStalledError"} <= set(names)
    for name in names:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.BizstimError), name
        assert getattr(aiobizstim, name) is cls, name


def test_configuration_error_is_also_a_value_error() -> None:
    assert issubclass(errors.ConfigurationError, ValueError)
    assert issubclass(errors.PaginationStalledError, errors.APIResponseError)


def _one_of_each() -> list[errors.BizstimError]:
    e = errors
    return [
        e.BizstimError("failed", request="GET /api/clients/0/10"),
        e.ClientClosedError("closed"),
        e.EventLoopError("another loop"),
        e.ResponseTooLargeError("too large", limit=1024, request="GET /api/clients/0/10"),
        e.ConfigurationError("bad"),
        e.APIConnectionError("refused", request="GET /x", attempts=3, no_connection=True),
        e.APITimeoutError("timed out", attempts=2),
        e.APIStatusError("Bad Gateway", status=502, body="<h1>502</h1>", attempts=4, retry_after=2.0),
        e.AuthenticationError("Invalid API key", status=403, body='{"error": "Invalid API key"}'),
        e.NotFoundError("No client found", status=200, body="x", request="GET /api/client?id=1"),
        e.RateLimitError("slow down", retry_after=3.0, attempts=2),
        e.ServerError("Internal Server Error", status=500),
        e.APIResponseError("failed", status=False, request="PUT /api/client/1"),
        e.PaginationDriftError("drift", status="drift"),
        e.PaginationStalledError("stalled", status="stalled"),
        e.PaginationIncompleteError("short", missing_from=10, missing_to=20, request="GET /api/x/10/10"),
        e.DecodeError("invalid date", path="$.response[3].dob", value="'2024-13-01'", unreadable=True),
    ]


def test_every_error_pickles_and_copies_whole() -> None:
    """A process pool, multiprocessing or Celery pickles the error a worker raised: each comes back of its
    class, with its text and every attribute (the keyword-only constructors could not be called again from
    ``args``: "missing 1 required keyword-only argument: 'status'")."""
    made = _one_of_each()
    assert {type(error).__name__ for error in made} == {n for n in errors.__all__ if n != "excerpt"}
    for error in made:
        for again in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
            assert type(again) is type(error)
            assert str(again) == str(error)
            assert again.args == error.args
            assert vars(again) == vars(error)


def test_an_excerpt_escapes_what_it_shows_and_never_cuts_an_escape() -> None:
    assert errors.excerpt("a\x1bb\x00c") == "a\\x1bb\\x00c"
    cut = errors.excerpt("ab\x1b" * 10, 12)
    assert cut == "ab\\x1bab…"  # the escape after would not fit whole within 12
    assert len(errors.excerpt("ab\x1b" * 10, 13)) == 13
    assert errors.excerpt("\x1b" * 5_000_000, 20) == "\\x1b" * 4 + "…"  # only what is shown is escaped
