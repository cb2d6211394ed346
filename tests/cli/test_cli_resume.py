"""``bizstim export --resume`` (issue 14, points 1, 2 and 4): an export killed (SIGKILL, SIGTERM) at a random
page continues where it stopped, also after the list changed meanwhile; the result is a clean export's, and
the resumed run reads about the remaining pages only. The CLI runs as a subprocess (the console script)
against a FakeBizstim in the test process, which sends the signal itself when the chosen page is asked for.
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import json
import os
import random
import re
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aiobizstim import Bizstim
from aiobizstim.cli._atomic import AtomicFile
from aiobizstim.cli._export import ExportSpec, ExportWatch, resume_options
from aiobizstim.cli._output import OutputPlan, plan_output
from aiobizstim.cli._resume import ResumableOutput, ResumeError, resume_paths
from aiobizstim.testing import FakeBizstim
from aiobizstim.testing._log import PageRequest
from tests.cli._stops import stop_at_line
from tests.cli.test_cli_commands import Run, bizstim, env_for, listing
from tests.cli.test_cli_output import last_line, signalled_at_page

CLIENTS = 100_000
PAGE = 1_000
PAGES = CLIENTS // PAGE


@pytest.fixture(scope="module")
def seeds() -> random.Random:
    return random.Random(14)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=14) as server:
        yield server


def lines_by_id(path: Path) -> dict[int, str]:
    """Every JSON Lines record of ``path`` by id; fails on a duplicate id."""
    records: dict[int, str] = {}
    for line in path.read_text().splitlines():
        record_id = json.loads(line)["id"]
        assert record_id not in records, f"id {record_id} twice"
        records[record_id] = line
    return records


async def killed_at(fake: FakeBizstim, page: int, sig: signal.Signals, out: Path, *args: str) -> Run:
    """Run an export into ``out`` with ``--resume`` and send ``sig`` when it asks for page number ``page``."""
    export: tuple[str | Path, ...] = ("export", "clients", "-o", out, "--resume", "--progress", "off", *args)
    return await signalled_at_page(fake, page, sig, *export)


def saved_records(out: Path) -> int:
    state = json.loads(resume_paths(out)[1].read_text())
    assert isinstance(state["records"], int)
    return state["records"]


async def resume(fake: FakeBizstim, out: Path, *args: str) -> tuple[Run, int]:
    """Run the same export again; return it and the page requests it sent."""
    fake.reset_stats()
    run = await bizstim(
        "export", "clients", "-o", out, "--resume", "--progress", "off", *args, env=env_for(fake)
    )
    pages = sum(1 for request in fake.requests if request.path.startswith("/api/clients"))
    return run, pages


async def clean_export(fake: FakeBizstim, out: Path, *args: str) -> Path:
    run = await bizstim("export", "clients", "-o", out, "--progress", "off", *args, env=env_for(fake))
    assert run.code == 0, run.stderr
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
async def test_killed_then_changed_in_the_rest_then_resumed_equals_a_clean_export(
    fake: FakeBizstim, tmp_path: Path, sig: signal.Signals, seeds: random.Random
) -> None:
    """Changes past the saved part: the resumed export equals a clean export of the list as it stands."""
    out = tmp_path / "clients.jsonl"
    page = seeds.randrange(10, PAGES - 10)
    run = await killed_at(fake, page, sig, out)
    assert run.code == (-signal.SIGKILL if sig is signal.SIGKILL else 143), run.stderr
    assert not out.exists()
    saved = saved_records(out)
    assert 0 < saved < CLIENTS
    if sig is signal.SIGTERM:
        assert last_line(run.stderr) == (
            f"bizstim: error: terminated; {out} is not written yet; {saved:,} records are saved in "
            f".{out.name}.partial: run the same command again to continue"
        )

    # Inserts and deletes in the part not saved yet (the list is in the fake's order; ids are not sorted).
    order = fake.client_ids()
    rest = order[saved + PAGE :]
    fake.delete_clients(seeds.sample(rest, 300))
    for _ in range(5):
        fake.insert_clients(seeds.randrange(1, 60), at=seeds.randrange(saved + PAGE, len(fake.client_ids())))

    resumed, pages = await resume(fake, out)
    assert resumed.code == 0, resumed.stderr
    assert re.search(rf"continued after {saved:,} saved records \(saved \d+ s ago\)", resumed.stderr)
    assert listing(tmp_path) == ["clients.jsonl"]  # no partial output, no state left
    clean = lines_by_id(await clean_export(fake, tmp_path / "clean.jsonl"))
    got = lines_by_id(out)
    assert sorted(got) == sorted(clean)
    assert got == clean  # every record byte for byte
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == fake.client_ids()
    remaining = (CLIENTS - saved) / PAGE
    assert remaining <= pages <= remaining + 12, (saved, pages)  # about the remaining share, not all 100


async def test_killed_then_changed_anywhere_then_resumed_keeps_the_drift_guarantee(
    fake: FakeBizstim, tmp_path: Path, seeds: random.Random
) -> None:
    """Inserts and deletes anywhere while stopped: no record twice, none missed that existed throughout."""
    out = tmp_path / "clients.jsonl"
    run = await killed_at(fake, seeds.randrange(20, 60), signal.SIGKILL, out)
    assert run.code == -signal.SIGKILL
    before = set(fake.client_ids())
    order = fake.client_ids()
    fake.delete_clients(seeds.sample(order, 500))
    for _ in range(8):
        fake.insert_clients(seeds.randrange(1, 40), at=seeds.randrange(0, len(fake.client_ids())))
    after = set(fake.client_ids())

    resumed, _ = await resume(fake, out)
    assert resumed.code == 0, resumed.stderr
    got = lines_by_id(out)  # no duplicate
    assert before & after <= set(got)
    assert set(got) <= before | after
    clean = lines_by_id(await clean_export(fake, tmp_path / "clean.jsonl"))
    assert all(got[i] == clean[i] for i in set(got) & set(clean))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
async def test_each_format_resumes_byte_for_byte(fake: FakeBizstim, tmp_path: Path, fmt: str) -> None:
    """The header (CSV) and the brackets (JSON) come once; bytes past the last checkpoint are discarded."""
    out = tmp_path / f"clients.{fmt}"
    run = await killed_at(fake, 40, signal.SIGKILL, out, "--max-items", "60000")
    assert run.code == -signal.SIGKILL
    partial, state = resume_paths(out)
    with partial.open("ab") as file:  # bytes written after the last checkpoint, then the crash
        file.write(b'{"id": 1, "half a rec')
    leftovers = [  # a state being replaced and a conversion under way when the crash came
        state.with_name(f".{state.name}.0a1b2c3d.tmp"),
        partial.with_name(f"{partial.name}.0a1b2c3d.tmp"),
    ]
    for leftover in leftovers:
        leftover.write_bytes(b"half")
    resumed, _ = await resume(fake, out, "--max-items", "60000")
    assert resumed.code == 0, resumed.stderr
    assert listing(tmp_path) == [out.name]
    clean = await clean_export(fake, tmp_path / f"clean.{fmt}", "--max-items", "60000")
    assert out.read_bytes() == clean.read_bytes()


async def test_changed_options_are_refused_and_the_progress_stays(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    run = await killed_at(fake, 30, signal.SIGKILL, out)
    assert run.code == -signal.SIGKILL
    partial, state = resume_paths(out)
    kept = partial.read_bytes(), state.read_bytes()
    cases = [
        (("--page-size", "500"), "page_size 1000 then, 500 now"),
        (("--format", "csv"), "format jsonl then, csv now"),
        (("--details",), "details off then, on now"),
        (("--max-items", "10"), "max_items none then, 10 now"),
    ]
    for args, difference in cases:
        refused, _ = await resume(fake, out, *args)
        assert refused.code == 2, refused.stderr
        assert refused.error_lines == [
            f"bizstim: error: cannot resume: the saved export to {out} was started with other options "
            f"({difference}); run it with the same options, or delete {state} to start over"
        ]
    other = await bizstim("export", "services", "-o", out, "--resume", env=env_for(fake))
    assert other.code == 2
    assert "resource clients then, services now" in other.stderr
    assert (partial.read_bytes(), state.read_bytes()) == kept
    done, _ = await resume(fake, out)
    assert done.code == 0, done.stderr
    assert len(lines_by_id(out)) == CLIENTS


async def test_a_damaged_or_short_state_is_refused_in_one_line(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    partial, state = resume_paths(out)
    state.write_text('{"version": 1, "options": ')
    partial.write_bytes(b"")
    run, _ = await resume(fake, out)
    assert run.code == 2
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(f"bizstim: error: cannot resume: the state {state} is damaged (")
    assert run.error_lines[0].endswith("); delete it to start over")
    assert fake.requests == []

    state.unlink()
    await killed_at(fake, 20, signal.SIGKILL, out)
    partial.write_bytes(partial.read_bytes()[:100])  # lost bytes the state describes
    run, _ = await resume(fake, out)
    assert run.code == 2
    assert run.error_lines == [
        f"bizstim: error: cannot resume: {partial} holds 100 bytes, fewer than the "
        f"{json.loads(state.read_text())['bytes']:,} its state describes; delete {state} to start over"
    ]


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda st: st | {"checkpoint": None}, "records but holds no checkpoint"),
        (lambda st: st | {"bytes": st["bytes"] - 7}, "ends inside a record of"),
        (lambda st: st | {"bytes": -1}, "Expected `int` >= 0"),
        (lambda st: st | {"checkpoint": {"version": 1, "kind": "pages", "what": "clients"}}, "not a usable"),
        (lambda st: st | {"checkpoint": "resume me"}, "not a usable checkpoint"),
    ],
    ids=["no-checkpoint", "mid-record", "negative-bytes", "foreign-checkpoint", "garbage-checkpoint"],
)
async def test_a_hand_damaged_state_is_refused_not_trusted(
    fake: FakeBizstim, tmp_path: Path, damage: Any, why: str
) -> None:
    """A state that no export can have written: with no checkpoint the export restarted on top of the kept
    records (thousands of rows twice); a byte count mid-record made invalid JSON Lines; a foreign checkpoint
    was an 'unexpected ValueError'."""
    out = tmp_path / "clients.jsonl"
    await killed_at(fake, 20, signal.SIGKILL, out)
    state = resume_paths(out)[1]
    state.write_text(json.dumps(damage(json.loads(state.read_text()))))
    fake.reset_stats()
    run, _ = await resume(fake, out)
    assert run.code == 2, run.stderr
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert line.startswith(f"bizstim: error: cannot resume: the state {state} is damaged ("), line
    assert why in line, line
    assert line.endswith("; delete it to start over"), line


async def test_a_failure_keeps_the_progress_and_says_so(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"

    def fail_later(server: FakeBizstim, request: PageRequest) -> None:
        if request.number == 25:
            server.fail_next(1, "/api/clients", 500)

    fake.set_drift(fail_later)
    run = await bizstim(
        "export",
        "clients",
        "-o",
        out,
        "--resume",
        "--max-retries",
        "0",
        "--concurrency",
        "1",
        env=env_for(fake),
    )
    fake.set_drift(None)
    assert run.code == 1
    saved = saved_records(out)
    assert saved > 0
    line = last_line(run.stderr)
    assert line.startswith(
        f"bizstim: error: export failed, {out} is not written yet; {saved:,} records are saved in "
        f".{out.name}.partial: run the same command again to continue: "
    ), line
    resumed, _ = await resume(fake, out)
    assert resumed.code == 0, resumed.stderr
    assert list(lines_by_id(out)) == fake.client_ids()


async def test_a_complete_export_without_resume_removes_the_progress_it_supersedes(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    """The progress an interrupted ``--resume`` export saved stayed after a complete export without
    ``--resume`` to the same path, and a later ``--resume`` continued from those older records."""
    out = tmp_path / "clients.jsonl"

    def fail_later(server: FakeBizstim, request: PageRequest) -> None:
        if request.number == 25:
            server.fail_next(1, "/api/clients", 500)

    fake.set_drift(fail_later)
    interrupted = ("export", "clients", "-o", out, "--resume", "--max-retries", "0", "--concurrency", "1")
    failed = await bizstim(*interrupted, env=env_for(fake))
    fake.set_drift(None)
    assert failed.code == 1
    assert saved_records(out) > 0
    partial, state = resume_paths(out)
    with partial.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running --resume export holds it: left alone
        plain = await bizstim("export", "clients", "-o", out, env=env_for(fake))
    assert plain.code == 0, plain.stderr
    assert state.exists()
    assert "saved" not in last_line(plain.stderr)
    plain = await bizstim("export", "clients", "-o", out, env=env_for(fake))
    assert plain.code == 0, plain.stderr
    assert last_line(plain.stderr).endswith(
        "; the progress an interrupted --resume export had saved for it is removed)"
    ), plain.stderr
    assert listing(tmp_path) == [out.name]
    again, pages = await resume(fake, out)
    assert again.code == 0, again.stderr
    assert "continuing after" not in again.stderr
    assert pages >= PAGES  # afresh: every page (a continuation reads about the 76 after the saved ones)
    assert list(lines_by_id(out)) == fake.client_ids()


async def test_a_failure_before_the_first_checkpoint_leaves_nothing(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    out = tmp_path / "clients.jsonl"
    fake.fail_next(100, "/api/clients", 500)
    run = await bizstim("export", "clients", "-o", out, "--resume", "--max-retries", "0", env=env_for(fake))
    assert run.code == 1
    assert last_line(run.stderr).startswith(f"bizstim: error: export failed, nothing written to {out}: ")
    assert listing(tmp_path) == []


async def test_resume_needs_a_file(fake: FakeBizstim) -> None:
    run = await bizstim("export", "clients", "-o", "-", "--resume", env=env_for(fake))
    assert run.code == 2
    assert run.error_lines == ["bizstim: error: --resume needs a file to write, not stdout"]


async def test_a_second_export_to_the_same_path_is_refused(fake: FakeBizstim, tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    partial, _ = resume_paths(out)
    with partial.open("wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running export holds it
        run, _ = await resume(fake, out)
    assert run.code == 2
    assert run.error_lines == [f"bizstim: error: another export to {out} is running (it holds {partial})"]
    assert fake.requests == []


async def test_an_export_stopped_after_its_last_record_only_renames(
    fake: FakeBizstim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between "every record is durable" and the rename: the next run renames, without a request."""
    out = tmp_path / "clients.jsonl"
    await clean_export(fake, tmp_path / "clean.jsonl")
    partial, state = resume_paths(out)
    plan = OutputPlan("file", out, str(out))
    async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
        options = resume_options(bz, ExportSpec("clients", out))
    output = ResumableOutput(plan, options).open()
    output.file.write((tmp_path / "clean.jsonl").read_bytes())
    output.checkpoint(CLIENTS, {"not": "used"})
    original = os.replace

    def crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src).name.endswith(".partial"):
            raise _CrashError
        original(src, dst)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", crash)
        with pytest.raises(_CrashError):
            await output.finish()
    output.close_file()
    assert json.loads(state.read_text())["finished"] is True
    run, pages = await resume(fake, out)
    assert run.code == 0, run.stderr
    assert pages == 0
    assert out.read_bytes() == (tmp_path / "clean.jsonl").read_bytes()
    assert not partial.exists()
    assert not state.exists()


