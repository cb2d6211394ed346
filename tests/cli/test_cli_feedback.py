"""Feedback while the server is down (issue 11, point 9): every retry shows in the progress display at once,
without ``-v``; ``-q`` stays quiet. The CLI runs as a subprocess against a server that drops every
connection (a port that refuses them fails in three attempts: the server has never answered)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from aiobizstim._stats import RetryEvent
from aiobizstim.cli._choices import ProgressMode
from aiobizstim.cli._entry import Diagnostics
from aiobizstim.cli._progress import Progress
from aiobizstim.testing import FakeBizstim
from tests.cli.test_cli_commands import BIZSTIM, TIMEOUT


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
async def dropping_url() -> AsyncIterator[str]:
    """A loopback server that closes every connection before answering."""

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


class Watched:
    """A running ``bizstim`` whose stderr is collected as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr = ""
        self.started = time.monotonic()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(4096):
            self.stderr += chunk.decode()

    async def wait_for(self, pattern: str) -> float:
        """Seconds from the start until ``pattern`` appeared on stderr (polled, bounded)."""
        async with asyncio.timeout(TIMEOUT):
            while not re.search(pattern, self.stderr):
                assert not self._reader.done(), self.stderr
                await asyncio.sleep(0.01)
        return time.monotonic() - self.started

    async def terminate(self) -> int | None:
        self.proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT):
            await self._reader
            return await self.proc.wait()


async def watch(url: str, out: Path, *args: str) -> Watched:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIZSTIM_")}
    env |= {"BIZSTIM_API_KEY": "k" * 40, "BIZSTIM_BASE_URL": url}
    proc = await asyncio.create_subprocess_exec(
        BIZSTIM, "export", "clients", "-o", str(out), *args, env=env, stderr=asyncio.subprocess.PIPE
    )
    return Watched(proc)


async def test_retries_show_at_once_without_verbose(dropping_url: str, tmp_path: Path) -> None:
    bar, lines, quiet = runs = await asyncio.gather(
        watch(dropping_url, tmp_path / "bar.jsonl", "--progress", "bar"),
        watch(dropping_url, tmp_path / "lines.jsonl", "--progress", "lines"),
        watch(dropping_url, tmp_path / "quiet.jsonl", "-q"),
    )
    try:
        # The bar shows something before any answer, then each retry: reason, attempt n of m, next try in s.
        await bar.wait_for("clients 0  waiting for the first records")
        seconds = await bar.wait_for(r"attempt 1 of 11 failed, next try in \d+\.\d s: connection failed")
        assert seconds < 10
        await bar.wait_for(r"attempt 2 of 11 failed")
        # Lines mode: a line per retry once no record has come for a while (not for a retry that passes).
        await lines.wait_for(
            r"bizstim: clients 0  attempt \d+ of 11 failed, next try in .*\[GET /api/clients/"
        )
        codes = await asyncio.gather(bar.terminate(), lines.terminate(), quiet.terminate())
    finally:
        for run in runs:
            if run.proc.returncode is None:
                run.proc.kill()
                await run.proc.wait()
    assert tuple(codes) == (143, 143, 143)
    assert bar.stderr.rstrip().endswith("\r\x1b[2Kbizstim: error: terminated; nothing was written")
    assert lines.stderr.rstrip().splitlines()[-1] == "bizstim: error: terminated; nothing was written"
    assert "WARNING" not in bar.stderr + lines.stderr  # the display, not the log (that is -v)
    assert quiet.stderr == "bizstim: error: terminated; nothing was written\n"
    assert os.listdir(tmp_path) == []


def test_progress_shows_the_latest_retry_with_a_countdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    stream = io.StringIO()
    progress = Progress("clients", stream, ProgressMode.BAR, lambda: 5000)
    progress.done = 1000
    progress.retry(RetryEvent("GET /api/clients/1000/1000", 1.5, 3, 11, "HTTP 503"))
    text = stream.getvalue().split("\x1b[2K")[-1]  # fits on an 80-column line: no bar, rate or ETA then
    assert len(text) == 79
    assert re.match(
        r"clients 1,000/5,000   20%  attempt 3 of 11 failed, next try in 1\.[45] s: HTTP 503", text
    )
    assert re.search(
        r"attempt 3 of 11 failed, next try in 1\.[45] s: HTTP 503 \[GET /api/clients/1000/1000\]$",
        progress.describe(progress.elapsed),
    )
    later = progress.describe(progress.elapsed + 1.6)
    assert "attempt 3 of 11 failed, trying again: HTTP 503" in later  # no new record yet: still shown
    progress.done = 2000
    assert "attempt" not in progress.describe(progress.elapsed + 3.0)  # records came, and it is long past
    assert progress.describe(progress.elapsed + 3.0).endswith("1 retry")
    quiet = io.StringIO()
    off = Progress("clients", quiet, ProgressMode.OFF)
    off.retry(RetryEvent("GET /api/clients/0/1000", 0.5, 1, 11, "HTTP 503"))
    assert quiet.getvalue() == ""


