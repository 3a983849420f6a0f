"""Experts: how demonstrations are made. A trained expert is a config (conf/expert/dqn, ppo,
sac...: a policy network, its learner, the loop's algorithm and the training loop) that
tasks/train_expert.py builds and trains on the env's reward; a scripted one is a hand-written
controller (scripted.py).

Importing this package registers every scripted expert class with the checkpoint loader, so a
cached expert loads in a process that never built one.
"""

from gail_lab.experts import scripted

__all__ = ["scripted"]
