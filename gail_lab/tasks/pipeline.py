"""task=pipeline: train_expert -> collect -> imitate -> evaluate, each stage reusing the cached
artifact of the stage before when one exists for the same config. Returns the normalized score."""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

from gail_lab.io import atomic_write_json
from gail_lab.tasks.collect import ensure_dataset
from gail_lab.tasks.context import RunContext
from gail_lab.tasks.evaluate import evaluate
from gail_lab.tasks.imitate import check_action_kind, imitate
from gail_lab.tasks.train_expert import ensure_expert

log = logging.getLogger(__name__)


TARGET_SCORE = 0.95


def first_reaching(
    metrics_path: Path, random_return: float, expert_return: float, target: float = TARGET_SCORE
) -> dict[str, float | None]:
    """The first training evaluation (greedy, training seed stream) whose normalized score
    reaches ``target``: its step (env steps for online learners, gradient steps or epochs for
    offline ones, as logged) and seconds since the imitation stage started; None if none did."""
    out: dict[str, float | None] = {"to_target_step": None, "to_target_time_s": None}
    if not metrics_path.is_file() or math.isclose(expert_return, random_return):
        return out
    with open(metrics_path) as f:
        for line in f:
            row = json.loads(line)
            if "eval/return_mean" not in row:
                continue
            score = (row["eval/return_mean"] - random_return) / (expert_return - random_return)
            if score >= target:
                return {"to_target_step": row["global_step"], "to_target_time_s": row["time"]}
    return out


def run(ctx: RunContext) -> float:
    check_action_kind(ctx)  # before the expert is trained and its data collected
    times: dict[str, float] = {}
    t = time.time()
    ensure_expert(ctx, ctx.run_dir / "train_expert")
    times["train_expert"] = time.time() - t

    t = time.time()
    dataset_path, demos = ensure_dataset(ctx, ctx.run_dir / "collect")
    times["collect"] = time.time() - t

    t = time.time()
    policy, info = imitate(ctx, ctx.run_dir / "imitate", dataset_path, demos)
    times["imitate"] = time.time() - t

    t = time.time()
    expert_return = demos.reference_return
    report = evaluate(
        ctx,
        ctx.run_dir / "evaluate",
        policy,
        ctx.cfg.algo.name,
        expert_return=expert_return,
        env_steps=info["env_steps"],
    )
    times["evaluate"] = time.time() - t

    summary = {
        "env_id": ctx.factory.id,
        "expert": ctx.cfg.expert.name,
        "algo": ctx.cfg.algo.name,
        "seed": ctx.cfg.seed,
        "expert_return": expert_return,
        "imitation_return_mean": report["return_mean"],
        "imitation_return_std": report["return_std"],
        "imitation_return_stochastic": report["stochastic"]["mean"],
        "random_return": report["random_return_mean"],
        "normalized_score": report["normalized_score"],
        "normalized_score_stochastic": report["normalized_score_stochastic"],
        "imitation_env_steps": info["env_steps"],
        **first_reaching(
            ctx.run_dir / "imitate" / "metrics.jsonl",
            report["random_return_mean"],
            expert_return,
        ),
        "dataset": str(dataset_path),
        "policy": info["policy_path"],
        "wall_time_s": {k: round(v, 1) for k, v in times.items()},
    }
    atomic_write_json(ctx.run_dir / "summary.json", summary)
    lines = [
        f"summary: {ctx.cfg.algo.name} on {ctx.factory.id}, seed {ctx.cfg.seed}",
        f"  expert ({ctx.cfg.expert.name}) return   {expert_return:8.1f}",
        f"  {ctx.cfg.algo.name} return   {report['return_mean']:8.1f} +- {report['return_std']:.1f} over {ctx.cfg.eval.episodes} episodes (stochastic {report['stochastic']['mean']:.1f})",
        f"  random return         {report['random_return_mean']:8.1f}",
        f"  normalized score      {report['normalized_score']:8.3f} (stochastic {report['normalized_score_stochastic']:.3f})",
        "  wall time per stage   "
        + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
        + f" (total {sum(times.values()):.1f} s)",
        f"  run dir               {ctx.run_dir}",
    ]
    log.info("\n".join(lines))
    return float(report["normalized_score"])