class _CrashError(Exception):
    pass


def test_a_state_for_other_options_names_every_difference(tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    plan = OutputPlan("file", out, "x.jsonl")
    first = ResumableOutput(plan, {"resource": "clients", "format": "jsonl"}).open()
    first.file.write(b"{}\n")
    first.checkpoint(1, None)
    first.close_file()
    with pytest.raises(ResumeError) as caught:
        ResumableOutput(plan, {"resource": "services", "format": "csv"}).open()
    assert str(caught.value) == (
        "cannot resume: the saved export to x.jsonl was started with other options (resource clients then, "
        f"services now; format jsonl then, csv now); run it with the same options, or delete "
        f"{resume_paths(out)[1]} to start over"
    )


def test_the_truth_about_path_at_every_step_of_a_resumable_export(tmp_path: Path) -> None:
    """A forced exit may come between any two statements of opening, checkpointing and finishing: after
    ``abandon()`` there, the files left are PATH (old or complete) and, while not complete, a state and a
    partial output that agree (or nothing to resume), and ``truth()`` says which."""
    target = tmp_path / "out.jsonl"
    partial, state = resume_paths(target)
    steps = {
        ResumableOutput.open.__code__,
        ResumableOutput.checkpoint.__code__,
        ResumableOutput._save.__code__,
        ResumableOutput.finish.__code__,
        ResumableOutput._put_in_place.__code__,
        AtomicFile.__enter__.__code__,
        AtomicFile.commit.__code__,
    }

    def run(stop_at: int | None) -> tuple[str, int]:
        for path in tmp_path.iterdir():
            path.unlink()
        target.write_text("old\n")
        watch = ExportWatch()
        plan = watch.plan = plan_output(str(target))
        output = ResumableOutput(plan, {"resource": "clients"})
        watch.output = output
        truths = []

        def work() -> None:
            output.open()
            output.file.write(b'{"id":1}\n')
            output.checkpoint(1, {"after": 1})
            output.file.write(b'{"id":2}\n')
            output.final_records = 2
            asyncio.run(output.finish())

        def forced_exit() -> None:
            watch.abandon()  # what the forced exit does, then os._exit
            truths.append(watch.truth())

        seen = stop_at_line(stop_at, steps, work, forced_exit)
        output.close_file()  # the OS would, at exit
        return (truths[0] if truths else ""), seen

    _, steps_taken = run(None)
    assert steps_taken > 20
    truths = set()
    for stop_at in range(1, steps_taken + 1):
        truth, _ = run(stop_at)
        truths.add(truth)
        left = listing(tmp_path)
        if truth == f"the export had completed and {target} was written":
            assert target.read_text() == '{"id":1}\n{"id":2}\n', stop_at
            assert left in (["out.jsonl"], sorted(["out.jsonl", state.name])), (stop_at, left)
            continue
        assert target.read_text() == "old\n", stop_at
        if truth == f"nothing was written and {target} is unchanged":
            assert left == ["out.jsonl"], (stop_at, left)
            continue
        saved = json.loads(state.read_text())
        counted = "1 record is" if saved["records"] == 1 else "2 records are"
        assert truth == (
            f"{target} is not written yet; {counted} saved in {partial.name}: run the same command again "
            "to continue"
        ), (stop_at, truth)
        assert left == sorted(["out.jsonl", partial.name, state.name]), (stop_at, left)
        saved = json.loads(state.read_text())
        assert partial.read_bytes()[: saved["bytes"]] == b'{"id":1}\n{"id":2}\n'[: 9 * saved["records"]], (
            stop_at
        )
        resumed = ResumableOutput(plan_output(str(target)), {"resource": "clients"}).open()
        assert resumed.resumed_records == saved["records"]
        resumed.close_file()
    assert len(truths) == 4  # every outcome was met (saved: after one record, and after both)


async def test_details_resume_after_sigkill_equals_a_clean_export(
    tmp_path: Path, seeds: random.Random
) -> None:
    """``--details``: the checkpoint covers the full records written, not the lookups running ahead."""
    async with FakeBizstim(clients=3_000, seed=15) as fake:
        out = tmp_path / "full.jsonl"
        args = ("--details", "--page-size", "100")
        run = await killed_at(fake, seeds.randrange(16, 26), signal.SIGKILL, out, *args)
        assert run.code == -signal.SIGKILL
        saved = saved_records(out)
        assert 100 < saved < 3_000
        fake.delete_clients(seeds.sample(fake.client_ids()[saved + 200 :], 50))
        fake.insert_clients(30, at=saved + 300)

        fake.reset_stats()
        resumed = await bizstim(
            "export", "clients", "-o", out, "--resume", "--progress", "off", *args, env=env_for(fake)
        )
        assert resumed.code == 0, resumed.stderr
        lookups = sum(1 for request in fake.requests if request.path == "/api/client")
        clean = lines_by_id(await clean_export(fake, tmp_path / "clean.jsonl", *args))
    got = lines_by_id(out)
    assert got == clean
    assert list(got) == list(clean)  # in list order
    assert (
        len(clean) - saved <= lookups <= len(clean) - saved + 20
    )  # only the rest, give or take what ran ahead


@pytest.mark.parametrize("fmt", ["parquet", "duckdb"])
async def test_a_columnar_export_resumes_then_converts(fake: FakeBizstim, tmp_path: Path, fmt: str) -> None:
    """The partial output of a Parquet or DuckDB export is JSON Lines; the finished one is converted."""
    out = tmp_path / f"clients.{fmt}"
    run = await killed_at(fake, 50, signal.SIGKILL, out, "--max-items", "70000")
    assert run.code == -signal.SIGKILL
    assert 0 < saved_records(out) < 70_000
    resumed, _ = await resume(fake, out, "--max-items", "70000")
    assert resumed.code == 0, resumed.stderr
    assert listing(tmp_path) == [out.name]
    clean = lines_by_id(await clean_export(fake, tmp_path / "clean.jsonl", "--max-items", "70000"))
    reader = f"read_parquet('{out}')" if fmt == "parquet" else "clients"
    with duckdb.connect(str(out) if fmt == "duckdb" else ":memory:", read_only=fmt == "duckdb") as db:
        ids = [row[0] for row in db.execute(f"SELECT id FROM {reader}").fetchall()]
    assert ids == list(clean)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "duckdb"])
