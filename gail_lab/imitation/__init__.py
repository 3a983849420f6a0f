"""Adversarial imitation: the reward model (a discriminator and everything the learner is paid),
reward forms, absorbing states, and the imitation algorithms (GAIL/AIRL, DAC, offline GAIL, BC)
that the one training loop (rl/loop.py) runs."""
