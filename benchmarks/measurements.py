"""Records of the measurement benchmarks (env speed, collection speed): each run's rows with the
command that made them, when, and under what load, in `benchmarks/records/<name>.json` (in git);
benchmarks/docs_tables.py renders them into docs/results/speed.md."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import RECORDS, ROOT
from gail_lab.io import atomic_write_text


def command_line(argv: list[str]) -> str:
    """The command a user types to make the record again: `python -m benchmarks.x ARGS` for a
    module run with `python -m` (its argv[0] is the module's file)."""
    module = Path(argv[0]).resolve().relative_to(ROOT).with_suffix("")
    return " ".join(["python", "-m", ".".join(module.parts), *argv[1:]])


def save(name: str, rows: list[dict], argv: list[str]) -> dict:
    """Write the rows with the command (from the script's `argv`), the date and the machine's
    load average at the end; return that record (what `load(name)` reads back)."""
    record = {
        "command": command_line(argv),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "rows": rows,
    }
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
