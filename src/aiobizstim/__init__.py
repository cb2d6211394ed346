"""aiobizstim: the async Python client for the Bizstim CRM REST API.

```python
from aiobizstim import Bizstim

async with Bizstim() as bz:              # key from $BIZSTIM_API_KEY
    async for client in bz.clients.iter():
        ...
```
"""

from __future__ import annotations

from aiobizstim._backoff import RetryPolicy
from aiobizstim._client import Bizstim
from aiobizstim._config import AutoConcurrency, Secret
from aiobizstim._pagination import Page
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
    ConfigurationError,
    DecodeError,
    EventLoopError,
    NotFoundError,
    PaginationDriftError,
    PaginationIncompleteError,
    PaginationStalledError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)
from aiobizstim.models import to_builtins, to_wire

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AutoConcurrency",
    "Bizstim",
    "BizstimError",
    "ClientClosedError",
    "ClientStats",
    "ConfigurationError",
    "DecodeError",
    "EventLoopError",
    "NotFoundError",
    "Page",
    "PaginationDriftError",
    "PaginationIncompleteError",
    "PaginationStalledError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "__version__",
    "to_builtins",
    "to_wire",
]
