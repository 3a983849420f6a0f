"""Environments: a factory that builds any registered gymnasium id from config, and gail_lab's own
envs, registered with gymnasium on import (``gail_lab/Racecar-v1``)."""

from gail_lab.envs import registration  # noqa: F401  (registers gail_lab/Racecar-v1)
from gail_lab.envs.factory import EnvError, EnvFactory, describe_space

__all__ = ["EnvError", "EnvFactory", "describe_space"]
