"""Where ``bizstim export -o PATH`` writes (issue 11, point 8): through a symlink to its target, straight into
devices and FIFOs, to stdout for ``-``; and signals at any moment: prompt exit, no temp file, the truth
about PATH. The CLI runs as a subprocess (the console script) against a FakeBizstim in the test process."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aiobizstim.cli._app import _Session
from aiobizstim.cli._atomic import AtomicFile
from aiobizstim.cli._export import ExportWatch
from aiobizstim.cli._output import FileOutput, OutputPlan, plan_output
from aiobizstim.testing import FakeBizstim
from aiobizstim.testing._log import PageRequest
from tests.cli._stops import stop_at_line
from tests.cli.test_cli_commands import BIZSTIM, TIMEOUT, Run, bizstim, env_for, temp_files

CLIENTS = 1_500


@pytest.fixture
async def fake() -> AsyncIterator[FakeBizstim]:
    async with FakeBizstim(clients=CLIENTS, seed=8) as server:
        yield server


def ids_of(jsonl: str) -> list[int]:
    return [json.loads(line)["id"] for line in jsonl.splitlines()]


def last_line(stderr: str) -> str:
    """The last line on stderr, past any progress bar drawn on it."""
    return stderr.rstrip().splitlines()[-1].split("\x1b[2K")[-1]


async def spawn(*args: str | Path, env: dict[str, str], **kwargs: object) -> asyncio.subprocess.Process:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BIZSTIM_")} | env
    return await asyncio.create_subprocess_exec(
        BIZSTIM,
        *map(str, args),
        env=full_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        **kwargs,  # type: ignore[arg-type]
    )


async def signalled_at_page(fake: FakeBizstim, page: int, sig: signal.Signals, *args: str | Path) -> Run:
    """Run the CLI with ``args`` against ``fake`` and send it ``sig`` when it asks for page number ``page``
    (the fake sends it, so the export is under way whatever the machine's speed)."""
    proc = await spawn(*args, env=env_for(fake))

    def hook(_: FakeBizstim, request: PageRequest) -> None:
        if request.number == page and proc.returncode is None:
            proc.send_signal(sig)

    fake.set_drift(hook)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    finally:
        fake.set_drift(None)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


# --- symlinks -------------------------------------------------------------------------------------------


async def test_symlink_is_followed_and_stays_a_link(fake: FakeBizstim, tmp_path: Path) -> None:
    links, data = tmp_path / "links", tmp_path / "data"
    links.mkdir()
    data.mkdir()
    target = data / "clients.jsonl"
    target.write_text("old\n")
    link = links / "clients.jsonl"
    link.symlink_to(Path("..") / "data" / "clients.jsonl")  # relative, into another directory
    dangling = links / "new.csv"
    dangling.symlink_to(data / "new.csv")  # a link to a file that does not exist yet
    ok, new = await asyncio.gather(
        bizstim("export", "clients", "-o", link, env=env_for(fake)),
        bizstim("export", "clients", "-o", dangling, "-q", env=env_for(fake)),
    )
    assert ok.code == 0, ok.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("..") / "data" / "clients.jsonl")
    assert ids_of(target.read_text()) == fake.client_ids()
    assert last_line(ok.stderr).startswith(f"bizstim: exported {CLIENTS:,} clients to {link} in ")
    assert new.code == 0, new.stderr
    assert dangling.is_symlink()
    assert (data / "new.csv").read_text().count("\n") == CLIENTS + 1
    assert sorted(os.listdir(links)) == ["clients.jsonl", "new.csv"]
    assert sorted(os.listdir(data)) == ["clients.jsonl", "new.csv"]  # no temp file beside the targets


async def test_a_failed_export_through_a_symlink_leaves_the_target_alone(
    fake: FakeBizstim, tmp_path: Path
) -> None:
    target = tmp_path / "target.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop)
    fake.fail_next(10_000, path_prefix="/api/clients/", status=503)
    failed, looped = await asyncio.gather(
        bizstim("export", "clients", "-o", link, "--max-retries", "0", env=env_for(fake)),
        bizstim("export", "clients", "-o", loop, env=env_for(fake)),
    )
    assert failed.code == 1
    assert failed.error_lines[-1].startswith(f"bizstim: error: export failed, nothing written to {link}: ")
    assert link.is_symlink()
    assert target.read_text() == "old\n"
    assert looped.code == 2
    assert looped.error_lines == [
        f"bizstim: error: cannot use output path {loop}: Too many levels of symbolic links"
    ]
    assert sorted(os.listdir(tmp_path)) == ["link.jsonl", "loop.jsonl", "target.jsonl"]


