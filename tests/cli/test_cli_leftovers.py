"""The hidden files of a run killed with no chance to clean up (SIGKILL) are removed by the next run for the
same target; a live run's never are, whichever process runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import duckdb
import pytest

from aiobizstim.cli._atomic import AtomicFile
from aiobizstim.cli._leftovers import RunMark, sweep_killed_runs
from aiobizstim.testing import FakeBizstim
from tests.cli.test_cli_commands import bizstim, env_for
from tests.cli.test_cli_output import signalled_at_page

CLIENTS = 20_000

#: A run as another process: marks its files under a token, creates them, says so, then waits to be killed.
_RUN = """
import sys, time
from pathlib import Path
from aiobizstim.cli._leftovers import RunMark
target, token = Path(sys.argv[1]), sys.argv[2]
RunMark(target, token).take()
hidden = target.with_name(f".{target.name}.{token}")
Path(f"{hidden}.tmp").write_bytes(b"half a record")
Path(f"{hidden}.tmp.wal").write_bytes(b"wal")
Path(f"{hidden}.tmp.spill").mkdir()
Path(f"{hidden}.tmp.spill/block").write_bytes(b"spilled")
print("ready", flush=True)
time.sleep(60)
"""


def hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.fixture
def other_run(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A live run of another process for ``tmp_path / "out.jsonl"``, token 0a1b2c3d."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, str(tmp_path / "out.jsonl"), "0a1b2c3d"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    yield proc
    proc.kill()
    proc.wait()
    proc.stdout.close()


RUN_FILES = [
    ".out.jsonl.0a1b2c3d.lock",
    ".out.jsonl.0a1b2c3d.tmp",
    ".out.jsonl.0a1b2c3d.tmp.spill",
    ".out.jsonl.0a1b2c3d.tmp.wal",
]


def test_a_killed_runs_files_go_with_the_next_run(tmp_path: Path, other_run: subprocess.Popen[str]) -> None:
    target = tmp_path / "out.jsonl"
    assert hidden(tmp_path) == RUN_FILES
    other_run.send_signal(signal.SIGKILL)
    other_run.wait()
    with AtomicFile(target) as out:
        # The killed run's files are gone; this run's temp file and mark are there.
        assert [name.rsplit(".", 1)[-1] for name in hidden(tmp_path)] == ["lock", "tmp"]
        out.file.write(b"{}\n")
        out.commit()
    assert hidden(tmp_path) == []
    assert target.read_bytes() == b"{}\n"


def test_a_live_runs_files_stay(tmp_path: Path, other_run: subprocess.Popen[str]) -> None:
    target = tmp_path / "out.jsonl"
    with AtomicFile(target) as out:
        out.file.write(b"{}\n")
        out.commit()
    assert hidden(tmp_path) == RUN_FILES  # another process holds their lock
    with AtomicFile(target) as first, AtomicFile(target) as second:  # and in one process: two runs
        assert len(hidden(tmp_path)) == len(RUN_FILES) + 4
        second.discard()
        first.discard()
    assert hidden(tmp_path) == RUN_FILES
    other_run.send_signal(signal.SIGKILL)
    other_run.wait()
    assert sorted(path.name for path in sweep_killed_runs(target)) == RUN_FILES[1:]
    assert hidden(tmp_path) == []


def test_only_marked_files_of_that_target_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "[a]*.jsonl"  # glob characters in the name match themselves only
    lookalikes = [
        ".[a]*.jsonl.0a1b2c3d.tmp",  # no mark: a version before marks, or not ours
        ".a.jsonl.1b2c3d4e.tmp",  # another target the glob would match
        ".[a]*.jsonl2.2c3d4e5f.tmp",  # another target with the same start
        ".[a]*.jsonl.zzzzzzzz.lock",  # not a token of ours
        ".[a]*.jsonl.3d4e5f6a.tmp",
    ]
    for name in lookalikes:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".a.jsonl.1b2c3d4e.lock").write_bytes(b"")  # a killed run of the other target
    (tmp_path / ".[a]*.jsonl2.2c3d4e5f.lock").write_bytes(b"")
    (tmp_path / ".[a]*.jsonl.3d4e5f6a.lock").write_bytes(b"")  # a killed run of this one
    assert [path.name for path in sweep_killed_runs(target)] == [".[a]*.jsonl.3d4e5f6a.tmp"]
    assert ".[a]*.jsonl.3d4e5f6a.lock" not in hidden(tmp_path)
    assert set(lookalikes) - set(hidden(tmp_path)) == {".[a]*.jsonl.3d4e5f6a.tmp"}


def test_a_mark_is_made_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    mark = RunMark(target, "0a1b2c3d")
    mark.take()
    mark.take()  # idempotent
    assert hidden(tmp_path) == [".out.jsonl.0a1b2c3d.lock"]  # never seen under its making name
    assert sweep_killed_runs(target) == []  # held
    mark.drop()
    mark.drop()
    assert hidden(tmp_path) == []


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=16) as server:
        yield server


@pytest.mark.parametrize("fmt", ["jsonl", "duckdb"])
async def test_an_export_killed_by_sigkill_is_cleaned_up_by_the_next(
    fake: FakeBizstim, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"clients.{fmt}"
    export = ("export", "clients", "-o", out, "--progress", "off", "--page-size", "1000")
    killed = await signalled_at_page(fake, 10, signal.SIGKILL, *export)
    assert killed.code == -signal.SIGKILL
    left = hidden(tmp_path)  # the data (or the FIFO duckdb reads), and the mark of the killed run
    assert len(left) >= 2, left
    assert any(name.endswith(".lock") for name in left), left
    run = await bizstim("export", "clients", "-o", out, "--progress", "off", env=env_for(fake))
    assert run.code == 0, run.stderr
    assert hidden(tmp_path) == []
    if fmt == "jsonl":
        assert len(out.read_text().splitlines()) == CLIENTS
    else:
        with duckdb.connect(str(out), read_only=True) as db:
            assert db.execute("select count(*) from clients").fetchone() == (CLIENTS,)


def test_a_sweep_removes_a_runs_own_names_only(tmp_path: Path) -> None:
    """A dead mark ``.a.jsonl.deadbeef.lock`` took everything ``.a.jsonl.deadbeef.*`` with it: also the
    files of a live run for a target named ``a.jsonl.deadbeef``, and a user's own dotfile."""
    other = tmp_path / "a.jsonl.deadbeef"
    with AtomicFile(other) as live:  # a live run for the other target, in this process
        (tmp_path / ".a.jsonl.deadbeef.lock").write_bytes(b"")  # dead (or planted)
        (tmp_path / ".a.jsonl.deadbeef.notes").write_bytes(b"mine")
        (tmp_path / ".a.jsonl.deadbeef.tmp").write_bytes(b"a killed run's")
        assert [path.name for path in sweep_killed_runs(tmp_path / "a.jsonl")] == [".a.jsonl.deadbeef.tmp"]
        assert live.temp_path.exists()
        assert (tmp_path / ".a.jsonl.deadbeef.notes").read_bytes() == b"mine"
        live.discard()


