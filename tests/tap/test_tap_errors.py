"""Bad input (arguments, config, catalog, state) and a server that refuses: one line on stderr naming the
error's type, the right exit code, nothing on stdout, and never the API key."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiobizstim import AutoConcurrency
from aiobizstim.tap import main
from aiobizstim.tap._catalog import discover
from aiobizstim.tap._settings import read_settings
from aiobizstim.testing import FakeBizstim
from tests.tap.helpers import PROG, clean_env, tap, write_json

KEY = "k3y" * 13 + "x"  # 40 characters, the length of a Bizstim key


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIZSTIM_API_KEY", raising=False)
    monkeypatch.delenv("BIZSTIM_BASE_URL", raising=False)


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert KEY not in out + err
    return code, out, err


def one_error(err: str, kind: str) -> str:
    (line,) = err.splitlines()
    prefix = f"{PROG}: error: {kind}: "
    assert line.startswith(prefix), line
    return line.removeprefix(prefix)


def good_config(tmp_path: Path) -> Path:
    return write_json(tmp_path / "config.json", {"api_key": KEY})


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda p: p / "missing.json",
            "cannot read the config file {dir}/missing.json: No such file or directory",
        ),
        (lambda p: write(p / "c.json", '{"api_key": '), "{dir}/c.json: the config file is not valid JSON: "),
        (lambda p: write(p / "c.json", "[1]"), "{dir}/c.json: the config must be a JSON object, got list"),
        (lambda p: write(p / "c.json", "{}"), "{dir}/c.json: no api_key, and $BIZSTIM_API_KEY is not set"),
        (
            lambda p: write_json(p / "c.json", {"api_key": KEY, "max_concurrency": 0}),
            "{dir}/c.json: max_concurrency must be >= 1, got 0",
        ),
        (
            lambda p: write_json(p / "c.json", {"api_key": KEY, "page_size": "a hundred"}),
            "{dir}/c.json: page_size must be an integer, got 'a hundred'",
        ),
        (
            lambda p: write_json(p / "c.json", {"api_key": KEY, "timeout": "5s"}),
            "{dir}/c.json: timeout must be a number, got '5s'",
        ),
        (
            lambda p: write_json(p / "c.json", {"api_key": KEY, "page_size": 2.5}),
            "{dir}/c.json: page_size must be an int, got float 2.5",
        ),
        (
            lambda p: write_json(p / "c.json", {"api_key": KEY, "base_url": "ftp://example.com"}),
            "{dir}/c.json: base_url",
        ),
        (
            lambda p: write_json(p / "c.json", {"api_key": KEY + "\n" + KEY}),
            "{dir}/c.json: api_key contains control characters",
        ),
    ],
    ids=[
        "missing",
        "not-json",
        "not-object",
        "no-key",
        "concurrency",
        "page-size",
        "timeout-text",
        "page-size-float",
        "url",
        "key-with-newline",
    ],
)
def test_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path], expected: str
) -> None:
    code, out, err = run_main(capsys, "--config", make(tmp_path), "--discover")
    assert (code, out) == (2, "")
    assert one_error(err, "ConfigError").startswith(expected.format(dir=tmp_path))


def test_numbers_given_as_text_are_read_as_numbers(tmp_path: Path) -> None:
    """Meltano passes a setting declared without a ``kind`` as text, and so do ``TAP_BIZSTIM_*`` variables:
    "5" is a timeout of 5 s (it was a ConfigError, exit code 2)."""
    config = write_json(
        tmp_path / "c.json",
        {
            "api_key": KEY,
            "timeout": "5",
            "rate_limit": " 2.5 ",
            "page_size": "50",
            "max_retries": "3",
            "max_concurrency": " 8 ",
        },
    )
    settings = read_settings(config)
    assert settings.client["max_concurrency"] == 8
    assert settings.page_size == 50
    assert {k: settings.client[k] for k in ("timeout", "rate_limit", "max_retries")} == {
        "timeout": 5.0,
        "rate_limit": 2.5,
        "max_retries": 3,
    }


def test_key_from_the_environment_and_unknown_settings_warn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIZSTIM_API_KEY", KEY)
    config = write_json(tmp_path / "c.json", {"concurrency": 4})
    code, out, err = run_main(capsys, "--config", config, "--discover")
    assert code == 0
    assert json.loads(out) == discover()
    (line,) = err.splitlines()
    assert line.startswith(
        f"{PROG}: WARNING: {config}: unknown setting 'concurrency' is ignored (known: api_key"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "--config CONFIG is required"),
        (("--config", "c.json", "--catalog", "a", "--properties", "b"), "give --catalog or --properties"),
        (("--config", "c.json", "--bogus"), "unrecognized arguments: --bogus (see tap-bizstim --help)"),
        (("--about", "--format", "yaml"), "argument --format: invalid choice: 'yaml'"),
    ],
    ids=["no-config", "catalog-and-properties", "unknown-argument", "bad-format"],
)
def test_usage_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    good_config(tmp_path).rename(tmp_path / "c.json")
    code, out, err = run_main(capsys, *args)
    assert (code, out) == (2, "")
    assert one_error(err, "UsageError").startswith(expected)


def _catalog(**changes: Any) -> str:
    catalog = discover()
    catalog["streams"][0].update(changes)
    return json.dumps(catalog)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot read the catalog file {dir}/cat.json: No such file or directory"),
        ("{", "{dir}/cat.json: the catalog file is not valid JSON"),
        (
            '{"streams": {}}',
            '{dir}/cat.json: a catalog is a JSON object with a list of streams under "streams"',
        ),
        (
            '{"streams": [{"tap_stream_id": "widgets"}]}',
            "{dir}/cat.json: streams[0]: no stream 'widgets' in this tap",
        ),
        ('{"streams": [{"schema": {}}]}', "{dir}/cat.json: streams[0] has no tap_stream_id"),
        (_catalog(metadata={}), "{dir}/cat.json: streams[0].metadata must be a list"),
        (
            _catalog(metadata=[{"breadcrumb": [], "metadata": {"selected": "yes"}}]),
            "{dir}/cat.json: streams[0].metadata[0].metadata.selected must be true or false, got 'yes'",
        ),
        (
            _catalog(metadata=[{"breadcrumb": "x"}]),
            "{dir}/cat.json: streams[0].metadata[0].breadcrumb must be a",
        ),
        (
            json.dumps({"streams": [discover()["streams"][1]] * 2}),
            "{dir}/cat.json: streams[1]: stream 'services' is",
        ),
    ],
    ids=[
        "missing",
        "not-json",
        "no-streams",
        "unknown",
        "no-id",
        "metadata",
        "selected",
        "breadcrumb",
        "twice",
    ],
)
def test_bad_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, expected: str
) -> None:
    catalog = tmp_path / "cat.json"
    if text is not None:
        catalog.write_text(text)
    code, out, err = run_main(capsys, "--config", good_config(tmp_path), "--catalog", catalog)
    assert (code, out) == (2, "")
    assert one_error(err, "CatalogError").startswith(expected.format(dir=tmp_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot read the state file {dir}/s.json: No such file or directory"),
        ("not json", "{dir}/s.json: the state file is not valid JSON"),
        ("[]", "{dir}/s.json: the state must be a JSON object, got list"),
        ('{"bookmarks": []}', "{dir}/s.json: bookmarks must be an object"),
        ('{"bookmarks": {"clients": 3}}', "{dir}/s.json: bookmarks.clients must be an object"),
        (
            '{"bookmarks": {"clients": {"complete": 1}}}',
            "{dir}/s.json: bookmarks.clients.complete must be true",
        ),
        ('{"currently_syncing": 5}', "{dir}/s.json: currently_syncing must be a stream name or null"),
    ],
    ids=["missing", "not-json", "not-object", "bookmarks", "bookmark", "complete", "syncing"],
)
def test_bad_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, expected: str
) -> None:
    state = tmp_path / "s.json"
    if text is not None:
        state.write_text(text)
    code, out, err = run_main(capsys, "--config", good_config(tmp_path), "--state", state)
    assert (code, out) == (2, "")
    assert one_error(err, "StateError").startswith(expected.format(dir=tmp_path))


async def test_a_refused_key_is_one_line_without_the_key(tmp_path: Path) -> None:
    async with FakeBizstim(clients=10, seed=1) as fake:
        wrong = "w" * 40
        config = write_json(tmp_path / "c.json", {"api_key": wrong, "base_url": fake.url})
        run = await tap("--config", config)
    assert run.code == 1
    assert wrong not in run.stdout + run.stderr
    # The SCHEMA of the first stream may be out; no record, and no STATE (it would claim progress).
    assert [m["type"] for m in run.messages] in ([], ["SCHEMA"])
    assert one_error(run.stderr.splitlines()[-1], "AuthenticationError").startswith(
        "HTTP 403: Invalid API key"
    )
    assert all(line.startswith(f"{PROG}: ") for line in run.stderr.splitlines())


async def test_a_reader_that_leaves_early_is_one_line(tmp_path: Path) -> None:
    """The target exits before the sync ends (``tap-bizstim | head``): exit code 1 and one line."""
    async with FakeBizstim(clients=20_000, seed=1) as fake:
        config = write_json(
            tmp_path / "c.json", {"api_key": fake.api_key, "base_url": fake.url, "page_size": 100}
        )
        read_end, write_end = os.pipe()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aiobizstim.tap",
            "--config",
            str(config),
            env=clean_env(),
            stdout=write_end,
            stderr=asyncio.subprocess.PIPE,
        )
        os.close(write_end)
        first = await asyncio.to_thread(os.read, read_end, 1000)
        os.close(read_end)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert first.startswith(b'{"type":"SCHEMA"')
    assert proc.returncode == 1
    assert (
        err.decode().splitlines()[-1]
        == f"{PROG}: error: stdout was closed by its reader before the sync ended"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [("12", 12), (" 12 ", 12), (12, 12), ("auto", "auto")],
)
def test_max_concurrency_may_be_a_string_as_meltano_gives_it(
    tmp_path: Path, given: object, expected: object
) -> None:
    from aiobizstim.tap._settings import read_settings

    settings = read_settings(write_json(tmp_path / "c.json", {"api_key": KEY, "max_concurrency": given}))
    config = settings.connect().config  # no request made: no session to close
    if expected == "auto":
        assert config.auto_concurrency == AutoConcurrency()
    else:
        assert (config.max_concurrency, config.auto_concurrency) == (expected, None)


def test_a_max_concurrency_string_that_is_no_count_is_one_line(tmp_path: Path) -> None:
    from aiobizstim.tap._errors import ConfigError
    from aiobizstim.tap._settings import read_settings

    with pytest.raises(
        ConfigError, match=r"c\.json: max_concurrency must be an int >= 1 or 'auto', got 'lots'$"
    ):
        read_settings(write_json(tmp_path / "c.json", {"api_key": KEY, "max_concurrency": "lots"}))
