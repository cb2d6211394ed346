"""``meltano run tap-bizstim target-jsonl`` with the README's custom extractor definition, as written, in a
throwaway project: one run stopped partway, then a second run from the state Meltano saved.

The first run's tap gets SIGTERM from a drift hook when it asks for a page of clients at offset STOP_AT or
later (no timing involved): it writes out what it made and exits 143, Meltano fails the run but keeps the
state the target emitted (its systemdb backend). The second run hands that state to the tap, which reads
only the clients left (counted in the fake's page requests) and then the other streams. Together the two
runs' records are the tap's full output, none twice. The README's ``pip_url: aiobizstim`` is served from
this run's wheel (``UV_FIND_LINKS``: Meltano installs with uv) and the installed code is compared with the
checkout.
"""

from __future__ import annotations

import json
import math
import signal
from pathlib import Path
from typing import Any, Final

import psutil  # type: ignore[import-untyped]

from tests.interop._compare import check_rows
from tests.interop._context import Context
from tests.interop._fake import CLIENTS, PAGE_SIZE
from tests.interop._outcome import CheckError, expect
from tests.interop._proc import clean_env, run, tail
from tests.interop._readme import snippet
from tests.interop._venvs import REPO, VENVS
from tests.interop.peer_target_jsonl import read_output, streams_written

PEER = "meltano"
#: The first run is stopped when the tap asks for the clients page at this offset (page 13 of 30).
STOP_AT: Final = 1_200
STATE_ID: Final = "dev:tap-bizstim-to-target-jsonl"
EXTRACTOR_FILE: Final = "extractors.meltano.yml"

_PROJECT: Final = f"""\
default_environment: dev
project_id: aiobizstim-interop
send_anonymous_usage_stats: false
include_paths:
- ./{EXTRACTOR_FILE}
environments:
- name: dev
plugins:
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    pip_url: {VENVS["target-jsonl"].pins[0]}
    executable: target-jsonl
    settings:
    - name: destination_path
"""


def _installed_is_checkout(project: Path) -> int:
    """The Python files of the tap Meltano installed are this checkout's; returns how many."""
    (package,) = project.glob(".meltano/extractors/tap-bizstim/venv/lib/python*/site-packages/aiobizstim")
    source = REPO / "src" / "aiobizstim"
    ours = sorted(p.relative_to(source) for p in source.rglob("*.py"))
    theirs = sorted(p.relative_to(package) for p in package.rglob("*.py"))
    expect(ours == theirs, "Meltano's tap-bizstim holds other files than the checkout")
    differ = [str(p) for p in ours if (source / p).read_bytes() != (package / p).read_bytes()]
    expect(not differ, f"Meltano's tap-bizstim differs from the checkout: {differ[:3]}")
    return len(ours)


def _terminate_tap(project: Path, stopped: list[int]) -> None:
    """SIGTERM the tap-bizstim that Meltano started from ``project`` (a descendant of this process)."""
    executable = str(project / ".meltano" / "extractors" / "tap-bizstim" / "venv" / "bin" / "tap-bizstim")
    for child in psutil.Process().children(recursive=True):
        try:
            if executable in child.cmdline()[:2]:
                child.send_signal(signal.SIGTERM)
                stopped.append(child.pid)
        except psutil.Error:
            continue


async def _state(meltano: Path, project: Path, env: dict[str, str]) -> dict[str, Any]:
    _, out, _ = await run([meltano, "state", "get", STATE_ID], cwd=project, env=env)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    expect(len(lines) == 1, f"meltano state get printed {out!r}")
    state: dict[str, Any] = json.loads(lines[0])["singer_state"]
    return state


