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

``discriminator.absorbing_obs=terminal`` shows D the observation the episode ended in as well
(zero action): with one absorbing state for every ending (``env.terminal_outcome=failure``), D
can then tell a goal from a crash by where the episode ended, as it tells any two states apart,
without being told the outcome; each terminal step's tail is then D's reward of its own
absorbing state.
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


def ending_code(terminated: bool, info: dict, terminal_outcome: str) -> int:
    """The absorbing state one env step leads to: NOT_ENDED unless it terminated, then SUCCESS or
    FAILURE as the env says (``env.terminal_outcome``: success, failure, or info['is_success'])."""
    if not terminated:
        return NOT_ENDED
    if terminal_outcome == "success":
        return SUCCESS
    if terminal_outcome == "failure":
        return FAILURE
    return SUCCESS if info.get("is_success", False) else FAILURE


def append_absorbing(
    batch: dict[str, np.ndarray], codes: np.ndarray, terminal_obs: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """``batch`` (ordinary transitions with their ``next_codes``) followed by one absorbing entry
    per code: zero observation (or ``terminal_obs``, the observation each episode ended in) and
    zero action, its ending's code; an absorbing state leads to itself."""
    codes = np.asarray(codes, np.int64)
    k, n = len(codes), len(batch["obs"])
    obs, actions = batch["obs"], batch["actions"]
    if terminal_obs is None:
        absorbing_obs = np.zeros((k, *obs.shape[1:]), obs.dtype)
    else:
        absorbing_obs = np.asarray(terminal_obs, obs.dtype).reshape(k, *obs.shape[1:])
    zeros_act = np.zeros((k, *actions.shape[1:]), actions.dtype)
    return {
        "obs": np.concatenate([obs, absorbing_obs]),
        "actions": np.concatenate([actions, zeros_act]),
        "next_obs": np.concatenate([batch["next_obs"], absorbing_obs]),
        "terminated": np.concatenate([batch["terminated"], np.ones(k, bool)]),
        "codes": np.concatenate([np.zeros(n, np.int64), codes]),
        "next_codes": np.concatenate([np.asarray(batch["next_codes"], np.int64), codes]),
    }


def with_absorbing(
    t: Transitions, terminal_outcome: str, terminal_obs: bool = False
) -> dict[str, np.ndarray]:
    """The discriminator's sample pool: every transition (code NOT_ENDED) followed by one absorbing
    entry per terminated episode (showing the observation it ended in with ``terminal_obs``);
    ``next_codes`` says which absorbing state each step leads to."""
    idx, codes = absorbing_entries(t, terminal_outcome)
    batch = {**as_batch(t), "next_codes": next_codes(t, terminal_outcome)}
    return append_absorbing(batch, codes, t.next_observations[idx] if terminal_obs else None)


def absorbing_tail(
    next_codes: np.ndarray, absorbing_reward: dict[int, float], gamma: float
) -> np.ndarray:
    """Per step: gamma / (1 - gamma) * r(absorbing state it enters) where ``next_codes`` names
    one, else 0 (float32)."""
    codes = np.asarray(next_codes)
    tail = np.zeros(len(codes), np.float32)
    value = gamma / (1.0 - gamma) if gamma < 1 else 0.0
    for code in (SUCCESS, FAILURE):
        tail[codes == code] = value * absorbing_reward[code]
    return tail