def test_lines_mode_tells_a_retry_once() -> None:
    """The periodic line told the retry that had a line of its own again ("0:10  attempt 2 of 11 failed,
    next try in 0.2 s ...", the same attempt with an older countdown): it says what the export waits for."""
    stream = io.StringIO()
    progress = Progress("clients", stream, ProgressMode.LINES)
    progress.started -= 10  # nothing has come for 10 s
    progress._last_record -= 10
    progress.retry(RetryEvent("GET /api/clients/0/1000", 0.5, 2, 11, "HTTP 503"))
    progress._render(progress.elapsed)
    assert stream.getvalue().splitlines() == [
        "bizstim: clients 0  attempt 2 of 11 failed, next try in 0.5 s: HTTP 503 [GET /api/clients/0/1000]",
        "bizstim: clients 0  waiting for the first records  0:10  1 retry",
    ]


def test_lines_mode_prints_a_retry_only_when_stalled() -> None:
    stream = io.StringIO()
    progress = Progress("clients", stream, ProgressMode.LINES)

    def event(attempt: int) -> RetryEvent:
        return RetryEvent("GET /api/clients/0/1000", 0.5, attempt, 11, "HTTP 503")

    progress.retry(event(1))
    assert stream.getvalue() == ""  # just started: a retry that passes needs no line
    progress.started -= 10  # as if nothing had come for 10 s
    progress._last_record -= 10
    progress.retry(event(2))
    progress.retry(event(3))  # within a second of the last line: kept for the next one
    assert stream.getvalue().splitlines() == [
        "bizstim: clients 0  attempt 2 of 11 failed, next try in 0.5 s: HTTP 503 [GET /api/clients/0/1000]"
    ]


async def test_a_server_that_never_answered_fails_in_seconds_not_after_every_retry(
    refused_url: str, tmp_path: Path
) -> None:
    """A wrong port (or base URL) took about 45 s of retries to fail: every retry of an export's request.
    While the server has never answered, retries stop once the next would start 8 s after the first."""
    run = await watch(refused_url, tmp_path / "out.jsonl", "--progress", "off")
    async with asyncio.timeout(TIMEOUT):
        await run._reader
        code = await run.proc.wait()
    assert code == 1
    assert time.monotonic() - run.started < 10
    port = refused_url.rsplit(":", 1)[1]
    assert run.stderr.splitlines()[-1].startswith(
        f"bizstim: error: export failed, nothing written to {tmp_path / 'out.jsonl'}: APIConnectionError: "
        f"connection refused (127.0.0.1:{port}) after "
    ), run.stderr
    assert re.search(r"after [56] attempts", run.stderr.splitlines()[-1]), run.stderr


async def test_connect_wait_sets_how_long_a_first_contact_is_retried(
    refused_url: str, tmp_path: Path
) -> None:
    run = await watch(refused_url, tmp_path / "out.jsonl", "--progress", "off", "--connect-wait", "0")
    async with asyncio.timeout(TIMEOUT):
        await run._reader
        assert await run.proc.wait() == 1
    port = refused_url.rsplit(":", 1)[1]
    assert run.stderr.splitlines()[-1].endswith(
        f"connection refused (127.0.0.1:{port}) (GET /api/clients/0/1000)"
    )


async def test_an_export_goes_on_when_its_stderr_is_gone(tmp_path: Path) -> None:
    """A log shipper that died (stderr a pipe nobody reads) failed the export: the progress line raised
    BrokenPipeError, and a finished export's summary line turned it into exit code 1 (an ops review)."""
    out = tmp_path / "c.jsonl"
    async with FakeBizstim(clients=3000, latency=0.02) as fake:  # 30 pages one at a time: ~0.6 s
        read_end, write_end = os.pipe()
        os.close(read_end)  # every write to stderr now fails with EPIPE
        try:
            proc = await asyncio.create_subprocess_exec(
                BIZSTIM,
                "export",
                "clients",
                "-o",
                str(out),
                "--page-size",
                "100",
                "--concurrency",
                "1",
                "--progress",
                "bar",  # redrawn as records come: a write during the export, not only the summary
                env={**os.environ, "BIZSTIM_API_KEY": fake.api_key, "BIZSTIM_BASE_URL": fake.url},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=write_end,
            )
        finally:
            os.close(write_end)
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    assert len(out.read_text().splitlines()) == 3000


def test_a_full_non_blocking_pipe_loses_one_message_not_the_rest() -> None:
    class Full(io.StringIO):
        full = True

        def write(self, text: str) -> int:
            if self.full:
                self.full = False
                raise BlockingIOError(11, "Resource temporarily unavailable")
            return super().write(text)

    sink = Full()
    stream = Diagnostics(sink)
    stream.write("progress\n")
    stream.write("bizstim: error: the last line\n")
    assert not stream.gone
    assert sink.getvalue() == "bizstim: error: the last line\n"


def test_diagnostics_drop_what_cannot_be_written() -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    stream = Diagnostics(Gone())
    assert stream.write("progress\n") == len("progress\n")
    assert stream.gone
    stream.flush()
    assert not stream.isatty()
    kept = io.StringIO()
    assert Diagnostics(kept).write("line\n") == 5
    assert kept.getvalue() == "line\n"
