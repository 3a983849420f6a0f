"""The seed's CartPole expert: DQN with best-snapshot selection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from gail_lab.envs import EnvFactory
from gail_lab.rl.dqn import DQN
from gail_lab.rl.networks import QPolicy


class DQNExpert:
    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str = "dqn",
        hidden_sizes: Sequence[int] = (128, 128),
        episodes: int = 500,
        gamma: float = 0.99,
        batch_size: int = 128,
        buffer_size: int = 200_000,
        learning_starts: int = 128,
        eps_start: float = 1.0,
        eps_decay: float = 0.995,
        eps_min: float = 0.01,
        target_update_episodes: int = 10,
        loss: str = "mse",
        max_grad_norm: float | None = None,
        eval_every_episodes: int = 10,
        eval_episodes: int = 5,
        stop_at_return: float | None = None,
    ) -> None:
        self.name = name
        self.optimizer = optimizer
        self.hidden_sizes = list(hidden_sizes)
        self.episodes = episodes
        self.learner_kwargs = dict(
            gamma=gamma,
            batch_size=batch_size,
            buffer_size=buffer_size,
            learning_starts=learning_starts,
            eps_start=eps_start,
            eps_decay=eps_decay,
            eps_min=eps_min,
            target_update_episodes=target_update_episodes,
            loss=loss,
            max_grad_norm=max_grad_norm,
        )
        self.eval_every_episodes = eval_every_episodes
        self.eval_episodes = eval_episodes
        self.stop_at_return = stop_at_return

    def fit(
        self, factory: EnvFactory, seed: int, logger=None, progress: bool = True
    ) -> tuple[QPolicy, dict[str, Any]]:
        if not factory.discrete:
            raise ValueError(
                f"expert=dqn needs a discrete action space; {factory.id} has {factory.action_space}"
            )
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
            )
        finally:
            env.close()
            eval_envs.close()
        info = {
            "best_eval_return": result.best_eval_return,
            "best_episode": result.best_episode,
            "episodes": result.episodes,
            "env_steps": result.env_steps,
            "wall_time_s": result.wall_time_s,
        }
        return result.policy, info
