"""Hand-written experts: no training, deterministic, instant (useful for fast tests)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gail_lab.envs import EnvFactory
from gail_lab.rl.checkpoint import register_policy_kind
from gail_lab.rl.networks import Policy


@register_policy_kind
class CartPoleController(Policy):
    """Push toward the side the pole is falling to, with damping on pole and cart velocity:
    a linear state-feedback law that balances CartPole-v1 for 500 steps from any seeded start."""

    gains = np.array([0.1, 0.5, 10.0, 2.0])  # x, x_dot, theta, theta_dot

    def __init__(self, name: str = "scripted_cartpole") -> None:
        super().__init__()
        self.name = name
        self.init_kwargs = {"name": name}

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        return (np.asarray(obs) @ self.gains > 0).astype(np.int64)

    def fit(
        self, factory: EnvFactory, seed: int, logger=None, progress: bool = True
    ) -> tuple[Policy, dict[str, Any]]:
        if not factory.id.startswith("CartPole"):
            raise ValueError(f"expert={self.name} drives CartPole only, not {factory.id}")
        return self, {"env_steps": 0, "wall_time_s": 0.0}
