"""One env stepped in order, for the learners that act one step at a time (SAC, DAC): the current
observation, the episode's return and length, and the env itself in checkpoints (pickled, so a
resume continues the same episode; an env that cannot be pickled, PyBullet's, restarts its
episode on resume instead, which is not bit-exact, and says so)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gail_lab.envs import EnvFactory
from gail_lab.rl.training_state import env_snapshot, restore_env


@dataclass
class Step:
    obs: np.ndarray  # the observation acted on
    action: np.ndarray
    reward: float
    next_obs: np.ndarray
    terminated: bool
    truncated: bool
    info: dict[str, Any]
    metrics: dict[str, float]  # the episode's return and length, when it ended here


class EnvStepper:
    def __init__(self, factory: EnvFactory, rng: np.random.Generator) -> None:
        """``rng`` (the run's ``envs`` stream) seeds the first reset and the action space."""
        self.env = factory.make()
        reset_seed, action_seed = (int(s) for s in rng.integers(0, 2**31 - 1, size=2))
        self.env.action_space.seed(action_seed)
        self.obs, _ = self.env.reset(seed=reset_seed)
        self.ep_return, self.ep_len = 0.0, 0

    def random_action(self) -> np.ndarray:
        return self.env.action_space.sample()

    def step(self, action: np.ndarray) -> Step:
        """Step the env; at an episode's end log it and start the next (``self.obs`` is then the
        new episode's first observation)."""
        obs = self.obs
        next_obs, reward, terminated, truncated, info = self.env.step(action)
        self.obs, self.ep_return, self.ep_len = (
            next_obs,
            self.ep_return + float(reward),
            self.ep_len + 1,
        )
        metrics: dict[str, float] = {}
        if terminated or truncated:
            metrics = {
                "charts/episodic_return": self.ep_return,
                "charts/episodic_length": self.ep_len,
            }
            self.obs, _ = self.env.reset()
            self.ep_return, self.ep_len = 0.0, 0
        return Step(
            obs, action, float(reward), next_obs, bool(terminated), bool(truncated), info, metrics
        )

    def state_dict(self) -> dict[str, Any]:
        return {
            "env": env_snapshot(self.env),
            "obs": torch.as_tensor(np.asarray(self.obs)),
            "episode": [self.ep_return, self.ep_len],
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        """Restore the env mid-episode; False (a new episode) where it could not be pickled."""
        env = restore_env(state["env"])
        if env is None:
            self.obs, _ = self.env.reset()
            self.ep_return, self.ep_len = 0.0, 0
            return False
        self.env.close()
        self.env = env
        self.obs = state["obs"].numpy()
        self.ep_return, self.ep_len = float(state["episode"][0]), int(state["episode"][1])
        return True

    def close(self) -> None:
        self.env.close()
