"""Expert trained by PPO on the env's own reward (discrete actions), keeping the best greedy
snapshot."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from gail_lab.envs import EnvFactory
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import TRAINING_STREAM, evaluate_policy
from gail_lab.rl.networks import CategoricalPolicy
from gail_lab.rl.ppo import PPO
from gail_lab.rl.rollout import EpisodeRunner
from gail_lab.rl.schedules import LinearLRDecay

log = logging.getLogger(__name__)


class PPOExpert:
    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str = "ppo",
        hidden_sizes: Sequence[int] = (64, 64),
        total_steps: int = 200_000,
        samples_per_iteration: int = 2048,
        normalize_obs: bool = False,
        anneal_lr: bool = True,
        eval_every: int = 5,
        eval_episodes: int = 10,
        stop_at_return: float | None = None,
        **ppo_kwargs: Any,
    ) -> None:
        self.name, self.optimizer = name, optimizer
        self.hidden_sizes, self.total_steps = list(hidden_sizes), total_steps
        self.samples_per_iteration, self.normalize_obs, self.anneal_lr = (
            samples_per_iteration,
            normalize_obs,
            anneal_lr,
        )
        self.eval_every, self.eval_episodes, self.stop_at_return = (
            eval_every,
            eval_episodes,
            stop_at_return,
        )
        self.ppo_kwargs = ppo_kwargs

    def fit(
        self, factory: EnvFactory, seed: int, logger=None, progress: bool = True
    ) -> tuple[CategoricalPolicy, dict[str, Any]]:
        if not factory.discrete:
            raise ValueError(
                f"expert=ppo drives discrete actions only for now; {factory.id} has {factory.action_space}"
            )
        policy = CategoricalPolicy(
            factory.obs_dim, factory.n_actions, self.hidden_sizes, normalize_obs=self.normalize_obs
        )
        ppo = PPO(policy, self.optimizer, seed=seed, **self.ppo_kwargs)
        schedule = LinearLRDecay(ppo.optimizer)
        envs, eval_envs = (
            factory.make_vec(),
            factory.make_vec(min(factory.num_envs, self.eval_episodes)),
        )
        runner = EpisodeRunner(envs, seed)
        best, best_state, best_step, steps, it, t0 = -float("inf"), None, 0, 0, 0, time.time()
        bar = progress_bar(self.total_steps, f"expert {self.name}", progress)
        try:
            while steps < self.total_steps:
                it += 1
                if self.anneal_lr:
                    schedule.set_remaining(1.0 - steps / self.total_steps)
                roll = runner.run(policy.act, min_steps=self.samples_per_iteration)
                steps += len(roll)
                policy.observe(roll.observations)
                metrics = ppo.update(roll, roll.rewards)
                metrics.update(
                    {
                        "charts/episodic_return": float(roll.episode_returns.mean()),
                        "charts/episodic_length": float(roll.episode_lengths.mean()),
                        "charts/SPS": steps / (time.time() - t0),
                    }
                )
                if it % self.eval_every == 0 or steps >= self.total_steps:
                    result = evaluate_policy(
                        policy, eval_envs, self.eval_episodes, seed, True, stream=TRAINING_STREAM
                    )
                    if result.mean >= best:
                        best, best_state, best_step = (
                            result.mean,
                            copy.deepcopy(policy.state_dict()),
                            steps,
                        )
                    metrics.update({"eval/return_mean": result.mean, "eval/best_return": best})
                    bar.set_postfix(eval=f"{result.mean:.1f}", best=f"{best:.1f}")
                if logger is not None:
                    logger.log(metrics, steps)
                bar.update(len(roll))
                if self.stop_at_return is not None and best >= self.stop_at_return:
                    log.info(
                        "greedy evaluation reached %.1f >= stop_at_return after %d steps: stopping",
                        best,
                        steps,
                    )
                    break
        finally:
            bar.close()
            envs.close()
            eval_envs.close()
        policy.load_state_dict(best_state)
        info = {
            "best_eval_return": best,
            "best_step": best_step,
            "env_steps": steps,
            "wall_time_s": time.time() - t0,
        }
        return policy.eval(), info