async def test_a_private_target_stays_private_through_a_resume(
    fake: FakeBizstim, tmp_path: Path, fmt: str
) -> None:
    """A 0600 file replaced by a resumed export: the partial file kept between the runs and the finished
    output are 0600 too (a resumed Parquet or DuckDB export published a 0644 file: duckdb wrote it)."""
    out = tmp_path / f"clients.{fmt}"
    out.write_bytes(b"private\n")
    out.chmod(0o600)
    run = await killed_at(fake, 20, signal.SIGKILL, out, "--max-items", "40000")
    assert run.code == -signal.SIGKILL
    partial = resume_paths(out)[0]
    assert partial.stat().st_mode & 0o777 == 0o600, oct(partial.stat().st_mode)
    resumed, _ = await resume(fake, out, "--max-items", "40000")
    assert resumed.code == 0, resumed.stderr
    assert out.read_bytes() != b"private\n"
    assert out.stat().st_mode & 0o777 == 0o600, oct(out.stat().st_mode)


@pytest.mark.parametrize("fmt", ["parquet", "duckdb", "jsonl"])
@pytest.mark.parametrize("resumable", [False, True], ids=["plain", "resume"])
async def test_nothing_beside_a_private_target_is_readable_by_others_while_it_runs(
    fake: FakeBizstim, tmp_path: Path, fmt: str, resumable: bool
) -> None:
    """Killed mid-run: every file the export left beside a 0600 target (its temp or partial file, the
    state, and for Parquet and DuckDB the files duckdb writes while it converts) is private too. duckdb
    and pyarrow create theirs with the plain umask: 0644 (0755 for a spill directory)."""
    out = tmp_path / f"clients.{fmt}"
    out.write_bytes(b"private\n")
    out.chmod(0o600)
    args: list[str | Path] = ["export", "clients", "-o", out, "--progress", "off"]
    args += ["--resume"] if resumable else []
    await signalled_at_page(fake, 40, signal.SIGKILL, *args)  # killed mid-run
    modes = {name: mode for name, mode in _modes(tmp_path).items() if name != out.name}
    assert modes, "the export left nothing to check: it was not under way"
    assert {name: oct(mode) for name, mode in modes.items() if mode & 0o077} == {}


