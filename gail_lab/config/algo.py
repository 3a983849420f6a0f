"""Schemas of the ``algo`` (policy, learner, reward, algorithm, loop) and ``discriminator`` groups (conf/algo/,
conf/discriminator/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from gail_lab.choices import (
    ABSORBING_OBS,
    ACTIVATIONS,
    DISCRIMINATOR_ACTIVATIONS,
    DISCRIMINATOR_INPUTS,
    ENTROPY_BONUSES,
    REWARD_FORMS,
    REWARD_NORMALIZATIONS,
    SQUASHES,
    UNITS,
)
from gail_lab.config.checks import (
    require,
    require_min,
    require_one_of,
    require_replay,
    require_sizes,
)


# --------------------------------------------------------------------------- imitation
@dataclass
class SizedPolicyConfig:
    """A policy network set by its hidden layer sizes alone (the factory fixes the rest)."""

    _target_: str = MISSING
    hidden_sizes: list[int] = MISSING

    def __post_init__(self) -> None:
        require_sizes(self.hidden_sizes)


@dataclass
class CategoricalPolicyConfig(SizedPolicyConfig):
    """The study notes' softmax MLP policy (discrete actions only)."""

    _target_: str = "gail_lab.rl.networks.categorical_policy"


@dataclass
class QPolicyConfig(SizedPolicyConfig):
    """DQN's Q-network (discrete actions only): a ReLU MLP, one output per action."""

    _target_: str = "gail_lab.rl.networks.q_policy"


@dataclass
class MLPPolicyConfig:
    """An MLP policy for either action space: categorical for Discrete, tanh-squashed Gaussian for
    Box (its mean and samples stay inside the action box)."""

    _target_: str = "gail_lab.rl.networks.policy_for_space"
    hidden_sizes: list[int] = MISSING
    log_std_init: float = MISSING  # Box only
    state_dependent_std: bool = MISSING  # Box only: a log-std head instead of a free parameter
    activation: str = MISSING  # Box only: tanh or relu
    # Box only: tanh (squashed Gaussian: mean and samples inside the box, but an unbounded
    # likelihood for labels on the box's edge), clip (Gaussian clipped to the box, its mean kept
    # inside by a penalty in the PPO and BC losses, the Gaussian's density as its likelihood: what
    # the racecar probe used) or clip_censored (the same with the censored likelihood of clipped
    # samples: the probability of landing on the box's edge; rl/distributions.py ClippedNormal)
    squash: str = MISSING

    def __post_init__(self) -> None:
        require_sizes(self.hidden_sizes)
        require_one_of(self.squash, "squash", SQUASHES)
        require(
            len(self.hidden_sizes) >= 1, "hidden_sizes", "at least one layer", self.hidden_sizes
        )
        require_one_of(self.activation, "activation", ACTIVATIONS)


@dataclass
class SACPolicyConfig(SizedPolicyConfig):
    """SAC's actor: tanh-squashed Gaussian with a state-dependent log-std (Box actions) or
    categorical (Discrete actions), on a ReLU MLP."""

    _target_: str = "gail_lab.rl.networks.sac_policy"


