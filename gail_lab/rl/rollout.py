"""Roll out complete episodes from several env instances with one batched policy call per step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np

from gail_lab.data.transitions import Transitions

ActFn = Callable[[np.ndarray], np.ndarray]


class _Episode:
    __slots__ = ("obs", "act", "rew", "next_obs", "term", "trunc")

    def __init__(self) -> None:
        self.obs, self.act, self.rew, self.next_obs, self.term, self.trunc = [], [], [], [], [], []


class EpisodeRunner:
    """Steps a list of envs together; each call returns only complete episodes.

    The first reset of env ``i`` is seeded from ``seed`` (later resets continue each env's own
    generator), unless the call passes explicit per-episode seeds (evaluation does).
    """

    def __init__(self, envs: Sequence[gym.Env], seed: int) -> None:
        if not envs:
            raise ValueError("EpisodeRunner needs at least one env")
        self.envs = list(envs)
        rng = np.random.default_rng(seed)
        self._first_seeds: list[int | None] = [
            int(s) for s in rng.integers(0, 2**31 - 1, size=len(self.envs))
        ]

    def _reset(self, i: int, seed: int | None) -> np.ndarray:
        if seed is None:
            seed, self._first_seeds[i] = self._first_seeds[i], None
        obs, _ = self.envs[i].reset(seed=seed)
        return obs

    def run(
        self,
        act: ActFn,
        min_steps: int | None = None,
        num_episodes: int | None = None,
        episode_seeds: Sequence[int] | None = None,
        on_steps: Callable[[int], object] | None = None,
    ) -> Transitions:
        """Start episodes until ``min_steps`` transitions or ``num_episodes`` episodes, finish them all."""
        if (min_steps is None) == (num_episodes is None) and episode_seeds is None:
            raise ValueError("give exactly one of min_steps or num_episodes")
        if episode_seeds is not None:
            num_episodes = len(episode_seeds)
        started = 0
        steps = 0

        def may_start() -> bool:
            if num_episodes is not None:
                return started < num_episodes
            return steps < min_steps

        current: dict[int, _Episode] = {}
        obs: dict[int, np.ndarray] = {}

        def start(i: int) -> None:
            nonlocal started
            obs[i] = self._reset(i, None if episode_seeds is None else episode_seeds[started])
            current[i] = _Episode()
            started += 1

        for i in range(len(self.envs)):
            if not may_start():
                break
            start(i)
        finished: list[_Episode] = []
        while current:
            active = sorted(current)
            batch = np.stack([obs[i] for i in active])
            actions = act(batch)
            if on_steps is not None:
                on_steps(len(active))
            for k, i in enumerate(active):
                a = actions[k]
                next_obs, reward, terminated, truncated, _ = self.envs[i].step(
                    a.item() if a.ndim == 0 else a
                )
                ep = current[i]
                ep.obs.append(obs[i])
                ep.act.append(a)
                ep.rew.append(reward)
                ep.next_obs.append(next_obs)
                ep.term.append(terminated)
                ep.trunc.append(truncated)
                steps += 1
                obs[i] = next_obs
                if terminated or truncated:
                    finished.append(current.pop(i))
                    if may_start():
                        start(i)
        return _concat(finished, self.envs[0])


def _concat(episodes: list[_Episode], env: gym.Env) -> Transitions:
    lengths = [len(ep.rew) for ep in episodes]
    obs_dtype = np.float32
    act_dtype = np.int64 if isinstance(env.action_space, gym.spaces.Discrete) else np.float32

    def cat(field: str, dtype) -> np.ndarray:
        rows = [x for ep in episodes for x in getattr(ep, field)]
        return np.asarray(rows, dtype=dtype)

    return Transitions(
        observations=cat("obs", obs_dtype),
        actions=cat("act", act_dtype),
        rewards=cat("rew", np.float32),
        next_observations=cat("next_obs", obs_dtype),
        terminated=cat("term", bool),
        truncated=cat("trunc", bool),
        episode_starts=np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        if lengths
        else np.zeros(0, np.int64),
    )
