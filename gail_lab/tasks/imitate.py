"""task=imitate: train the imitation learner (``algo``) against a demonstrations dataset."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.utils import get_method

from gail_lab.data import Demonstrations
from gail_lab.errors import GailLabError, MissingArtifactError
from gail_lab.imitation.absorbing import episode_outcomes
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.io import file_sha256
from gail_lab.logging.plots import plot_curves
from gail_lab.rl.checkpoint import save_policy
from gail_lab.rl.precision import apply_precision
from gail_lab.rl.training_state import TrainingCheckpoints
from gail_lab.tasks.context import (
    RunContext,
    build,
    build_with,
    recipe_line,
    unsupported_action_kind,
)

log = logging.getLogger(__name__)


def check_action_kind(ctx: RunContext) -> None:
    """Refuse an algo whose policy cannot drive the env's actions (before any work is done)."""
    factory = ctx.factory
    kind = unsupported_action_kind(ctx.cfg.algo.policy, factory)
    if kind is not None:
        kinds = get_method(ctx.cfg.algo.policy._target_).action_kinds
        raise GailLabError(
            f"algo={ctx.cfg.algo.name} drives {kinds} actions only; "
            f"{factory.id} has {kind} actions {factory.action_space}"
        )


def load_dataset(ctx: RunContext) -> tuple[Path, Demonstrations]:
    if ctx.cfg.data.minari_id:
        from gail_lab.tasks.collect import ensure_minari

        return ensure_minari(ctx)
    path = ctx.dataset_path
    if not path.exists():
        where = "data.path" if ctx.cfg.data.path else "the cache for this env/expert/seed"
        raise MissingArtifactError(
            f"no demonstrations dataset at {path} ({where}). Make one with `{ctx.cli_hint('collect')}`, "
            "run the whole task=pipeline, or point data.path at a dataset file"
        )
    demos = Demonstrations.load(path)
    demos.check_compatible(
        ctx.factory.observation_space,
        ctx.factory.action_space,
        ctx.factory.id,
        source=f"dataset {path}",
    )
    return path, demos


def build_algorithm(ctx: RunContext, demos: Demonstrations) -> tuple[Any, RewardModel | None]:
    """The imitation algorithm and its reward model, built from ``cfg.algo`` (policy, learner,
    reward, algorithm: each a ``_target_``) and the discriminator group: the one place they meet.
    Networks are made in a fixed order (policy, learner, discriminator): the torch RNG draws of
    their initialization depend on it."""
    cfg, factory = ctx.cfg, ctx.factory
    algo = cfg.algo
    policy = build(
        algo.policy,
        obs_dim=factory.obs_dim,
        action_space=factory.action_space,
        normalize_obs=cfg.env.normalize_obs,
    ).to(ctx.device)
    optimizer = build(cfg.optimizer)
    seeds = ctx.seeds
    learner = None
    if algo.learner is not None:  # PPO draws its minibatches from the minibatches stream
        parts = {"policy": policy, "optimizer": optimizer, "rng": seeds.generator("minibatches")}
        learner = build_with(algo.learner, parts)
    reward_model = None
    if algo.reward is not None:
        discriminator = build(
            cfg.discriminator,
            obs_dim=factory.obs_dim,
            n_actions=factory.n_actions,
            discrete=factory.discrete,
        ).to(ctx.device)
        if discriminator.absorbing:  # fail now, not after the logger has opened its files
            episode_outcomes(demos, factory.terminal_outcome)
        reward_model = build_with(
            algo.reward,
            {
                "discriminator": discriminator,
                "demos": demos,
                "terminal_outcome": factory.terminal_outcome,
                "rng": seeds.generator("discriminator"),
            },
        )
    parts = {
        "policy": policy,
        "learner": learner,
        "reward_model": reward_model,
        "demos": demos,
        "optimizer": optimizer,
        "seeds": seeds,
    }
    apply_precision(
        cfg.precision,
        policy=policy,
        learner=learner,
        discriminator=None if reward_model is None else reward_model.discriminator,
    )
    return build_with(algo.algorithm, parts), reward_model


