"""Benchmark results: one row per measured variant, printed as one table and written as JSON."""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MIN_RUNS = 5


@dataclasses.dataclass(frozen=True)
class Target:
    """A pass/fail criterion on a row's ratio (``ratio >= minimum``) or value (``value <= maximum``)."""

    text: str
    min_ratio: float | None = None
    max_ratio: float | None = None
    max_value: float | None = None

    def check(self, value: float, ratio: float | None) -> bool:
        ok = True
        if self.min_ratio is not None:
            ok = ok and ratio is not None and ratio >= self.min_ratio
        if self.max_ratio is not None:
            ok = ok and ratio is not None and ratio <= self.max_ratio
        if self.max_value is not None:
            ok = ok and value < self.max_value
        return ok


@dataclasses.dataclass
class Row:
    """One measured variant: the median of its runs, and how it compares with its reference."""

    section: str
    variant: str
    unit: str
    runs: list[float]
    ratio: float | None = None
    ratio_to: str = ""
    target: Target | None = None
    note: str = ""
    #: Fewer runs than :data:`MIN_RUNS` accepted for this row (a slow peer run once: the row says so).
    min_runs: int = MIN_RUNS

    @property
    def value(self) -> float:
        """The median of the runs (at least :attr:`min_runs` of them)."""
        return median(self.runs, self.min_runs)

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.target.check(self.value, self.ratio)

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "variant": self.variant,
            "median": round(self.value, 6),
            "unit": self.unit,
            "runs": [round(r, 6) for r in self.runs],
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "ratio_to": self.ratio_to or None,
            "target": None if self.target is None else self.target.text,
            "passed": self.passed,
            "note": self.note or None,
        }


def median(values: Sequence[float], minimum: int = MIN_RUNS) -> float:
    """The median, refusing fewer than ``minimum`` runs so no figure rests on too few samples."""
    if len(values) < minimum:
        raise ValueError(f"need at least {minimum} runs for a median, got {len(values)}")
    return statistics.median(values)


def _fmt_value(value: float, unit: str) -> str:
    if unit == "rec/s":
        return f"{value:,.0f} rec/s"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.3g} {unit}"


def _verdict(row: Row) -> str:
    if row.passed is None:
        return ""
    return "PASS" if row.passed else "MISS"


def format_table(rows: Sequence[Row], machine: dict[str, str | int], *, elapsed: float) -> str:
    """Render every row as one fixed-width table with the machine in its header."""
    header = ("benchmark", "variant", "median (runs)", "ratio", "target", "")
    body = []
    notes: list[str] = []
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x {row.ratio_to}".rstrip()
        value = f"{_fmt_value(row.value, row.unit)} ({len(row.runs)})"
        variant = row.variant
        if row.note:
            if row.note not in notes:
                notes.append(row.note)
            variant += f" [{notes.index(row.note) + 1}]"
        cells = (row.section, variant, value, ratio, row.target.text if row.target else "", _verdict(row))
        body.append(tuple(cell.replace("|", "\\|") for cell in cells))  # a Markdown table: "|" ends a cell
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['platform']}, "
        f"Python {machine['python']}, "
        f"aiobizstim {machine['aiobizstim']}, aiohttp {machine['aiohttp']}, msgspec {machine['msgspec']}, "
        f"pydantic {machine['pydantic']}, httpx {machine['httpx']}",
        f"load average (1 min): {machine.get('load_avg_1min', '-')}",
        f"every figure is the median of the runs in brackets; whole run took {elapsed:.0f} s",
    ]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    lines.append(line(header))
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.extend(line(r) for r in body)
    lines.extend(f"[{n}] {note}" for n, note in enumerate(notes, 1))
    return "\n".join(lines)


def write_json(path: Path, rows: Sequence[Row], machine: dict[str, str | int], *, elapsed: float) -> None:
    """Write ``bench-results.json``: the machine, the wall time and every row with its raw runs."""
    doc = {"machine": machine, "elapsed_s": round(elapsed, 1), "results": [r.to_json() for r in rows]}
    path.write_text(json.dumps(doc, indent=2) + "\n")
