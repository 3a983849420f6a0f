"""Adversarial imitation: a discriminator (the reward model), reward forms, and the trainer that
drives an RL learner from the rl/ floor with the discriminator's reward."""
