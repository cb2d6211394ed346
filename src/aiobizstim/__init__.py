"""aiobizstim: the async Python client for the Bizstim CRM REST API.

```python
from aiobizstim import Bizstim

async with Bizstim() as bz:              # key from $BIZSTIM_API_KEY
    async for client in bz.clients.iter():
        ...
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from aiobizstim._backoff import RetryPolicy
    from aiobizstim._client import Bizstim
    from aiobizstim._config import AutoConcurrency
    from aiobizstim._pagination import FanOut, Page, PageIterator, RecordIterator
    from aiobizstim._secret import Secret
    from aiobizstim._stats import ClientStats
    from aiobizstim.models import to_builtins, to_wire

#: The names imported on first use (PEP 562): the client brings aiohttp (~0.1 s), which the command line's
#: ``--help``, ``--version`` and the models alone do not need.
_LAZY: dict[str, str] = {
    "AutoConcurrency": "aiobizstim._config",
    "Bizstim": "aiobizstim._client",
    "ClientStats": "aiobizstim._stats",
    "FanOut": "aiobizstim._pagination",
    "Page": "aiobizstim._pagination",
    "PageIterator": "aiobizstim._pagination",
    "RecordIterator": "aiobizstim._pagination",
    "RetryPolicy": "aiobizstim._backoff",
    "Secret": "aiobizstim._secret",
    "to_builtins": "aiobizstim.models",
    "to_wire": "aiobizstim.models",
}

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
    "FanOut",
    "NotFoundError",
    "Page",
    "PageIterator",
    "PaginationDriftError",
    "PaginationIncompleteError",
    "PaginationStalledError",
    "RateLimitError",
    "RecordIterator",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "__version__",
    "to_builtins",
    "to_wire",
]


if not TYPE_CHECKING:  # type checkers see the imports above, and so flag a misspelt name

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # once: later lookups do not come here
        return value


def __dir__() -> list[str]:
    return sorted(__all__)  # the public names, loaded or not
