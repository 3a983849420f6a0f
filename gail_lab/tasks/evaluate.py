"""task=evaluate: mean/std return over N seeded episodes (deterministic and stochastic), success
rate where the env reports one, the random baseline, the normalized score
(R - R_random) / (R_expert - R_random), and optionally a GIF of one greedy episode."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import gymnasium as gym

from gail_lab.data import DatasetError, Demonstrations
from gail_lab.envs.track import save_video
from gail_lab.errors import GailLabError, MissingArtifactError
from gail_lab.io import atomic_write_json
from gail_lab.rl.checkpoint import CheckpointError, load_policy
from gail_lab.rl.evaluation import REPORT_STREAM, EvalResult, evaluate_policy
from gail_lab.rl.networks import RandomPolicy
from gail_lab.tasks.context import RunContext
from gail_lab.tasks.train_expert import load_expert

log = logging.getLogger(__name__)


def normalized_score(ret: float, expert_return: float | None, random_return: float) -> float:
    if expert_return is None or math.isclose(expert_return, random_return):
        return float("nan")
    return (ret - random_return) / (expert_return - random_return)


def expert_reference(ctx: RunContext) -> float | None:
    """The expert's mean return in the demonstrations this config imitates, when they exist."""
    path = ctx.dataset_path
    if not path.is_file():
        return None
    try:
        return Demonstrations.load(path).reference_return
    except (DatasetError, KeyError):
        return None


def check_policy_fits(policy, meta: dict[str, Any], factory, source: str) -> None:
    """Refuse a policy whose observation or action sizes differ from the env's, naming both
    (scripted policies have no sizes and are left alone)."""
    kwargs = getattr(policy, "init_kwargs", {})
    if "n_actions" in kwargs:
        have_act = f"Discrete({kwargs['n_actions']})"
    elif "action_low" in kwargs:
        have_act = f"Box(shape=({len(kwargs['action_low'])},))"
    else:
        return
    want_act = (
        f"Discrete({factory.n_actions})"
        if factory.discrete
        else f"Box(shape=({factory.n_actions},))"
    )
    if (kwargs.get("obs_dim"), have_act) != (factory.obs_dim, want_act):
        raise CheckpointError(
            f"{source}: the policy was trained on {meta.get('env_id', 'another env')} "
            f"(observations {kwargs.get('obs_dim')}, actions {have_act}) and cannot run on "
            f"{factory.id} (observations {factory.obs_dim}, actions {want_act}); evaluate it with "
            "the env it was trained on"
        )


