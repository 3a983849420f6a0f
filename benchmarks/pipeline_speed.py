"""Benchmark: the pipeline (`run.py task=pipeline`: expert -> demonstrations -> imitation ->
evaluation) per seed, each an ordinary run with its outputs under --out: the env step and the
imitation wall time of the first greedy training evaluation that reached --threshold (and how
many later ones held it), the final evaluation, the normalized score, the wall time per stage and
the process's peak RSS, with a verdict against the targets (--max-steps, --max-seconds,
--max-rss-mb).

    .venv/bin/python -m benchmarks.pipeline_speed experiment=cartpole_gail_ppo_fast --prepare
    .venv/bin/python -m benchmarks.pipeline_speed --jobs 2   # the default job (`make run`)

With --prepare the expert and its demonstrations are made first by their own processes
(`task=train_expert`, `task=collect`: not timed) and the measured process reuses them, so its
wall time and RSS are the imitation's and the final evaluation's; without it every stage runs,
and is timed, in the measured process (`reuse_artifacts=false`). The threshold step and seconds
come from the `time` column of imitate/metrics.jsonl (counted from the start of the imitation
stage) and the training evaluations on the training seed stream; the final evaluation is
summary.json's (the report seed stream). Seeds run one after another by default (--jobs 1), so
that timings do not share the cores: time them on an otherwise idle machine. Prints the table;
with --record NAME the rows also go to benchmarks/records/NAME.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from omegaconf import OmegaConf

from benchmarks import ROOT, measurements
from benchmarks.measurements import Column, Table

STAGES = ("train_expert", "collect", "imitate")
T = "{threshold:g}"  # the headers name the record's settings
TABLE = Table(
    [
        Column("seed", "{seed}"),
        Column(f"env steps to >= {T}", lambda r: _or_never(r["steps_to_threshold"], "{}")),
        Column(f"imitation s to >= {T}", lambda r: _or_never(r["seconds_to_threshold"], "{:.1f}")),
        Column(f"later evals >= {T}", "{held_after}"),
        Column("imitation env steps / s in all", "{imitation_steps} / {imitation_s:.1f}"),
        Column(
            "final eval (greedy)",
            "{final_return:.1f} +- {final_return_std:.1f} ({final_episodes} ep.)",
        ),
        Column("normalized score", "{normalized_score:.3f}"),
        Column(
            "wall s: expert / collect / imitate / process",
            lambda r: " / ".join(
                "-" if s is None else f"{s:.0f}"
                for s in (*(r["stage_wall_s"].get(k) for k in STAGES), r["process_wall_s"])
            ),
        ),
        Column("peak RSS (MB)", "{peak_rss_mb:.0f}"),
        Column(
            f"verdict: >= {T} within {{max_steps}} env steps and {{max_seconds:g}} s, RSS <"
            " {max_rss_mb:g} MB",
            "{verdict}",
        ),
    ]
)


def _or_never(value, fmt: str) -> str:
    return "never" if value is None else fmt.format(value)


def run_seed(seed: int, args: argparse.Namespace) -> dict:
    run_dir = args.out / f"seed_{seed}"
    common = [
        f"seed={seed}",
        "logger=none",
        "progress=false",
        f"artifacts_dir={args.artifacts or args.out / 'artifacts'}",
        *args.overrides,
    ]
    if args.prepare:  # cached for the measured run; not measured
        for task in ("train_expert", "collect"):
            run = measurements.run_py(
                [f"task={task}", f"hydra.run.dir={run_dir / 'prepare' / task}", *common],
                args.out / f"seed_{seed}.{task}.log",
            )
            if run.returncode != 0:
                return {"seed": seed, "error": f"task={task}: {run.last_line()}"}
    else:
        common.append("reuse_artifacts=false")
    run = measurements.run_py(
        ["task=pipeline", f"hydra.run.dir={run_dir}", *common], args.out / f"seed_{seed}.log"
    )
    if run.returncode != 0:
        return {"seed": seed, "error": run.last_line()}
    cfg = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    rows = measurements.metrics(run_dir / "imitate" / "metrics.jsonl")
    evals = [r for r in rows if "eval/return_mean" in r]
    k = next((i for i, r in enumerate(evals) if r["eval/return_mean"] >= args.threshold), None)
    hit = None if k is None else evals[k]
    later = [] if k is None else [r["eval/return_mean"] >= args.threshold for r in evals[k + 1 :]]
    summary = json.loads((run_dir / "summary.json").read_text())
    row = {
        "seed": seed,
        "eval_episodes": int(cfg.algo.loop.eval_episodes),
        "eval_every": int(cfg.algo.loop.eval_every),
        "steps_to_threshold": None if hit is None else hit["global_step"],
        "seconds_to_threshold": None if hit is None else hit["time"],
        "held_after": f"{sum(later)}/{len(later)}",  # later evaluations still >= threshold
        "imitation_steps": rows[-1]["global_step"],
        "imitation_s": rows[-1]["time"],
        "final_return": summary["imitation_return_mean"],
        "final_return_std": summary["imitation_return_std"],
        "final_episodes": int(cfg.eval.episodes),
        "normalized_score": summary["normalized_score"],
        "stage_wall_s": {k: summary["wall_time_s"].get(k) for k in STAGES},
        "process_wall_s": run.wall_s,
        "peak_rss_mb": run.peak_rss_mb,
    }
    return row | {"verdict": verdict(row, args)}


def verdict(r: dict, args: argparse.Namespace) -> str:
    reached = r["steps_to_threshold"] is not None
    checks = {
        "steps": reached and r["steps_to_threshold"] <= args.max_steps,
        "time": reached and r["seconds_to_threshold"] <= args.max_seconds,
        "rss": r["peak_rss_mb"] < args.max_rss_mb,
        "honest eval": r["eval_episodes"] >= 10,  # >= 10 episodes per training evaluation
    }
    failed = [k for k, ok in checks.items() if not ok]
    return "PASS" if not failed else "FAIL: " + ", ".join(failed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument(
        "--jobs", type=int, default=1, help="seeds in parallel (1 for timings you report)"
    )
    ap.add_argument("--prepare", action="store_true", help="expert and data first, not timed")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "pipeline_speed")
    ap.add_argument(
        "--artifacts", type=Path, default=None, help="expert/dataset cache (default: OUT/artifacts)"
    )
    ap.add_argument("--threshold", type=float, default=475.0, help="greedy return to reach")
    ap.add_argument("--max-steps", type=int, default=100_000)
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--max-rss-mb", type=float, default=300.0)
    ap.add_argument("--record", help="also save the rows as benchmarks/records/RECORD.json")
    ap.add_argument("overrides", nargs="*", help="run.py overrides, e.g. experiment=...")
    args = ap.parse_args()
    args.out = args.out.resolve()
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda s: run_seed(s, args), args.seeds))
    settings = {
        "threshold": args.threshold,
        "max_steps": args.max_steps,
        "max_seconds": args.max_seconds,
        "max_rss_mb": args.max_rss_mb,
    }
    if args.record:
        record = measurements.save(args.record, rows, sys.argv, settings)
    else:
        record = measurements.record_of(rows, sys.argv, settings)
    print(measurements.table(record, TABLE))


if __name__ == "__main__":
    main()
