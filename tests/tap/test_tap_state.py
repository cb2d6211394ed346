"""``--state``: a sync killed (SIGKILL once its stdout shows a chosen STATE; it may write a little more
before it dies) continues from the last STATE it emitted; the records that state covers plus the second
run's equal one full run's, none twice, and the second run reads about the remaining pages only."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aiobizstim._lists import LISTABLE
from aiobizstim.testing import FakeBizstim
from tests.tap.helpers import PROG, TapRun, after_checkpoints, config_for, tap, write_json
from tests.tap.test_tap_messages import catalog_with

CLIENTS = 5_000
SESSIONS = 3_000
PAGE = 200
#: One page request at a time, each answered after 5 ms: a kill lands while the chosen stream is still read.
SLOW: dict[str, Any] = {"page_size": PAGE, "max_concurrency": 1}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=16, counts={"sessions": SESSIONS}, latency=0.005) as server:
        yield server


def pages_of(fake: FakeBizstim, resource: str) -> int:
    return sum(1 for r in fake.requests if r.path.startswith(f"/api/{resource}/"))


def by_id(records: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for record in records:
        assert record["id"] not in found, f"id {record['id']} twice"
        found[record["id"]] = record
    return found


async def killed(config: Path, stream: str, page: int) -> TapRun:
    """A sync killed (SIGKILL) once it has written the STATE after its ``page``-th page of ``stream``."""
    run = await tap("--config", config, stop_when=after_checkpoints(stream, page))
    assert run.code == -9, run.stderr
    return run


async def killed_then_continued(
    fake: FakeBizstim, tmp_path: Path, resource: str, page: int
) -> tuple[TapRun, TapRun, TapRun, dict[str, Any]]:
    """Run 1 killed on the ``page``-th page request for ``resource``, run 2 from its last STATE, a full run
    (and the page requests of run 2 by resource)."""
    config = config_for(fake, tmp_path, **SLOW)
    first = await killed(config, resource, page)
    _, state = first.covered()
    assert state is not None
    fake.reset_stats()
    second = await tap("--config", config, "--state", write_json(tmp_path / "state.json", state))
    assert second.code == 0, second.stderr
    requests = {name: pages_of(fake, name) for name in LISTABLE}
    full = await tap("--config", config)
    assert full.code == 0, full.stderr
    return first, second, full, requests


async def test_killed_in_the_first_stream_continues_from_its_checkpoint(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    first, second, full, requests = await killed_then_continued(fake, tmp_path, "clients", 6)
    covered, state = first.covered()
    assert state is not None
    assert state["currently_syncing"] == "clients"
    assert "checkpoint" in state["bookmarks"]["clients"]
    saved = len(covered["clients"])
    assert 0 < saved < CLIENTS
    for stream in LISTABLE:
        union = by_id(covered.get(stream, []) + second.records(stream))
        assert union == by_id(full.records(stream)), stream
    # About the remaining pages (pages overlap by 2 %; the checkpoint's page is read again to re-link).
    remaining = (CLIENTS - saved) / PAGE
    assert remaining <= requests["clients"] <= remaining * 1.03 + 2, (saved, requests)
    assert f"{PROG}: INFO: clients: continuing from the state's checkpoint" in second.stderr


async def test_killed_in_a_later_stream_does_not_read_the_finished_ones_again(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    first, second, full, requests = await killed_then_continued(fake, tmp_path, "sessions", 3)
    covered, state = first.covered()
    assert state is not None
    assert state["bookmarks"]["clients"] == {"complete": True}
    assert len(covered["clients"]) == CLIENTS
    assert requests["clients"] == 0
    assert requests["services"] == 0
    assert second.of("SCHEMA", "clients") == []
    assert 0 < len(covered["sessions"]) < SESSIONS
    for stream in LISTABLE:
        assert by_id(covered.get(stream, []) + second.records(stream)) == by_id(full.records(stream)), stream
    assert requests["sessions"] <= (SESSIONS - len(covered["sessions"])) / PAGE * 1.03 + 2


async def test_a_state_with_every_stream_complete_reads_nothing_and_ends_the_cycle(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    state = {"bookmarks": {name: {"complete": True} for name in LISTABLE}, "currently_syncing": None}
    fake.reset_stats()
    run = await tap("--config", config_for(fake, tmp_path), "--state", write_json(tmp_path / "s.json", state))
    assert run.code == 0, run.stderr
    assert run.messages == [{"type": "STATE", "value": {"bookmarks": {}, "currently_syncing": None}}]
    assert fake.requests == []


async def test_a_checkpoint_taken_with_another_page_size_is_refused(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    first = await killed(config_for(fake, tmp_path, **SLOW), "clients", 3)
    _, state = first.covered()
    assert state is not None
    assert "checkpoint" in state["bookmarks"]["clients"]
    other = config_for(fake, tmp_path, page_size=PAGE * 2)
    run = await tap("--config", other, "--state", write_json(tmp_path / "s.json", state))
    assert run.code == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert line.startswith(
        f"{PROG}: error: StateError: {tmp_path / 's.json'}: bookmarks.clients.checkpoint: "
    )
    assert f"pages of {PAGE}, not clients from 0 in pages of {PAGE * 2}" in line
    # Nothing was asked in pages of the new size (a straggler of the killed run may still arrive).
    assert not [r for r in fake.requests if r.path.endswith(f"/{PAGE * 2}")]


async def test_a_damaged_checkpoint_is_refused_before_anything_is_written(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    state = {"bookmarks": {"sessions": {"checkpoint": {"version": 1, "seen": "garbage"}}}}
    run = await tap("--config", config_for(fake, tmp_path), "--state", write_json(tmp_path / "s.json", state))
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr.startswith(f"{PROG}: error: StateError: ")
    assert run.stderr.count("\n") == 1
    assert "bookmarks.sessions.checkpoint" in run.stderr
    state = {"bookmarks": {"testimonials": {"checkpoint": json.loads("{}")}}}
    run = await tap("--config", config_for(fake, tmp_path), "--state", write_json(tmp_path / "s.json", state))
    assert run.code == 2
    assert "testimonials cannot continue from a checkpoint" in run.stderr


async def test_sigterm_and_a_failing_server_leave_whole_messages_ending_with_a_state(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    """Stopped by SIGTERM, or by a server error: stdout holds whole messages only, the last one a STATE that
    covers every record before it, so a target loses nothing it was told is done."""
    config = config_for(fake, tmp_path, page_size=PAGE, max_retries=0)
    proc_run = await tap(
        "--config", config, stop_when=after_checkpoints("clients", 2), stop_signal=signal.SIGTERM
    )
    assert proc_run.code == 143
    assert proc_run.stderr.splitlines()[-1] == f"{PROG}: error: terminated"
    assert proc_run.stdout.endswith("\n")
    assert proc_run.messages[-1]["type"] == "STATE"
    assert "checkpoint" in proc_run.messages[-1]["value"]["bookmarks"]["clients"]

    fake.fail_next(5, path_prefix="/api/sessions", status=500)
    failed = await tap("--config", config)
    assert failed.code == 1
    assert failed.stderr.splitlines()[-1].startswith(f"{PROG}: error: ServerError: HTTP 500")
    # The last STATE says the first three streams are done; only the next stream's SCHEMA follows it.
    assert [m["type"] for m in failed.messages[-2:]] == ["STATE", "SCHEMA"]
    assert failed.messages[-2]["value"] == {
        "bookmarks": {name: {"complete": True} for name in LISTABLE[:3]},
        "currently_syncing": None,
    }
    assert [m["stream"] for m in failed.of("SCHEMA")] == [*LISTABLE[:3], "sessions"]


async def test_client_details_continues_from_its_fan_out_checkpoint(tmp_path: Path) -> None:
    """Killed after a few batches of full client records, then continued: the union equals a full run, and
    the second run looks up only the clients not sent yet.

    The second run goes to a twin fake (same seed, same data): lookups the killed run left in the first
    fake's socket buffers are still answered (and logged) after the kill, so its log cannot tell the runs
    apart."""
    catalog = catalog_with({name: name == "client_details" for name in (*LISTABLE, "client_details")}, {})
    catalog_path = write_json(tmp_path / "catalog.json", catalog)
    async with FakeBizstim(clients=1_500, seed=17, latency=0.002) as fake:
        config = config_for(fake, tmp_path, page_size=100, max_concurrency=4)
        first = await tap(
            "--config", config, "--catalog", catalog_path, stop_when=after_checkpoints("client_details", 3)
        )
    assert first.code == -9, first.stderr
    covered, state = first.covered()
    assert state is not None
    saved = len(covered["client_details"])
    assert 0 < saved < 1_500
    async with FakeBizstim(clients=1_500, seed=17, latency=0.002) as twin:
        config = config_for(twin, tmp_path, page_size=100, max_concurrency=4)
        second = await tap(
            "--config", config, "--catalog", catalog_path, "--state", write_json(tmp_path / "s.json", state)
        )
        assert second.code == 0, second.stderr
        lookups = sum(1 for request in twin.requests if request.path == "/api/client")
        full = await tap("--config", config, "--catalog", catalog_path)
    union = by_id(covered["client_details"] + second.records("client_details"))
    assert union == by_id(full.records("client_details"))
    assert lookups == 1_500 - saved
