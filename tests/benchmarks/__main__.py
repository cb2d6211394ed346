"""``python -m tests.benchmarks``: run every benchmark, print one table, write ``bench-results.json``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from tests.benchmarks._machine import machine_info
from tests.benchmarks._report import Row, format_table, write_json

#: Section name -> module with a ``run() -> list[Row]``; imported when run, so one broken section
#: cannot stop the others. ``peers`` builds virtualenvs from the package index (once, ~25 s) and takes about
#: 4 minutes; ``--skip peers`` leaves it out.
SECTIONS = {
    "decode": "tests.benchmarks.bench_decode",
    "export": "tests.benchmarks.bench_export",
    "pipeline": "tests.benchmarks.bench_pipeline",
    "memory": "tests.benchmarks.bench_memory",
    "adaptive": "tests.benchmarks.bench_adaptive",
    "row-groups": "tests.benchmarks.bench_row_groups",
    "peers": "tests.benchmarks.bench_peers",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        choices=list(SECTIONS),
        help="run only this section (repeatable)",
    )
    parser.add_argument(
        "--skip", action="append", choices=list(SECTIONS), default=[], help="leave out this section"
    )
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="results file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    rows: list[Row] = []
    failed = []
    for name in [name for name in args.only or SECTIONS if name not in args.skip]:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        section_start = time.perf_counter()
        try:
            section_rows: list[Row] = importlib.import_module(SECTIONS[name]).run()
            rows += section_rows
        except Exception:
            failed.append(name)
            traceback.print_exc()
        print(f"  {name}: {time.perf_counter() - section_start:.1f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    machine = machine_info()
    # Other work on the machine skews every figure; say how busy it was.
    machine["load_avg_1min"] = f"{load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    print(format_table(rows, machine, elapsed=elapsed))
    write_json(args.json, rows, machine, elapsed=elapsed)
    print(f"wrote {args.json}")
    if failed:
        print(f"sections that crashed: {', '.join(failed)}", file=sys.stderr)
        return 2
    if args.strict and any(row.passed is False for row in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
