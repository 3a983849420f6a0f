"""The on-policy training loop shared by the PPO expert and every GAIL-style trainer:

for each iteration:
    roll out complete episodes of pi until >= samples_per_iteration steps
    rewards, extra metrics = reward_fn(episodes)       (the env reward, or a learned one)
    learner.update(episodes, rewards)                  (REINFORCE, PPO)
    every eval_every iterations: greedy evaluation on the training seed stream

Callers differ only in ``reward_fn`` (GAIL puts its discriminator there) and in what they do with
the result; the loop owns rollouts, the learning-rate schedule, NaN guards, evaluation, the best
snapshot, logging and the progress bar.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gail_lab.data.transitions import Transitions
from gail_lab.envs import EnvFactory
from gail_lab.errors import NonFiniteError
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import TRAINING_STREAM, evaluate_policy
from gail_lab.rl.rollout import EpisodeRunner
from gail_lab.rl.schedules import LinearLRDecay

log = logging.getLogger(__name__)

# episodes, iteration -> (per-step rewards, metrics to log)
RewardFn = Callable[[Transitions, int], tuple[np.ndarray, dict[str, float]]]


def env_reward(roll: Transitions, iteration: int) -> tuple[np.ndarray, dict[str, float]]:
    return roll.rewards, {}


def check_finite(metrics: dict[str, float], iteration: int, hint: str = "") -> None:
    """Stop with a message naming the quantity and the iteration when a metric is NaN or inf."""
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise NonFiniteError(
                f"{key} became {value} at iteration {iteration}"
                + (f"; {hint}" if hint else "; lower the learning rate")
            )


@dataclass
class OnPolicyResult:
    iterations: int = 0
    env_steps: int = 0
    wall_time_s: float = 0.0
    eval_history: list[tuple[int, float]] = field(default_factory=list)  # (env steps, return)
    best_return: float = -math.inf
    best_step: int = 0
    best_state: dict[str, Any] | None = None  # the policy's state at the best evaluation


@dataclass
class OnPolicyLoop:
    """Budget: ``iterations`` and/or ``total_steps`` (whichever ends first)."""

    samples_per_iteration: int = 2048
    iterations: int | None = None
    total_steps: int | None = None
    eval_every: int = 20
    eval_episodes: int = 5
    anneal_lr: bool = False
    stop_at_return: float | None = None
    keep_best: bool = False
    nan_hint: str = ""
    desc: str = "train"

    def progress(self, iteration: int, steps: int) -> float:
        """Fraction of the budget used before ``iteration`` starts."""
        if self.iterations is not None:
            return (iteration - 1) / self.iterations
        return steps / self.total_steps

    def done(self, iteration: int, steps: int) -> bool:
        return (self.iterations is not None and iteration >= self.iterations) or (
            self.total_steps is not None and steps >= self.total_steps
        )

    def run(
        self,
        policy,
        learner,
        factory: EnvFactory,
        seed: int,
        reward_fn: RewardFn = env_reward,
        logger=None,
        progress: bool = True,
    ) -> OnPolicyResult:
        if self.iterations is None and self.total_steps is None:
            raise ValueError("OnPolicyLoop needs iterations or total_steps")
        envs = factory.make_vec()
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        runner = EpisodeRunner(envs, seed)
        schedule = LinearLRDecay(learner.optimizer)
        result, steps, it, t0 = OnPolicyResult(), 0, 0, time.time()
        total, unit = (
            (self.iterations, "it") if self.iterations is not None else (self.total_steps, "step")
        )
        bar = progress_bar(total, self.desc, progress, unit=unit)
        try:
            while not self.done(it, steps):
                it += 1
                if self.anneal_lr:  # the policy's learning rate decays linearly to 0
                    schedule.set_remaining(1.0 - self.progress(it, steps))
                roll = runner.run(policy.act, min_steps=self.samples_per_iteration)
                steps += len(roll)
                policy.observe(roll.observations)
                rewards, metrics = reward_fn(roll, it)
                metrics.update(learner.update(roll, rewards))
                check_finite(metrics, it, self.nan_hint)
                metrics.update(
                    {
                        "charts/episodic_return": float(roll.episode_returns.mean()),
                        "charts/episodic_length": float(roll.episode_lengths.mean()),
                        "charts/iteration": it,
                        "charts/SPS": steps / (time.time() - t0),
                        "charts/learning_rate": learner.optimizer.param_groups[0]["lr"],
                    }
                )
                if roll.episode_successes is not None:
                    metrics["charts/success_rate"] = float(roll.episode_successes.mean())
                if it % self.eval_every == 0 or self.done(it, steps):
                    det = evaluate_policy(
                        policy, eval_envs, self.eval_episodes, seed, True, stream=TRAINING_STREAM
                    )
                    metrics.update({"eval/return_mean": det.mean, "eval/return_std": det.std})
                    if det.success_rate is not None:
                        metrics["eval/success_rate"] = det.success_rate
                    result.eval_history.append((steps, det.mean))
                    if det.mean >= result.best_return:
                        result.best_return, result.best_step = det.mean, steps
                        if self.keep_best:
                            result.best_state = copy.deepcopy(policy.state_dict())
                    metrics["eval/best_return"] = result.best_return
                    bar.set_postfix(
                        steps_per_s=f"{metrics['charts/SPS']:.0f}",
                        ret=f"{metrics['charts/episodic_return']:.0f}",
                        eval=f"{det.mean:.0f}",
                        **(
                            {"d_acc": f"{metrics['disc/acc_agent']:.2f}"}
                            if "disc/acc_agent" in metrics
                            else {}
                        ),
                    )
                if logger is not None:
                    logger.log(metrics, steps)
                bar.update(1 if unit == "it" else len(roll))
                if self.stop_at_return is not None and result.best_return >= self.stop_at_return:
                    log.info(
                        "greedy evaluation reached %.1f >= stop_at_return after %d steps: stopping",
                        result.best_return,
                        steps,
                    )
                    break
        finally:
            bar.close()
            envs.close()
            eval_envs.close()
        result.iterations, result.env_steps, result.wall_time_s = it, steps, time.time() - t0
        return result