@dataclass
class SACConfig:
    """SAC learner (twin critics, automatic temperature) driven by its caller's rewards (dac)."""

    _target_: str = "gail_lab.rl.sac.SAC"  # values: conf/algo/dac.yaml
    gamma: float = MISSING
    tau: float = MISSING  # Polyak averaging of the target critics
    critic_hidden_sizes: list[int] = MISSING
    alpha: float | None = MISSING  # entropy temperature; null tunes it toward target_entropy
    alpha_init: float = MISSING
    target_entropy: float | None = MISSING  # null: -(action dimensions), or for discrete actions:
    target_entropy_ratio: float = MISSING  # this fraction of log |A| (the uniform policy's entropy)
    policy_delay: int = MISSING  # actor (and temperature) updated every n-th critic update (TD3)
    entropy_bonus: str = MISSING  # absolute: alpha H per step; relative: alpha (H - target)

    def __post_init__(self) -> None:
        require_one_of(self.entropy_bonus, "entropy_bonus", ENTROPY_BONUSES)
        require(0 < self.gamma < 1, "gamma", "in (0, 1)", self.gamma)
        require(0 < self.tau <= 1, "tau", "in (0, 1]", self.tau)
        require(self.policy_delay >= 1, "policy_delay", ">= 1", self.policy_delay)
        require(self.alpha is None or self.alpha > 0, "alpha", "> 0 or null (auto)", self.alpha)
        require(self.alpha_init > 0, "alpha_init", "> 0", self.alpha_init)
        require(
            0 < self.target_entropy_ratio < 1,
            "target_entropy_ratio",
            "in (0, 1)",
            self.target_entropy_ratio,
        )
        require_sizes(self.critic_hidden_sizes, "critic_hidden_sizes")


@dataclass
class PPOConfig:
    """PPO learner (critic + GAE) driven by whatever reward its caller gives it."""

    _target_: str = "gail_lab.rl.ppo.PPO"
    gamma: float = MISSING
    gae_lambda: float = MISSING
    clip_coef: float = MISSING
    epochs: int = MISSING
    minibatch_size: int = MISSING
    value_coef: float = MISSING
    entropy_coef: float = MISSING
    max_grad_norm: float = MISSING
    normalize_advantages: bool = MISSING
    value_hidden_sizes: list[int] = MISSING
    value_activation: str = MISSING  # the critic's hidden activation

    def __post_init__(self) -> None:
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require(0 <= self.gae_lambda <= 1, "gae_lambda", "in [0, 1]", self.gae_lambda)
        require(self.clip_coef > 0, "clip_coef", "> 0", self.clip_coef)
        require(self.epochs >= 1, "epochs", ">= 1", self.epochs)
        require(self.minibatch_size >= 2, "minibatch_size", ">= 2", self.minibatch_size)
        require(self.value_coef >= 0, "value_coef", ">= 0", self.value_coef)
        require(self.entropy_coef >= 0, "entropy_coef", ">= 0", self.entropy_coef)
        require(self.max_grad_norm > 0, "max_grad_norm", "> 0", self.max_grad_norm)
        require_sizes(self.value_hidden_sizes, "value_hidden_sizes")
        require_one_of(self.value_activation, "value_activation", ACTIVATIONS)


@dataclass
class ReinforceConfig:
    _target_: str = "gail_lab.rl.reinforce.Reinforce"  # values: conf/algo/gail_reinforce.yaml
    gamma: float = MISSING
    policy_steps: int = MISSING  # gradient steps per batch of episodes
    normalize_returns: bool = MISSING

    def __post_init__(self) -> None:
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require(self.policy_steps >= 1, "policy_steps", ">= 1", self.policy_steps)


