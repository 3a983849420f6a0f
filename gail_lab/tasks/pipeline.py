"""task=pipeline: train_expert -> collect -> imitate -> evaluate, each stage reusing the cached
artifact of the stage before when one exists for the same config. Returns the normalized score.

With ``eval.control=true`` the same algo also learns from uniform-random-policy data (the
random-data control, ``data.source=random``) in ``<run dir>/control``, on a second core beside
the main run when there is one, and the summary prints its score under the result: a score the
control also reaches is not explained by the demonstrations."""

from __future__ import annotations

import copy
import json
import logging
import math
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from gail_lab.io import atomic_write_json
from gail_lab.runtime import code_version
from gail_lab.tasks.collect import ensure_dataset
from gail_lab.tasks.context import RunContext, recipe_line
from gail_lab.tasks.evaluate import evaluate
from gail_lab.tasks.imitate import check_action_kind, imitate
from gail_lab.tasks.train_expert import ensure_expert

log = logging.getLogger(__name__)


def first_reaching(
    metrics_path: Path, random_return: float, expert_return: float, target: float
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


LAST_EVALS = 5  # at most this many training evaluations in the summary's last_evals_*


def last_evaluations(
    metrics_path: Path, random_return: float, expert_return: float, k: int = LAST_EVALS
) -> dict[str, float | None]:
    """The mean normalized score (and success rate, where the env reports one) of the last
    training evaluations, ``k`` of them but no more than the last quarter of the run's
    (``last_evals_count``): beside the final policy's score, it shows whether the run stopped at
    a lucky or an unlucky point of a curve that swings."""
    rows = []
    if metrics_path.is_file():
        with open(metrics_path) as f:
            rows = [r for r in map(json.loads, f) if "eval/return_mean" in r]
    rows = rows[-min(k, math.ceil(len(rows) / 4)) :] if rows else []
    out: dict[str, float | None] = {"last_evals_score": None}
    if not rows or math.isclose(expert_return, random_return):
        return out
    out["last_evals_count"] = len(rows)
    scores = [
        (r["eval/return_mean"] - random_return) / (expert_return - random_return) for r in rows
    ]
    out["last_evals_score"] = sum(scores) / len(scores)
    if all("eval/success_rate" in r for r in rows):
        out["last_evals_success_rate"] = sum(r["eval/success_rate"] for r in rows) / len(rows)
    return out


def stages(ctx: RunContext, root: Path) -> dict[str, Any]:
    """Every stage in ``root``; returns the run's summary (also written to root/summary.json)."""
    times: dict[str, float] = {}
    data = ctx.cfg.data
    # Minari data (or a control of it) brings its reference return: then no expert runs
    if not data.minari_id and data.reference_return is None:
        t = time.time()
        ensure_expert(ctx, root / "train_expert")
        times["train_expert"] = time.time() - t

    t = time.time()
    dataset_path, demos = ensure_dataset(ctx, root / "collect")
    times["collect"] = time.time() - t

    t = time.time()
    policy, info = imitate(ctx, root / "imitate", dataset_path, demos)
    times["imitate"] = time.time() - t

    t = time.time()
    expert_return = demos.reference_return
    report = evaluate(
        ctx,
        root / "evaluate",
        policy,
        ctx.cfg.algo.name,
        expert_return=expert_return,
        env_steps=info["env_steps"],
    )
    times["evaluate"] = time.time() - t
    summary = {
        "env_id": ctx.factory.id,
        "expert": None
        if ctx.cfg.data.minari_id or ctx.cfg.data.reference_return is not None
        else ctx.cfg.expert.name,
        **({"minari_id": ctx.cfg.data.minari_id} if ctx.cfg.data.minari_id else {}),
        "algo": ctx.cfg.algo.name,
        "recipe": ctx.cfg.recipe.name if ctx.cfg.recipe is not None else None,
        "data_source": ctx.cfg.data.source,
        "seed": ctx.cfg.seed,
        "expert_return": expert_return,
        "imitation_return_mean": report["return_mean"],
        "imitation_return_std": report["return_std"],
        "imitation_return_stochastic": report["stochastic"]["mean"],
        "random_return": report["random_return_mean"],
        "normalized_score": report["normalized_score"],
        "normalized_score_stochastic": report["normalized_score_stochastic"],
        **(
            {"success_rate": report["success_rate"]}
            if report.get("success_rate") is not None
            else {}
        ),
        **({"variants": report["variants"]} if report.get("variants") else {}),
        "imitation_env_steps": info["env_steps"],
        **first_reaching(
            root / "imitate" / "metrics.jsonl",
            report["random_return_mean"],
            expert_return,
            ctx.cfg.eval.target_score,
        ),
        **last_evaluations(
            root / "imitate" / "metrics.jsonl", report["random_return_mean"], expert_return
        ),
        "target_score": ctx.cfg.eval.target_score,
        "dataset": str(dataset_path),
        "policy": info["policy_path"],
        "wall_time_s": {k: round(v, 1) for k, v in times.items()},
        "code": code_version(),
    }
    atomic_write_json(root / "summary.json", summary)
    return summary


def control_config(cfg: DictConfig) -> DictConfig:
    """The random-data control of ``cfg``: the same run on uniform-random-policy data."""
    control = copy.deepcopy(cfg)
    control.data.source = "random"
    control.eval.control = False
    control.run_name = f"{cfg.run_name}__control"
    control.progress = False  # one progress bar on the terminal: the main run's
    return control


def run_control(cfg: DictConfig, root: str) -> None:
    """The control's stages in ``root`` (a process of its own, or inline); logs to root/run.log."""
    root_dir = Path(root)
    root_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(root_dir / "run.log")
    handler.setFormatter(logging.Formatter("[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"))
    logger = logging.getLogger("gail_lab")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        stages(RunContext.create(cfg, root_dir), root_dir)
    finally:
        logger.removeHandler(handler)
        handler.close()


def beside() -> bool:
    """Run the control in a process beside the main run: only with a second core to spare
    (not under --multirun, whose launcher may already fill every core)."""
    multirun = HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    return (os.cpu_count() or 1) >= 2 and not multirun


def run(ctx: RunContext) -> float:
    check_action_kind(ctx)  # before the expert is trained and its data collected
    log.info("recipe: %s", recipe_line(ctx.cfg))
    control, worker = None, None
    if ctx.cfg.eval.control:
        control = control_config(ctx.cfg)
        if ctx.cfg.data.minari_id:  # no expert: the Minari dataset's mean return is the reference
            _, demos = ensure_dataset(ctx, ctx.run_dir / "collect")
            control.data.minari_id = None
            control.data.reference_return = demos.reference_return
        else:
            ensure_expert(ctx, ctx.run_dir / "train_expert")  # once, before two processes want it
        if beside():
            worker = multiprocessing.get_context("spawn").Process(
                target=run_control, args=(control, str(ctx.run_dir / "control")), daemon=True
            )
            worker.start()
            log.info("random-data control: running beside this run in %s", ctx.run_dir / "control")
    t0 = time.time()
    summary = stages(ctx, ctx.run_dir)
    control_summary = None
    if control is not None:
        if worker is not None:
            worker.join()
            failed = worker.exitcode != 0
        else:
            log.info("random-data control: running in %s", ctx.run_dir / "control")
            run_control(control, str(ctx.run_dir / "control"))
            failed = False
        path = ctx.run_dir / "control" / "summary.json"
        if failed or not path.is_file():
            log.error("random-data control failed: see %s", ctx.run_dir / "control" / "run.log")
        else:
            control_summary = json.loads(path.read_text())
            summary["control_normalized_score"] = control_summary["normalized_score"]
            summary["control_return_mean"] = control_summary["imitation_return_mean"]
            atomic_write_json(ctx.run_dir / "summary.json", summary)
    log.info("\n".join(summary_lines(ctx, summary, control_summary, time.time() - t0)))
    return float(summary["normalized_score"])


def summary_lines(
    ctx: RunContext, s: dict[str, Any], control: dict[str, Any] | None, wall: float
) -> list[str]:
    algo, n = ctx.cfg.algo.name, ctx.cfg.eval.episodes
    lines = [
        f"summary: {algo} on {ctx.factory.id}, seed {ctx.cfg.seed}",
        f"  recipe                {recipe_line(ctx.cfg)}",
        (
            f"  dataset (Minari {ctx.cfg.data.minari_id}) mean return {s['expert_return']:.1f}"
            if ctx.cfg.data.minari_id
            else f"  expert ({ctx.cfg.expert.name}) return   {s['expert_return']:8.1f}"
        ),
        f"  {algo} return   {s['imitation_return_mean']:8.1f} +- {s['imitation_return_std']:.1f} over {n} episodes (stochastic {s['imitation_return_stochastic']:.1f})",
        f"  random return         {s['random_return']:8.1f}",
        f"  normalized score      {s['normalized_score']:8.3f} (stochastic {s['normalized_score_stochastic']:.3f})",
    ]
    if "success_rate" in s:
        lines.append(f"  success rate          {100 * s['success_rate']:7.0f} %")
    if s.get("last_evals_score") is not None:
        k = s["last_evals_count"]
        what = (
            f"{100 * s['last_evals_success_rate']:7.0f} % success"
            if s.get("last_evals_success_rate") is not None
            else f"{s['last_evals_score']:8.3f} normalized"
        )
        lines.append(f"  last {k} train. eval{'s' if k > 1 else ' '} {what} (mean)")
    for name, v in s.get("variants", {}).items():  # the env's extra evaluation conditions
        what = (
            f"success {100 * v['success_rate']:.0f} % (stochastic {100 * v['success_rate_stochastic']:.0f} %"
            + (
                f", the expert's {100 * v['expert_success_rate']:.0f} %"
                if "expert_success_rate" in v
                else ""
            )
            + ")"
            if "success_rate" in v
            else f"normalized score {v['normalized_score']:.3f}"
        )
        lines.append(f"  {name + ' (eval only)':<21} {what}")
    if control is not None:
        lines.append(
            f"  control (random data) {control['normalized_score']:8.3f} normalized "
            f"(return {control['imitation_return_mean']:.1f}): the same run on uniform-random-policy data"
        )
    elif ctx.cfg.eval.control:
        lines.append("  control (random data) failed (see control/run.log)")
    else:
        lines.append("  control (random data) not run (eval.control=true runs it)")
    times = s["wall_time_s"]
    lines += [
        "  wall time per stage   "
        + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
        + f" (whole job {wall:.1f} s)",
        f"  run dir               {ctx.run_dir}",
    ]
    sync = wandb_sync_line(ctx, control is not None)
    if sync:
        lines.append(sync)
    return lines


def wandb_sync_line(ctx: RunContext, with_control: bool) -> str | None:
    """How to upload every W&B stage of an offline run (and its control's) in one command."""
    wandb = ctx.cfg.logger.wandb
    if wandb is None or os.environ.get("WANDB_MODE", wandb.mode) != "offline":
        return None
    runs = [f"{ctx.run_dir}/*/wandb/offline-run-*"]
    if with_control:
        runs.append(f"{ctx.run_dir}/control/*/wandb/offline-run-*")
    return f"  W&B (offline)         wandb sync {' '.join(runs)}"
