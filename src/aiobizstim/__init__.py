"""aiobizstim: the async Python client for the Bizstim CRM REST API.

```python
from aiobizstim import Bizstim

async with Bizstim() as bz:              # key from $BIZSTIM_API_KEY
    async for client in bz.clients.iter():
        ...
```
"""

from __future__ import annotations

import importlib as _importlib
from collections.abc import Callable as _Callable
from typing import Any as _Any
from typing import cast as _cast

import msgspec as _msgspec

from aiobizstim._backoff import RetryPolicy
from aiobizstim._client import Bizstim
from aiobizstim._config import ConfigurationError, Secret
from aiobizstim._pagination import Page, PaginationDriftError, PaginationStalledError
from aiobizstim._stats import ClientStats
from aiobizstim._version import __version__
from aiobizstim.errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BizstimError,
    ClientClosedError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ServerError,
)

_models = _importlib.import_module("aiobizstim.models")
#: Encode a model to builtins (dicts, lists, str, numbers): from ``aiobizstim.models``.
to_builtins: _Callable[[_Any], _Any] = _cast(
    "_Callable[[_Any], _Any]", getattr(_models, "to_builtins", _msgspec.to_builtins)
)
#: Encode a model to its wire form (the JSON the API expects): from ``aiobizstim.models``.
to_wire: _Callable[[_Any], _Any] = _cast(
    "_Callable[[_Any], _Any]", getattr(_models, "to_wire", _msgspec.to_builtins)
)

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "Bizstim",
    "BizstimError",
    "ClientClosedError",
    "ClientStats",
    "ConfigurationError",
    "DecodeError",
    "NotFoundError",
    "Page",
    "PaginationDriftError",
    "PaginationStalledError",
    "RateLimitError",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "__version__",
    "to_builtins",
    "to_wire",
]
