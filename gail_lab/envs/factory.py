"""Build gymnasium environments from config, and describe their spaces as plain data."""

from __future__ import annotations

import copy
import difflib
import functools
from typing import Any

import gymnasium as gym
import numpy as np

from gail_lab.errors import GailLabError


class EnvError(GailLabError, ValueError):
    """The env id is not registered with gymnasium, or its kwargs do not fit the env."""


def describe_space(space: gym.Space) -> dict[str, Any]:
    """A JSON-friendly description of a space, compared when a dataset meets an env."""
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, gym.spaces.Box):
        return {
            "type": "Box",
            "shape": list(space.shape),
            "dtype": str(space.dtype),
            "low": np.asarray(space.low).tolist(),
            "high": np.asarray(space.high).tolist(),
        }
    raise TypeError(f"unsupported space {space!r}: gail_lab handles Discrete and Box spaces")


# What a termination (not a time-limit truncation) means: read from info["is_success"] at the last
# step (racecar: goal vs wall), or always success (MountainCar, Acrobot), or always failure
# (CartPole). Absorbing states (imitation/absorbing.py) tell these endings apart.
TERMINAL_OUTCOMES = ("info", "success", "failure")


class EnvFactory:
    """Makes seeded instances of one gymnasium env; knows its spaces and limits.

    Built by Hydra from ``conf/env/*.yaml`` (``_target_: gail_lab.envs.EnvFactory``).
    """

    def __init__(
        self,
        id: str,
        *,
        num_envs: int,
        name: str | None = None,
        kwargs: dict[str, Any] | None = None,
        max_episode_steps: int | None = None,
        vectorization: str = "sync",
        normalize_obs: bool = False,
        expert_min_return: float | None = None,
        terminal_outcome: str = "info",
        gail_reward_form: str = "gail",
        position_dims: list[int] | None = None,
        position_scale: float = 1.0,
        eval_variants: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if terminal_outcome not in TERMINAL_OUTCOMES:
            raise EnvError(
                f"env.terminal_outcome: must be one of {list(TERMINAL_OUTCOMES)} (got {terminal_outcome!r})"
            )
        try:
            self.spec = gym.spec(id)
        except gym.error.Error:
            known = sorted(gym.registry.keys())
            close = difflib.get_close_matches(id, known, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise EnvError(
                f"env.id: unknown gymnasium id {id!r}.{hint} (registered ids: `python -c 'import gymnasium; gymnasium.pprint_registry()'`)"
            ) from None
        self.id = id
        self.name = name or id
        self.kwargs = dict(kwargs or {})
        self.max_episode_steps = max_episode_steps
        self.num_envs = num_envs
        self.vectorization = vectorization
        self.normalize_obs = normalize_obs  # applied inside models, never to the env's output
        self.terminal_outcome = terminal_outcome
        self.gail_reward_form = gail_reward_form  # read by the discriminator's config
        # observation dims holding the agent's position (x scale = metres): evaluation then
        # measures how far the driven path stays from the expert's (racecar: x/15, y/15)
        self.position_dims = None if position_dims is None else [int(d) for d in position_dims]
        self.position_scale = float(position_scale)
        self.eval_variants = {str(k): dict(v) for k, v in (eval_variants or {}).items()}
        for (
            name
        ) in self.eval_variants:  # a kwarg the env does not take fails here, not after training
            self.variant(name)
        try:
            probe = self.make()
        except (TypeError, ValueError) as err:  # a kwarg the env does not take, or a bad value
            raise EnvError(f"env.kwargs: {id} rejects {self.kwargs}: {err}") from None
        self.observation_space = probe.observation_space
        self.action_space = probe.action_space
        probe.close()
        if self.position_dims is not None and not all(
            0 <= d < self.obs_dim for d in self.position_dims
        ):
            raise EnvError(
                f"env.position_dims: {self.position_dims} outside the {self.obs_dim} observation dims of {id}"
            )
        if not isinstance(self.action_space, gym.spaces.Discrete | gym.spaces.Box):
            raise TypeError(
                f"env {id}: action space {self.action_space} is not supported (Discrete or Box)"
            )
        threshold = (
            expert_min_return if expert_min_return is not None else self.spec.reward_threshold
        )
        self.expert_min_return = None if threshold is None else float(threshold)

    def variant(self, name: str) -> EnvFactory:
        """This env under the evaluation condition ``name`` (``eval_variants[name]``'s kwargs over
        ``kwargs``), checked as the env's own kwargs are."""
        if name not in self.eval_variants:
            raise EnvError(
                f"env.eval_variants: no variant {name!r} (variants: {sorted(self.eval_variants)})"
            )
        extra = self.eval_variants[name]
        try:
            return copy.copy(self)._with_kwargs({**self.kwargs, **extra})
        except EnvError as err:
            raise EnvError(f"env.eval_variants.{name}: {err}") from None

    def _with_kwargs(self, kwargs: dict[str, Any]) -> EnvFactory:
        self.kwargs = kwargs
        try:
            self.make().close()
        except (TypeError, ValueError) as err:
            raise EnvError(f"{self.id} rejects {kwargs}: {err}") from None
        return self

    def make(self, render_mode: str | None = None) -> gym.Env:
        kwargs = dict(self.kwargs)
        if self.max_episode_steps is not None:
            kwargs["max_episode_steps"] = self.max_episode_steps
        return gym.make(self.id, render_mode=render_mode, **kwargs)

    def reports_success(self) -> bool:
        """Does the env put ``is_success`` in its step info (what ``terminal_outcome=info``
        reads)? One reset and one step of a throw-away instance, on its own seed (no global RNG)."""
        env = self.make()
        try:
            env.reset(seed=0)
            env.action_space.seed(0)
            _, _, _, _, info = env.step(env.action_space.sample())
            return "is_success" in info
        finally:
            env.close()

    def make_vec(self, n: int | None = None) -> gym.vector.VectorEnv:
        """``n`` (default ``num_envs``) copies in a gymnasium vector env, sync (one process) or
        async (one worker process each), with autoreset disabled: the rollout code resets each
        sub-env itself, with the seeds it chooses."""
        n = n or self.num_envs
        kwargs = dict(self.kwargs)
        if self.max_episode_steps is not None:
            kwargs["max_episode_steps"] = self.max_episode_steps
        fns = [functools.partial(gym.make, self.id, **kwargs) for _ in range(n)]
        mode = gym.vector.AutoresetMode.DISABLED
        if self.vectorization == "async" and n > 1:
            return gym.vector.AsyncVectorEnv(fns, autoreset_mode=mode)
        return gym.vector.SyncVectorEnv(fns, autoreset_mode=mode)

    @property
    def obs_dim(self) -> int:
        return int(np.prod(self.observation_space.shape))

    @property
    def discrete(self) -> bool:
        return isinstance(self.action_space, gym.spaces.Discrete)

    @property
    def n_actions(self) -> int:
        """Number of discrete actions, or the action vector's size for Box spaces."""
        if self.discrete:
            return int(self.action_space.n)
        return int(np.prod(self.action_space.shape))

    def spaces(self) -> dict[str, Any]:
        return {
            "observation_space": describe_space(self.observation_space),
            "action_space": describe_space(self.action_space),
        }

    def identity(self) -> dict[str, Any]:
        """What makes two factories produce the same env (used in artifact cache keys); an env
        whose observations change takes a new id version (gail_lab/Racecar-v1)."""
        return {"id": self.id, "kwargs": self.kwargs, "max_episode_steps": self.max_episode_steps}