def test_plan_output() -> None:
    assert plan_output("-").kind == "stdout"
    assert plan_output("/dev/null").kind == "stream"
    plan = plan_output("./-")
    assert (plan.kind, plan.target.name) == ("file", "-")  # a file named "-" is still possible


# --- devices, FIFOs and stdout --------------------------------------------------------------------------


async def test_dev_null_is_written_not_replaced(fake: FakeBizstim) -> None:
    before = os.stat("/dev/null")
    run = await bizstim("export", "clients", "-o", "/dev/null", env=env_for(fake))
    assert run.code == 0, run.stderr
    assert last_line(run.stderr).startswith(f"bizstim: exported {CLIENTS:,} clients to /dev/null in ")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.skipif(
    not (os.path.exists("/dev/full") and os.access("/dev/full", os.W_OK)), reason="no writable /dev/full"
)
async def test_dev_full_fails_in_one_line(fake: FakeBizstim) -> None:
    run = await bizstim("export", "clients", "-o", "/dev/full", env=env_for(fake))
    assert run.code == 1
    assert run.error_lines == [
        "bizstim: error: export failed, nothing written to /dev/full: OSError: No space left on device"
    ]
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


async def test_fifo_reader_gets_every_record(fake: FakeBizstim, tmp_path: Path) -> None:
    early, late, short = tmp_path / "early.fifo", tmp_path / "late.fifo", tmp_path / "short.fifo"
    for fifo in (early, late, short):
        os.mkfifo(fifo)

    async def reader(fifo: Path, *command: str) -> bytes:
        proc = await asyncio.create_subprocess_exec(*command, str(fifo), stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        return out

    async def late_export() -> tuple[int, str, bytes]:
        # No reader yet: the CLI says so and waits (without blocking its event loop) until one comes.
        proc = await spawn("export", "clients", "-o", late, "--progress", "lines", env=env_for(fake))
        assert proc.stderr is not None
        async with asyncio.timeout(TIMEOUT):
            first = (await proc.stderr.readline()).decode()
            assert first == f"bizstim: waiting for a reader of {late}\n"
            got = await reader(late, "cat")
            _, err = await proc.communicate()
        assert proc.returncode is not None
        return proc.returncode, first + err.decode(), got

    early_reader = asyncio.create_task(reader(early, "cat"))
    short_reader = asyncio.create_task(reader(short, "head", "-c", "100"))
    early_run, late_run, short_run = await asyncio.gather(
        bizstim("export", "clients", "-o", early, env=env_for(fake)),
        late_export(),
        bizstim("export", "clients", "-o", short, env=env_for(fake)),
    )
    assert early_run.code == 0, early_run.stderr
    assert ids_of((await early_reader).decode()) == fake.client_ids()
    code, err, got = late_run
    assert code == 0, err
    assert ids_of(got.decode()) == fake.client_ids()
    # A reader that leaves early: one line, exit 1, and the message does not claim nothing was written.
    assert len(await short_reader) == 100
    assert short_run.code == 1
    assert short_run.error_lines[-1] == (
        f"bizstim: error: export failed, the output to {short} is incomplete: BrokenPipeError: Broken pipe"
    )
    for fifo in (early, late, short):
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert temp_files(tmp_path) == []


async def test_a_stalled_fifo_reader_does_not_hold_the_cli(fake: FakeBizstim, tmp_path: Path) -> None:
    fifo = tmp_path / "stalled.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that never reads
    loop = asyncio.get_running_loop()
    try:
        proc = await spawn("export", "clients", "-o", fifo, "-q", env=env_for(fake))
        has_data = asyncio.Event()  # the pipe holds data nobody reads: the writer is stuck
        loop.add_reader(reader, has_data.set)
        async with asyncio.timeout(TIMEOUT):
            await has_data.wait()
            signalled = time.monotonic()
            proc.send_signal(signal.SIGINT)
            _, err = await proc.communicate()
        assert time.monotonic() - signalled < 2.0
    finally:
        loop.remove_reader(reader)
        os.close(reader)
    assert proc.returncode == 130
    # Part of the output is in the pipe (a blocked write had begun): not "nothing was written".
    assert err.decode() == f"bizstim: error: interrupted; the output to {fifo} is incomplete\n"


async def test_dash_streams_to_stdout(fake: FakeBizstim, tmp_path: Path) -> None:
    env = env_for(fake)
    jsonl, csv = await asyncio.gather(
        bizstim("export", "clients", "-o", "-", "--progress", "bar", env=env),
        bizstim("export", "discounts", "-o", "-", "--format", "csv", "-q", env=env),
    )
    assert jsonl.code == 0, jsonl.stderr
    assert ids_of(jsonl.stdout) == fake.client_ids()  # jsonl by default
    assert "\x1b[2K" in jsonl.stderr  # the progress stays on stderr ...
    assert last_line(jsonl.stderr).startswith(
        f"bizstim: exported {CLIENTS:,} clients to stdout in "
    )  # ... as does the summary
    assert csv.code == 0, csv.stderr
    assert csv.stderr == ""
    assert csv.stdout.splitlines()[0].startswith("id,")
    assert len(csv.stdout.splitlines()) == len(fake.records("discounts")) + 1
    proc = await spawn("export", "discounts", "-o", "-", env=env, cwd=tmp_path)
    out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0
    assert len(out.splitlines()) == len(fake.records("discounts"))
    assert os.listdir(tmp_path) == []  # no file named "-"


# --- signals --------------------------------------------------------------------------------------------


async def interrupt(
    fake: FakeBizstim, out: Path, second: signal.Signals, *, at_end: bool = False
) -> tuple[int | None, float, str]:
    """Start an export into ``out``; once it is under way (its progress bar is drawn), send SIGINT at a
    random moment (or right after the summary line, ``at_end``) and ``second`` up to 30 ms later. Return
    the exit code, the seconds from SIGINT to exit, and stderr."""
    args = ("export", "clients", "-o", out, "--page-size", "50", "--concurrency", "2", "--progress", "bar")
    proc = await spawn(*args, env=env_for(fake))
    assert proc.stderr is not None
    seen = b""
    async with asyncio.timeout(TIMEOUT):
        while b"\r" not in seen or (at_end and b"bizstim: exported" not in seen):
            chunk = await proc.stderr.read(4096)
            assert chunk, seen
            seen += chunk
    if not at_end:
        await asyncio.sleep(random.uniform(0.0, 0.6))  # a random moment of the export (it takes ~0.6 s)
    signalled = time.monotonic()
    try:
        proc.send_signal(signal.SIGINT)
        await asyncio.sleep(random.uniform(0.0, 0.03))
        proc.send_signal(second)
    except ProcessLookupError:  # it had finished
        pass
    async with asyncio.timeout(TIMEOUT):
        rest = await proc.stderr.read()
        await proc.wait()
    return proc.returncode, time.monotonic() - signalled, (seen + rest).decode()


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_two_signals_at_any_moment(second: signal.Signals, tmp_path: Path) -> None:
    """Prompt exit, no temp file, and the last line tells the truth about PATH: either the export had
    completed (PATH has every record) or nothing was written (PATH has its old content)."""
    async with FakeBizstim(clients=CLIENTS, seed=9, latency=0.02) as fake:
        outs = [tmp_path / f"out{n}.jsonl" for n in range(4)]
        for out in outs:
            out.write_text("old\n")
        results = await asyncio.gather(
            *(interrupt(fake, out, second, at_end=n == 3) for n, out in enumerate(outs))
        )
        ids = fake.client_ids()
    for out, (code, seconds, err) in zip(outs, results, strict=True):
        assert seconds < 2.0, (out, seconds, err)
        line = last_line(err)
        if code == 0:  # it had finished before the signals came
            assert line.startswith(f"bizstim: exported {CLIENTS:,} clients to {out} in "), err
            assert ids_of(out.read_text()) == ids
            continue
        assert code == 130, (out, code, err)
        if line == f"bizstim: error: interrupted; the export had completed and {out} was written":
            assert ids_of(out.read_text()) == ids
        else:
            assert line == f"bizstim: error: interrupted; nothing was written and {out} is unchanged", err
            assert out.read_text() == "old\n"
        assert "Traceback" not in err
    assert temp_files(tmp_path) == []


async def test_sigterm_exits_143(fake: FakeBizstim, tmp_path: Path) -> None:
    fake.set_latency(0.05)
    out = tmp_path / "clients.jsonl"
    proc = await spawn(
        "export", "clients", "-o", out, "--page-size", "20", "--progress", "bar", env=env_for(fake)
    )
    assert proc.stderr is not None
    async with asyncio.timeout(TIMEOUT):
        await proc.stderr.read(1)  # the first frame of the bar: under way
        proc.send_signal(signal.SIGTERM)
        _, err = await proc.communicate()
    assert proc.returncode == 143
    assert last_line(err.decode()) == "bizstim: error: terminated; nothing was written"
    assert os.listdir(tmp_path) == []


def test_the_truth_about_path_at_every_step_of_the_commit(tmp_path: Path) -> None:
    """A forced exit (a second signal) may come between any two statements of creating, writing and
    renaming the temp file: after ``abandon()`` there, no temp file is left, and ``truth()`` says
    "completed" exactly when PATH has the new content."""
    target = tmp_path / "out.jsonl"
    steps = {AtomicFile.__enter__.__code__, AtomicFile.commit.__code__, AtomicFile.publish.__code__}

    def run(stop_at: int | None) -> tuple[str, int]:
        target.write_text("old\n")
        watch = ExportWatch()
        plan = watch.plan = plan_output(str(target))
        output = FileOutput(plan)
        watch.output = output
        truths = []

        def work() -> None:
            output.open()
            output.file.write(b"new\n")
            asyncio.run(output.finish())

        def forced_exit() -> None:
            watch.abandon()  # what the forced exit does, then os._exit
            truths.append(watch.truth())

        seen = stop_at_line(stop_at, steps, work, forced_exit)
        truth = truths[0] if truths else ""
        assert temp_files(tmp_path) == [], stop_at
        output.discard()  # close the file (the OS would, at exit)
        return truth, seen

    _, steps_taken = run(None)
    assert steps_taken > 10
    truths = set()
    for stop_at in range(1, steps_taken + 1):
        truth, _ = run(stop_at)
        truths.add(truth)
        if truth == f"the export had completed and {target} was written":
            assert target.read_text() == "new\n", stop_at
        else:
            assert truth == f"nothing was written and {target} is unchanged", (stop_at, truth)
            assert target.read_text() == "old\n", stop_at
    assert len(truths) == 2  # both outcomes were met


def test_forced_exit_removes_the_temp_file_and_says_so(tmp_path: Path) -> None:
    exits: list[int] = []
    with (tmp_path / "stderr").open("w+") as stderr:
        session = _Session(stderr, exit_now=exits.append)
        session.command = "export"
        session.interrupts.first = signal.SIGTERM
        watch = session.watch = ExportWatch()
        plan = watch.plan = OutputPlan("file", tmp_path / "out.csv", "out.csv", existed=False)
        output = FileOutput(plan)
        watch.output = output
        output.open()
        session.force(signal.SIGTERM)
        output.discard()
        stderr.seek(0)
        assert stderr.read() == "bizstim: error: terminated; nothing was written\n"
    assert exits == [143]
    assert os.listdir(tmp_path) == ["stderr"]


def test_an_output_file_that_cannot_be_made_or_renamed_is_named_not_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "out.jsonl"  # its directory went away after the up-front check
    with pytest.raises(FileNotFoundError) as made:
        AtomicFile(target).__enter__()
    assert made.value.filename == str(target)
    assert ".tmp" not in str(made.value)
    # "No such file or directory" alone would mislead for a file that exists (-o /proc/version).
    assert str(made.value.strerror).endswith("(creating the hidden file beside it)")
    blocked = tmp_path / "out.jsonl"
    blocked.mkdir()
    (blocked / "keep").write_text("x")  # a non-empty directory took the file's place: the rename fails
    with AtomicFile(blocked) as out:
        out.file.write(b"{}\n")
        with pytest.raises(IsADirectoryError) as renamed:
            out.commit()
    assert renamed.value.filename == str(blocked)
    assert temp_files(tmp_path) == []


def test_an_empty_output_path_says_so() -> None:
    with pytest.raises(ValueError, match=r"^the output path is empty \(give a file name, or - for stdout\)$"):
        plan_output("")