def record_episode(ctx: RunContext, policy, path: Path) -> Path:
    """One greedy episode (the first reported evaluation seed) rendered to an animated GIF."""
    env = ctx.factory.make(render_mode="rgb_array")
    try:
        obs, _ = env.reset(seed=ctx.seeds.integer(REPORT_STREAM))
        try:
            frames, done = [env.render()], False
        except gym.error.DependencyNotInstalled as err:
            raise GailLabError(f"eval.video: {ctx.factory.id} cannot render here: {err}") from None
        while not done:
            action = policy.act(obs[None], deterministic=True)[0]
            obs, _, terminated, truncated, _ = env.step(action)
            frames.append(env.render())
            done = terminated or truncated
    finally:
        env.close()
    step = max(1, math.ceil(len(frames) / ctx.cfg.eval.video_max_frames))
    fps = max(1, int(env.metadata.get("render_fps", 30)) // step)
    return save_video(frames[::step], path, fps=fps)


def evaluate(
    ctx: RunContext,
    stage_dir: Path,
    policy,
    label: str,
    expert_return: float | None = None,
    env_steps: int = 0,
) -> dict[str, Any]:
    """Score ``policy``; ``env_steps`` (its training env steps) places the video on the W&B x-axis."""
    cfg, factory = ctx.cfg, ctx.factory
    where = {"position_dims": factory.position_dims, "position_scale": factory.position_scale}
    envs = factory.make_vec()
    try:
        seeds = ctx.seeds
        seeds.seed_globals()  # the stochastic episodes' sampling: the same whatever ran before
        det = evaluate_policy(policy, envs, cfg.eval.episodes, seeds, True, **where)
        sto = evaluate_policy(policy, envs, cfg.eval.episodes, seeds, False, **where)
        random_policy = RandomPolicy(factory.action_space, seeds.integer("random_policy"))
        rnd = evaluate_policy(random_policy, envs, cfg.eval.episodes, seeds)
        reference = expert_paths(ctx, envs, where) if factory.position_dims is not None else None
    finally:
        envs.close()
    expert_episodes = None
    if reference is not None:  # fidelity: the same seeds driven by the expert
        det.compare_paths(reference)
        sto.compare_paths(reference)
        ref = reference.as_dict()
        expert_episodes = {"return_mean": reference.mean} | {
            k: ref[k] for k in ("length_mean", "outcome_counts")
        }
    headline = det if cfg.eval.deterministic else sto
    if expert_return is None:
        expert_return = expert_reference(ctx)
    # both modes' scores, whichever is the headline (eval.deterministic): on Acrobot a greedy
    # policy can stall where the sampled one swings up
    det_score = normalized_score(det.mean, expert_return, rnd.mean)
    sto_score = normalized_score(sto.mean, expert_return, rnd.mean)
    report = {
        "policy": label,
        "env_id": factory.id,
        "episodes": cfg.eval.episodes,
        "return_mean": headline.mean,
        "return_std": headline.std,
        "deterministic": det.as_dict(),
        "stochastic": sto.as_dict(),
        "random_return_mean": rnd.mean,
        "expert_return_mean": expert_return,
        "normalized_score": det_score if cfg.eval.deterministic else sto_score,
        "normalized_score_deterministic": det_score,
        "normalized_score_stochastic": sto_score,
        "success_rate": headline.success_rate,
        "expert_reference": expert_episodes,
    }
    variants = {
        name: evaluate_variant(ctx, policy, name, expert_return, where)
        for name in factory.eval_variants
    }
    if variants:
        report["variants"] = variants
    if cfg.eval.video:
        report["video"] = str(record_episode(ctx, policy, stage_dir / "episode.gif"))
    atomic_write_json(stage_dir / "eval.json", report)
    with ctx.logger(stage_dir, "evaluate") as logger:
        logger.summary(
            {
                "eval/return_mean": headline.mean,
                "eval/return_std": headline.std,
                "eval/return_mean_stochastic": sto.mean,
                "eval/random_return_mean": rnd.mean,
                "eval/normalized_score": report["normalized_score"],
                "eval/normalized_score_stochastic": report["normalized_score_stochastic"],
                **outcome_summary(det, ""),
                **outcome_summary(sto, "_stochastic"),
                **(
                    {"eval/success_rate": headline.success_rate}
                    if headline.success_rate is not None
                    else {}
                ),
                **(
                    {
                        "eval/path_distance_mean": det.as_dict()["path_distance_mean"],
                        "eval/path_distance_mean_stochastic": sto.as_dict()["path_distance_mean"],
                        "eval/expert_length_mean": report["expert_reference"]["length_mean"],
                    }
                    if reference is not None
                    else {}
                ),
                **{
                    f"eval/{name}/{key}": value
                    for name, v in variants.items()
                    for key, value in v.items()
                    if isinstance(value, int | float)
                },
            }
        )
        if "video" in report:
            logger.log_video("eval/video", report["video"], env_steps)
    log.info(
        "evaluate %s on %s: %.1f +- %.1f (deterministic), %.1f +- %.1f (stochastic) over %d seeded episodes; random %.1f; normalized score %.3f (stochastic %.3f)",
        label,
        factory.id,
        det.mean,
        det.std,
        sto.mean,
        sto.std,
        cfg.eval.episodes,
        rnd.mean,
        report["normalized_score"],
        report["normalized_score_stochastic"],
    )
    if expert_return is None:
        log.warning(
            "normalized score nan: no expert reference return (no dataset at %s to read it from); "
            "give data.path=<the demonstrations the policy learned from>, or make this config's "
            "dataset with `%s`",
            ctx.dataset_path,
            ctx.cli_hint("collect"),
        )
    elif math.isclose(expert_return, rnd.mean):
        log.warning(
            "normalized score nan: the expert's return (%.1f) equals the random policy's, so "
            "the score (return - random) / (expert - random) is undefined",
            expert_return,
        )
    for name, res in (("deterministic", det), ("stochastic", sto)):
        d = res.as_dict()
        counts = ", ".join(f"{k} {v}" for k, v in d["outcome_counts"].items() if v)
        line = f"  {name}: episode length {d['length_mean']:.1f}; outcomes {counts}"
        if res.path_distances is not None:
            ref = report["expert_reference"]
            line += f"; path {d['path_distance_mean']:.3f} m from the expert's (expert length {ref['length_mean']:.1f})"
        log.info(line)
    for name, out in variants.items():
        log_variant(name, factory.eval_variants[name], out)
    return report


def evaluate_variant(
    ctx: RunContext, policy, name: str, expert_return: float | None, where: dict[str, Any]
) -> dict[str, Any]:
    """``policy`` under the evaluation condition ``env.eval_variants[name]`` on the same seeds as
    the headline evaluation: greedy and stochastic success, return, episode length and normalized
    score (the demonstrations' return the reference, the random policy's under the variant the
    zero), and the expert's own greedy episodes there (what the condition asks of a driver)."""
    factory = ctx.factory.variant(name)
    envs = factory.make_vec()
    try:
        seeds, n = ctx.seeds, ctx.cfg.eval.episodes
        seeds.seed_globals()
        det = evaluate_policy(policy, envs, n, seeds, True, **where)
        sto = evaluate_policy(policy, envs, n, seeds, False, **where)
        rnd = evaluate_policy(
            RandomPolicy(factory.action_space, seeds.integer("random_policy")), envs, n, seeds
        )
        ref = expert_paths(ctx, envs, where)  # the expert's greedy episodes there (None: no expert)
    finally:
        envs.close()
    out: dict[str, Any] = {"env_kwargs": factory.kwargs}
    for suffix, res in (("", det), ("_stochastic", sto)):
        if ref is not None and res.paths is not None and ref.paths is not None:
            res.compare_paths(ref)
        d = res.as_dict()
        out[f"return_mean{suffix}"] = res.mean
        out[f"normalized_score{suffix}"] = normalized_score(res.mean, expert_return, rnd.mean)
        out[f"length_mean{suffix}"] = d["length_mean"]
        if res.success_rate is not None:
            out[f"success_rate{suffix}"] = res.success_rate
        if res.path_distances is not None:
            out[f"path_distance_mean{suffix}"] = d["path_distance_mean"]
    out["random_return_mean"] = rnd.mean
    if ref is not None:
        out["expert_return_mean"] = ref.mean
        out["expert_length_mean"] = ref.as_dict()["length_mean"]
        if ref.success_rate is not None:
            out["expert_success_rate"] = ref.success_rate
    return out


def log_variant(name: str, kwargs: dict[str, Any], out: dict[str, Any]) -> None:
    """One line of an evaluation condition's scores."""
    success = (
        f"; success {out['success_rate']:.0%} greedy, {out['success_rate_stochastic']:.0%} stochastic"
        + (
            f" (the expert's {out['expert_success_rate']:.0%})"
            if "expert_success_rate" in out
            else ""
        )
        if "success_rate" in out
        else ""
    )
    log.info(
        "  %s (%s): %.1f (deterministic), %.1f (stochastic); normalized score %.3f%s",
        name,
        ", ".join(f"{k}={v}" for k, v in kwargs.items()),
        out["return_mean"],
        out["return_mean_stochastic"],
        out["normalized_score"],
        success,
    )


def outcome_summary(res: EvalResult, suffix: str) -> dict[str, float]:
    """Episode length, success rate and the share of each ending, for the run's summary."""
    d = res.as_dict()
    out = {f"eval/length_mean{suffix}": d["length_mean"]}
    if res.success_rate is not None:
        out[f"eval/success_rate{suffix}"] = res.success_rate
    for outcome, n in d["outcome_counts"].items():
        if outcome != "success":
            out[f"eval/{outcome}_rate{suffix}"] = n / d["episodes"]
    return out


def expert_paths(ctx: RunContext, envs, where: dict[str, Any]) -> EvalResult | None:
    """The expert's greedy episodes on the reported evaluation seeds, with their paths (the
    reference of the fidelity metrics); None, with a warning, when there is no expert file."""
    try:
        expert, _ = load_expert(ctx)
    except (MissingArtifactError, CheckpointError) as err:
        log.warning("fidelity metrics skipped: %s", err)
        return None
    return evaluate_policy(expert, envs, ctx.cfg.eval.episodes, ctx.seeds, True, **where)


def run(ctx: RunContext) -> float:
    cfg = ctx.cfg
    if cfg.eval.target == "expert":
        policy, meta = load_expert(ctx)
        label = f"expert {cfg.expert.name}"
        env_steps = meta.get("train", {}).get("env_steps", 0)
    else:
        checkpoint = cfg.eval.checkpoint
        if not checkpoint:  # the run dir's own policy (hydra.run.dir=<a task=imitate run>)
            checkpoint = ctx.run_dir / "policy.pt"
            if not checkpoint.is_file():
                raise MissingArtifactError(
                    f"eval.checkpoint is null and the run dir holds no policy.pt ({checkpoint}): "
                    "give a policy file, e.g. eval.checkpoint=outputs/<date>/<time>/policy.pt "
                    "(task=imitate writes it), run in that dir (hydra.run.dir=outputs/<date>/<time>), "
                    "or set eval.target=expert"
                )
        policy, meta = load_policy(checkpoint, str(ctx.device))
        check_policy_fits(policy, meta, ctx.factory, checkpoint)
        label = f"{meta.get('algo', 'policy')} ({checkpoint})"
        env_steps = meta.get("env_steps", 0)
    report = evaluate(ctx, ctx.run_dir, policy, label, env_steps=env_steps)
    return float(report["normalized_score"])
