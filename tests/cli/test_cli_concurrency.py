"""``--concurrency N|auto`` and ``fake-server --capacity`` / ``--capacity-schedule``: parsing, the summary
line, ``-v``'s INFO lines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from aiobizstim import AutoConcurrency
from aiobizstim.cli._commands import fake_server
from aiobizstim.cli._parser import _concurrency, build_parser
from aiobizstim.testing import CapacitySchedule, FakeBizstim
from tests.cli.test_cli_commands import bizstim, env_for


def test_concurrency_takes_a_whole_number_or_auto() -> None:
    assert _concurrency("auto") == "auto"
    assert _concurrency("12") == 12
    assert _concurrency("auto:4..32") == AutoConcurrency(minimum=4, maximum=32)
    for text, message in (
        ("0", ">= 1"),
        ("Auto", "whole number, auto or auto:MIN..MAX"),
        ("1.5", "whole number, auto or auto:MIN..MAX"),
        ("auto:4", r"expected auto:MIN..MAX \(e.g. auto:2..32\), got 'auto:4'"),
        ("auto:4..x", "expected auto:MIN..MAX"),
        ("auto:-1..8", "expected auto:MIN..MAX"),
        ("auto:0..8", r"^auto:MIN\.\.MAX needs 1 <= MIN <= MAX, got 'auto:0\.\.8'$"),  # the CLI's words
        ("auto:9..8", r"^auto:MIN\.\.MAX needs 1 <= MIN <= MAX, got 'auto:9\.\.8'$"),
    ):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            _concurrency(text)


async def test_export_auto_within_a_range_given_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "details.jsonl"
    async with FakeBizstim(clients=60, capacity=4) as fake:
        args = ("export", "clients", "--details", "-o", out, "--concurrency", "auto:3..5")
        run = await bizstim(*args, env=env_for(fake))
        assert run.code == 0, run.stderr
        assert fake.max_in_flight <= 5
    summary = run.error_lines[-1]
    assert "; concurrency auto took 3.." in summary, summary


def test_fake_server_passes_its_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("aiobizstim.testing.serve", lambda **kwargs: seen.update(kwargs))
    assert fake_server(build_parser().parse_args(["fake-server", "--capacity", "6"])) == 0
    assert seen["capacity"] == 6.0
    assert fake_server(build_parser().parse_args(["fake-server"])) == 0
    assert seen["capacity"] is None
    assert seen["capacity_schedule"] is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["fake-server", "--capacity", "0"])


def test_fake_server_passes_its_capacity_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("aiobizstim.testing.serve", lambda **kwargs: seen.update(kwargs))
    args = build_parser().parse_args(["fake-server", "--capacity-schedule", "24,10s:12,30s:24"])
    assert fake_server(args) == 0
    assert seen["capacity_schedule"] == CapacitySchedule(24, ((10, 12), (30, 24)))
    assert seen["capacity"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--capacity-schedule", "24,10s:12,5s:6"],
            "argument --capacity-schedule: schedule step '5s:6' is not",
        ),
        (["--capacity-schedule", "24,10:12"], "argument --capacity-schedule: schedule step '10:12' is not"),
        (["--capacity", "4", "--capacity-schedule", "4"], "not allowed with argument --capacity"),
    ],
)
def test_a_bad_capacity_schedule_is_a_usage_error_naming_it(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["fake-server", *args])
    assert exited.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("bizstim: error: ")
    assert error.endswith(" (see bizstim fake-server --help)")
    assert message in error


async def test_export_auto_shows_the_limit_in_the_summary_and_its_changes_with_v(tmp_path: Path) -> None:
    out = tmp_path / "details.jsonl"
    async with FakeBizstim(clients=300, latency=0.01, capacity=4) as fake:
        args = ("export", "clients", "--details", "-o", out, "--concurrency", "auto", "-v")
        run = await bizstim(*args, env=env_for(fake))
        assert run.code == 0, run.stderr
        ids = fake.client_ids()
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids
    assert "bizstim: INFO: concurrency limit 1 -> " in run.stderr
    summary = run.error_lines[-1]
    assert "; concurrency auto took 1.." in summary, summary
    assert ", ended at " in summary


async def test_a_fixed_concurrency_summary_is_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "clients.jsonl"
    async with FakeBizstim(clients=50) as fake:
        run = await bizstim("export", "clients", "-o", out, "--concurrency", "3", "-v", env=env_for(fake))
    assert run.code == 0, run.stderr
    assert "concurrency limit" not in run.stderr
    assert "concurrency auto" not in run.error_lines[-1]
