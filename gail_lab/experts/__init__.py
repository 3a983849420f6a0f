"""Experts: how demonstrations are made. Each expert config builds an object with
``fit(factory, seed, logger, progress) -> (policy, info)``; scripted experts return themselves.

Importing this package registers every expert policy class with the checkpoint loader, so a cached
expert loads in a process that never built one.
"""

from gail_lab.experts import dqn, ppo, sac, scripted

__all__ = ["dqn", "ppo", "sac", "scripted"]
