"""Transitions of complete episodes stored contiguously: what rollouts return and datasets hold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRANSITION_FIELDS = (
    "observations",
    "actions",
    "rewards",
    "next_observations",
    "terminated",
    "truncated",
    "episode_starts",
)


@dataclass
class Transitions:
    """N transitions of E complete episodes, episode after episode."""

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    episode_starts: np.ndarray  # index of each episode's first transition
    # Per episode: did it end in success (the env's info["is_success"] at its last step)? None
    # when unknown (the env does not say, or a dataset made before this was recorded).
    episode_successes: np.ndarray | None = None
    # Per step: log pi(a_t|s_t) of the policy that acted, recorded when it acted (rollouts for
    # learners that need it, PPO's ratio); None in datasets.
    log_probs: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.rewards)

    @property
    def num_episodes(self) -> int:
        return len(self.episode_starts)

    @property
    def episode_ends(self) -> np.ndarray:
        """Index of each episode's last transition."""
        return np.append(self.episode_starts[1:], len(self.rewards)) - 1

    @property
    def episode_lengths(self) -> np.ndarray:
        return np.diff(np.append(self.episode_starts, len(self.rewards)))

    @property
    def episode_returns(self) -> np.ndarray:
        if len(self.rewards) == 0:
            return np.zeros(0)
        return np.add.reduceat(self.rewards.astype(np.float64), self.episode_starts)

    def endings_as_timeouts(self) -> None:
        """Record every termination as a time limit (in place): no episode ends in a terminal
        state, so no absorbing state or outcome code comes from this data."""
        self.truncated = self.truncated | self.terminated
        self.terminated = np.zeros_like(self.terminated)
        if self.episode_successes is not None:
            self.episode_successes = np.zeros_like(self.episode_successes)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in TRANSITION_FIELDS}
