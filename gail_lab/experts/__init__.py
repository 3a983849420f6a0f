"""Experts: how demonstrations are made. Each expert config builds an object with
``fit(factory, seed, logger, progress, checkpoints) -> (policy, info)``: recipes that train one of
gail_lab's learners on the env's reward (trained.py) and hand-written controllers (scripted.py,
which return themselves).

Importing this package registers every expert policy class with the checkpoint loader, so a cached
expert loads in a process that never built one.
"""

from gail_lab.experts import scripted, trained

__all__ = ["scripted", "trained"]
