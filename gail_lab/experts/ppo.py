"""Expert trained by PPO on the env's own reward (categorical policy for discrete actions,
tanh-squashed Gaussian for Box actions), keeping the best greedy snapshot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from gail_lab.envs import EnvFactory
from gail_lab.rl.networks import Policy, policy_for_space
from gail_lab.rl.on_policy import OnPolicyLoop
from gail_lab.rl.ppo import PPO


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
        log_std_init: float = 0.0,
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
        self.log_std_init = log_std_init
        self.ppo_kwargs = ppo_kwargs

    def check_env(self, factory: EnvFactory) -> None:
        """PPO drives discrete and Box actions alike."""

    def fit(
        self, factory: EnvFactory, seed: int, logger=None, progress: bool = True
    ) -> tuple[Policy, dict[str, Any]]:
        continuous = {} if factory.discrete else {"log_std_init": self.log_std_init}
        policy = policy_for_space(
            factory.obs_dim,
            factory.action_space,
            self.hidden_sizes,
            self.normalize_obs,
            **continuous,
        )
        ppo = PPO(policy, self.optimizer, seed=seed, **self.ppo_kwargs)
        loop = OnPolicyLoop(
            samples_per_iteration=self.samples_per_iteration,
            total_steps=self.total_steps,
            eval_every=self.eval_every,
            eval_episodes=self.eval_episodes,
            anneal_lr=self.anneal_lr,
            stop_at_return=self.stop_at_return,
            keep_best=True,
            desc=f"expert {self.name}",
        )
        result = loop.run(policy, ppo, factory, seed, logger=logger, progress=progress)
        policy.load_state_dict(result.best_state)
        info = {
            "best_eval_return": result.best_return,
            "best_step": result.best_step,
            "env_steps": result.env_steps,
            "wall_time_s": result.wall_time_s,
        }
        return policy.eval(), info
