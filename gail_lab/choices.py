"""The allowed values of the configs' named options, in one light module (no torch, no
gymnasium): the config schemas check against them at compose time, and the modules that
implement each option (networks, discriminator, reward forms, the loop) take their lists from
here, so a list is written once."""

from __future__ import annotations

# gail_lab/imitation/rewards.py: the discriminator's logit as a reward
REWARD_FORMS = ("gail", "log_d", "logit")
# gail_lab/imitation/discriminator.py
DISCRIMINATOR_INPUTS = ("state_action", "state", "state_next_state")
REWARD_NORMALIZATIONS = ("none", "scale", "standardize")
DISCRIMINATOR_ACTIVATIONS = ("relu", "tanh", "leaky_relu")
# what an absorbing state shows D besides its code: nothing (DAC), or the state the episode ended in
ABSORBING_OBS = ("zero", "terminal")
# gail_lab/rl/networks.py: policy and value networks
ACTIVATIONS = ("tanh", "relu")
SQUASHES = ("tanh", "clip", "clip_censored")
# gail_lab/rl/loop.py: what budgets and cadences count
UNITS = ("iterations", "env_steps", "episodes", "gradient_steps")
# what a checkpoint cadence counts: loop units, or "evaluations" (one at each)
CHECKPOINT_UNITS = (*UNITS, "evaluations")
# gail_lab/rl/sac.py: SAC's entropy bonus per step, alpha H or alpha (H - target entropy)
ENTROPY_BONUSES = ("absolute", "relative")
PRECISIONS = ("fp32", "bf16")  # precision=: float32, or the networks under bfloat16 autocast
# gail_lab/tasks/collect.py: what data.source collects (the demonstrations, or a control's data)
DATA_SOURCES = ("expert", "random", "random_timeouts")