def _modes(directory: Path) -> dict[str, int]:
    """The permission bits of everything in ``directory``, by name."""
    return {path.name: path.stat().st_mode & 0o777 for path in directory.iterdir()}


async def test_the_resume_sweep_leaves_a_marked_runs_temp_file_alone(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    """The sweep of ``.x.jsonl.partial.*.tmp`` (a killed resume's conversion) also matched the temp file of a
    live plain export to a target named ``x.jsonl.partial``, and deleted it."""
    out = tmp_path / "x.jsonl"
    with AtomicFile(tmp_path / "x.jsonl.partial") as live:
        async with Bizstim(api_key=fake.api_key, base_url=fake.url) as bz:
            options = resume_options(bz, ExportSpec("clients", out))
        output = ResumableOutput(OutputPlan("file", out, str(out)), options).open()
        output.close_file()
        assert live.temp_path.exists()
        live.discard()


async def test_superseded_progress_is_only_ever_an_idle_export_of_the_same_options(tmp_path: Path) -> None:
    """A review: a --resume export converting its output (minutes, for Parquet) had given up its lock, so
    a plain export's clean-up took its files; and the clean-up took progress saved with other options."""
    from aiobizstim.cli._resume import discard_superseded_progress

    out = tmp_path / "x.parquet"
    plan = OutputPlan("file", out, "x.parquet")
    options = {"resource": "clients", "format": "parquet"}
    taken: list[bool] = []

    async def convert(source: Path, converted: Path) -> None:
        taken.append(discard_superseded_progress(out, options))  # while this one converts
        shutil.copyfile(source, converted)

    output = ResumableOutput(plan, options, convert).open()
    output.file.write(b"{}\n")
    output.checkpoint(1, {"page": 1})
    output.final_records = 1
    await output.finish()
    assert taken == [False]
    assert out.read_bytes() == b"{}\n"
    partial, state = resume_paths(out)
    assert not partial.exists()
    assert not state.exists()
    # Progress saved with other options stays; with the same, once idle, it goes.
    saved = ResumableOutput(plan, options).open()
    saved.file.write(b"{}\n")
    saved.checkpoint(1, {"page": 1})
    saved.close_file()
    assert not discard_superseded_progress(out, options | {"details": True})
    assert state.exists()
    assert discard_superseded_progress(out, options)
    assert not partial.exists()
    assert not state.exists()


def test_progress_removed_while_it_is_taken_up_is_refused_not_written_to_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removed between reading its state and locking its file, the progress was continued in a file no
    longer in the directory (its output lost at the end)."""
    from aiobizstim.cli import _resume

    out = tmp_path / "x.jsonl"
    plan = OutputPlan("file", out, "x.jsonl")
    options = {"resource": "clients", "format": "jsonl"}
    saved = ResumableOutput(plan, options).open()
    saved.file.write(b"{}\n")
    saved.checkpoint(1, {"page": 1})
    saved.close_file()
    real_lock = ResumableOutput._lock

    def lock_late(self: ResumableOutput, fd: int) -> None:
        _resume.discard_superseded_progress(out, options)  # a plain export's clean-up, just before
        real_lock(self, fd)

    monkeypatch.setattr(ResumableOutput, "_lock", lock_late)
    with pytest.raises(ResumeError, match="was removed while this export took it up"):
        ResumableOutput(plan, options).open()


async def export_three_pages_then(
    out: Path, failure: Exception | None, raised: type[Exception], match: str
) -> dict[str, Any]:
    """Export three pages of three discounts with ``--resume`` on a slow disk (a checkpoint after the first
    page only; the iterator's checkpoint is the number of pages read), then raise ``failure`` if given;
    check that the export raised ``raised`` matching ``match``; return the state saved."""
    from aiobizstim.cli import _export
    from aiobizstim.cli._choices import ProgressMode
    from aiobizstim.cli._progress import Progress
    from aiobizstim.models import Discount

    output = ResumableOutput(OutputPlan("file", out, out.name), {"resource": "discounts"}).open()
    output.due = lambda: output.saved_records == 0  # type: ignore[method-assign]
    pages_read = 0

    async def pages() -> Any:
        nonlocal pages_read
        for page in range(3):
            pages_read = page + 1
            yield [Discount(id=10 * page + i, code=f"d{page}.{i}") for i in range(1, 4)]
        if failure is not None:
            raise failure

    progress = Progress("d", io.StringIO(), ProgressMode.OFF)
    with pytest.raises(raised, match=match):
        await _export.export_records(pages(), output, "jsonl", Discount, progress, lambda: pages_read)
    state: dict[str, Any] = json.loads(resume_paths(out)[1].read_text())
    return state


async def test_a_failure_saves_what_was_written_since_the_last_checkpoint(tmp_path: Path) -> None:
    """Checkpoints come when due (every page on a fast disk, rarer on a slow one). A page that failed for
    good left the records written since the last one unsaved: the resume read them again."""
    out = tmp_path / "d.jsonl"
    failure = ConnectionResetError("the fourth page failed for good")
    state = await export_three_pages_then(out, failure, ConnectionResetError, "fourth page")
    assert (state["records"], state["checkpoint"]) == (9, 3)  # all three pages, not the first alone
    assert len(resume_paths(out)[0].read_bytes().splitlines()) == 9


async def test_a_failed_write_saves_nothing_more(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that failed half way through its page must not be covered by a checkpoint: the iterator's
    would count the whole page."""
    from aiobizstim.cli import _export
    from aiobizstim.cli._formats import make_writer

    def half_writing(*args: Any, **kwargs: Any) -> Any:
        writer: Any = make_writer(*args, **kwargs)
        write_many = writer.write_many

        def write_some(batch: Any) -> None:
            if batch[0].id >= 20:
                write_many(batch[:1])
                raise OSError(28, "No space left on device")
            write_many(batch)

        writer.write_many = write_some
        return writer

    monkeypatch.setattr(_export, "make_writer", half_writing)
    state = await export_three_pages_then(tmp_path / "d.jsonl", None, OSError, "No space")
    assert (state["records"], state["checkpoint"]) == (3, 1)  # the first page's checkpoint, no other