async def test_what_is_no_mark_of_ours_is_left_alone_and_never_blocks(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    os.mkfifo(tmp_path / ".out.jsonl.0a1b2c3d.lock")  # opening it to read would wait for a writer
    (tmp_path / ".out.jsonl.0a1b2c3d.tmp").write_bytes(b"x")
    (tmp_path / ".out.jsonl.1b2c3d4e.lock").mkdir()  # flock works on a directory too
    (tmp_path / ".out.jsonl.1b2c3d4e.tmp").write_bytes(b"x")
    # In a thread, with a bound: a sweep that blocks on the FIFO fails the test instead of hanging it.
    assert await asyncio.wait_for(asyncio.to_thread(sweep_killed_runs, target), 10) == []
    assert len(hidden(tmp_path)) == 4


def test_a_name_too_long_for_a_mark_is_written_unmarked(tmp_path: Path) -> None:
    """The mark's making name is the target's and 19 characters: a name of 240 (the temp file's 255 fit)
    used to fail with 'File name too long'."""
    target = tmp_path / ("n" * 234 + ".jsonl")
    with AtomicFile(target) as out:
        assert [name.rsplit(".", 1)[-1] for name in hidden(tmp_path)] == ["tmp"]
        out.file.write(b"{}\n")
        out.commit()
    assert target.read_bytes() == b"{}\n"
    assert hidden(tmp_path) == []


def test_abandon_removes_what_it_is_given_before_the_mark(tmp_path: Path) -> None:
    """duckdb's side files were removed after the mark: killed between, they stayed unmarked for good."""
    out = AtomicFile(tmp_path / "out.duckdb")
    out.claim()
    seen: list[list[str]] = []
    out.abandon(lambda temp: seen.append(hidden(tmp_path)))
    assert [name.rsplit(".", 1)[-1] for name in seen[0]] == ["lock"]
    assert hidden(tmp_path) == []
    out.release()


def test_the_sweep_knows_every_hidden_name_a_run_writes(tmp_path: Path) -> None:
    from aiobizstim.cli._columnar import side_files
    from aiobizstim.cli._leftovers import RUN_SUFFIXES
    from aiobizstim.cli._output import OutputPlan, StreamedColumnarOutput
    from aiobizstim.models import ClientSummary

    target = tmp_path / "out.duckdb"
    streamed = StreamedColumnarOutput(OutputPlan("file", target, "out.duckdb"), "duckdb", ClientSummary, "t")
    temp = streamed.temp_path
    token = temp.name.split(".")[-2]
    names = [path.name for path in (*side_files(temp), streamed.fifo_path)]
    assert sorted(names) == sorted(f".out.duckdb.{token}.{suffix}" for suffix in RUN_SUFFIXES)


def test_a_run_killed_while_making_its_mark_leaves_nothing_for_long(tmp_path: Path) -> None:
    """Killed between creating ``.NAME.TOKEN.locking`` and renaming it, a run left that empty file forever.
    A sweep now removes it once it is old and unlocked; a fresh one may be a live run's, about to lock it."""
    import fcntl
    import time

    target = tmp_path / "out.jsonl"
    long_ago = time.time() - 3600
    for token in ("0a1b2c3d", "1b2c3d4e", "2c3d4e5f", "3d4e5f6a"):
        (tmp_path / f".out.jsonl.{token}.locking").write_bytes(b"")
    (tmp_path / ".out.jsonl.3d4e5f6a.locking").write_bytes(b"not a mark")
    for token in ("0a1b2c3d", "2c3d4e5f", "3d4e5f6a"):
        os.utime(tmp_path / f".out.jsonl.{token}.locking", (long_ago, long_ago))
    with open(tmp_path / ".out.jsonl.2c3d4e5f.locking", "rb") as held:  # a live run that locked it
        fcntl.flock(held, fcntl.LOCK_EX)
        assert [path.name for path in sweep_killed_runs(target)] == [".out.jsonl.0a1b2c3d.locking"]
    assert hidden(tmp_path) == [
        ".out.jsonl.1b2c3d4e.locking",  # fresh
        ".out.jsonl.2c3d4e5f.locking",  # held
        ".out.jsonl.3d4e5f6a.locking",  # not empty: none of ours
    ]


async def test_a_resume_export_removes_what_a_killed_plain_export_left(
    tmp_path: Path, other_run: subprocess.Popen[str]
) -> None:
    """A nightly `--resume` job never removed the temp file of a plain export to the same path that was
    killed (an ops review): up to a whole export's size, left for good."""
    other_run.send_signal(signal.SIGKILL)
    other_run.wait()
    target = tmp_path / "out.jsonl"
    async with FakeBizstim(clients=50) as fake:
        run = await bizstim("export", "clients", "-o", target, "--resume", "-q", env=env_for(fake))
    assert run.code == 0, run.stderr
    assert hidden(tmp_path) == []
    assert len(target.read_text().splitlines()) == 50
