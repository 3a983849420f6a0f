"""Environments: a factory that builds any registered gymnasium id from config."""

from gail_lab.envs.factory import EnvFactory, EnvError, describe_space

__all__ = ["EnvFactory", "EnvError", "describe_space"]
