"""Benchmark: expert training per env and seed (final greedy return over --eval-episodes seeded
episodes on the reporting seed stream, env steps, wall time), each an ordinary
`run.py task=train_expert ... eval.episodes=N`.

    .venv/bin/python -m benchmarks.experts --envs cartpole:ppo acrobot:ppo cartpole:dqn --seeds 0 1 2 3 4
    .venv/bin/python -m benchmarks.experts --envs mountaincar:dqn_mountaincar --seeds 0 1 2 3 4 --jobs 1
    .venv/bin/python -m benchmarks.experts --envs hopper:ppo_mujoco --seeds 0 --jobs 1 --record experts_mujoco

With ``--record NAME`` the rows also go to benchmarks/records/NAME.json (with the command, date
and load), which benchmarks/docs_tables.py renders into docs/results/experts.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import ROOT, measurements


def train(env: str, expert: str, seed: int, out: Path, eval_episodes: int) -> dict:
    run_dir = out / f"{env}__{expert}__{seed}"
    cmd = [
        sys.executable,
        str(ROOT / "run.py"),
        "task=train_expert",
        f"env={env}",
        f"expert={expert}",
        f"seed={seed}",
        f"eval.episodes={eval_episodes}",
        "logger=none",
        "progress=false",
        "reuse_artifacts=false",
        f"hydra.run.dir={run_dir}",
        f"artifacts_dir={out / 'artifacts'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {
            "env": env,
            "expert": expert,
            "seed": seed,
            "error": (proc.stdout + proc.stderr).strip().splitlines()[-1],
        }
    s = json.loads((run_dir / "summary.json").read_text())
    return {"env": env, "expert": expert, "seed": seed, **s}


def record_row(r: dict, eval_episodes: int) -> dict:
    """What a record keeps of one run (a failed run: its last line)."""
    head = {"env": r["env"], "expert": r["expert"], "seed": r["seed"]}
    if "error" in r:
        return {**head, "error": r["error"]}
    return {
        **head,
        "eval_episodes": eval_episodes,
        "return_mean": r["expert/return_mean"],
        "return_std": r["expert/return_std"],
        "env_steps": r["expert/env_steps"],
        "wall_time_s": round(r["expert/wall_time_s"], 1),
    }


def table(record: dict) -> str:
    """The docs table of a ``--record`` run."""
    lines = [
        measurements.header(record),
        "",
        "| env | expert | seed | greedy return (mean +- std) | episodes | env steps | wall time (s) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in record["rows"]:
        head = f"| {r['env']} | {r['expert']} | {r['seed']}"
        if "error" in r:
            lines.append(f"{head} | failed: {r['error']} | | | |")
        else:
            lines.append(
                f"{head} | {r['return_mean']:.1f} +- {r['return_std']:.1f} | {r['eval_episodes']}"
                f" | {r['env_steps']:,} | {r['wall_time_s']:.0f} |"
            )
    return "\n".join(lines)


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
    jobs = [(*pair.split(":"), seed) for pair in args.envs for seed in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda j: train(*j, args.out, args.eval_episodes), jobs))
    if args.record:
        measurements.save(args.record, [record_row(r, args.eval_episodes) for r in rows], sys.argv)
    print(
        f"| env | expert | seed | greedy return ({args.eval_episodes} episodes) | env steps | best snapshot (env step) | wall time (s) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if "error" in r:
            print(f"| {r['env']} | {r['expert']} | {r['seed']} | failed: {r['error']} | | | |")
        else:
            print(
                f"| {r['env']} | {r['expert']} | {r['seed']} | {r['expert/return_mean']:.1f} +- {r['expert/return_std']:.1f} | "
                f"{r['expert/env_steps']} | {r.get('expert/best_env_step', r.get('expert/best_step', ''))} | {r['expert/wall_time_s']:.0f} |"
            )


if __name__ == "__main__":
    main()
