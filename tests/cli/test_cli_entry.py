"""The console scripts' start: what ``import aiobizstim`` and ``bizstim --version`` load, and a Ctrl-C that
arrives while the command modules are still loading (before the commands' own signal handling exists)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import aiobizstim
from aiobizstim.cli._parser import PROG
from aiobizstim.tap._about import NAME as TAP_PROG

TIMEOUT = 60


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (this one's ``sys.path``, so the checkout under test)."""
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = {sys.path!r}\n{textwrap.dedent(code)}"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


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


@pytest.mark.parametrize("name", aiobizstim.__all__)
def test_every_public_name_is_the_object_of_its_module(name: str) -> None:
    value = getattr(aiobizstim, name)
    assert value is not None
    assert name in dir(aiobizstim)
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and module.startswith("aiobizstim") and hasattr(value, "__qualname__"):
        assert getattr(sys.modules[module], value.__qualname__) is value


def test_an_unknown_attribute_is_the_usual_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'aiobizstim' has no attribute 'Nope'$"):
        aiobizstim.Nope  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize(
    "argv", [["--version"], ["--help"], ["export", "--help"], ["export"], ["fake-server", "--help"]]
)
def test_help_version_and_usage_errors_do_not_load_the_client(argv: list[str]) -> None:
    run = run_python(
        f"""
        from aiobizstim.cli import main
        try:
            code = main({argv!r})
        except SystemExit as exc:  # argparse's --help and --version
            code = exc.code
        loaded = sorted(m for m in ("aiohttp", "aiobizstim._client", "duckdb") if m in sys.modules)
        print(code, loaded, file=sys.stderr)
        """
    )
    code, loaded = run.stderr.strip().splitlines()[-1].split(" ", 1)
    assert code in ("0", "2"), run.stderr
    assert loaded == "[]", f"{argv} loaded {loaded}"


INTERRUPT_DURING_IMPORT = """
    import importlib.abc
    import signal

    class Interrupt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == {module!r}:
                signal.raise_signal(signal.SIGINT)  # Ctrl-C, with Python's own handler still in place
            return None

    sys.meta_path.insert(0, Interrupt())
    from {package} import main
    sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize(
    ("package", "module", "argv", "line"),
    [
        ("aiobizstim.cli", "aiobizstim.cli._parser", ["--version"], f"{PROG}: error: interrupted"),
        ("aiobizstim.tap", "aiobizstim.tap._app", ["--about"], f"{TAP_PROG}: error: interrupted"),
        # The client is loaded once the command runs, under the command's own handling, which says more.
        (
            "aiobizstim.cli",
            "aiobizstim._client",
            ["export", "clients", "-o", "-"],
            f"{PROG}: error: interrupted; nothing was written",
        ),
    ],
)
def test_ctrl_c_while_the_commands_load_is_one_line_and_exit_130(
    package: str, module: str, argv: list[str], line: str
) -> None:
    run = run_python(INTERRUPT_DURING_IMPORT.format(module=module, package=package, argv=argv))
    assert run.returncode == 130, run.stderr
    assert run.stderr == line + "\n"
    assert run.stdout == ""
