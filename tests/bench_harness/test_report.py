"""The benchmark table: one Markdown row per variant, whatever its name holds."""

from __future__ import annotations

import re

from tests.benchmarks._machine import machine_info
from tests.benchmarks._report import Row, Target, format_table


def test_a_pipe_in_a_name_stays_inside_its_cell() -> None:
    rows = [
        Row("peers", "singer-sdk tap | target-jsonl", "s", [1.0, 2.0, 3.0], min_runs=1, note="piped"),
        Row(
            "peers",
            "bizstim export",
            "s",
            [1.0, 1.0, 1.0],
            min_runs=1,
            ratio=1.5,
            target=Target("<= 2x", max_ratio=2.0),
        ),
    ]
    table = format_table(rows, machine_info(), elapsed=1.0).splitlines()
    header = next(n for n, line in enumerate(table) if line.startswith("| benchmark"))
    cells = [re.split(r"(?<!\\)\|", line) for line in table[header : header + 4]]
    assert {len(row) for row in cells} == {8}  # six cells between seven separators, every line
    assert cells[2][2].strip() == r"singer-sdk tap \| target-jsonl [1]"
