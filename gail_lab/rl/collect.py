"""Collect demonstrations from any expert policy, with the envs stepped in batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import gymnasium as gym
import numpy as np

from gail_lab.data.dataset import FORMAT_VERSION, Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.logging import progress_bar
from gail_lab.rl.rollout import Decision, EpisodeRunner
from gail_lab.seeding import SeedTree


def collect_demos(
    policy,
    factory: EnvFactory,
    seeds: SeedTree,
    num_transitions: int | None = None,
    num_episodes: int | None = None,
    expert_name: str = "expert",
    config: dict[str, Any] | None = None,
    progress: bool = True,
    noise_scale: float = 0.0,
    label: str = "executed",
    noise_dims: list[int] | None = None,
    reference_return: float | None = None,
) -> Demonstrations:
    """Complete episodes until ``num_transitions`` pairs (or exactly ``num_episodes`` episodes).

    With ``noise_scale > 0`` the executed action is perturbed (see :func:`perturb`); ``label``
    says which action the dataset records: ``executed`` or ``clean`` (DART: the expert's own
    action in the state the perturbed run reached). ``noise_dims`` restricts a Box action's
    noise to those dimensions (the racecar's DART demos perturb the steer only).
    ``reference_return`` (the expert's own evaluated return) is stored as the normalized score's
    reference when the data comes from another policy (the random-data control)."""
    if label not in ("executed", "clean"):
        raise ValueError(f"label must be 'executed' or 'clean' (got {label!r})")
    rng = seeds.generator("collection_noise")

    def act(obs: np.ndarray):
        clean = policy.act(obs, deterministic=True)
        if noise_scale == 0:
            return clean
        executed = perturb(clean, factory.action_space, noise_scale, rng, noise_dims)
        return Decision(executed, clean if label == "clean" else executed)

    envs = factory.make_vec()
    total = num_transitions if num_episodes is None else None  # episodes: no ETA, steps/s only
    bar = progress_bar(total, f"collect {expert_name}", progress)
    try:
        runner = EpisodeRunner(envs, seeds.generator("collection"))
        roll = runner.run(
            act,
            min_steps=None if num_episodes is not None else num_transitions,
            num_episodes=num_episodes,
            on_steps=bar.update,
        )
    finally:
        bar.close()
        envs.close()
    returns = roll.episode_returns
    metadata = {
        "format_version": FORMAT_VERSION,
        "env_id": factory.id,
        "env": factory.identity(),
        **factory.spaces(),
        "expert": {
            "name": expert_name,
            "mean_return": float(returns.mean()),
            "std_return": float(returns.std()),
            "deterministic": True,
            **(
                {"reference_return": float(reference_return)}
                if reference_return is not None
                else {}
            ),
        },
        "collection": {"noise_scale": float(noise_scale), "label": label}
        | ({"noise_dims": [int(d) for d in noise_dims]} if noise_dims is not None else {}),
        "num_episodes": int(roll.num_episodes),
        "num_transitions": int(len(roll)),
        "seed": seeds.seed,
        "config": config or {},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return Demonstrations(
        **roll.arrays(), episode_successes=roll.episode_successes, metadata=metadata
    )


def perturb(
    actions: np.ndarray,
    space: gym.Space,
    scale: float,
    rng: np.random.Generator,
    dims: list[int] | None = None,
) -> np.ndarray:
    """Discrete: each action replaced by a uniform random one with probability ``scale``.
    Box: Gaussian noise of standard deviation ``scale`` (on the action dimensions ``dims`` only,
    all when None), clipped to the box."""
    if isinstance(space, gym.spaces.Discrete):
        swap = rng.random(len(actions)) < scale
        random = rng.integers(space.start, space.start + space.n, size=len(actions))
        return np.where(swap, random, actions).astype(actions.dtype)
    noise = rng.normal(0.0, scale, size=actions.shape)
    if dims is not None:
        size = int(np.prod(space.shape))
        bad = [d for d in dims if not 0 <= d < size]
        if bad:
            raise ValueError(f"noise_dims {bad} outside the action's {size} dimensions")
        keep = np.zeros(size, dtype=bool)
        keep[list(dims)] = True
        noise = noise * keep.reshape(space.shape)
    noisy = actions + noise
    return np.clip(noisy, space.low, space.high).astype(np.float32)
