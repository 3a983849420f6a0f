"""DQN experts with best-snapshot selection: the seed's CartPole recipe (episode-based, the
defaults) and step-based recipes such as rl-baselines3-zoo's MountainCar-v0 one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from gail_lab.envs import EnvFactory
from gail_lab.errors import IncompatibleSpaceError
from gail_lab.rl.dqn import DQN
from gail_lab.rl.networks import QPolicy


class DQNExpert:
    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str = "dqn",
        hidden_sizes: Sequence[int] = (128, 128),
        episodes: int | None = 500,
        total_steps: int | None = None,
        gamma: float = 0.99,
        batch_size: int = 128,
        buffer_size: int = 200_000,
        learning_starts: int = 128,
        eps_start: float = 1.0,
        eps_decay: float = 0.995,
        eps_min: float = 0.01,
        eps_schedule: str = "multiplicative",
        eps_fraction: float = 0.1,
        target_update_episodes: int | None = 10,
        target_update_steps: int | None = None,
        train_freq: int = 1,
        gradient_steps: int = 1,
        loss: str = "mse",
        max_grad_norm: float | None = None,
        eval_every_episodes: int | None = 10,
        eval_every_steps: int | None = None,
        eval_episodes: int = 5,
        stop_at_return: float | None = None,
    ) -> None:
        self.name = name
        self.optimizer = optimizer
        self.hidden_sizes = list(hidden_sizes)
        self.episodes, self.total_steps = episodes, total_steps
        self.learner_kwargs = dict(
            gamma=gamma,
            batch_size=batch_size,
            buffer_size=buffer_size,
            learning_starts=learning_starts,
            eps_start=eps_start,
            eps_decay=eps_decay,
            eps_min=eps_min,
            eps_schedule=eps_schedule,
            eps_fraction=eps_fraction,
            target_update_episodes=target_update_episodes,
            target_update_steps=target_update_steps,
            train_freq=train_freq,
            gradient_steps=gradient_steps,
            loss=loss,
            max_grad_norm=max_grad_norm,
        )
        self.eval_every_episodes, self.eval_every_steps = eval_every_episodes, eval_every_steps
        self.eval_episodes = eval_episodes
        self.stop_at_return = stop_at_return

    def check_env(self, factory: EnvFactory) -> None:
        if not factory.discrete:
            raise IncompatibleSpaceError(
                f"expert=dqn needs a discrete action space; {factory.id} has {factory.action_space} "
                "(use expert=sac or expert=ppo)"
            )

    def fit(
        self, factory: EnvFactory, seed: int, logger=None, progress: bool = True
    ) -> tuple[QPolicy, dict[str, Any]]:
        self.check_env(factory)
        q = QPolicy(factory.obs_dim, factory.n_actions, self.hidden_sizes)
        dqn = DQN(q, self.optimizer, **self.learner_kwargs)
        env = factory.make()
        eval_envs = factory.make_vec(min(self.eval_episodes, factory.num_envs))
        try:
            result = dqn.train(
                env,
                eval_envs,
                self.episodes,
                seed,
                self.eval_every_episodes,
                self.eval_episodes,
                stop_at_return=self.stop_at_return,
                logger=logger,
                progress=progress,
                total_steps=self.total_steps,
                eval_every_steps=self.eval_every_steps,
            )
        finally:
            env.close()
            eval_envs.close()
        info = {
            "best_eval_return": result.best_eval_return,
            "best_episode": result.best_episode,
            "best_env_step": result.best_env_step,
            "episodes": result.episodes,
            "env_steps": result.env_steps,
            "wall_time_s": result.wall_time_s,
        }
        return result.policy, info
