"""The peers, each a whole process against the same FakeBizstim child (100,000 clients), at 50 ms latency
and with none: dlt's ``rest_api`` source into DuckDB (defaults, and the Parquet loader), a singer-sdk tap
writing its messages to a file (and piped into target-jsonl), and ``bizstim export clients`` to JSON Lines,
Parquet and DuckDB. Each peer runs in a venv of its own under ``.bench/venvs`` (``_venvs.py``), never in
the dev environment; its script is in ``peers/``. Every output is read back: the records and their unique
ids must both be 100,000.

Then the CLI's start-up: ``python -c pass``, ``python -c "import aiohttp"``, ``bizstim --version`` and an
export of one record, taking turns, each a fresh process.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from tests.benchmarks._fake_process import FakeServer
from tests.benchmarks._report import Row
from tests.benchmarks._tree import Usage, measure
from tests.benchmarks._venvs import REPO, Venv, VenvSpec, clean_env, prepare
from tests.benchmarks.bench_memory import _command as bizstim_command

CLIENTS: Final = 100_000
LATENCIES: Final = (0.05, 0.0)
#: Ours: the median of this many runs; a peer: as many when its first run is quick, else that run alone.
RUNS: Final = 3
SLOW_S: Final = 10.0
STARTUP_RUNS: Final = 10
PEERS_DIR: Final = Path(__file__).resolve().parent / "peers"
SRC: Final = REPO / "src"

DLT: Final = VenvSpec("dlt", ("dlt[duckdb,parquet]==1.31.0", "duckdb==2.0.1", "pyarrow==26.0.1"))
SINGER: Final = VenvSpec("singer-sdk", ("singer-sdk==0.54.9",))
TARGET_JSONL: Final = VenvSpec("target-jsonl", ("target-jsonl==0.1.4",))


@dataclasses.dataclass(frozen=True)
class Counted:
    records: int
    unique_ids: int


@dataclasses.dataclass(frozen=True)
class Plan:
    """One run of a tool: its command, environment, where its stdout goes, and how to count its output."""

    argv: list[str | Path]
    env: dict[str, str]
    count: Callable[[], Counted]
    stdout: Path | None = None


@dataclasses.dataclass(frozen=True)
class Tool:
    """One way to get every client into a file or a database."""

    name: str
    setup: Callable[[Path, str, str], Plan]  # (work directory, url, key) -> Plan
    ours: bool = False
    #: For a peer: the name of our variant it is compared with.
    versus: str = ""


# --- reading the outputs back ------------------------------------------------------------------------------


def _count_sql(source: str, database: str = ":memory:") -> Counted:
    import duckdb

    with duckdb.connect(database, read_only=database != ":memory:") as db:
        row = db.execute(f"SELECT count(*), count(DISTINCT CAST(id AS VARCHAR)) FROM {source}").fetchone()
    assert row is not None
    return Counted(int(row[0]), int(row[1]))


def _count_lines(path: Path, *, singer: bool = False) -> Counted:
    """Records and unique ids of a JSON Lines file (of Singer messages: the RECORD ones)."""
    records = 0
    ids: set[str] = set()
    decode = msgspec.json.Decoder(dict[str, Any]).decode
    with path.open("rb") as lines:
        for line in lines:
            doc = decode(line)
            if singer:
                if doc.get("type") != "RECORD":
                    continue
                doc = doc["record"]
            records += 1
            ids.add(str(doc["id"]))
    return Counted(records, len(ids))


def _our_env(url: str, key: str) -> dict[str, str]:
    """This checkout's ``src`` first on the path (whatever the dev environment has installed), and bytecode
    cached as any installed package has it (see :func:`_compile`)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "BIZSTIM_API_KEY": key, "BIZSTIM_BASE_URL": url, "PYTHONPATH": str(SRC)}


