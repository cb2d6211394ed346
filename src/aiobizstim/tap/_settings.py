"""The tap's settings: what ``--config`` may hold (:data:`~aiobizstim.tap._about.SETTINGS`, which
``--about`` shows), read and checked once, then turned into a :class:`~aiobizstim.Bizstim` client.

Every setting is optional in the file: ``api_key`` and ``base_url`` fall back to ``$BIZSTIM_API_KEY`` and
``$BIZSTIM_BASE_URL`` as in the library. The values are checked by the client's own checks (one rule per kind
of value, in :mod:`aiobizstim._checks`); an unknown key is a warning on stderr, not an error, since a config
file may be shared with other tools (Meltano passes only the settings ``--about`` declares).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aiobizstim._checks import check_optional_positive
from aiobizstim._constants import API_KEY_ENV
from aiobizstim._secret import Secret
from aiobizstim.tap._about import SETTINGS
from aiobizstim.tap._errors import ConfigError
from aiobizstim.tap._files import read_json

if TYPE_CHECKING:
    from aiobizstim import Bizstim

__all__ = ["TapSettings", "read_settings"]

_logger = logging.getLogger("aiobizstim.tap")

#: The settings passed to the :class:`~aiobizstim.Bizstim` constructor under the same name.
_CLIENT_SETTINGS: Final = ("api_key", "base_url", "max_concurrency", "rate_limit", "timeout")
#: The numeric settings, which may come as text: Meltano passes a setting its project declares without a
#: ``kind`` as a string, and so do ``TAP_BIZSTIM_*`` environment variables.
_NUMBERS: Final = {
    "page_size": int,
    "max_retries": int,
    "max_concurrency": int,  # or "auto"
    "rate_limit": float,
    "timeout": float,
}


@dataclasses.dataclass(frozen=True)
class TapSettings:
    """The checked settings of one run."""

    #: Where they came from (for messages).
    source: str
    #: Client constructor arguments (the key among them, which only the client ever reveals).
    client: dict[str, Any] = dataclasses.field(repr=False)
    page_size: int | None = None

    @property
    def secret(self) -> Secret | None:
        """The API key (from the file or the environment), to redact from every message."""
        raw = self.client.get("api_key") or os.environ.get(API_KEY_ENV)
        return Secret(raw.strip()) if isinstance(raw, str) and raw.strip() else None

    def connect(self) -> Bizstim:
        """A client with these settings; a setting the client refuses is a :class:`ConfigError`."""
        from aiobizstim import Bizstim

        try:
            return Bizstim(**self.client)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.source}: {exc}") from None


def read_settings(path: Path) -> TapSettings:
    """Read and check the ``--config`` file (a JSON object); warn about keys it does not know."""
    data = read_json(path, "config", ConfigError)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a JSON object, got {type(data).__name__}")
    known = SETTINGS["properties"]
    for key in data:
        if key not in known:
            _logger.warning("%s: unknown setting %r is ignored (known: %s)", path, key, ", ".join(known))
    data = _numbers_from_text(data, path)
    client = {name: data[name] for name in _CLIENT_SETTINGS if data.get(name) is not None}
    if isinstance(client.get("api_key"), str) and not client["api_key"].strip():
        del client["api_key"]  # blank: as if not given, so $BIZSTIM_API_KEY may supply it
    if client.get("api_key") is None and not os.environ.get(API_KEY_ENV, "").strip():
        raise ConfigError(f"{path}: no api_key, and ${API_KEY_ENV} is not set")
    if data.get("max_retries") is not None:
        client["max_retries"] = client["export_max_retries"] = data["max_retries"]
    try:
        page_size = check_optional_positive("page_size", data.get("page_size"))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    settings = TapSettings(str(path), client, page_size)
    settings.connect()  # every other value checked now, before anything is read or written
    return settings


def _numbers_from_text(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """``data`` with each numeric setting given as text (``"30"``, ``"2.5"``) as its number."""
    out = dict(data)
    for name, kind in _NUMBERS.items():
        value = out.get(name)
        if name == "max_concurrency" and isinstance(value, str) and not value.strip().isdigit():
            continue  # "auto", or text the client refuses in its own words
        if isinstance(value, str):
            try:
                out[name] = kind(value.strip())
            except ValueError:
                what = "an integer" if kind is int else "a number"
                raise ConfigError(f"{path}: {name} must be {what}, got {value[:40]!r}") from None
    return out
