"""The exception hierarchy lives in one module, and the top level re-exports the same classes."""

from __future__ import annotations

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
