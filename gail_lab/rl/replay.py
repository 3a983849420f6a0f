"""A replay buffer of single transitions for the off-policy learners (DQN, SAC, DAC)."""

from __future__ import annotations

import numpy as np
import torch


class ReplayBuffer:
    """A ring buffer of (obs, action, reward, next_obs, terminated); ``sample`` returns tensors.

    ``terminated`` is the only end flag kept: a time-limit truncation still bootstraps.
    ``next_codes`` says how a transition's episode ended when it did (absorbing states,
    imitation/absorbing.py: 0 = not ended, 1 = success, 2 = failure); learners on the env's own
    reward leave it at 0.
    """

    FIELDS = ("obs", "actions", "rewards", "next_obs", "terminated")

    def __init__(
        self,
        capacity: int,
        obs_dim: int,
        action_shape: tuple[int, ...],
        action_dtype: type,
        rng: np.random.Generator,
    ) -> None:
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros((capacity, *action_shape), action_dtype)
        self.rewards = np.zeros(capacity, np.float32)
        self.terminated = np.zeros(capacity, np.float32)
        self.next_codes = np.zeros(capacity, np.int8)
        self.capacity, self.size, self.pos = capacity, 0, 0
        self.rng = rng  # the run's replay stream (gail_lab/seeding.py)

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action, reward, next_obs, terminated, next_code: int = 0) -> None:
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i], self.next_codes[i] = next_obs, terminated, next_code
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, n: int) -> np.ndarray:
        """``n`` indices of stored transitions, uniformly with replacement."""
        return self.rng.integers(0, self.size, size=n)

    def sample(self, n: int, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
        idx = self.sample_indices(n)
        return {
            name: torch.as_tensor(getattr(self, name)[idx], device=device) for name in self.FIELDS
        }

    def state_dict(self) -> dict:
        """The filled part of the buffer, its write position and its sampling RNG."""
        n = self.size
        return {
            "obs": torch.from_numpy(self.obs[:n].copy()),
            "next_obs": torch.from_numpy(self.next_obs[:n].copy()),
            "actions": torch.from_numpy(self.actions[:n].copy()),
            "rewards": torch.from_numpy(self.rewards[:n].copy()),
            "terminated": torch.from_numpy(self.terminated[:n].copy()),
            "next_codes": torch.from_numpy(self.next_codes[:n].copy()),
            "size": n,
            "pos": self.pos,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict) -> None:
        n = int(state["size"])
        if n > self.capacity:
            raise ValueError(f"a buffer of {n} transitions does not fit capacity {self.capacity}")
        for name in ("obs", "next_obs", "actions", "rewards", "terminated", "next_codes"):
            getattr(self, name)[:n] = state[name].numpy()
        self.size, self.pos = n, int(state["pos"])
        self.rng.bit_generator.state = state["rng"]
