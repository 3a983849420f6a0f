"""Small pure functions for returns (unit-tested against hand-computed values)."""

from __future__ import annotations

import numpy as np


def discounted_returns(rewards: np.ndarray, episode_starts: np.ndarray, gamma: float) -> np.ndarray:
    """G_t = r_t + gamma * G_{t+1} within each episode; episodes are contiguous slices.

    ``episode_starts`` holds the index of each episode's first step (ascending, first is 0).
    Monte-Carlo returns: nothing is added after an episode's last step, whether it terminated or
    was cut by a time limit. Bootstrapping a truncated episode needs a value estimate, which
    REINFORCE (the one caller) does not have, so its returns end at the cut, as the study notes' REINFORCE did;
    the last steps before a time limit are under-valued by the return they would have gone on to
    earn. Learners with a critic (PPO, :func:`gae`) bootstrap through time limits.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    out = np.empty_like(rewards)
    bounds = list(np.asarray(episode_starts, dtype=np.int64)) + [len(rewards)]
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        running = 0.0
        for t in range(end - 1, start - 1, -1):
            running = rewards[t] + gamma * running
            out[t] = running
    return out


def normalize(x: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """Zero mean, unit standard deviation (a constant array becomes all zeros)."""
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / (x.std() + eps)


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    episode_starts: np.ndarray,
    gamma: float,
    lam: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Generalized advantage estimation (Schulman et al. 2016) on complete episodes.

    delta_t = r_t + gamma * (1 - terminated_t) * V(s_{t+1}) - V(s_t);
    A_t = delta_t + gamma * lam * A_{t+1} inside an episode (A after its last step is 0).
    A truncated episode (time limit) bootstraps from ``next_values`` of its last step; a
    terminated one does not. Returns (advantages, returns = advantages + values).
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    not_term = 1.0 - np.asarray(terminated, dtype=np.float64)
    deltas = rewards + gamma * not_term * np.asarray(next_values, dtype=np.float64) - values
    adv = np.empty_like(deltas)
    bounds = list(np.asarray(episode_starts, dtype=np.int64)) + [len(rewards)]
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        running = 0.0
        for t in range(end - 1, start - 1, -1):
            running = deltas[t] + gamma * lam * running
            adv[t] = running
    return adv, adv + values


def forward_discounted_sums(
    rewards: np.ndarray, episode_starts: np.ndarray, gamma: float
) -> np.ndarray:
    """R_t = gamma * R_{t-1} + r_t within each segment (R restarts at each segment's first step):
    the running discounted sum whose spread reward normalization divides by (SB3's VecNormalize
    and gymnasium's NormalizeReward keep the same sum per env)."""
    rewards = np.asarray(rewards, dtype=np.float64)
    out = np.empty_like(rewards)
    starts = np.zeros(len(rewards), bool)
    starts[np.asarray(episode_starts, dtype=np.int64)] = True
    running = 0.0
    for t, r in enumerate(rewards):
        running = r + (0.0 if starts[t] else gamma * running)
        out[t] = running
    return out


class RewardScaler:
    """Rewards divided by the running standard deviation of their forward discounted sum, then
    clipped to [-clip, clip] (SB3's ``VecNormalize(norm_reward=True)``, which rl-baselines3-zoo's
    ``normalize: true`` turns on for its MuJoCo PPO settings). Without it a locomotion return runs
    to thousands: the critic's loss swamps the policy's gradient under the shared gradient-norm
    clip. The statistics come from gymnasium's ``RunningMeanStd``, updated once per rollout with
    its sums (which restart at each segment: an approximation where a rollout cut an episode)."""

    def __init__(self, gamma: float, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        from gymnasium.wrappers.utils import RunningMeanStd

        self.gamma, self.clip, self.epsilon = gamma, clip, epsilon
        self.stats = RunningMeanStd(shape=())

    def __call__(self, rewards: np.ndarray, episode_starts: np.ndarray) -> np.ndarray:
        self.stats.update(forward_discounted_sums(rewards, episode_starts, self.gamma))
        scaled = np.asarray(rewards, np.float64) / np.sqrt(self.stats.var + self.epsilon)
        return np.clip(scaled, -self.clip, self.clip).astype(np.float32)

    def state_dict(self) -> dict:
        return {
            "mean": float(self.stats.mean),
            "var": float(self.stats.var),
            "count": self.stats.count,
        }

    def load_state_dict(self, state: dict) -> None:
        self.stats.mean = np.float64(state["mean"])
        self.stats.var = np.float64(state["var"])
        self.stats.count = state["count"]
