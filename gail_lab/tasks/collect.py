"""task=collect: demonstrations from the expert, refused when the expert is too weak."""

from __future__ import annotations

import logging
from pathlib import Path

from gail_lab.data import Demonstrations
from gail_lab.errors import ExpertTooWeakError
from gail_lab.io import file_sha256
from gail_lab.rl.collect import collect_demos
from gail_lab.rl.networks import RandomPolicy
from gail_lab.tasks.context import RunContext
from gail_lab.tasks.train_expert import load_expert

log = logging.getLogger(__name__)


def ensure_minari(ctx: RunContext) -> tuple[Path, Demonstrations]:
    """``data.minari_id``'s dataset from the local Minari store, converted once to a gail_lab
    dataset file (checked against the env like any dataset)."""
    from gail_lab.data.minari_io import import_minari

    path = ctx.dataset_path
    if not (path.is_file() and ctx.cfg.reuse_artifacts):
        demos = import_minari(ctx.cfg.data.minari_id)
        demos.check_compatible(
            ctx.factory.observation_space,
            ctx.factory.action_space,
            ctx.factory.id,
            source=f"Minari dataset {ctx.cfg.data.minari_id!r}",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        demos.save(path)
        log.info(
            "dataset: Minari %s (%d episodes, %d transitions) converted to %s",
            ctx.cfg.data.minari_id,
            demos.num_episodes,
            len(demos.actions),
            path,
        )
    return path, Demonstrations.load(path)


def ensure_dataset(ctx: RunContext, stage_dir: Path) -> tuple[Path, Demonstrations]:
    if ctx.cfg.data.minari_id:
        return ensure_minari(ctx)
    path = ctx.dataset_path
    if path.is_file() and ctx.cfg.reuse_artifacts:
        log.info("dataset: reusing %s", path)
        return path, Demonstrations.load(path)
    factory, data = ctx.factory, ctx.cfg.data
    if data.reference_return is not None:  # a control without an expert (Minari data's)
        policy, score, threshold = None, float(data.reference_return), None
    else:
        policy, meta = load_expert(ctx)
        score, threshold = float(meta["eval"]["mean"]), factory.expert_min_return
    if threshold is not None and score < threshold:
        msg = (
            f"expert {ctx.cfg.expert.name} scored {score:.1f} +- {meta['eval']['std']:.1f} over {meta['eval']['episodes']} "
            f"greedy episodes, below env.expert_min_return={threshold:g} on {factory.id}"
        )
        if not data.allow_weak_expert:
            raise ExpertTooWeakError(
                f"{msg}. Train a better one (a larger expert.loop.budget, another expert_seed) or collect anyway with data.allow_weak_expert=true"
            )
        log.warning("%s: collecting anyway (data.allow_weak_expert=true)", msg)
    name = ctx.cfg.expert.name
    control = data.source != "expert"  # a control's data: the expert is only the score reference
    if control:
        policy = RandomPolicy(factory.action_space, ctx.expert_seeds.integer("random_policy"))
        name = "random"
        log.info(
            "data.source=%s: collecting uniform-random-policy data instead of the expert's%s",
            data.source,
            ", every termination recorded as a time limit"
            if data.source == "random_timeouts"
            else "",
        )
    demos = collect_demos(
        policy,
        factory,
        seeds=ctx.expert_seeds,
        num_transitions=data.num_transitions,
        num_episodes=data.num_episodes,
        expert_name=name,
        reference_return=score if control else None,
        config=ctx.container(),
        progress=ctx.cfg.progress,
        noise_scale=data.noise_scale,
        label=data.label,
        noise_dims=None if data.noise_dims is None else list(data.noise_dims),
    )
    if data.source == "random_timeouts":
        demos.endings_as_timeouts()
    demos.save(path)
    returns = demos.episode_returns
    log.info(
        "collected %d transitions in %d episodes, expert return %.1f +- %.1f; saved to %s",
        len(demos),
        demos.num_episodes,
        returns.mean(),
        returns.std(),
        path,
    )
    with ctx.logger(stage_dir, "collect") as logger:
        sha256 = file_sha256(path)
        artifact = logger.log_artifact(
            ctx.dataset_artifact_name(path),
            "dataset",
            [path],
            {
                "sha256": sha256,
                "env_id": factory.id,
                "expert": ctx.cfg.expert.name,
                "expert_seed": ctx.expert_seed,
                "num_episodes": demos.num_episodes,
                "num_transitions": len(demos),
                "expert_return_mean": float(returns.mean()),
            },
        )
        logger.summary(
            {
                "data/path": str(path),
                "data/sha256": sha256,
                "data/artifact": artifact,
                "data/num_transitions": len(demos),
                "data/num_episodes": demos.num_episodes,
                "data/expert_return_mean": float(returns.mean()),
                "data/expert_return_std": float(returns.std()),
            }
        )
    return path, demos


def run(ctx: RunContext) -> float:
    _, demos = ensure_dataset(ctx, ctx.run_dir)
    return demos.reference_return
