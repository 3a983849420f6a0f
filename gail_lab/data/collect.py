"""Collect demonstrations from any expert policy, with the envs stepped in batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gail_lab.data.dataset import FORMAT_VERSION, Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.logging import progress_bar
from gail_lab.rl.rollout import EpisodeRunner


def collect_demos(
    policy,
    factory: EnvFactory,
    seed: int,
    num_transitions: int | None = None,
    num_episodes: int | None = None,
    expert_name: str = "expert",
    config: dict[str, Any] | None = None,
    progress: bool = True,
) -> Demonstrations:
    """Complete episodes until ``num_transitions`` pairs (or exactly ``num_episodes`` episodes)."""
    envs = factory.make_vec()
    total = num_transitions if num_episodes is None else None  # episodes: no ETA, steps/s only
    bar = progress_bar(total, f"collect {expert_name}", progress)
    try:
        runner = EpisodeRunner(envs, seed)
        roll = runner.run(
            lambda obs: policy.act(obs, deterministic=True),
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
        },
        "num_episodes": int(roll.num_episodes),
        "num_transitions": int(len(roll)),
        "seed": int(seed),
        "config": config or {},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return Demonstrations(**roll.arrays(), metadata=metadata)