@dataclass
class LoopConfig:
    """The one training loop (gail_lab/rl/loop.py). Values: conf/algo/loop/imitation.yaml, and
    each algo's budget and cadences in its own file."""

    _target_: str = "gail_lab.rl.loop.TrainingLoop"
    # {unit: total}: training ends at the first reached (the first drives the bar and anneal_lr)
    budget: dict[str, int | None] = MISSING  # null: no limit in that unit
    eval_every: int = MISSING  # greedy evaluations (logging only) every this many eval_unit
    eval_unit: str = MISSING
    eval_episodes: int = MISSING
    log_at_evaluations: bool = MISSING  # one metrics row per evaluation, not per iteration
    x_axis: str = MISSING  # the counter metrics are logged against
    anneal_lr: bool = MISSING  # decay the learning rates linearly to 0 over the budget
    stop_at_return: float | None = MISSING
    keep_best: bool = MISSING  # return the best greedy evaluation's policy
    snapshot_before_iterations: bool = MISSING  # a NaN restores the last finite state
    nan_hint: str = MISSING  # what a NaN error suggests
    desc: str = MISSING  # the progress bar's label

    def __post_init__(self) -> None:
        set_ = {unit: total for unit, total in self.budget.items() if total is not None}
        require(len(set_) > 0, "budget", "at least one {unit: total} not null", self.budget)
        for unit, total in self.budget.items():
            require_one_of(unit, "budget", UNITS)
            require(total is None or total >= 1, f"budget.{unit}", ">= 1 or null", total)
        require_one_of(self.eval_unit, "eval_unit", UNITS)
        require_one_of(self.x_axis, "x_axis", UNITS)
        require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class RewardModelConfig:
    """The reward model (gail_lab/imitation/reward_model.py): D's steps and what the learner is
    paid. Values: each algo's file (conf/algo/)."""

    _target_: str = "gail_lab.imitation.reward_model.RewardModel"
    gamma: float = MISSING  # the absorbing tail's discount: the learner's
    d_steps: int = MISSING  # D updates per round
    d_batch_size: int = MISSING  # half expert, half agent samples
    # weight of D's reward; 0 = the no-discriminator ablation (env reward and BC loss only, D is
    # not trained)
    disc_reward_coef: float = MISSING
    env_reward_coef: float = MISSING  # reward += env_reward_coef * env reward
    reward_scale: float = MISSING  # multiplies the final reward

    def __post_init__(self) -> None:
        require(0 <= self.gamma <= 1, "gamma", "in [0, 1]", self.gamma)
        require(self.d_steps >= 0, "d_steps", ">= 0", self.d_steps)
        require(
            self.d_batch_size >= 2 and self.d_batch_size % 2 == 0,
            "d_batch_size",
            "an even number >= 2",
            self.d_batch_size,
        )
        require(self.disc_reward_coef >= 0, "disc_reward_coef", ">= 0", self.disc_reward_coef)
        require(self.reward_scale > 0, "reward_scale", "> 0", self.reward_scale)


@dataclass
class GAILConfig:
    """GAIL's iteration (imitation/gail.py) with an on-policy learner (REINFORCE, PPO)."""

    _target_: str = "gail_lab.imitation.gail.GAIL"
    # env steps per iteration: exactly this many for PPO (episodes cut and bootstrapped), complete
    # episodes until at least this many for REINFORCE
    samples_per_iteration: int = MISSING
    bc_coef: float = MISSING  # weight of a BC loss on expert pairs added to the policy loss
    bc_batch_size: int = MISSING
    bc_warm_start: int = MISSING  # BC gradient steps on the demonstrations before GAIL starts
    bc_warm_start_lr: float | None = MISSING  # its Adam learning rate (null: the optimizer's)

    def __post_init__(self) -> None:
        require_min(self, "samples_per_iteration", 1)
        require(self.bc_coef >= 0, "bc_coef", ">= 0", self.bc_coef)
        require(self.bc_batch_size >= 1, "bc_batch_size", ">= 1", self.bc_batch_size)
        require(self.bc_warm_start >= 0, "bc_warm_start", ">= 0", self.bc_warm_start)
        if self.bc_warm_start_lr is not None:
            require(
                self.bc_warm_start_lr > 0, "bc_warm_start_lr", "> 0 or null", self.bc_warm_start_lr
            )


@dataclass
class DACConfig:
    """DAC (imitation/dac.py): one env step per iteration, D and SAC updates on replay samples."""

    _target_: str = "gail_lab.imitation.dac.DAC"
    buffer_size: int = MISSING
    learning_starts: int = MISSING  # uniform random actions (and no updates) before this step
    batch_size: int = MISSING  # SAC's replay batch
    train_freq: int = MISSING  # env steps between rounds of SAC updates
    gradient_steps: int = MISSING  # SAC updates per round
    d_every: int = MISSING  # env steps between rounds of D updates (algo.reward.d_steps each)
    expert_ratio: float = MISSING  # share of each SAC batch drawn from the demonstrations

    def __post_init__(self) -> None:
        require_replay(self)
        require(self.learning_starts >= 1, "learning_starts", ">= 1", self.learning_starts)
        require(self.d_every >= 1, "d_every", ">= 1", self.d_every)
        require(0 <= self.expert_ratio < 1, "expert_ratio", "in [0, 1)", self.expert_ratio)


