"""The CLI's numeric argument types accept what they promise and reject the rest with a clear message."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from aiobizstim.cli import main
from aiobizstim.cli._parser import (
    _non_negative_float,
    _non_negative_int,
    _port,
    _positive_float,
    _positive_int,
)

CASES: list[tuple[Callable[[str], float], list[str], list[tuple[str, str]]]] = [
    (_positive_int, ["1", "05"], [("0", "at least 1"), ("-1", "at least 1"), ("1.5", "whole number")]),
    (_non_negative_int, ["0", "7"], [("-1", "not be negative"), ("x", "whole number")]),
    (_positive_float, ["0.5", "3"], [("0", "positive"), ("nan", "positive"), ("inf", "positive")]),
    (_non_negative_float, ["0", "2.5"], [("-0.1", ">= 0"), ("nan", ">= 0"), ("x", "a number")]),
    (_port, ["0", "65535"], [("65536", "between 0 and 65535"), ("-1", "between 0 and 65535"), ("x", "port")]),
]


@pytest.mark.parametrize(("parse", "good", "bad"), CASES)
def test_numeric_argument_types(
    parse: Callable[[str], float], good: list[str], bad: list[tuple[str, str]]
) -> None:
    for text in good:
        assert parse(text) == float(text)
    for text, message in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse(text)


@pytest.mark.parametrize(
    ("argv", "expected", "command"),
    [
        (
            ["export", "clients", "-o", "x.jsonl", "--concurrency", "0"],
            "bizstim: error: argument --concurrency",
            "bizstim export",
        ),
        (
            ["export", "foo", "-o", "x.jsonl"],
            "bizstim: error: argument RESOURCE: invalid choice: 'foo'",
            "bizstim export",
        ),
        (
            ["export", "clients"],
            "bizstim: error: the following arguments are required: -o/--output",
            "bizstim export",
        ),
        (["get", "clients"], "bizstim: error: argument RESOURCE: invalid choice: 'clients'", "bizstim get"),
        (
            ["fake-server", "--port", "99999"],
            "bizstim: error: argument --port: must be between 0",
            "bizstim fake-server",
        ),
        (["demo", "--no-such-option"], "bizstim: error: unrecognized arguments: --no-such-option", "bizstim"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_help_to_read(
    argv: list[str], expected: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The prefix is every failure's (``bizstim: error:``); the help named is the command's."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(expected)
    assert err.endswith(f" (see {command} --help)\n")


@pytest.mark.parametrize(
    ("requests", "retries", "counts"),
    [(1, 0, "1 request, 0 retries"), (1204, 1, "1,204 requests, 1 retry"), (2, 3, "2 requests, 3 retries")],
)
def test_the_summary_counts_in_words_that_agree(requests: int, retries: int, counts: str) -> None:
    from pathlib import Path

    from aiobizstim.cli._export import ExportResult, ExportSpec

    result = ExportResult(ExportSpec("clients", Path("c.jsonl")), 10, 1.0, requests, retries)
    assert f", {counts}" in result.summary()


def test_the_summary_rate_of_a_resumed_export_counts_this_runs_records() -> None:
    """6,000 records in all, 942 saved by the run before: this run did 5,058 in 14 s, not 6,000."""
    from pathlib import Path

    from aiobizstim.cli._export import ExportResult, ExportSpec

    result = ExportResult(ExportSpec("clients", Path("c.jsonl")), 6_000, 14.0, 5_100, 0, resumed_after=942)
    summary = result.summary()
    assert summary.startswith("exported 6,000 clients to c.jsonl in 14.00 s (361 rec/s, "), summary
    assert "; continued after 942 saved records" in summary
    # A nightly job that continues days-old progress says so (an ops review: stale records, exit 0).
    old = ExportResult(
        ExportSpec("clients", Path("c.jsonl")),
        6_000,
        14.0,
        5_100,
        0,
        resumed_after=942,
        resumed_age=3 * 86400.0,
    )
    assert "; continued after 942 saved records (saved 3 days ago)" in old.summary()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.4, "0 s"),
        (119, "119 s"),
        (120, "2 min"),
        (7199, "119 min"),
        (7200, "2 h"),
        (172_799, "47 h"),
        (172_800, "2 days"),
    ],
)
def test_an_age_is_said_roughly(seconds: float, text: str) -> None:
    from aiobizstim.cli._progress import format_age

    assert format_age(seconds) == text


async def test_max_retry_wait_sets_the_longest_retry_after_waited_out(tmp_path: Path) -> None:
    """A nightly export hit by a Retry-After over 60 s failed at once, and the CLI had no way to wait
    longer: --max-retry-wait sets it (0.5 here: a 1 s Retry-After fails, 0.2 s is waited out)."""
    from aiobizstim.testing import FakeBizstim, Faults
    from tests.cli.test_cli_commands import bizstim, env_for

    out = tmp_path / "clients.jsonl"
    async with FakeBizstim(clients=50) as fake:
        export = ("export", "clients", "-o", out, "--progress", "off", "--max-retry-wait", "0.5")
        fake.set_faults(Faults(retry_after=1))
        fake.fail_next(1, "/api/clients", 429)
        failed = await bizstim(*export, env=env_for(fake))
        assert failed.code == 1
        assert "RateLimitError" in failed.error_lines[-1]
        assert "more than the 0.5 s this client waits" in failed.error_lines[-1]
        fake.set_faults(Faults(retry_after=0.2))
        fake.fail_next(1, "/api/clients", 429)
        waited = await bizstim(*export, env=env_for(fake))
        assert waited.code == 0, waited.stderr
    assert len(out.read_text().splitlines()) == 50
    bad = await bizstim("export", "clients", "-o", out, "--max-retry-wait", "-1")
    assert bad.code == 2
    assert "--max-retry-wait" in bad.error_lines[-1]


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("c.jsonl.gz", "pipe it instead (-o - | gzip > c.jsonl.gz)"),
        ("c.csv.zst", "pipe it instead (-o - --format csv | zstd > c.csv.zst)"),
        ("c.json.xz", "pipe it instead (-o - --format json | xz > c.json.xz)"),
        ("c.parquet.gz", "write c.parquet and compress it after the export"),
        ("c.jsonl.zip", "write c.jsonl and compress it after the export"),
    ],
)
def test_a_compressed_name_is_refused_with_the_way_that_makes_it(name: str, how: str) -> None:
    """The advice named gzip for every suffix and dropped the format inside the name (a review)."""
    from aiobizstim.cli._export import compressed_suffix

    refused = compressed_suffix(Path(name))
    assert refused is not None
    assert f": {how}, or give --format" in refused
    assert compressed_suffix(Path("c.csv")) is None
