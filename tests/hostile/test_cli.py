"""Issue 11 through the CLI (subprocesses): no silent loss, the server's total in the summary, bounded
bodies and a key that never shows, whatever the server does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec

from tests.cli.test_cli_commands import bizstim, temp_files
from tests.hostile._server import HostileServer, Request, respond
from tests.hostile.conftest import KEY
from tests.hostile.test_pagination import N, short_at


async def test_an_export_that_cannot_read_a_page_fails_and_writes_nothing(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.script = short_at(1862, 10)  # type: ignore[assignment]
    out = tmp_path / "discounts.jsonl"
    run = await bizstim("export", "discounts", "-o", out, "--api-key", KEY, "--base-url", hostile.url)
    assert run.code == 1, run.stderr
    assert not out.exists()
    assert temp_files(tmp_path) == []
    (line,) = run.error_lines
    assert "PaginationIncompleteError" in line
    assert "offsets 1912 to 1961 could not be read" in line
    assert "nothing written to" in line


async def test_the_summary_shows_records_written_next_to_the_servers_total(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.script = short_at(1862, 1)  # type: ignore[assignment]
    out = tmp_path / "discounts.jsonl"
    run = await bizstim("export", "discounts", "-o", out, "--api-key", KEY, "--base-url", hostile.url, "-v")
    assert run.code == 0, run.stderr
    assert len(out.read_bytes().splitlines()) == N
    summary = run.error_lines[-1]
    assert summary.startswith(f"bizstim: exported {N:,} discounts to {out} in ")
    assert f"the server's total: {N:,})" in summary
    assert "reading it again (1 of 3)" in run.stderr  # -v shows the re-read


async def test_max_response_bytes_from_the_command_line(hostile: HostileServer, tmp_path: Path) -> None:
    async def big(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, b'{"status":"success","response":[]}' + b" " * 5000)

    hostile.script = big
    out = tmp_path / "discounts.jsonl"
    args = ("export", "discounts", "-o", out, "--api-key", KEY, "--base-url", hostile.url)
    run = await bizstim(*args, "--max-response-bytes", "4096")
    assert run.code == 1, run.stderr
    assert "ResponseTooLargeError" in run.error_lines[-1]
    assert "max_response_bytes (4,096 bytes)" in run.error_lines[-1]
    assert len(hostile.requests) == 1  # not retried


async def test_a_key_given_with_spaces_never_shows_when_the_server_echoes_it(
    hostile: HostileServer, tmp_path: Path
) -> None:
    async def echo(request: Request, writer: asyncio.StreamWriter) -> None:
        body = msgspec.json.encode({"status": "failure", "response": request.raw.decode("latin-1")})
        await respond(writer, body, status="401 Unauthorized")

    hostile.script = echo
    out = tmp_path / "discounts.jsonl"
    for verbosity in ((), ("-vv",)):
        run = await bizstim(
            "export", "discounts", "-o", out, "--api-key", f"  {KEY} ", "--base-url", hostile.url, *verbosity
        )
        assert run.code == 1
        assert "AuthenticationError" in run.stderr
        assert KEY not in run.stderr
        assert KEY not in run.stdout
    run = await bizstim(
        "get", "discount", "--id", "1", "--base-url", hostile.url, env={"BIZSTIM_API_KEY": f"{KEY}\n"}
    )
    assert run.code == 1
    assert "***" in run.stderr
    assert KEY not in run.stderr


async def test_a_redirect_to_a_file_url_is_an_api_failure_not_a_usage_error(
    hostile: HostileServer, tmp_path: Path
) -> None:
    async def to_file(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, status="302 Found", headers=[("Location", "file:///etc/passwd")])

    hostile.script = to_file
    run = await bizstim("get", "discount", "--id", "1", "--api-key", KEY, "--base-url", hostile.url)
    assert run.code == 1  # was 2: the raw ValueError was taken for a usage error
    (line,) = run.error_lines
    assert line.startswith("bizstim: error: APIStatusError: HTTP 302: the redirect has an unusable Location")
