"""Records of the measurement benchmarks (env speed, collection speed): each run's rows with the
command that made them, when, and under what load, in `benchmarks/records/<name>.json` (in git);
benchmarks/docs_tables.py renders them into docs/results/speed.md."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gail_lab.io import atomic_write_text  # noqa: E402

RECORDS = ROOT / "benchmarks" / "records"


def save(name: str, rows: list[dict], command: list[str]) -> dict:
    """Write the rows with the command, the date and the machine's load average at the end;
    return that record (what `load(name)` reads back)."""
    record = {
        "command": " ".join(
            ["python", Path(command[0]).resolve().relative_to(ROOT).as_posix(), *command[1:]]
        ),
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
