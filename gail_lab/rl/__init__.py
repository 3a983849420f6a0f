"""Reinforcement-learning pieces shared by expert training and the imitation learners.

Nothing here knows about discriminators: a learner takes its rewards from whoever calls it.
"""
