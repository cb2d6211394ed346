"""aiobizstim: the async Python client for the Bizstim CRM REST API."""

from aiobizstim._version import __version__

__all__ = ["__version__"]