async def check(ctx: Context) -> str:
    """Run the check; return the facts it proved (a failure raises :class:`CheckError`)."""
    venv = ctx.venvs[PEER]
    meltano = venv.bin(PEER)
    project = ctx.directory(PEER)
    (project / EXTRACTOR_FILE).write_text(snippet("meltano"))
    (project / "meltano.yml").write_text(_PROJECT)
    env = clean_env(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TAP_BIZSTIM_API_KEY": ctx.fake.api_key,
            "TAP_BIZSTIM_BASE_URL": ctx.fake.url,
            "TAP_BIZSTIM_PAGE_SIZE": str(PAGE_SIZE),
            "UV_FIND_LINKS": str(ctx.wheel.parent),
            "UV_CACHE_DIR": str(ctx.cache / "uv"),
        }
    )
    # uv caches a wheel by name and version: a checkout changed since the last run has the same version, so
    # its entries go first, or Meltano would install the older code.
    await run([venv.bin("uv"), "cache", "clean", "aiobizstim"], cwd=project, env=env)
    await run([meltano, "install"], cwd=project, env=env)
    files = _installed_is_checkout(project)

    # What a whole read costs at this page size (the walker's pages overlap a little), to compare with.
    ctx.pages.reset()
    config = project / "tap-config.json"
    config.write_text(json.dumps({**json.loads(ctx.config.read_text()), "page_size": PAGE_SIZE}))
    await run([ctx.tap, "--config", config], stdout=project / "full.singer")
    full_pages = ctx.pages.served["clients"]

    outputs = [project / "run1", project / "run2"]
    stopped: list[int] = []
    ctx.pages.reset()
    ctx.pages.stop_at("clients", STOP_AT, lambda: _terminate_tap(project, stopped))
    argv: list[str | Path] = [meltano, "run", "tap-bizstim", "target-jsonl"]
    outputs[0].mkdir()
    code, _, err = await run(
        argv, cwd=project, env={**env, "TARGET_JSONL_DESTINATION_PATH": str(outputs[0])}, check=False
    )
    expect(ctx.pages.fired and len(stopped) == 1, f"the tap was not stopped once (stopped: {stopped})")
    expect(code != 0, "meltano run succeeded although its tap was stopped")
    saved = await _state(meltano, project, env)
    if "checkpoint" not in saved.get("bookmarks", {}).get("clients", {}):
        raise CheckError(f"Meltano kept no checkpoint of clients after the stopped run: {saved}; {tail(err)}")
    first = {stream: read_output(outputs[0], stream) for stream in ctx.reference.records}
    done = len(first["clients"])
    expect(0 < done < CLIENTS, f"the stopped run wrote {done} clients")

    ctx.pages.reset()
    outputs[1].mkdir()
    await run(argv, cwd=project, env={**env, "TARGET_JSONL_DESTINATION_PATH": str(outputs[1])})
    second = {stream: read_output(outputs[1], stream) for stream in ctx.reference.records}
    left, pages = CLIENTS - done, ctx.pages.served["clients"]
    expect(len(second["clients"]) == left, f"run 2 wrote {len(second['clients'])} clients, {left} were left")
    share = math.ceil(full_pages * left / CLIENTS)
    expect(pages <= share + 2, f"run 2 read {pages} pages of clients for {left} of {CLIENTS} left")
    final = await _state(meltano, project, env)
    expect(final == {"bookmarks": {}, "currently_syncing": None}, f"state after run 2: {final}")
    written = streams_written(outputs[0]) | streams_written(outputs[1])
    expect(written == set(ctx.reference.records), f"files for {sorted(written)} (client_details selected?)")
    total = sum(
        check_rows(ctx.reference, stream, first[stream] + second[stream], exact_text=True)
        for stream in ctx.reference.records
    )
    return (
        f"README extractor ({files} files = the checkout's); run 1 stopped by SIGTERM at clients offset "
        f"{STOP_AT}: {done} clients, run failed, state kept; run 2 from it: {pages} page requests for the "
        f"{left} clients left (a whole read: {full_pages}), then the other streams; union "
        f"{total} records = the tap's full output, no duplicate ids; state then empty"
    )
