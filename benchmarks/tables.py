"""The one runner of the benchmark suites (benchmarks/suites/<suite>.yaml: named rows, each a
multirun of `run.py` over 5 seeds, task=pipeline: expert -> demonstrations -> imitation ->
evaluation) and the tables of the results pages (docs/results/): each cell the mean over seeds
with its 95 % percentile-bootstrap CI (gail_lab.report's statistics).

    .venv/bin/python -m benchmarks.tables racecar              # every row of the racecar table
    .venv/bin/python -m benchmarks.tables racecar --rows bc gail_ppo --jobs 2
    .venv/bin/python -m benchmarks.tables cartpole --table-only # re-tabulate finished runs

A row's runs go to `benchmarks/results/<suite>/<row>/<seed>` (Hydra's sweep dir; the exact
command is in each run's `.hydra/overrides.yaml` and in the table). A seed is not run again once
its run dir holds a `summary.json` or the row's current record (below) holds it, and a row runs
only its seeds without one, so an interrupted benchmark continues where it stopped, also on a
fresh checkout. Several runner processes may run side by side: each claims a row
(`<row>.claim`) before running it. Rows run one after another; `--jobs J` runs J seeds of a row
at once (joblib launcher, one thread each): wall times are then shared-core times. The table goes
to `benchmarks/results/<suite>/table.md` and `gail_lab.report` writes `report.md` and
`report_curves.png` beside it.

`benchmarks/results/` is not in git (checkpoints, datasets, curves), so each finished run's
results (its flattened summaries) are also written to `benchmarks/records/<suite>.json`, which
is: a clean checkout re-tabulates every row from it (`--table-only`), and a row's record is used
only while the row's overrides and code revision are those it was run with (change a row, and it
is listed as not run until it is run again; records of an older revision are tabulated apart). A
run dir under `benchmarks/results/` takes precedence over its record. `python -m
benchmarks.docs_tables` writes the records' tables into docs/results/ and the README's summary.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from benchmarks import ROOT
from benchmarks.measurements import run_py
from benchmarks.suite_tables import load_records, record_matches, save_records, table
from benchmarks.suites import SEEDS, SUITES, Row, Suite
from gail_lab.report import write_report

COMMON = ["logger=none", "progress=false"]  # every run's, not part of a row's record


def missing_seeds(
    out: Path, seeds: tuple[int, ...] = SEEDS, recorded: frozenset[str] = frozenset()
) -> list[int]:
    """The seeds of a row without a finished run: no summary.json in the seed's run dir and no
    run of that seed in the row's current record (`recorded`), so a fresh checkout, which has
    the records but not `benchmarks/results/`, continues a suite instead of repeating it."""
    return [
        s for s in seeds if str(s) not in recorded and not (out / str(s) / "summary.json").is_file()
    ]


def recorded_seeds(suite: Suite, row: Row, records: dict) -> frozenset[str]:
    """The seeds of the row's record made with its current overrides and revision."""
    rec = records.get(row.name)
    return frozenset(rec["runs"]) if record_matches(suite, row, rec) else frozenset()


def claim(out: Path) -> bool:
    """Take the row for this process (a lock file created exclusively, holding its pid), so that
    several runner processes started side by side share the rows instead of repeating them.
    A claim whose process is gone (killed, or the session that ran it ended) is taken over."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.parent / f"{out.name}.claim"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if claim_alive(path):
                return False
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def claim_alive(path: Path) -> bool:
    """Whether the process that wrote the claim ``path`` still runs (an empty or unreadable
    claim, as older versions wrote, counts as stale)."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except PermissionError:  # it runs, as another user
        return True
    except (ValueError, OSError):
        return False
    return True


def run_row(suite: Suite, row: Row, out: Path, jobs: int, seeds: list[int]) -> float:
    """The row's seeds as one multirun of `run.py`, its output in `<row>.log`; the wall time."""
    overrides = [
        "-m",
        f"seed={','.join(map(str, seeds))}",
        *suite.common,
        *row.overrides,
        *COMMON,
        f"hydra.sweep.dir={out}",
        "hydra.sweep.subdir=${seed}",
    ]
    # n_jobs always: the joblib launcher's own default would take every core, also for --jobs 1
    overrides += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={jobs}"]
    print(f"[{row.name}] run.py {' '.join(overrides)}", flush=True)
    run = run_py(overrides, out.parent / f"{row.name}.log")
    if run.returncode:
        print(f"[{row.name}] exited {run.returncode}; see {run.log}", flush=True)
    return run.wall_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("suite", choices=sorted(SUITES))
    parser.add_argument("--rows", nargs="*", help="row names (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds of a row run at once")
    parser.add_argument("--table-only", action="store_true", help="tabulate finished runs only")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    suite = SUITES[args.suite]
    base = args.out / args.suite
    base.mkdir(parents=True, exist_ok=True)
    names = {r.name for r in suite.rows}
    unknown = set(args.rows or []) - names
    if unknown:
        parser.error(f"unknown rows {sorted(unknown)}; rows: {sorted(names)}")
    if not args.table_only:
        recorded = load_records(args.suite)
        for row in suite.rows:
            if args.rows and row.name not in args.rows:
                continue
            seeds = missing_seeds(base / row.name, row.seeds, recorded_seeds(suite, row, recorded))
            if not seeds:
                print(f"[{row.name}] done already", flush=True)
                continue
            if not claim(base / row.name):
                print(f"[{row.name}] taken by another runner process", flush=True)
                continue
            try:
                took = run_row(suite, row, base / row.name, args.jobs, seeds)
            finally:
                (base / f"{row.name}.claim").unlink(missing_ok=True)
            print(f"[{row.name}] {took:.0f} s", flush=True)
            save_records(args.suite, suite, base)  # each finished row is recorded at once
    records = save_records(args.suite, suite, base)
    text = table(args.suite, suite, base, records)
    (base / "table.md").write_text(text)
    print(text)
    try:
        write_report(
            base,
            base,
            metrics=[c.key for c in suite.columns[:1]] + ["normalized_score"],
            curve=suite.curve,
        )
    except Exception as err:  # the table stands without the report's curves
        print(f"report skipped: {err}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