def imitate(
    ctx: RunContext, stage_dir: Path, dataset_path: Path, demos: Demonstrations
) -> tuple[Any, dict[str, Any]]:
    cfg, factory = ctx.cfg, ctx.factory
    data = cfg.data
    if data.use_episodes is not None or data.subsample_every > 1:
        demos = demos.subset(data.use_episodes, data.subsample_every)
        log.info(
            "using %d transitions of %d episodes (first %s, every %d-th transition)",
            len(demos),
            demos.num_episodes,
            data.use_episodes,
            data.subsample_every,
        )
    ctx.seeds.seed_globals()  # once, at the stage's start: network init, torch sampling
    check_action_kind(ctx)
    algorithm, reward_model = build_algorithm(ctx, demos)
    loop = build(cfg.algo.loop)
    dataset_info = {
        "path": str(dataset_path),
        "sha256": file_sha256(dataset_path),
        "num_transitions": len(demos),
        "num_episodes": demos.num_episodes,
        "expert": demos.metadata.get("expert"),
        "artifact": ctx.dataset_artifact_name(dataset_path),
    }
    with ctx.logger(stage_dir, "imitate") as logger:
        logger.use_artifact(
            dataset_info["artifact"],
            "dataset",
            [dataset_path],
            {"sha256": dataset_info["sha256"]},
        )
        checkpoints = None
        if cfg.checkpoint_every:  # replay-buffer learners (dac) save at every evaluation
            unit = cfg.algo.checkpoint_unit
            every = 1 if unit == "evaluations" else cfg.checkpoint_every
            checkpoints = TrainingCheckpoints(
                stage_dir / "checkpoints",
                every,
                cfg.keep_checkpoints,
                unit,
                fingerprint=ctx.fingerprint("imitate"),
            )
        result = loop.run(algorithm, factory, ctx.seeds, logger, cfg.progress, checkpoints)
        policy = algorithm.policy
        logger.summary(
            {
                "imitate/env_steps": result.env_steps,
                "imitate/iterations": result.iterations,
                "imitate/wall_time_s": result.wall_time_s,
                "dataset/path": dataset_info["path"],
                "dataset/sha256": dataset_info["sha256"],
                "dataset/artifact": dataset_info["artifact"],
            }
        )
        policy_path = stage_dir / "policy.pt"
        meta = {
            "algo": cfg.algo.name,
            "env_id": factory.id,
            "seed": cfg.seed,
            "env_steps": result.env_steps,
            "dataset": dataset_info,
            "config": ctx.container(),
        }
        save_policy(policy_path, policy, meta)
        if reward_model is not None:  # the trained reward, reusable alone (RewardModel.load)
            reward_model.save(stage_dir / "reward_model.pt")
        artifact = logger.log_artifact(
            f"policy__{cfg.run_name}",
            "model",
            [policy_path],
            {
                "algo": cfg.algo.name,
                "env_id": factory.id,
                "seed": cfg.seed,
                "env_steps": result.env_steps,
                "last_eval_return": result.eval_history[-1][1] if result.eval_history else None,
                "dataset_artifact": dataset_info["artifact"],
                "dataset_sha256": dataset_info["sha256"],
            },
        )
        logger.summary({"imitate/policy_artifact": artifact})
    plot_curves(
        stage_dir / "metrics.jsonl",
        stage_dir / "curves.png",
        [
            (
                "env return: training rollouts (stochastic), eval (greedy)",
                ["charts/episodic_return", "eval/return_mean"],
            ),
            ("discriminator accuracy", ["disc/acc_expert", "disc/acc_agent"]),
            ("GAIL reward", ["disc/reward_mean"]),
            ("behavior cloning loss", ["losses/bc_loss"]),
        ],
        title=f"{cfg.algo.name} on {factory.id}, seed {cfg.seed}",
    )
    log.info(
        "%s: %d iterations, %d env steps in %.1f s; policy saved to %s",
        cfg.algo.name,
        result.iterations,
        result.env_steps,
        result.wall_time_s,
        policy_path,
    )
    final_eval = result.eval_history[-1][1] if result.eval_history else float("nan")
    return policy, {
        "policy_path": str(policy_path),
        "env_steps": result.env_steps,
        "wall_time_s": result.wall_time_s,
        "last_eval_return": final_eval,
    }


def run(ctx: RunContext) -> float:
    check_action_kind(ctx)
    log.info("recipe: %s", recipe_line(ctx.cfg))
    path, demos = load_dataset(ctx)
    _, info = imitate(ctx, ctx.run_dir, path, demos)
    return float(info["last_eval_return"])
