"""``bizstim --help`` lists every exit code; each command's help shows every option's default, and the
defaults it shows are the ones the command uses."""

from __future__ import annotations

import argparse
import re

import pytest

from aiobizstim.cli import _entry
from aiobizstim.cli._commands import _client
from aiobizstim.cli._export import LISTABLE
from aiobizstim.cli._parser import build_parser
from aiobizstim.models import ENDPOINTS


def help_text(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The help of ``bizstim ARGS``, with its line wrapping undone."""
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*args, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def subparser(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    for name in names:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def test_top_level_help_lists_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    codes = {
        value
        for name, value in vars(_entry).items()
        if name.startswith("EXIT_") and value != _entry.EXIT_CODES
    }
    assert codes == {0, 1, 2, 130, 143}
    epilog = help_text(capsys).partition("Exit codes:")[2]
    assert {int(code) for code in re.findall(r"\b(\d+) ", epilog)} == codes
    assert "143 terminated (SIGTERM)" in epilog


@pytest.mark.parametrize(
    "command", [(), ("export",), ("get", "discount"), ("get", "ondemand"), ("fake-server",), ("demo",)]
)
def test_every_option_with_a_value_shows_its_default(command: tuple[str, ...]) -> None:
    # (``get client``'s options are the record's selectors: one of them is required, none has a default.)
    parser = subparser(build_parser(), *command)
    options = [a for a in parser._actions if a.option_strings and a.nargs != 0 and not a.required]
    assert options
    for action in options:
        assert action.help is not None
        assert "(default: " in action.help, action.option_strings


def test_export_help_states_the_real_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys, "export")
    assert "--concurrency N|auto|auto:MIN..MAX requests in flight at most; auto: adapt to the server" in text
    assert "range 1..64, or MIN..MAX, starting at MIN) (default: 8)" in text
    assert "--max-retries N retries of a failed request (default: 10)" in text
    assert "(default: 30)" in text
    assert "(default: 64 MiB)" in text
    assert "(default: no limit)" in text
    page_sizes = text.partition("--page-size N records")[2].partition("--max-items")[0]
    for resource in LISTABLE:
        size = ENDPOINTS[resource].max_limit
        if size is None:
            assert f"{resource} come in one list" in page_sizes
        else:
            named = re.search(rf"\b{size} for [a-z ]*\b{resource}\b", page_sizes)
            assert named or f"{size} for the others" in page_sizes, (resource, page_sizes)
    assert "retries of a failed request (default: 3)" in help_text(capsys, "get", "client")
    assert "(default: 10 for export, 3 for get)" in help_text(capsys)


async def test_the_defaults_shown_are_the_ones_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIZSTIM_API_KEY", "k" * 40)
    monkeypatch.delenv("BIZSTIM_BASE_URL", raising=False)
    args = build_parser().parse_args(["export", "clients", "-o", "out.jsonl"])
    assert (args.concurrency, args.rate, args.page_size, args.max_items) == (None, None, None, None)
    async with _client(args, max_concurrency=args.concurrency, rate_limit=args.rate) as bz:
        config = bz.config
    assert config.max_concurrency == 8
    assert config.rate_limit is None
    assert config.timeout == 30
    assert (config.max_retries, config.export_max_retries) == (3, 10)
    assert config.max_response_bytes == 64 * 2**20
    assert str(config.base_url).rstrip("/") == "https://www.bizstim.com"


def test_every_command_says_what_it_does() -> None:
    """``bizstim get client --help`` went from its usage straight to its options."""

    def commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        found = [parser]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    found += commands(child)
        return found

    every = commands(build_parser())
    assert len(every) > 10
    assert [parser.prog for parser in every if not parser.description] == []
