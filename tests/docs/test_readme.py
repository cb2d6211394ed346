"""The README's Python examples do not rot: every block compiles and imports only names that exist, the
aiohttp backend answers 200 and 404 against FakeBizstim, and the pytest example passes in a fresh directory
(with the README's pytest configuration, warnings as errors)."""

from __future__ import annotations

import ast
import asyncio
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from aiobizstim.testing import FakeBizstim

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``."""
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.DOTALL | re.MULTILINE)


PYTHON = blocks("python")
#: The one block that is a fragment, not a whole program: the errors example awaits at top level.
SNIPPET = "except AuthenticationError"


def block(marker: str) -> str:
    """The one Python block that contains ``marker``."""
    (found,) = [code for code in PYTHON if marker in code]
    return found


def test_the_examples_are_found() -> None:
    # Quick start, aiohttp, FastAPI, errors, pytest: a changed fence would silently check nothing.
    assert len(PYTHON) >= 5
    for marker in ("asyncio.run(main())", "web.run_app", "FastAPI(", SNIPPET, "def test_"):
        block(marker)


@pytest.mark.parametrize("code", PYTHON, ids=[f"block{i}" for i in range(len(PYTHON))])
def test_block_compiles_and_its_aiobizstim_imports_exist(code: str) -> None:
    tree = compile(code, "README.md", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if SNIPPET not in code:
        compile(code, "README.md", "exec")  # a whole program: no top-level await
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aiobizstim"):
            assert node.module is not None
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"README: from {node.module} import {alias.name}"


def load(code: str, name: str, directory: Path) -> ModuleType:
    path = directory / f"{name}.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_aiohttp_example_answers_200_and_404(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeBizstim(clients=20, seed=3) as fake:
        monkeypatch.setenv("BIZSTIM_API_KEY", fake.api_key)
        monkeypatch.setenv("BIZSTIM_BASE_URL", fake.url)
        app = load(block("web.run_app"), "readme_aiohttp_example", tmp_path).app
        assert isinstance(app, web.Application)
        first = fake.client_ids()[0]
        async with TestClient(TestServer(app)) as client:
            found = await client.get(f"/clients/{first}")
            assert found.status == 200
            assert (await found.json())["id"] == first
            missing = await client.get("/clients/999999")
            assert missing.status == 404
            assert await missing.text() == "no such client"


async def test_pytest_example_passes_in_a_fresh_directory(tmp_path: Path) -> None:
    (tmp_path / "test_example.py").write_text(block("def test_"))
    (config,) = [code for code in blocks("toml") if "[tool.pytest.ini_options]" in code]
    (tmp_path / "pyproject.toml").write_text(config)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", cwd=tmp_path,
        env={**os.environ, "PYTEST_ADDOPTS": ""},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    assert "2 passed" in out.decode()


def test_the_error_tree_names_every_error_under_its_parent() -> None:
    """The README's tree of errors left out three that aiobizstim exports and raises."""
    import aiobizstim

    found_tree = re.search(r"^```\n(BizstimError\n.*?)^```$", README, flags=re.DOTALL | re.MULTILINE)
    assert found_tree is not None
    tree = found_tree.group(1)
    parents: dict[str, str] = {}
    stack = ["BizstimError"]  # the ancestors of the current line, by depth
    for line in tree.splitlines()[1:]:
        found = re.match(r"^((?:│   |    )*)[├└]── (\w+)", line)
        if found is None:
            continue  # a line continuing a description
        depth = len(found.group(1)) // 4 + 1
        del stack[depth:]
        parents[found.group(2)] = stack[-1]
        stack.append(found.group(2))
    exported = {
        name: cls
        for name in aiobizstim.__all__
        if isinstance(cls := getattr(aiobizstim, name), type) and issubclass(cls, aiobizstim.BizstimError)
    }
    assert set(parents) == set(exported) - {"BizstimError"}
    for name, parent in parents.items():
        assert exported[name].__bases__[0].__name__ == parent, name
