"""Register ``gail_lab/Racecar-v1`` with gymnasium (importing this module is enough).

    import gymnasium
    import gail_lab.envs.registration  # noqa: F401
    env = gymnasium.make("gail_lab/Racecar-v1", obs_mode="pose")

Importing it twice (or after another module registered the id) registers nothing new.
v1: the default ``pose`` observation lost its speed feature (6 dims, the pose-only observation
of the first racecar imitation probe; v0's 7-dim one is ``obs_mode="pose_speed"``): a new id,
so no cached expert or dataset of v0 is reused for it.
"""

from __future__ import annotations

import gymnasium

RACECAR_ID = "gail_lab/Racecar-v1"


def register_envs() -> None:
    """Register the gail_lab envs with gymnasium unless they are already registered."""
    if RACECAR_ID not in gymnasium.registry:
        gymnasium.register(
            id=RACECAR_ID,
            entry_point="gail_lab.envs.racecar:RacecarEnv",
            max_episode_steps=2000,
        )


register_envs()
