"""What the measurement benchmarks (speed, experts, the pipeline per seed) share: running
`run.py` as a measured process, reading its metrics, their records and one table builder.

A record (`benchmarks/records/<name>.json`, in git) holds a run's rows with the command that
made them, when, and under what load; `python -m benchmarks.docs_tables` renders it into
docs/results/ with the `Table` of the module that measured it, so a clean checkout rebuilds
every measurement table byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import RECORDS, ROOT
from gail_lab.io import atomic_write_text


@dataclass
class Run:
    """A finished `run.py` process: exit code, wall time, peak RSS and where its output went."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    log: Path

    def last_line(self) -> str:
        """The log's last line (not Hydra's hint about HYDRA_FULL_ERROR): what a failed run's
        table row says."""
        lines = [x for x in self.log.read_text().splitlines() if x.strip()]
        lines = [x for x in lines if not x.startswith("Set the environment variable HYDRA_FULL")]
        return lines[-1] if lines else f"exit code {self.returncode}"


def run_py(overrides: list[str], log: Path) -> Run:
    """`python run.py OVERRIDES` from the repository root, as a user types it, with its output
    in `log`; the peak RSS is the process's own (os.wait4)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "run.py", *overrides], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return Run(code, time.time() - t0, usage.ru_maxrss / 1024, log)  # ru_maxrss is in KiB


def metrics(path: Path) -> list[dict]:
    """The rows of a run's metrics.jsonl."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def eval_curve(path: Path, key: str = "eval/return_mean") -> tuple[list[int], list[float]]:
    """A run's training evaluations (metrics.jsonl at `path`): env steps and their `key`."""
    rows = [r for r in metrics(path) if key in r]
    return [r["global_step"] for r in rows], [r[key] for r in rows]


@dataclass
class Column:
    # Its header: may name fields of the record's settings or of its first row
    # ("{num_envs} envs sync steps/s").
    header: str
    # Its cell: a format string over the row's fields ("{reset_ms:.3f}", "{interval[0]:,}") or,
    # for a value the row does not hold as such, a function of the row.
    cell: str | Callable[[dict], str]


@dataclass
class Table:
    """How a measurement's record is shown: its columns, the first `keys` of which name a row
    (a failed row keeps them, then says why it failed)."""

    columns: list[Column]
    keys: int = 1


def table(record: dict, spec: Table) -> str:
    """The markdown table of a record: how and when it was made, then a line per row."""
    rows = record["rows"]
    fields = {**record.get("settings", {}), **(rows[0] if rows else {})}
    lines = [
        header(record),
        "",
        _line([c.header.format(**fields) for c in spec.columns]),
        _line(["---"] * len(spec.columns)),
    ]
    for r in rows:
        if "error" in r:
            named = [_cell(c, r) for c in spec.columns[: spec.keys]]
            blank = [""] * (len(spec.columns) - spec.keys - 1)
            lines.append(_line([*named, f"failed: {r['error']}", *blank]))
        else:
            lines.append(_line([_cell(c, r) for c in spec.columns]))
    return "\n".join(lines)


def _cell(col: Column, row: dict) -> str:
    return col.cell(row) if callable(col.cell) else col.cell.format(**row)


def _line(cells: list[str]) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def command_line(argv: list[str]) -> str:
    """The command a user types to make the record again: `python -m benchmarks.x ARGS` for a
    module run with `python -m` (its argv[0] is the module's file)."""
    module = Path(argv[0]).resolve().relative_to(ROOT).with_suffix("")
    return " ".join(["python", "-m", ".".join(module.parts), *argv[1:]])


def record_of(rows: list[dict], argv: list[str], settings: dict | None = None) -> dict:
    """The rows with the command (from the script's `argv`), the date, the machine's load
    average now and the `settings` every row shares."""
    return {
        "command": command_line(argv),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        **({"settings": settings} if settings else {}),
        "rows": rows,
    }


def save(name: str, rows: list[dict], argv: list[str], settings: dict | None = None) -> dict:
    """Write the record of the rows (`record_of`: made at the end of the measurement) to
    benchmarks/records/<name>.json and return it (what `load(name)` reads back)."""
    record = record_of(rows, argv, settings)
    atomic_write_text(RECORDS / f"{name}.json", json.dumps(record, indent=1) + "\n")
    return record


def load(name: str) -> dict | None:
    path = RECORDS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def header(record: dict) -> str:
    """The line above a measurement table: how and when it was made."""
    load_avg = record["load_average_1min"]
    shared = " (other jobs shared the cores: the rates are lower bounds)" if load_avg > 1.2 else ""
    return (
        f"`{record['command']}` on {record['date']}, {record['cpus']} CPU cores, load average"
        f" {load_avg} at the end{shared}."
    )
