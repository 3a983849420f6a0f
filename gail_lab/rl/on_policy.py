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
import dataclasses
import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gail_lab.data.transitions import Transitions
from gail_lab.envs import EnvFactory
from gail_lab.errors import GailLabError, NonFiniteError
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import training_evaluation
from gail_lab.rl.rollout import EpisodeRunner
from gail_lab.rl.schedules import LinearLRDecay
from gail_lab.rl.training_state import (
    TrainingCheckpoints,
    global_rng_state,
    set_global_rng_state,
)

log = logging.getLogger(__name__)

# episodes, iteration -> (per-step rewards, metrics to log)
RewardFn = Callable[[Transitions, int], tuple[np.ndarray, dict[str, float]]]


class StatefulHook:
    """A callable (or None) with the state it needs saved in training checkpoints."""

    def __init__(self, fn, get_state: Callable[[], Any], set_state: Callable[[Any], Any]) -> None:
        self.fn, self.get_state, self.set_state = fn, get_state, set_state

    def __call__(self, *args):
        return self.fn(*args)

    def state_dict(self) -> Any:
        return self.get_state()

    def load_state_dict(self, state: Any) -> None:
        self.set_state(state)


class Preempted(GailLabError):
    """SIGTERM/SIGUSR2 arrived: the state was checkpointed; rerun in the same run dir to resume."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum


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

    def _update(self, reward_fn, learner, roll: Transitions, it: int) -> dict[str, float]:
        """Rewards and the learner's update for one iteration; NonFiniteError when a metric is
        NaN/inf or a distribution was handed non-finite parameters inside the update."""
        try:
            rewards, metrics = reward_fn(roll, it)
            metrics.update(learner.update(roll, rewards))
        except ValueError as err:  # torch.distributions' argument validation
            if "invalid values" not in str(err):
                raise
            raise NonFiniteError(
                f"the policy's outputs became non-finite during the update at iteration {it}"
                f" ({str(err).splitlines()[0]})"
                + (f"; {self.nan_hint}" if self.nan_hint else "; lower the learning rate")
            ) from None
        check_finite(metrics, it, self.nan_hint)
        return metrics

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
        checkpoints: TrainingCheckpoints | None = None,
        extra_state: dict[str, Any] | None = None,
    ) -> OnPolicyResult:
        """Train. With ``checkpoints``: resume from the newest checkpoint there, save the whole
        state (policy, learner, ``extra_state`` such as the discriminator, RNGs, env RNGs,
        counters) every ``checkpoints.every`` iterations and when SIGTERM/SIGUSR2 arrives (then
        raise :class:`Preempted` at the end of the iteration)."""
        if self.iterations is None and self.total_steps is None:
            raise ValueError("OnPolicyLoop needs iterations or total_steps")
        extra_state = extra_state or {}
        envs = factory.make_vec()
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        runner = EpisodeRunner(envs, seed)
        schedule = LinearLRDecay(learner.optimizer)
        result, steps, it, t0 = OnPolicyResult(), 0, 0, time.time()

        def state() -> dict[str, Any]:
            return {
                "iteration": it,
                "steps": steps,
                "elapsed_s": time.time() - t0,
                "result": dataclasses.asdict(result),
                "policy": policy.state_dict(),
                "learner": learner.state_dict(),
                "schedule": schedule.base_lrs,
                "extra": {k: v.state_dict() for k, v in extra_state.items()},
                "rng": global_rng_state(),
                "runner": runner.state_dict(),
            }

        if checkpoints is not None and (found := checkpoints.latest()) is not None:
            saved, path = found
            it, steps = int(saved["iteration"]), int(saved["steps"])
            t0 = time.time() - float(saved["elapsed_s"])
            result = OnPolicyResult(**saved["result"])
            result.eval_history = [tuple(x) for x in result.eval_history]
            policy.load_state_dict(saved["policy"])
            learner.load_state_dict(saved["learner"])
            schedule.base_lrs = list(saved["schedule"])
            for key, value in saved["extra"].items():
                extra_state[key].load_state_dict(value)
            set_global_rng_state(saved["rng"])
            exact = runner.load_state_dict(saved["runner"])
            if logger is not None and hasattr(logger, "rewind"):
                logger.rewind(steps)
            log.info(
                "resumed from %s: iteration %d, %d env steps%s",
                path,
                it,
                steps,
                "" if exact else " (env RNG states not restorable: async envs; not bit-exact)",
            )
        stop = {"signal": None}
        handlers = {}
        if checkpoints is not None and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGUSR2):
                handlers[sig] = signal.signal(sig, lambda num, frame: stop.update(signal=num))
        total, unit = (
            (self.iterations, "it") if self.iterations is not None else (self.total_steps, "step")
        )
        bar = progress_bar(total, self.desc, progress, unit=unit)
        bar.update(it if unit == "it" else steps)  # where a resumed run starts
        try:
            while not self.done(it, steps):
                # the state before this iteration: saved if the iteration turns out non-finite
                before = copy.deepcopy(state()) if checkpoints is not None else None
                it += 1
                if self.anneal_lr:  # the policy's learning rate decays linearly to 0
                    schedule.set_remaining(1.0 - self.progress(it, steps))
                roll = runner.run(policy.decide, min_steps=self.samples_per_iteration)
                steps += len(roll)
                policy.observe(roll.observations)
                try:
                    metrics = self._update(reward_fn, learner, roll, it)
                except NonFiniteError as err:
                    if checkpoints is None:
                        raise
                    path = checkpoints.save(before, it - 1)
                    raise NonFiniteError(
                        f"{err}; the last finite state is saved in {path}"
                    ) from None
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
                    det, eval_metrics = training_evaluation(
                        policy, eval_envs, self.eval_episodes, seed
                    )
                    metrics.update(eval_metrics)
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
                if checkpoints is not None and (
                    it % checkpoints.every == 0 or self.done(it, steps) or stop["signal"]
                ):
                    path = checkpoints.save(state(), it)
                    if stop["signal"] is not None:
                        raise Preempted(
                            f"stopped by signal {stop['signal']} after iteration {it}; state saved to "
                            f"{path}: run the same command in the same run dir to resume",
                            int(stop["signal"]),
                        )
                if self.stop_at_return is not None and result.best_return >= self.stop_at_return:
                    log.info(
                        "greedy evaluation reached %.1f >= stop_at_return after %d steps: stopping",
                        result.best_return,
                        steps,
                    )
                    break
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            bar.close()
            envs.close()
            eval_envs.close()
        result.iterations, result.env_steps, result.wall_time_s = it, steps, time.time() - t0
        return result