@dataclass
class BCConfig:
    """Behavior cloning (imitation/bc.py): one gradient step per iteration."""

    _target_: str = "gail_lab.imitation.bc.BC"
    batch_size: int = MISSING
    # hold out the last k demonstration episodes (0: none): their loss every validate_every
    # steps, the lowest-loss policy returned, and with patience p a stop after p validations
    # without a new lowest
    validation_episodes: int = MISSING
    validate_every: int = MISSING
    patience: int | None = MISSING

    def __post_init__(self) -> None:
        require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        require(
            self.validation_episodes >= 0, "validation_episodes", ">= 0", self.validation_episodes
        )
        require(self.validate_every >= 1, "validate_every", ">= 1", self.validate_every)
        require(
            self.patience is None or self.patience >= 1, "patience", ">= 1 or null", self.patience
        )


@dataclass
class OfflineGAILConfig:
    """Offline GAIL (imitation/offline.py): one epoch per iteration, no env interaction."""

    _target_: str = "gail_lab.imitation.offline.OfflineGAIL"
    batch_size: int = MISSING  # expert states per policy step
    policy_steps: int = MISSING
    normalize_rewards: bool = MISSING  # within the batch

    def __post_init__(self) -> None:
        require(self.batch_size >= 2, "batch_size", ">= 2", self.batch_size)
        require(self.policy_steps >= 1, "policy_steps", ">= 1", self.policy_steps)


@dataclass
class AlgoConfig:
    """An imitation algo: the policy, the learner that trains it on a reward (none for bc and
    gail_offline), the reward model (none for bc), the algorithm's own settings, and the loop.
    tasks/imitate.py builds each from its ``_target_``."""

    name: str = MISSING
    policy: Any = MISSING
    learner: Any = MISSING
    reward: Any = MISSING
    algorithm: Any = MISSING
    loop: LoopConfig = MISSING
    # what checkpoint_every counts: iterations, or evaluations (one at each: the off-policy
    # learner, whose iterations are single env steps and whose state holds a buffer)
    checkpoint_unit: str = MISSING

    def __post_init__(self) -> None:
        require_one_of(self.checkpoint_unit, "checkpoint_unit", ("iterations", "evaluations"))


