"""Benchmark: expert training per env and seed (final greedy return over --eval-episodes seeded
episodes on the reporting seed stream, env steps, wall time), each an ordinary
`run.py task=train_expert ... eval.episodes=N`.

    .venv/bin/python -m benchmarks.experts --envs cartpole:ppo acrobot:ppo cartpole:dqn --seeds 0 1 2 3 4
    .venv/bin/python -m benchmarks.experts --envs mountaincar:dqn_mountaincar --seeds 0 1 2 3 4 --jobs 1
    .venv/bin/python -m benchmarks.experts --envs hopper:ppo_mujoco --seeds 0 --jobs 1 --record experts_mujoco

Prints the table; with ``--record NAME`` the rows also go to benchmarks/records/NAME.json (with
the command, date and load), which `python -m benchmarks.docs_tables` renders into
docs/results/experts.md. The runs stay under --out (`python -m benchmarks.plot_experts` draws
their curves).
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import ROOT, measurements
from benchmarks.measurements import Column, Table

TABLE = Table(
    [
        Column("env", "{env}"),
        Column("expert", "{expert}"),
        Column("seed", "{seed}"),
        Column("greedy return (mean +- std)", "{return_mean:.1f} +- {return_std:.1f}"),
        Column("episodes", "{eval_episodes}"),
        Column("env steps", "{env_steps:,}"),
        Column("wall time (s)", "{wall_time_s:.0f}"),
    ],
    keys=3,
)


def train(env: str, expert: str, seed: int, out: Path, eval_episodes: int) -> dict:
    """One expert's training run; its row (a failed run: its last line)."""
    name = f"{env}__{expert}__{seed}"
    run = measurements.run_py(
        [
            "task=train_expert",
            f"env={env}",
            f"expert={expert}",
            f"seed={seed}",
            f"eval.episodes={eval_episodes}",
            "logger=none",
            "progress=false",
            "reuse_artifacts=false",
            f"hydra.run.dir={out / name}",
            f"artifacts_dir={out / 'artifacts'}",
        ],
        out / f"{name}.log",
    )
    head = {"env": env, "expert": expert, "seed": seed}
    if run.returncode != 0:
        return {**head, "error": run.last_line()}
    s = json.loads((out / name / "summary.json").read_text())
    return {
        **head,
        "eval_episodes": eval_episodes,
        "return_mean": s["expert/return_mean"],
        "return_std": s["expert/return_std"],
        "env_steps": s["expert/env_steps"],
        "wall_time_s": round(s["expert/wall_time_s"], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--envs", nargs="+", default=["cartpole:ppo", "acrobot:ppo"], help="env:expert pairs"
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--eval-episodes", type=int, default=20, help="final greedy evaluation episodes"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "experts")
    ap.add_argument("--record", help="also save the rows as benchmarks/records/RECORD.json")
    args = ap.parse_args()
    args.out = args.out.resolve()
    jobs = [(*pair.split(":"), seed) for pair in args.envs for seed in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda j: train(*j, args.out, args.eval_episodes), jobs))
    if args.record:
        record = measurements.save(args.record, rows, sys.argv)
    else:
        record = measurements.record_of(rows, sys.argv)
    print(measurements.table(record, TABLE))


if __name__ == "__main__":
    main()
