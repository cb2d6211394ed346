"""What the tap refuses before or while syncing: bad input, each kind its own class (exit code 2)."""

from __future__ import annotations

__all__ = ["CatalogError", "ConfigError", "InputError", "StateError", "UsageError"]


class InputError(Exception):
    """Input the tap cannot use: a usage error, a bad config, catalog or state (exit code 2)."""


class ConfigError(InputError):
    """The ``--config`` file is missing, not JSON, or holds a setting the client refuses."""


class CatalogError(InputError):
    """The ``--catalog`` file is missing, not JSON, or not a catalog of this tap's streams."""


class StateError(InputError):
    """The ``--state`` file is missing, not JSON, or its bookmarks cannot be continued from."""


class UsageError(InputError):
    """Bad command-line arguments."""
