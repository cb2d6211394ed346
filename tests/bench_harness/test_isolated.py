"""The benchmark harness itself: a variant runs in a child interpreter and its record count is checked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._isolated import run_isolated, run_isolated_timings
from tests.benchmarks._stages import EXPORT_ONLY, STAGES

CLIENTS = 2_500


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(CLIENTS) as fake:
        yield fake


@pytest.mark.parametrize(
    "spec",
    [
        "tests.benchmarks._ours:iter_clients",
        "tests.benchmarks._ours:cli_export",
        "tests.benchmarks._peers:raw_concurrent_timed",
    ],
)
def test_a_variant_reads_every_record_in_a_child_process(server: FakeServer, spec: str) -> None:
    seconds = run_isolated(spec, server.url, server.api_key, expected=CLIENTS)
    assert 0 < seconds < 60


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("tests.benchmarks._stages:stage_cpu", {*STAGES, *EXPORT_ONLY}),
        ("tests.benchmarks._ours:cli_export_cpu", {"wall", "cpu"}),
    ],
)
def test_a_variant_reports_named_timings_of_one_run(server: FakeServer, spec: str, names: set[str]) -> None:
    timings = run_isolated_timings(spec, server.url, server.api_key, expected=CLIENTS)
    assert set(timings) == names
    assert all(0 <= seconds < 60 for seconds in timings.values())


def test_a_single_timing_is_not_named_timings(server: FakeServer) -> None:
    with pytest.raises(RuntimeError, match="not named timings"):
        run_isolated_timings(
            "tests.benchmarks._ours:cli_export", server.url, server.api_key, expected=CLIENTS
        )


def test_a_wrong_record_count_fails_the_run(server: FakeServer) -> None:
    with pytest.raises(RuntimeError, match=f"read {CLIENTS} records, expected {CLIENTS + 1}"):
        run_isolated("tests.benchmarks._ours:iter_clients", server.url, server.api_key, expected=CLIENTS + 1)


def test_a_crashing_variant_reports_its_error(server: FakeServer) -> None:
    with pytest.raises(RuntimeError, match="has no attribute 'missing'"):
        run_isolated("tests.benchmarks._ours:missing", server.url, server.api_key, expected=CLIENTS)