def _compile() -> None:
    """Write this checkout's bytecode first, as pip does on install: with ``PYTHONDONTWRITEBYTECODE`` set
    and no ``__pycache__``, every run would compile every module again (start-up ~0.1 s longer)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", SRC], check=True, env=_our_env("", ""))


# --- the tools ---------------------------------------------------------------------------------------------


def _ours(suffix: str) -> Tool:
    def setup(work: Path, url: str, key: str) -> Plan:
        out = work / f"clients.{suffix}"
        env = _our_env(url, key)
        if suffix == "jsonl":
            count = lambda: _count_lines(out)  # noqa: E731
        elif suffix == "parquet":
            count = lambda: _count_sql(f"read_parquet('{out}')")  # noqa: E731
        else:
            count = lambda: _count_sql("clients", str(out))  # noqa: E731
        return Plan([*bizstim_command(), "export", "clients", "-o", out, "-q"], env, count)

    return Tool(f"bizstim export clients -o clients.{suffix}", setup, ours=True)


def _dlt(venv: Venv, fmt: str | None) -> Tool:
    def setup(work: Path, url: str, key: str) -> Plan:
        database = work / "peer.duckdb"
        env = clean_env(
            {
                "PEER_API_KEY": key,
                "DLT_DATA_DIR": str(work / "dlt-data"),  # the pipeline's state here, not in ~/.dlt
                "RUNTIME__DLTHUB_TELEMETRY": "false",
            }
        )
        argv: list[str | Path] = [venv.bin("python"), PEERS_DIR / "dlt_rest_api.py", url, database]
        count = lambda: _count_sql("bizstim.clients", str(database))  # noqa: E731
        return Plan([*argv, *([fmt] if fmt else [])], env, count)

    label = "defaults" if fmt is None else f"loader_file_format={fmt}"
    return Tool(f"dlt rest_api -> DuckDB, {label}", setup, versus="bizstim export clients -o clients.duckdb")


def _singer(tap: Venv, target: Venv | None) -> Tool:
    def setup(work: Path, url: str, key: str) -> Plan:
        config = work / "tap.json"
        config.write_text(json.dumps({"api_url": url, "api_key": key}))
        tap_argv: list[str | Path] = [tap.bin("python"), PEERS_DIR / "singer_tap.py", "--config", config]
        if target is None:
            out = work / "clients.singer"
            return Plan(tap_argv, clean_env(), lambda: _count_lines(out, singer=True), stdout=out)
        target_config = work / "target.json"
        written = work / "target-out"
        written.mkdir()
        target_config.write_text(json.dumps({"destination_path": str(written), "do_timestamp_file": False}))
        pipe = f"{' '.join(map(str, tap_argv))} | {target.bin('target-jsonl')} --config {target_config}"
        return Plan(["sh", "-c", pipe], clean_env(), lambda: _count_lines(written / "clients.jsonl"))

    if target is None:
        return Tool("singer-sdk tap -> file", setup, versus="bizstim export clients -o clients.jsonl")
    return Tool("singer-sdk tap | target-jsonl", setup, versus="bizstim export clients -o clients.jsonl")


# --- running -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    usages: list[Usage] = dataclasses.field(default_factory=list)
    counted: list[Counted] = dataclasses.field(default_factory=list)

    def median(self, field: str) -> float:
        return float(statistics.median(getattr(u, field) for u in self.usages))


def _run_once(tool: Tool, url: str, key: str, result: Result) -> float:
    with tempfile.TemporaryDirectory(prefix="bizstim-peer-") as tmp:
        work = Path(tmp)
        plan = tool.setup(work, url, key)
        usage = measure(plan.argv, env=plan.env, cwd=work, stdout=plan.stdout)
        counted = plan.count()
    if counted != Counted(CLIENTS, CLIENTS):
        got = f"{counted.records} records, {counted.unique_ids} ids"
        raise RuntimeError(f"{tool.name}: {got}, expected {CLIENTS}")
    result.usages.append(usage)
    result.counted.append(counted)
    return usage.wall


def _run_tool(tool: Tool, url: str, key: str) -> Result:
    result = Result()
    first = _run_once(tool, url, key, result)
    if tool.ours or first <= SLOW_S:
        for _ in range(RUNS - 1):
            _run_once(tool, url, key, result)
    return result


def _rows(section: str, tools: Sequence[Tool], results: dict[str, Result]) -> list[Row]:
    rows = []
    for tool in tools:
        result = results[tool.name]
        runs = [u.wall for u in result.usages]
        cpu, peak = result.median("cpu"), result.median("peak_mb")
        count = result.counted[0]
        note = f"CPU {cpu:.2f} s, peak RSS {peak:,.0f} MB"
        row = Row(section, tool.name, "s", runs, min_runs=1)
        if tool.versus:
            ref = results[tool.versus]
            row.ratio = statistics.median(runs) / ref.median("wall")
            row.ratio_to = "aiobizstim faster"
            times = f"{cpu / ref.median('cpu'):.1f}x, {peak / ref.median('peak_mb'):.1f}x"
            note += f" ({times} {_short(tool.versus)})"
        note += f"; {count.records:,} records, {count.unique_ids:,} unique ids read back"
        if len(runs) == 1:
            note += f"; 1 run (took > {SLOW_S:.0f} s)"
        row.note = note
        rows.append(row)
    return rows


def _short(ours: str) -> str:
    return "of ours " + ours.rsplit(".", 1)[1]


# --- start-up ----------------------------------------------------------------------------------------------


def _startup(url: str, key: str) -> list[Row]:
    python = Path(sys.executable)
    env = _our_env(url, key)
    with tempfile.TemporaryDirectory(prefix="bizstim-start-") as tmp:
        out = Path(tmp) / "one.jsonl"
        one = ["export", "clients", "-o", str(out), "-q", "--max-items", "1", "--page-size", "1"]
        commands: dict[str, list[str | Path]] = {
            "python -c pass": [python, "-c", "pass"],
            'python -c "import aiohttp"': [python, "-c", "import aiohttp"],
            "bizstim --version": [*bizstim_command(), "--version"],
            "bizstim export clients, 1 record": [*bizstim_command(), *one],
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(STARTUP_RUNS):  # taking turns, so a drift in the machine's speed hits each alike
            for name, argv in commands.items():
                walls[name].append(measure(argv, env=env, cwd=Path(tmp)).wall)
    section = "CLI start-up (whole process)"
    aiohttp = statistics.median(walls['python -c "import aiohttp"'])
    rows = []
    for name, runs in walls.items():
        row = Row(section, name, "s", runs)
        if name.startswith("bizstim"):
            row.note = f"{statistics.median(runs) - aiohttp:+.3f} s over the import of aiohttp alone"
            row.ratio, row.ratio_to = statistics.median(runs) / aiohttp, "of aiohttp's import"
        rows.append(row)
    return rows


def run() -> list[Row]:
    """Build (or reuse) the peers' venvs, then run every tool at each latency against one fake server."""
    started = time.perf_counter()
    dlt, singer, target = prepare(DLT), prepare(SINGER), prepare(TARGET_JSONL)
    venvs_s = time.perf_counter() - started
    _compile()
    tools = [
        _ours("jsonl"),
        _ours("parquet"),
        _ours("duckdb"),
        _dlt(dlt, None),
        _dlt(dlt, "parquet"),
        _singer(singer, None),
        _singer(singer, target),
    ]
    rows: list[Row] = []
    with FakeServer(CLIENTS) as server:
        for latency in LATENCIES:
            server.set_latency(latency)
            results = {tool.name: _run_tool(tool, server.url, server.api_key) for tool in tools}
            label = f"{latency * 1000:.0f} ms latency" if latency else "no latency"
            rows += _rows(f"peers: 100k clients, {label}", tools, results)
        server.set_latency(0.0)
        rows += _startup(server.url, server.api_key)
    if any(v.built for v in (dlt, singer, target)):
        rows[0].note += f"; the venvs were built first ({venvs_s:.0f} s, not in any figure)"
    return rows
