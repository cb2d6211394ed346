"""The console scripts' start: what ``import aiobizstim`` and ``bizstim --help``/``--version`` load, and a
Ctrl-C (or SIGTERM) that arrives while the command line is still loading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aiobizstim
from aiobizstim.cli._parser import PROG
from aiobizstim.tap._about import NAME as TAP_PROG

TIMEOUT = 60
KEY = "k" * 40
#: An export that never reaches a server: the signal stops it before it starts (port 9 is discard).
EXPORT = ["export", "clients", "-o", "-", "--api-key", KEY, "--base-url", "http://127.0.0.1:9"]
#: What parsing alone must not load: the client and aiohttp, the settings, the models and msgspec, the
#: commands and their writers, asyncio, logging, duckdb.
HEAVY = (
    "aiohttp",
    "aiobizstim._client",
    "aiobizstim._config",
    "aiobizstim.models",
    "msgspec",
    "aiobizstim.cli._commands",
    "asyncio",
    "logging",
    "duckdb",
)


def run_python(code: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (this one's ``sys.path``, so the checkout under test), with ``env``
    changed (``None`` removes a variable)."""
    environ = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    for name in [k for k, v in env.items() if v is None]:
        environ.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = {sys.path!r}\n{textwrap.dedent(code)}"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=environ,
    )


# --- import aiobizstim ------------------------------------------------------------------------------------


