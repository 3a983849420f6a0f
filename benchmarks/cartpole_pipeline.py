"""Benchmark: the default CartPole pipeline (what `make run` runs) over several seeds, each with its
own DQN expert trained from scratch. Writes a markdown table of quality and wall time.

    .venv/bin/python -m benchmarks.cartpole_pipeline --seeds 0 1 2 3 4 --jobs 2

Every run is an ordinary `python run.py task=pipeline seed=S` with its outputs under --out; the
table's numbers come from each run's summary files, nothing is computed here but means.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import ROOT


def run_seed(seed: int, out: Path, extra: list[str]) -> dict:
    run_dir = out / f"seed_{seed}"
    cmd = [
        sys.executable,
        str(ROOT / "run.py"),
        "task=pipeline",
        f"seed={seed}",
        "logger=none",
        "progress=false",
        "reuse_artifacts=false",
        f"hydra.run.dir={run_dir}",
        f"artifacts_dir={out / 'artifacts'}",
        *extra,
    ]
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.time() - t0
    if proc.returncode != 0:
        return {
            "seed": seed,
            "error": (proc.stdout + proc.stderr).strip().splitlines()[-1],
            "process_wall_s": wall,
        }
    summary = json.loads((run_dir / "summary.json").read_text())
    expert = json.loads((run_dir / "train_expert" / "summary.json").read_text())
    return {"seed": seed, **summary, "expert_train": expert, "process_wall_s": wall}


def table(rows: list[dict]) -> str:
    lines = [
        "| seed | DQN episodes | DQN env steps | expert demo return | GAIL return (greedy) | GAIL return (stochastic) | normalized score | GAIL env steps | wall time: expert / collect / GAIL / total (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['seed']} | failed: {r['error']} | | | | | | | |")
            continue
        e, w = r["expert_train"], r["wall_time_s"]
        lines.append(
            f"| {r['seed']} | {e.get('expert/episodes', '-')} | {e.get('expert/env_steps', '-')} | {r['expert_return']:.1f} | "
            f"{r['imitation_return_mean']:.1f} +- {r['imitation_return_std']:.1f} | {r['imitation_return_stochastic']:.1f} | "
            f"{r['normalized_score']:.3f} | {r['imitation_env_steps']} | {w['train_expert']:.0f} / {w['collect']:.0f} / {w['imitate']:.0f} / {r['process_wall_s']:.0f} |"
        )
    ok = [r for r in rows if "error" not in r]
    if ok:
        n = len(ok)
        hit = sum(r["imitation_return_mean"] >= 475 for r in ok)
        lines.append("")
        lines.append(
            f"GAIL >= 475 (greedy, 10 episodes) on {hit}/{len(rows)} seeds; mean normalized score "
            f"{sum(r['normalized_score'] for r in ok) / n:.3f}; mean wall time per run {sum(r['process_wall_s'] for r in ok) / n:.0f} s"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel (each uses one core)")
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "cartpole_pipeline"
    )
    ap.add_argument(
        "overrides", nargs="*", help="extra run.py overrides, e.g. algo.trainer.iterations=300"
    )
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda s: run_seed(s, args.out, args.overrides), args.seeds))
    text = table(rows)
    (args.out / "results.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
