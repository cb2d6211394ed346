"""``python -m tests.interop`` (``make interop``): build or reuse the peers' venvs, start FakeBizstim, take
the reference from tap-bizstim, run every peer's check and print one line each; exit 1 if any failed."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType

from aiobizstim import __version__
from aiobizstim.testing import FakeBizstim
from tests.interop._context import Context
from tests.interop._fake import CLIENTS, SEED, Pages
from tests.interop._outcome import CheckError, Outcome
from tests.interop._reference import take_reference
from tests.interop._venvs import REPO, VENVS, Venv, build_wheel, prepare

#: The checks, in the order they run (dlt last: it inserts clients, then deletes them again).
PEERS = ("singer_tools", "target_jsonl", "target_duckdb", "target_csv", "meltano", "dlt")


def _say(text: str) -> None:
    print(f"interop: {text}", file=sys.stderr, flush=True)


async def _venvs(names: set[str], root: Path, wheel: Path) -> tuple[dict[str, Venv], dict[str, str]]:
    """The venvs of ``names`` (and the tap's), and why each one that could not be made failed."""
    ready: dict[str, Venv] = {}
    failed: dict[str, str] = {}
    for name in ["tap", *sorted(names - {"tap"})]:
        started = time.monotonic()
        try:
            ready[name] = venv = await prepare(VENVS[name], root, wheel)
        except CheckError as exc:
            failed[name] = f"its venv could not be made: {exc}"
            continue
        _say(f"venv {name}: {'built' if venv.built else 'reused'} ({time.monotonic() - started:.1f} s)")
    return ready, failed


async def _check(module: ModuleType, ctx: Context, failed: dict[str, str]) -> Outcome:
    peer: str = module.PEER
    if peer in failed:
        return Outcome(peer, "?", False, failed[peer])
    started = time.monotonic()
    version = "?"
    try:
        version = await ctx.venvs[peer].version(peer)
        facts: str = await module.check(ctx)
    except CheckError as exc:
        return Outcome(peer, version, False, str(exc))
    except Exception as exc:  # a broken check is a failure to report, not a reason to skip the others
        traceback.print_exc()
        return Outcome(peer, version, False, f"{type(exc).__name__}: {exc}")
    return Outcome(peer, version, True, f"{facts} ({time.monotonic() - started:.1f} s)")


async def run(only: list[str], keep: bool) -> int:
    root = REPO / ".interop"
    modules = [importlib.import_module(f"tests.interop.peer_{name}") for name in only or PEERS]
    wheel = await build_wheel(root / "wheel")
    venvs, failed = await _venvs({m.PEER for m in modules}, root / "venvs", wheel)
    if "tap" in failed:
        print(f"tap-bizstim {__version__}: FAIL: {failed['tap']}")
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="aiobizstim-interop-"))
    outcomes = []
    try:
        async with FakeBizstim(clients=CLIENTS, seed=SEED) as fake:
            pages = Pages()
            fake.set_drift(pages)
            config = workdir / "tap-config.json"
            config.write_text(json.dumps({"api_key": fake.api_key, "base_url": fake.url}))
            tap = venvs["tap"].bin("tap-bizstim")
            try:
                reference, compared = await take_reference(tap, config, fake, workdir)
            except CheckError as exc:
                print(f"tap-bizstim {__version__} (the reference): FAIL: {exc}")
                return 1
            print(
                f"tap-bizstim {__version__} (the reference): PASS: {reference.total} records in "
                f"{len(reference.records)} streams, ids = the fake's, {compared} money/date/flag values = "
                "the wire's",
                flush=True,
            )
            ctx = Context(fake, pages, venvs, wheel, reference, config, workdir, root / "cache")
            for module in modules:
                outcome = await _check(module, ctx, failed)
                outcomes.append(outcome)
                print(outcome.line(), flush=True)
    finally:
        if keep:
            _say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(o.passed for o in outcomes) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.interop", description=__doc__)
    parser.add_argument("--only", action="append", choices=PEERS, help="run only this peer (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (its path is shown)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    code = asyncio.run(run(args.only or [], args.keep))
    _say(f"{time.monotonic() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
