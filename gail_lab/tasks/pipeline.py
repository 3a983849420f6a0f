"""task=pipeline: train_expert -> collect -> imitate -> evaluate, each stage reusing the cached
artifact of the stage before when one exists for the same config. Returns the normalized score."""

from __future__ import annotations

import logging
import time

from gail_lab.io import atomic_write_json
from gail_lab.tasks.collect import ensure_dataset
from gail_lab.tasks.context import RunContext
from gail_lab.tasks.evaluate import evaluate
from gail_lab.tasks.imitate import imitate
from gail_lab.tasks.train_expert import ensure_expert

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> float:
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
    expert_return = float(demos.metadata["expert"]["mean_return"])
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
        "imitation_env_steps": info["env_steps"],
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
        f"  normalized score      {report['normalized_score']:8.3f}",
        "  wall time per stage   "
        + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
        + f" (total {sum(times.values()):.1f} s)",
        f"  run dir               {ctx.run_dir}",
    ]
    log.info("\n".join(lines))
    return float(report["normalized_score"])
