"""Benchmark: how fast gail_ppo imitates the CartPole expert, per seed, against issue 6's targets
(greedy return >= 475 within 100k env steps and 30 s of GAIL wall time, peak RSS < 300 MB).

    .venv/bin/python -m benchmarks.gail_ppo_speed experiment=cartpole_gail_ppo_fast

Per seed, the expert and its 20-episode dataset are made first by their own processes
(`task=train_expert`, `task=collect`: not timed), then one measured process runs
`python run.py task=pipeline ...`, which reuses them and runs GAIL and the final evaluation.
From that run's files: the env step and the GAIL wall time (the `time` column of
imitate/metrics.jsonl, counted from the start of the imitation stage) of the first greedy
evaluation on the training seed stream with mean >= 475, and the final evaluation (summary.json,
the report seed stream). Peak RSS is the measured process's own (os.wait4), the whole
pipeline process included. Seeds run one after another (--jobs 1) so that timings do not share
the cores; time the runs on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from omegaconf import OmegaConf

from benchmarks import ROOT

# What issue 6 times: gail_ppo on CartPole-v1 from 20 episodes of the scripted expert.
BASE = [
    "env=cartpole",
    "algo=gail_ppo",
    "expert=scripted_cartpole",
    "data.num_episodes=20",
    "logger=none",
    "progress=false",
]


def run_logged(cmd: list[str], log_path: Path) -> tuple[int, float, float]:
    """Run ``cmd`` with its output in ``log_path``; (exit code, wall s, the child's peak RSS MB)."""
    t0 = time.time()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.time() - t0, usage.ru_maxrss / 1024  # ru_maxrss is in KiB


def run_seed(seed: int, args: argparse.Namespace) -> dict:
    out, threshold = args.out, args.threshold
    run_dir = out / f"seed_{seed}"
    common = [
        *BASE,
        f"seed={seed}",
        f"artifacts_dir={args.artifacts or out / 'artifacts'}",
        *args.overrides,
    ]
    for task in ("train_expert", "collect"):  # cached after the first call; not measured
        code, _, _ = run_logged(
            [
                sys.executable,
                str(ROOT / "run.py"),
                f"task={task}",
                f"hydra.run.dir={run_dir / 'prepare' / task}",
                *common,
            ],
            out / f"seed_{seed}.{task}.log",
        )
        if code != 0:
            return {"seed": seed, "error": f"task={task} failed; see seed_{seed}.{task}.log"}
    code, process_wall, rss_mb = run_logged(
        [
            sys.executable,
            str(ROOT / "run.py"),
            "task=pipeline",
            f"hydra.run.dir={run_dir}",
            *common,
        ],
        out / f"seed_{seed}.log",
    )
    if code != 0:
        return {"seed": seed, "error": f"exit code {code}; see seed_{seed}.log"}
    cfg = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    rows = [
        json.loads(line)
        for line in (run_dir / "imitate" / "metrics.jsonl").read_text().splitlines()
        if line.strip()
    ]
    evals = [r for r in rows if "eval/return_mean" in r]
    k = next((i for i, r in enumerate(evals) if r["eval/return_mean"] >= threshold), None)
    hit = None if k is None else evals[k]
    later = [] if k is None else [r["eval/return_mean"] >= threshold for r in evals[k + 1 :]]
    summary = json.loads((run_dir / "summary.json").read_text())
    return {
        "seed": seed,
        "eval_episodes": int(cfg.algo.trainer.eval_episodes),
        "eval_every": int(cfg.algo.trainer.eval_every),
        "steps_to_threshold": None if hit is None else hit["global_step"],
        "seconds_to_threshold": None if hit is None else hit["time"],
        "held_after": f"{sum(later)}/{len(later)}",  # later evaluations still >= threshold
        "gail_steps": rows[-1]["global_step"],
        "gail_seconds": rows[-1]["time"],
        "final_return": summary["imitation_return_mean"],
        "final_return_std": summary["imitation_return_std"],
        "final_episodes": int(cfg.eval.episodes),
        "peak_rss_mb": rss_mb,
        "process_wall_s": process_wall,
    }


def verdict(r: dict, args: argparse.Namespace) -> dict[str, bool]:
    reached = r["steps_to_threshold"] is not None
    return {
        "steps": reached and r["steps_to_threshold"] <= args.max_steps,
        "time": reached and r["seconds_to_threshold"] <= args.max_seconds,
        "rss": r["peak_rss_mb"] < args.max_rss_mb,
        "honest eval": r["eval_episodes"] >= 10,
    }


def table(rows: list[dict], args: argparse.Namespace) -> str:
    t = f"{args.threshold:g}"
    lines = [
        f"| seed | env steps to >= {t} | GAIL s to >= {t} | later evals >= {t} | GAIL steps / s in all | final eval (greedy) | peak RSS (MB) | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    passed = 0
    per_target: dict[str, int] = {}
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['seed']} | failed: {r['error']} | | | | | | FAIL |")
            continue
        checks = verdict(r, args)
        failed = [k for k, ok in checks.items() if not ok]
        for k, ok in checks.items():
            per_target[k] = per_target.get(k, 0) + ok
        passed += not failed
        reached = r["steps_to_threshold"] is not None
        secs = f"{r['seconds_to_threshold']:.1f}" if reached else "-"
        lines.append(
            f"| {r['seed']} | {r['steps_to_threshold'] if reached else 'never'} | {secs} | "
            f"{r['held_after']} | "
            f"{r['gail_steps']} / {r['gail_seconds']:.1f} | "
            f"{r['final_return']:.1f} +- {r['final_return_std']:.1f} ({r['final_episodes']} ep.) | "
            f"{r['peak_rss_mb']:.0f} | {'PASS' if not failed else 'FAIL: ' + ', '.join(failed)} |"
        )
    lines += [
        "",
        f"Targets: greedy eval >= {t} (mean of the trainer's eval episodes, training seed stream) "
        f"within {args.max_steps} env steps and {args.max_seconds:g} s of GAIL wall time, peak RSS "
        f"< {args.max_rss_mb:g} MB. All met on {passed}/{len(rows)} seeds; per target: "
        + ", ".join(f"{k} {v}/{len(rows)}" for k, v in per_target.items())
        + ".",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument(
        "--jobs", type=int, default=1, help="seeds in parallel (1 for timings you report)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "gail_ppo_speed")
    ap.add_argument(
        "--artifacts", type=Path, default=None, help="expert/dataset cache (default: OUT/artifacts)"
    )
    ap.add_argument("--threshold", type=float, default=475.0)
    ap.add_argument("--max-steps", type=int, default=100_000)
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--max-rss-mb", type=float, default=300.0)
    ap.add_argument("overrides", nargs="*", help="run.py overrides, e.g. experiment=...")
    args = ap.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda s: run_seed(s, args), args.seeds))
    text = table(rows, args)
    command = " ".join(["benchmarks/gail_ppo_speed.py", *args.overrides])
    (args.out / "results.md").write_text(f"`{command}`\n\n{text}\n")
    (args.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