@dataclass
class DiscriminatorConfig:
    _target_: str = "gail_lab.imitation.discriminator.Discriminator"
    hidden_sizes: list[int] = MISSING
    activation: str = MISSING  # relu, tanh, leaky_relu
    # state_action: D(s, a) (GAIL); state: D(s); state_next_state: D(s, s') (GAIfO)
    inputs: str = MISSING
    # gail: -log(1 - D) (the study notes' reward), log_d: log D, logit: log D - log(1 - D).
    reward_form: str = MISSING
    reward_clip: float | None = MISSING  # clip the reward to [-reward_clip, reward_clip]
    # none | scale (divide by the running std: keeps the sign) | standardize (also subtract the
    # running mean: zero-mean reward, which changes what ending an episode is worth)
    reward_normalization: str = MISSING
    normalize_obs: bool = MISSING  # one running normalizer for expert and agent observations
    spectral_norm: bool = MISSING
    grad_penalty: float = MISSING  # weight of the gradient penalty at expert/agent interpolates
    grad_penalty_target: float = (
        MISSING  # 0: zero-centred (||grad||^2); 1: WGAN-GP's (||grad||-1)^2
    )
    entropy_coef: float = MISSING  # bonus on the binary entropy of D's outputs
    label_smoothing: float = MISSING  # targets 1-eps for expert, eps for agent
    skip_above_accuracy: float | None = MISSING  # skip D steps while its batch accuracy is above
    # Absorbing states for terminations, one per ending (success / failure; env.terminal_outcome
    # says which is which), as in DAC: see gail_lab/imitation/absorbing.py
    absorbing: bool = MISSING
    # The value of the ending code in D's input (1: DAC's indicator). A gradient penalty bounds
    # D's logit change per unit of input distance, so at 1 the success and failure absorbing
    # states' rewards can differ by ~1.4 at most; a larger scale lets D tell them apart.
    absorbing_scale: float = MISSING
    # What an absorbing state shows D besides its code: zero (nothing, as DAC), or terminal (the
    # observation its episode ended in: with env.terminal_outcome=failure, one absorbing state
    # for every ending, D tells a goal from a crash by where the episode ended, not by a label)
    absorbing_obs: str = MISSING
    # The observation indices D sees (null: all of them): judge the expert's behaviour by what
    # matters (e.g. the racecar's pose and velocity) while the learner sees the whole state.
    obs_dims: list[int] | None = MISSING
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        require_one_of(self.activation, "activation", DISCRIMINATOR_ACTIVATIONS)
        require_one_of(self.inputs, "inputs", DISCRIMINATOR_INPUTS)
        require_one_of(self.reward_normalization, "reward_normalization", REWARD_NORMALIZATIONS)
        require(
            self.reward_clip is None or self.reward_clip > 0,
            "reward_clip",
            "> 0 or null",
            self.reward_clip,
        )
        require(self.grad_penalty >= 0, "grad_penalty", ">= 0", self.grad_penalty)
        require(self.entropy_coef >= 0, "entropy_coef", ">= 0", self.entropy_coef)
        require(
            0 <= self.label_smoothing < 0.5, "label_smoothing", "in [0, 0.5)", self.label_smoothing
        )
        require(self.absorbing_scale > 0, "absorbing_scale", "> 0", self.absorbing_scale)
        require_one_of(self.absorbing_obs, "absorbing_obs", ABSORBING_OBS)
        require(
            self.obs_dims is None
            or (
                len(self.obs_dims) > 0
                and min(self.obs_dims) >= 0
                and len(set(self.obs_dims)) == len(self.obs_dims)
            ),
            "obs_dims",
            "null or distinct observation indices >= 0",
            self.obs_dims,
        )
        require(
            self.skip_above_accuracy is None or 0.5 <= self.skip_above_accuracy <= 1,
            "skip_above_accuracy",
            "in [0.5, 1] or null",
            self.skip_above_accuracy,
        )
        require(
            self.reward_form in REWARD_FORMS,
            "reward_form",
            f"one of {list(REWARD_FORMS)}",
            self.reward_form,
        )
        require_sizes(self.hidden_sizes)


@dataclass
class AIRLDiscriminatorConfig(DiscriminatorConfig):
    """AIRL's structured discriminator (gail_lab/imitation/airl.py): logit = g(s) + gamma h(s')
    - h(s) - log pi(a|s). g's inputs are set by ``state_only`` (``inputs`` is refused); the
    shaping discount is the learner's gamma (conf/discriminator/airl.yaml interpolates it; a
    different value is refused); the gradient penalty covers the whole f (g and h);
    ``absorbing`` gives g and h absorbing states."""

    _target_: str = "gail_lab.imitation.airl.AIRLDiscriminator"
    state_only: bool = MISSING  # g(s) (the paper's disentangled reward) or g(s, a)
    gamma: float = (
        MISSING  # the shaping term's discount: the learner's (conf/discriminator/airl.yaml)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require(
            self.inputs == "state_action",
            "inputs",
            "left unset for AIRL (g takes s or (s, a): set discriminator.state_only)",
            self.inputs,
        )
