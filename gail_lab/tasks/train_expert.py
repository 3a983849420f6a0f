"""task=train_expert: train (or script) the expert and store it in the artifact cache."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from hydra.utils import get_method
from omegaconf import OmegaConf

import gail_lab.experts  # noqa: F401  (registers expert policy kinds for load_policy)
from gail_lab.errors import IncompatibleSpaceError, MissingArtifactError
from gail_lab.io import atomic_write_text
from gail_lab.logging.plots import plot_curves
from gail_lab.rl.checkpoint import load_policy, save_policy
from gail_lab.rl.evaluation import evaluate_policy
from gail_lab.rl.training_state import TrainingCheckpoints
from gail_lab.tasks.context import RunContext, build, build_with, unsupported_action_kind

log = logging.getLogger(__name__)


def ensure_expert(ctx: RunContext, stage_dir: Path) -> tuple[Any, dict[str, Any]]:
    """The cached expert for this config, trained first when there is none."""
    path = ctx.expert_path
    if path.is_file() and ctx.cfg.reuse_artifacts:
        log.info("expert: reusing %s", path)
        return load_policy(path, str(ctx.device))
    factory, expert_cfg = ctx.factory, ctx.cfg.expert
    trained = "loop" in expert_cfg  # else a scripted controller: nothing to train
    if trained:
        check_action_kind(expert_cfg, factory)  # before the logger opens its files
    else:
        controller = build(expert_cfg)
        controller.check_env(factory)
    seeds = ctx.expert_seeds
    seeds.seed_globals()  # once, at the stage's start: network init, torch sampling
    with ctx.logger(stage_dir, "train_expert") as logger:
        if trained:
            checkpoints = None
            if ctx.cfg.checkpoint_every:  # experts save at every evaluation (and on SIGTERM)
                checkpoints = TrainingCheckpoints(
                    stage_dir / "checkpoints",
                    1,
                    ctx.cfg.keep_checkpoints,
                    "evaluations",
                    fingerprint=ctx.fingerprint("train_expert"),
                )
            policy, info = train(ctx, logger, checkpoints)
        else:
            policy, info = controller, {"env_steps": 0, "wall_time_s": 0.0}
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


def check_action_kind(expert_cfg, factory) -> None:
    """Refuse an expert whose network cannot drive the env's actions, in one line."""
    kind = unsupported_action_kind(expert_cfg.policy, factory)
    if kind is not None:
        kinds = get_method(expert_cfg.policy._target_).action_kinds
        instead = "expert=sac or expert=ppo" if kind == "continuous" else "expert=dqn or expert=ppo"
        raise IncompatibleSpaceError(
            f"expert={expert_cfg.name} needs {'a discrete' if kinds == ('discrete',) else 'a Box'} "
            f"action space; {factory.id} has {factory.action_space} (use {instead})"
        )


def train(ctx: RunContext, logger, checkpoints) -> tuple[Any, dict[str, Any]]:
    """Train the expert of ``cfg.expert`` (policy, learner, algorithm, loop: each a ``_target_``)
    on the env's reward, the one place they meet; the best greedy evaluation's policy is the
    expert. Networks are made in a fixed order (policy, learner): the torch RNG draws of their
    initialization depend on it."""
    e, factory, seeds = ctx.cfg.expert, ctx.factory, ctx.expert_seeds
    parts = {
        "obs_dim": factory.obs_dim,
        "action_space": factory.action_space,
        "normalize_obs": e.normalize_obs,
    }
    policy = build_with(e.policy, parts)
    optimizer = build(e.optimizer)
    learner_parts = {
        "policy": policy,
        "optimizer": optimizer,
        "rng": seeds.generator("minibatches"),
    }
    learner = build_with(e.learner, learner_parts)
    algorithm = build_with(e.algorithm, {"policy": policy, "learner": learner})
    loop = build(e.loop)
    threshold = factory.expert_min_return
    if loop.stop_at_return is None and e.stop_at_threshold and threshold is not None:
        bar = threshold + e.stop_margin * abs(threshold)
        loop = dataclasses.replace(loop, stop_at_return=bar)  # no budget spent past it
    result = loop.run(algorithm, factory, seeds, logger, ctx.cfg.progress, checkpoints)
    algorithm.policy.load_state_dict(result.best_state)
    info = {
        "best_eval_return": result.best_return,
        "best_env_step": result.best_step,
        "episodes": result.episodes,
        "env_steps": result.env_steps,
        "wall_time_s": result.wall_time_s,
    }
    return algorithm.policy.eval(), info


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