def test_import_aiobizstim_leaves_the_client_and_aiohttp_for_first_use() -> None:
    run = run_python(
        """
        import aiobizstim
        print("aiohttp" in sys.modules, "aiobizstim._client" in sys.modules)
        client = aiobizstim.Bizstim
        print("aiohttp" in sys.modules, client.__module__)
        """
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False", "True", "aiobizstim._client"]


def test_every_public_name_is_listed_and_is_the_object_of_its_module() -> None:
    # In a fresh interpreter, so that each name is looked up for the first time.
    run = run_python(
        """
        import json
        import aiobizstim
        listed = set(dir(aiobizstim))
        found = {}
        for name in aiobizstim.__all__:
            value = getattr(aiobizstim, name)
            module = getattr(value, "__module__", None)
            if isinstance(module, str) and hasattr(value, "__qualname__"):
                found[name] = getattr(sys.modules[module], value.__qualname__) is value
        namespace = {}
        exec("from aiobizstim import *", namespace)
        print(json.dumps([sorted(set(aiobizstim.__all__) - listed), found, sorted(namespace)]))
        """
    )
    assert run.returncode == 0, run.stderr
    unlisted, found, star = json.loads(run.stdout)
    assert unlisted == []
    assert "Bizstim" in found
    assert found == dict.fromkeys(found, True)  # every class, function and error: its module's own object
    assert set(aiobizstim.__all__) <= set(star)


def test_the_names_are_the_same_objects_in_this_process() -> None:
    from aiobizstim._client import Bizstim
    from aiobizstim._pagination import Page
    from aiobizstim.errors import APIStatusError
    from aiobizstim.models import to_builtins

    assert (aiobizstim.Bizstim, aiobizstim.Page, aiobizstim.to_builtins) == (Bizstim, Page, to_builtins)
    assert aiobizstim.APIStatusError is APIStatusError


def test_an_unknown_attribute_is_the_usual_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'aiobizstim' has no attribute 'Nope'$"):
        aiobizstim.Nope  # type: ignore[attr-defined]  # noqa: B018


# --- what the console scripts load before a command runs --------------------------------------------------

LOADED = """
    from {package} import main
    try:
        code = main({argv!r})
    except SystemExit as exc:  # argparse's --help and --version, and its usage errors
        code = exc.code
    loaded = sorted(m for m in {heavy!r} if m in sys.modules)
    print(code, *loaded, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["export", "--help"],
        ["get", "client", "--help"],
        ["fake-server", "--help"],
        ["demo", "--help"],
        ["export"],
        ["export", "clients", "-o", "out.jsonl", "--concurrency", "0"],
        ["nope"],
    ],
)
@pytest.mark.parametrize("key", [None, KEY], ids=["no-key", "key-in-env"])  # redacting it loads no settings
def test_help_version_and_usage_errors_load_no_command(argv: list[str], key: str | None) -> None:
    run = run_python(LOADED.format(package="aiobizstim.cli", argv=argv, heavy=HEAVY), BIZSTIM_API_KEY=key)
    code, *loaded = run.stderr.splitlines()[-1].split()
    assert code == ("0" if "--help" in argv or "--version" in argv else "2"), run.stderr
    assert loaded == [], f"{argv} loaded {loaded}"


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--about"], 0),
        (["--about", "--format", "markdown"], 0),
        (["--help"], 0),
        (["--version"], 0),
        (["--format", "yaml"], 2),
        ([], 2),  # no --config
    ],
)
@pytest.mark.parametrize("key", [None, KEY], ids=["no-key", "key-in-env"])  # redacting it loads no settings
def test_tap_about_help_and_usage_errors_load_no_sync(argv: list[str], code: int, key: str | None) -> None:
    run = run_python(LOADED.format(package="aiobizstim.tap", argv=argv, heavy=HEAVY), BIZSTIM_API_KEY=key)
    assert run.stderr.splitlines()[-1].split() == [str(code)], run.stderr


def test_no_api_key_is_said_without_loading_the_client() -> None:
    run = run_python(
        LOADED.format(package="aiobizstim.cli", argv=EXPORT[:4], heavy=("aiohttp", "aiobizstim._client")),
        BIZSTIM_API_KEY=None,
    )
    assert run.stderr.splitlines() == [
        f"{PROG}: error: no API key: pass --api-key KEY or set $BIZSTIM_API_KEY",
        "2",
    ]


# --- a signal while loading -------------------------------------------------------------------------------

SIGNAL_DURING_IMPORT = """
    import importlib.abc
    import signal

    class Interrupt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == {module!r}:
                signal.raise_signal(signal.{signal})  # Ctrl-C (or kill) as the module starts to load
            return None

    sys.meta_path.insert(0, Interrupt())
    from {package} import main
    sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize(
    ("package", "module", "signal", "argv", "code", "line"),
    [
        # Before bizstim's own handling is installed: Python's KeyboardInterrupt, turned into one line.
        (
            "aiobizstim.cli",
            "aiobizstim.cli._parser",
            "SIGINT",
            ["--version"],
            130,
            f"{PROG}: error: interrupted",
        ),
        # After: the command's modules load under the command line's handlers, and the command does not start.
        (
            "aiobizstim.cli",
            "aiobizstim.cli._commands",
            "SIGINT",
            EXPORT,
            130,
            f"{PROG}: error: interrupted; nothing was written",
        ),
        (
            "aiobizstim.cli",
            "aiobizstim.cli._commands",
            "SIGTERM",
            EXPORT,
            143,
            f"{PROG}: error: terminated; nothing was written",
        ),
        (
            "aiobizstim.cli",
            "aiobizstim._client",
            "SIGINT",
            EXPORT,
            130,
            f"{PROG}: error: interrupted; nothing was written to stdout",  # the output was planned already
        ),
        (
            "aiobizstim.cli",
            "aiobizstim.models",
            "SIGINT",
            ["get", "discount", "--id", "1", "--api-key", KEY, "--base-url", "http://127.0.0.1:9"],
            130,
            f"{PROG}: error: interrupted",
        ),
        (
            "aiobizstim.tap",
            "aiobizstim.tap._app",
            "SIGINT",
            ["--about"],
            130,
            f"{TAP_PROG}: error: interrupted",
        ),
    ],
)
def test_a_signal_while_the_command_line_loads_is_one_line_and_its_exit_code(
    package: str, module: str, signal: str, argv: list[str], code: int, line: str
) -> None:
    run = run_python(SIGNAL_DURING_IMPORT.format(module=module, signal=signal, package=package, argv=argv))
    assert (run.returncode, run.stderr, run.stdout) == (code, line + "\n", "")


@pytest.mark.parametrize(
    ("argv", "printed"),
    [(["--version"], f"{PROG} {aiobizstim.__version__}\n"), (["--help"], f"usage: {PROG} ")],
)
def test_a_ctrl_c_while_the_arguments_are_parsed_is_said_after_what_argparse_printed(
    argv: list[str], printed: str
) -> None:
    run = run_python(
        f"""
        import argparse
        import signal

        parse_args = argparse.ArgumentParser.parse_args

        def interrupted(self, *args, **kwargs):
            signal.raise_signal(signal.SIGINT)  # under bizstim's handler: noted, parsing goes on
            return parse_args(self, *args, **kwargs)

        argparse.ArgumentParser.parse_args = interrupted
        from aiobizstim.cli import main
        sys.exit(main({argv!r}))
        """
    )
    assert (run.returncode, run.stderr) == (130, f"{PROG}: error: interrupted\n")
    assert run.stdout.startswith(printed)


@pytest.mark.parametrize(
    ("signal", "code", "word"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_a_signal_while_the_taps_run_loads_stops_it_before_the_sync(
    tmp_path: Path, signal: str, code: int, word: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_key": KEY, "base_url": "http://127.0.0.1:9"}))
    argv = ["--config", str(config)]
    run = run_python(
        SIGNAL_DURING_IMPORT.format(
            module="aiobizstim.tap._settings", signal=signal, package="aiobizstim.tap", argv=argv
        )
    )
    assert (run.returncode, run.stderr, run.stdout) == (code, f"{TAP_PROG}: error: {word}\n", "")


def test_a_standard_descriptor_closed_at_start_is_held_by_dev_null() -> None:
    """Started with stderr closed, fd 2 went to the next file opened (the event loop's epoll, a socket): the
    last-resort ``os.write(2, ...)`` of a forced exit would have written there."""
    result = run_python(
        """
        import os, sys, types
        os.close(2)
        sys.stderr = None
        probe = types.ModuleType("probe")
        probe.main = lambda argv: int(os.fstat(2).st_rdev == os.stat(os.devnull).st_rdev)
        sys.modules["probe"] = probe
        from aiobizstim.cli._entry import start
        code = start("bizstim", "probe", [])
        sys.stdout.write(f"{code}|{type(sys.stderr).__name__}")
        """
    )
    assert result.stdout == "1|_Closed", result.stderr
