"""What a benchmark suite is: rows (one multirun over 5 seeds of `run.py` with the row's
overrides), the columns their tables show, and how a cell is written."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from gail_lab.report import estimate

SEEDS = (0, 1, 2, 3, 4)
COMMON = ["logger=none", "progress=false"]
# The change behind the racecar's revision 2 and classic control's revision 1 (2026-12-01).
PPO_CHANGES = (
    "PPO changed twice: its ratio uses the log-probabilities recorded when the policy acted"
    " (before, they were recomputed after the observation normalizer had been updated with the"
    " rollout), and every iteration rolls out exactly `samples_per_iteration` env steps, episodes"
    " cut and bootstrapped (before: complete episodes until at least that many steps)"
)


@dataclass
class Row:
    name: str
    what: str  # the row's label in the table
    overrides: list[str]
    # The code revision the row's records must have (None: the suite's). Only a row that the
    # change behind a suite revision does not touch, data included (a BC row on a PPO expert's
    # demonstrations is touched), may keep its older records.
    revision: int | None = None
    seeds: tuple[int, ...] = SEEDS  # the seeds the row runs (and its table counts)
    # What changed at the row's own revision (None: the suite's revision_note). Set it with
    # `revision` when a change the overrides do not show (a tuned recipe's value) makes the
    # row's records stale.
    revision_note: str | None = None


@dataclass
class Column:
    key: str  # a key of the run's summary.json or <stage>/summary.json
    header: str
    fmt: str = "{:.2f}"
    scale: float = 1.0
    # what a cell says when no run has the key (None: "not reached", for steps-to-target columns)
    absent: str | None = None


@dataclass
class Suite:
    rows: list[Row]
    columns: list[Column]
    common: list[str] = field(default_factory=list)
    note: str = ""
    curve: str = "eval/return_mean"  # the metrics.jsonl key report_curves.png plots
    # an overview placed above the full table: (suite, {row name: its runs' results}) -> markdown
    overview: Callable[[Suite, dict[str, list[dict]]], str] | None = None
    # Raised when a code change makes the suite's recorded runs stale: a record counts only
    # while its overrides and this revision both match (older records are re-run, not mixed in).
    revision: int = 0
    # What changed at `revision`: said above the table of records made before it.
    revision_note: str = ""

    def revision_of(self, row: Row) -> int:
        return self.revision if row.revision is None else row.revision


def cell(values: list, col: Column) -> str:
    """mean [95 % CI] over the seeds with a value; 'n/r x/5' when some runs never reached it."""
    got = [v * col.scale for v in values if v is not None and math.isfinite(v)]
    if not got and col.absent is not None and all(v is None for v in values):
        return col.absent
    if not got:
        return f"not reached (0/{len(values)})" if values else "-"
    e = estimate(got, "mean", 0.95, 10_000, 0)
    text = col.fmt.format(e.value)
    if e.high > e.low:
        text += f" [{col.fmt.format(e.low)}, {col.fmt.format(e.high)}]"
    if len(got) < len(values):
        text += f" ({len(got)}/{len(values)} reached)"
    return text
