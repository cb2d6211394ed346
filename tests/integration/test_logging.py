"""The ``aiobizstim`` logger in an application: silent until the application sets up logging."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_RETRY_ONCE = """
import asyncio, logging, sys
from aiobizstim import Bizstim, RetryPolicy
from aiobizstim.testing import FakeBizstim

if sys.argv[1] == "configured":
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")

async def main() -> None:
    async with FakeBizstim(clients=5) as fake:
        fake.fail_next(1, "/api/clients", 503)
        quick = RetryPolicy(base=0.001)
        async with Bizstim(api_key=fake.api_key, base_url=fake.url, retry_policy=quick) as bz:
            assert len(await bz.clients.list(limit=2)) == 2
            assert bz.stats.retries == 1

asyncio.run(main())
"""


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(_RETRY_ONCE), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_retry_prints_nothing_in_an_application_without_logging() -> None:
    """Python's last-resort handler printed every WARNING of a logger without handlers to stderr: a retry
    that then succeeded showed up in an application that never set up logging."""
    run = _run("quiet")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_a_retry_reaches_the_applications_logging() -> None:
    run = _run("configured")
    assert run.returncode == 0, run.stderr
    assert run.stderr.startswith("WARNING aiobizstim: retrying GET /api/clients/0/2 in "), run.stderr
