"""Test helpers: FakeBizstim, a local fake of the Bizstim API with seeded data and fault injection.

``async with FakeBizstim(clients=1000, seed=0) as fake: ...`` in tests; :func:`serve` to run one from a
script or the CLI; the pytest plugin (entry point ``aiobizstim``) provides the ``fake_bizstim`` and
``bizstim_client`` fixtures.
"""

from aiobizstim.testing._capacity import CapacitySchedule
from aiobizstim.testing._faults import Fault, Faults
from aiobizstim.testing._log import PageRequest, RequestRecord
from aiobizstim.testing._seeded import DEFAULT_COUNTS
from aiobizstim.testing._serve import serve, serve_in_thread
from aiobizstim.testing._server import DriftHook, FakeBizstim

__all__ = [
    "DEFAULT_COUNTS",
    "CapacitySchedule",
    "DriftHook",
    "FakeBizstim",
    "Fault",
    "Faults",
    "PageRequest",
    "RequestRecord",
    "serve",
    "serve_in_thread",
]
