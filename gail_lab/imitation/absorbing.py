"""Absorbing states for terminations (Kostrikov et al. 2019, DAC), one per way an episode ends.

A terminated episode does not simply stop paying: it enters an absorbing state that it never
leaves, and the discriminator learns a reward for that state like any other. With one absorbing
state for every ending, reaching the goal and crashing look alike to D, and on envs whose expert
episodes end in success (racecar, MountainCar) the agent is paid to end its episodes at once.
Here each ending has its own: SUCCESS and FAILURE (time-limit truncations are not endings: PPO
bootstraps through them with its critic; REINFORCE, which has no value estimate, ends its
returns there). D sees an absorbing state as zero observation and action plus a
one-hot code of the ending; the agent's terminal step earns gamma / (1 - gamma) times the
absorbing state's reward, the discounted value of staying there forever.
"""

from __future__ import annotations

import numpy as np

from gail_lab.data.transitions import Transitions
from gail_lab.errors import GailLabError

NOT_ENDED, SUCCESS, FAILURE = 0, 1, 2
NUM_CODES = 2  # extra discriminator inputs: one-hot of SUCCESS, FAILURE


class MissingOutcomesError(GailLabError, ValueError):
    """Absorbing states need each episode's ending, and these transitions do not record it."""


def episode_outcomes(t: Transitions, terminal_outcome: str) -> np.ndarray:
    """Per episode: NOT_ENDED (time limit), SUCCESS or FAILURE. ``terminal_outcome`` is the env's
    (``info``: read ``t.episode_successes``; ``success``/``failure``: every termination is one)."""
    last = t.episode_ends
    terminated = t.terminated[last].astype(bool)
    if terminal_outcome == "success":
        success = np.ones(len(last), bool)
    elif terminal_outcome == "failure":
        success = np.zeros(len(last), bool)
    elif t.episode_successes is not None:
        success = np.asarray(t.episode_successes, bool)
    else:
        raise MissingOutcomesError(
            "these transitions do not say whether their episodes ended in success (no "
            "info['is_success'] recorded); set env.terminal_outcome=success|failure, or recollect "
            "the dataset (task=collect reuse_artifacts=false) with an env that reports is_success"
        )
    return np.where(terminated, np.where(success, SUCCESS, FAILURE), NOT_ENDED)


def absorbing_entries(t: Transitions, terminal_outcome: str) -> tuple[np.ndarray, np.ndarray]:
    """(index of each terminated episode's last step, its ending code)."""
    outcomes = episode_outcomes(t, terminal_outcome)
    last = t.episode_ends
    ended = outcomes != NOT_ENDED
    return last[ended], outcomes[ended]


def as_batch(t: Transitions) -> dict[str, np.ndarray]:
    """The discriminator's view of transitions (no absorbing entries)."""
    return {
        "obs": t.observations,
        "actions": t.actions,
        "next_obs": t.next_observations,
        "terminated": t.terminated,
    }


def next_codes(t: Transitions, terminal_outcome: str) -> np.ndarray:
    """Per step, the code of the state it leads to: its ending's on terminated episodes' last
    steps (the absorbing state comes next), NOT_ENDED elsewhere (AIRL's shaping term h(s'))."""
    idx, codes = absorbing_entries(t, terminal_outcome)
    out = np.zeros(len(t), np.int64)
    out[idx] = codes
    return out


def with_absorbing(t: Transitions, terminal_outcome: str) -> dict[str, np.ndarray]:
    """The discriminator's sample pool: every transition (code NOT_ENDED) followed by one absorbing
    entry (zero observation and action, its ending's code) per terminated episode; ``next_codes``
    says which absorbing state each step leads to (an absorbing state leads to itself)."""
    _, codes = absorbing_entries(t, terminal_outcome)
    k = len(codes)
    zeros_obs = np.zeros((k, *t.observations.shape[1:]), t.observations.dtype)
    zeros_act = np.zeros((k, *t.actions.shape[1:]), t.actions.dtype)
    return {
        "obs": np.concatenate([t.observations, zeros_obs]),
        "actions": np.concatenate([t.actions, zeros_act]),
        "next_obs": np.concatenate([t.next_observations, zeros_obs]),
        "terminated": np.concatenate([t.terminated, np.ones(k, bool)]),
        "codes": np.concatenate([np.zeros(len(t), np.int64), codes]),
        "next_codes": np.concatenate([next_codes(t, terminal_outcome), codes]),
    }


def terminal_bonus(
    t: Transitions, terminal_outcome: str, absorbing_reward: dict[int, float], gamma: float
) -> np.ndarray:
    """Per step: gamma / (1 - gamma) * r(absorbing state of its ending) on terminal steps, else 0."""
    bonus = np.zeros(len(t), np.float32)
    idx, codes = absorbing_entries(t, terminal_outcome)
    tail = gamma / (1.0 - gamma) if gamma < 1 else 0.0
    for i, c in zip(idx, codes, strict=True):
        bonus[i] = tail * absorbing_reward[int(c)]
    return bonus
