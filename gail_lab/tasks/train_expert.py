"""task=train_expert: train (or script) the expert and store it in the artifact cache."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

import gail_lab.experts  # noqa: F401  (registers expert policy kinds for load_policy)
from gail_lab.errors import MissingArtifactError
from gail_lab.io import atomic_write_text
from gail_lab.logging.plots import plot_curves
from gail_lab.rl.checkpoint import load_policy, save_policy
from gail_lab.rl.evaluation import evaluate_policy
from gail_lab.rl.training_state import TrainingCheckpoints
from gail_lab.tasks.context import RunContext, build

log = logging.getLogger(__name__)


def ensure_expert(ctx: RunContext, stage_dir: Path) -> tuple[Any, dict[str, Any]]:
    """The cached expert for this config, trained first when there is none."""
    path = ctx.expert_path
    if path.is_file() and ctx.cfg.reuse_artifacts:
        log.info("expert: reusing %s", path)
        return load_policy(path, str(ctx.device))
    expert = build(ctx.cfg.expert)
    factory = ctx.factory
    expert.check_env(factory)  # before the logger opens its files
    seeds = ctx.expert_seeds
    seeds.seed_globals()  # once, at the stage's start: network init, torch sampling
    with ctx.logger(stage_dir, "train_expert") as logger:
        checkpoints = None
        if ctx.cfg.checkpoint_every:  # experts save at every evaluation (and on SIGTERM)
            checkpoints = TrainingCheckpoints(
                stage_dir / "checkpoints", 1, ctx.cfg.keep_checkpoints, unit="evaluations"
            )
        policy, info = expert.fit(
            factory,
            seeds,
            logger=logger,
            progress=ctx.cfg.progress,
            checkpoints=checkpoints,
        )
        envs = factory.make_vec()
        try:
            result = evaluate_policy(policy, envs, ctx.cfg.eval.episodes, seeds)
        finally:
            envs.close()
        meta = {
            "expert": ctx.cfg.expert.name,
            "env_id": factory.id,
            "train": info,
            "eval": result.as_dict(),
            "identity": ctx.expert_identity(),
        }
        logger.summary(
            {
                "expert/return_mean": result.mean,
                "expert/return_std": result.std,
                **{f"expert/{k}": v for k, v in info.items()},
            }
        )
        save_policy(path, policy, meta)
        config_path = atomic_write_text(
            path.with_name("config.yaml"), OmegaConf.to_yaml(ctx.cfg, resolve=True)
        )
        artifact = logger.log_artifact(
            f"expert__{path.parent.name}",
            "model",
            [path, config_path],
            {
                "env_id": factory.id,
                "expert": ctx.cfg.expert.name,
                "seed": ctx.expert_seed,
                "return_mean": result.mean,
                "return_std": result.std,
                "env_steps": info.get("env_steps"),
            },
        )
        logger.summary({"expert/path": str(path), "expert/artifact": artifact})
    if (stage_dir / "metrics.jsonl").is_file():
        plot_curves(
            stage_dir / "metrics.jsonl",
            stage_dir / "curves.png",
            [
                ("return", ["charts/episodic_return", "eval/return_mean"]),
                ("exploration", ["charts/epsilon"]),
            ],
            title=f"expert {ctx.cfg.expert.name} on {factory.id}",
        )
    log.info(
        "expert %s on %s: %.1f +- %.1f over %d seeded greedy episodes; saved to %s",
        ctx.cfg.expert.name,
        factory.id,
        result.mean,
        result.std,
        len(result.returns),
        path,
    )
    return policy, meta


def load_expert(ctx: RunContext) -> tuple[Any, dict[str, Any]]:
    path = ctx.expert_path
    if not path.is_file():
        raise MissingArtifactError(
            f"no expert for this config at {path}. Train it with `{ctx.cli_hint('train_expert')}` (or run task=pipeline)"
        )
    return load_policy(path, str(ctx.device))


def run(ctx: RunContext) -> float:
    _, meta = ensure_expert(ctx, ctx.run_dir)
    return float(meta["eval"]["mean"])
