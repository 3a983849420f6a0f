"""Roll out complete episodes from a gymnasium vector env (sync or async), one batched policy call
per step.

The vector env runs with autoreset disabled: the runner resets each sub-env itself, with the seed
it chooses, when that env's episode ends. Once the budget is reached no new episode is recorded;
envs that finish early keep stepping (their transitions are dropped) until every recorded episode
has ended, so every returned episode is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch

from gail_lab.data.transitions import Transitions
from gail_lab.rl.training_state import (
    env_rng_states,
    env_snapshot,
    restore_env,
    set_env_rng_states,
)


@dataclass
class Decision:
    """What a policy decided for a batch of observations: the actions sent to the env, the ones
    recorded when they differ (DART-style clean labels), and the acting policy's log pi(a|s) of
    the executed actions where a learner needs them (PPO's old log-probabilities)."""

    actions: np.ndarray
    recorded: np.ndarray | None = None
    log_probs: np.ndarray | None = None


# obs batch -> actions, or a Decision
ActFn = Callable[[np.ndarray], np.ndarray | Decision]


class _Episode:
    __slots__ = ("obs", "act", "rew", "next_obs", "term", "trunc", "logp", "success", "index")

    def __init__(self, index: int = 0) -> None:
        self.index = index  # the order it was started in
        self.obs, self.act, self.rew, self.next_obs, self.term, self.trunc = [], [], [], [], [], []
        self.logp: list[float] = []
        self.success: bool | None = None  # info["is_success"] at the last step, when reported

    def add(self, obs, action, reward, next_obs, terminated, truncated, log_prob=None) -> None:
        self.obs.append(obs)
        self.act.append(action)
        self.rew.append(reward)
        self.next_obs.append(next_obs)
        self.term.append(terminated)
        self.trunc.append(truncated)
        if log_prob is not None:
            self.logp.append(log_prob)


def decide(act: ActFn, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(actions for the env, actions to record, log-probs or None) of ``act`` on ``obs``."""
    out = act(obs)
    decision = out if isinstance(out, Decision) else Decision(out)
    recorded = decision.actions if decision.recorded is None else decision.recorded
    return np.asarray(decision.actions), np.asarray(recorded), decision.log_probs


class EpisodeRunner:
    """Collects complete episodes from ``vec_env``.

    The first reset of sub-env ``i`` is seeded from ``rng`` (the run's ``envs`` stream: later
    resets continue each env's own generator), unless a call passes explicit per-episode seeds
    (evaluation does; it passes no ``rng``).
    """

    def __init__(self, vec_env: gym.vector.VectorEnv, rng: np.random.Generator | None) -> None:
        self.vec_env = vec_env
        self.num_envs = vec_env.num_envs
        self._first_seeds: list[int | None] = (
            [None] * self.num_envs
            if rng is None
            else [int(s) for s in rng.integers(0, 2**31 - 1, size=self.num_envs)]
        )
        self._obs: np.ndarray | None = None  # current observation of every sub-env

    def state_dict(self) -> dict:
        """What a resumed run needs to continue the same episode seeds: each sub-env's RNG state
        (sync vector envs only; None for async ones) and which first resets are still to come."""
        return {"envs": env_rng_states(self.vec_env), "first_seeds": list(self._first_seeds)}

    def load_state_dict(self, state: dict) -> bool:
        """Restore :meth:`state_dict`; False when the env RNGs could not be restored (async)."""
        self._first_seeds = list(state["first_seeds"])
        return set_env_rng_states(self.vec_env, state["envs"])

    def _step(self, act: ActFn, current: list, envs) -> tuple:
        """One batched policy call and env step; the transitions of ``envs`` are added to their
        episodes in ``current``. Returns the vector env's step results."""
        obs = self._obs.copy()
        executed, actions, log_probs = decide(act, obs)
        next_obs, rewards, terminated, truncated, infos = self.vec_env.step(executed)
        for i in envs:
            current[i].add(
                obs[i],
                actions[i],
                rewards[i],
                next_obs[i],
                terminated[i],
                truncated[i],
                None if log_probs is None else log_probs[i],
            )
        return next_obs, rewards, terminated, truncated, infos

    def _reset(self, mask: np.ndarray, seeds: list[int | None]) -> None:
        """Reset the sub-envs in ``mask``; an env's first reset uses its seed from the constructor."""
        seeds = list(seeds)
        for i in np.flatnonzero(mask):
            if seeds[i] is None and self._first_seeds[i] is not None:
                seeds[i] = self._first_seeds[i]
            self._first_seeds[i] = None
        if self._obs is None or mask.all():
            obs, _ = self.vec_env.reset(seed=seeds)
            if self._obs is None:
                self._obs = np.array(obs)
            self._obs[mask] = obs[mask]
        else:
            obs, _ = self.vec_env.reset(seed=seeds, options={"reset_mask": mask})
            self._obs[mask] = obs[mask]

    def run(
        self,
        act: ActFn,
        min_steps: int | None = None,
        num_episodes: int | None = None,
        episode_seeds: Sequence[int] | None = None,
        on_steps: Callable[[int], object] | None = None,
    ) -> Transitions:
        """Record episodes until ``min_steps`` transitions or ``num_episodes`` episodes have been
        started, and return them all complete, in the order they finished (with
        ``episode_seeds``: in the seeds' order, so episode k is the one reset with seed k)."""
        if episode_seeds is not None:
            num_episodes = len(episode_seeds)
        elif (min_steps is None) == (num_episodes is None):
            raise ValueError("give exactly one of min_steps or num_episodes")
        n = self.num_envs
        started, steps = 0, 0
        current: list[_Episode | None] = [None] * n
        finished: list[_Episode] = []

        def may_start() -> bool:
            return started < num_episodes if num_episodes is not None else steps < min_steps

        def start_on(mask: np.ndarray) -> None:
            """Reset the envs in ``mask``, recording a new episode on each while the budget allows."""
            nonlocal started
            seeds: list[int | None] = [None] * n
            for i in np.flatnonzero(mask):
                if may_start():
                    if episode_seeds is not None:
                        seeds[i] = int(episode_seeds[started])
                    current[i] = _Episode(started)
                    started += 1
            self._reset(mask, seeds)

        start_on(np.ones(n, dtype=bool))
        while any(ep is not None for ep in current):
            recording = [i for i in range(n) if current[i] is not None]
            next_obs, rewards, terminated, truncated, infos = self._step(act, current, recording)
            if on_steps is not None:
                on_steps(len(recording))
            steps += len(recording)
            self._obs = np.array(next_obs)
            done = np.logical_or(terminated, truncated)
            success = infos.get("is_success") if done.any() else None
            for i in np.flatnonzero(done):
                if current[i] is not None:
                    if success is not None and infos.get("_is_success", np.ones(n, bool))[i]:
                        current[i].success = bool(success[i])
                    finished.append(current[i])
                    current[i] = None
            if done.any():
                start_on(done)
        if episode_seeds is not None:
            finished.sort(key=lambda ep: ep.index)
        return _concat(finished, self.vec_env.single_action_space)


class StepRunner(EpisodeRunner):
    """Exactly ``steps_per_env`` steps of every sub-env per call, episodes carried over from one
    call to the next (CleanRL's rollout): a budget of N env steps is N. An episode cut by the end
    of a call is returned as a segment whose last step is marked ``truncated`` (learners with a
    critic bootstrap there, as at a time limit) and goes on in the next call as a new segment.
    ``episodes`` of the last call: the return, length and success of every episode that ended in
    it, counted from its real start."""

    def __init__(self, vec_env: gym.vector.VectorEnv, rng: np.random.Generator | None) -> None:
        super().__init__(vec_env, rng)
        self._return = np.zeros(self.num_envs)  # the running episode's return so far, per env
        self._length = np.zeros(self.num_envs, np.int64)
        self.episodes: dict[str, np.ndarray] = {}

    def run_steps(self, act: ActFn, steps_per_env: int) -> Transitions:
        n = self.num_envs
        if self._obs is None:
            self._reset(np.ones(n, dtype=bool), [None] * n)
        current = [_Episode(i) for i in range(n)]
        segments: list[_Episode] = []
        ended: list[tuple[float, int, bool | None]] = []
        for _ in range(steps_per_env):
            next_obs, rewards, terminated, truncated, infos = self._step(act, current, range(n))
            self._return += rewards
            self._length += 1
            self._obs = np.array(next_obs)
            done = np.logical_or(terminated, truncated)
            if done.any():
                success = infos.get("is_success")
                for i in np.flatnonzero(done):
                    if success is not None and infos.get("_is_success", np.ones(n, bool))[i]:
                        current[i].success = bool(success[i])
                    ended.append((float(self._return[i]), int(self._length[i]), current[i].success))
                    segments.append(current[i])
                    current[i] = _Episode(i)
                    self._return[i], self._length[i] = 0.0, 0
                self._reset(done, [None] * n)
        for ep in current:  # cut: the episode goes on in the next call
            if ep.rew:
                ep.trunc[-1] = True
                ep.success = False  # not an ending (only terminated steps are read as one)
                segments.append(ep)
        successes = [s for _, _, s in ended]
        self.episodes = {
            "returns": np.array([r for r, _, _ in ended]),
            "lengths": np.array([k for _, k, _ in ended]),
            "successes": np.array(successes, bool)
            if ended and all(s is not None for s in successes)
            else None,
        }
        return _concat(segments, self.vec_env.single_action_space)

    def state_dict(self) -> dict:
        """Besides the RNG states: the sub-envs themselves, mid-episode (where they pickle), their
        current observations and the running episodes' returns and lengths."""
        envs = getattr(self.vec_env, "envs", None)
        snapshots = None if envs is None else [env_snapshot(e) for e in envs]
        if snapshots is not None and any(s is None for s in snapshots):
            snapshots = None
        return {
            **super().state_dict(),
            "snapshots": snapshots,
            "obs": None if self._obs is None else torch.as_tensor(self._obs.copy()),
            "return": self._return.tolist(),
            "length": self._length.tolist(),
        }

    def load_state_dict(self, state: dict) -> bool:
        """Restore the envs mid-episode; where they could not be saved (a PyBullet simulation,
        async envs), every env starts a new episode from its restored RNG: not bit-exact."""
        exact = super().load_state_dict(state)
        if state["obs"] is None:  # saved before the first rollout
            return exact
        if state["snapshots"] is None:
            self._obs = None
            self._return[:], self._length[:] = 0.0, 0
            return False
        for i, snap in enumerate(state["snapshots"]):
            self.vec_env.envs[i].close()
            self.vec_env.envs[i] = restore_env(snap)
        self._obs = state["obs"].numpy().copy()
        self._return = np.asarray(state["return"], np.float64)
        self._length = np.asarray(state["length"], np.int64)
        return exact


def _concat(episodes: list[_Episode], action_space: gym.Space) -> Transitions:
    lengths = [len(ep.rew) for ep in episodes]
    act_dtype = np.int64 if isinstance(action_space, gym.spaces.Discrete) else np.float32

    def cat(field: str, dtype) -> np.ndarray:
        return np.asarray([x for ep in episodes for x in getattr(ep, field)], dtype=dtype)

    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if lengths else np.zeros(0)
    known = episodes and all(ep.success is not None for ep in episodes)
    with_logp = episodes and all(len(ep.logp) == len(ep.rew) for ep in episodes)
    return Transitions(
        observations=cat("obs", np.float32),
        actions=cat("act", act_dtype),
        rewards=cat("rew", np.float32),
        next_observations=cat("next_obs", np.float32),
        terminated=cat("term", bool),
        truncated=cat("trunc", bool),
        episode_starts=starts.astype(np.int64),
        episode_successes=np.array([ep.success for ep in episodes], bool) if known else None,
        log_probs=cat("logp", np.float32) if with_logp else None,
    )
