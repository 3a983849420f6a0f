"""Schemas of the ``algo`` (policy, learner, trainer) and ``discriminator`` groups (conf/algo/,
conf/discriminator/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from gail_lab.config.checks import require, require_one_of, require_sizes
from gail_lab.imitation.discriminator import ACTIVATIONS as D_ACTIVATIONS
from gail_lab.imitation.rewards import REWARD_FORMS
from gail_lab.rl.networks import ACTIVATIONS, SQUASHES


# --------------------------------------------------------------------------- imitation
@dataclass
class CategoricalPolicyConfig:
    """The seed's softmax MLP policy (discrete actions only)."""

    _target_: str = "gail_lab.rl.networks.categorical_policy"
    hidden_sizes: list[int] = field(default_factory=lambda: [128, 128])

    def __post_init__(self) -> None:
        require_sizes(self.hidden_sizes)


@dataclass
class MLPPolicyConfig:
    """An MLP policy for either action space: categorical for Discrete, tanh-squashed Gaussian for
    Box (its mean and samples stay inside the action box)."""

    _target_: str = "gail_lab.rl.networks.policy_for_space"
    hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])
    log_std_init: float = 0.0  # Box only
    state_dependent_std: bool = False  # Box only: a log-std head instead of a free parameter
    activation: str = "tanh"  # Box only: tanh or relu
    # Box only: tanh (squashed Gaussian: mean and samples inside the box, but an unbounded
    # likelihood for labels on the box's edge), clip (Gaussian clipped to the box, its mean kept
    # inside by a penalty in the PPO and BC losses, the Gaussian's density as its likelihood: what
    # the racecar probe used) or clip_censored (the same with the censored likelihood of clipped
    # samples: the probability of landing on the box's edge; rl/networks.py ClippedNormal)
    squash: str = "tanh"

    def __post_init__(self) -> None:
        require_sizes(self.hidden_sizes)
        require_one_of(self.squash, "squash", SQUASHES)
        require(
            len(self.hidden_sizes) >= 1, "hidden_sizes", "at least one layer", self.hidden_sizes
        )
        require_one_of(self.activation, "activation", tuple(ACTIVATIONS))


@dataclass
class SACPolicyConfig:
    """SAC's actor (Box actions only): tanh-squashed Gaussian, state-dependent log-std, ReLU."""

    _target_: str = "gail_lab.rl.networks.sac_policy"
    hidden_sizes: list[int] = field(default_factory=lambda: [256, 256])

    def __post_init__(self) -> None:
        require_sizes(self.hidden_sizes)


@dataclass
class SACConfig:
    """SAC learner (twin critics, automatic temperature) driven by its caller's rewards (dac)."""

    _target_: str = "gail_lab.rl.sac.SAC"  # values: conf/algo/dac.yaml
    gamma: float = MISSING
    tau: float = MISSING  # Polyak averaging of the target critics
    critic_hidden_sizes: list[int] = MISSING
    alpha: float | None = None  # entropy temperature; null tunes it toward target_entropy
    alpha_init: float = 1.0
    target_entropy: float | None = None  # null: -(action dimensions)

    def __post_init__(self) -> None:
        require(0 < self.gamma < 1, "gamma", "in (0, 1)", self.gamma)
        require(0 < self.tau <= 1, "tau", "in (0, 1]", self.tau)
        require(self.alpha is None or self.alpha > 0, "alpha", "> 0 or null (auto)", self.alpha)
        require(self.alpha_init > 0, "alpha_init", "> 0", self.alpha_init)
        require_sizes(self.critic_hidden_sizes, "critic_hidden_sizes")


@dataclass
class PPOConfig:
    """PPO learner (critic + GAE) driven by whatever reward its caller gives it."""

    _target_: str = "gail_lab.rl.ppo.PPO"
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_coef: float = 0.2
    epochs: int = 10
    minibatch_size: int = 64
    value_coef: float = 0.5
    entropy_coef: float = 0.0
    max_grad_norm: float = 0.5
    normalize_advantages: bool = True
    value_hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])

    def __post_init__(self) -> None:
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require(0 <= self.gae_lambda <= 1, "gae_lambda", "in [0, 1]", self.gae_lambda)
        require(self.clip_coef > 0, "clip_coef", "> 0", self.clip_coef)
        require(self.epochs >= 1, "epochs", ">= 1", self.epochs)
        require(self.minibatch_size >= 2, "minibatch_size", ">= 2", self.minibatch_size)
        require_sizes(self.value_hidden_sizes, "value_hidden_sizes")


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
class GAILTrainerConfig:
    # Fields without a default here are set by each algo preset (conf/algo/*.yaml): one place.
    _target_: str = "gail_lab.imitation.gail.GAILTrainer"
    iterations: int = MISSING
    # env steps per iteration: exactly this many for PPO (episodes cut and bootstrapped), complete
    # episodes until at least this many for REINFORCE
    samples_per_iteration: int = MISSING
    d_steps: int = MISSING
    d_batch_size: int = MISSING  # half expert, half agent pairs
    eval_every: int = 20  # iterations between evaluations on the true env return (logging only)
    eval_episodes: int = 5
    anneal_lr: bool = MISSING  # decay the policy's learning rate linearly to 0 over the iterations
    # reward = D's reward + env_reward_coef * env reward (the seed's racecar probe used 30 x)
    env_reward_coef: float = 0.0
    reward_scale: float = 1.0  # multiplies the final reward (the racecar probe used 1 - gamma)
    # weight of D's reward; 0 = the no-discriminator ablation (env reward and BC loss only, D is
    # not trained)
    disc_reward_coef: float = 1.0
    bc_coef: float = 0.0  # weight of a BC loss on expert pairs added to the policy loss
    bc_batch_size: int = 64
    bc_warm_start: int = 0  # BC gradient steps on the demonstrations before GAIL starts
    bc_warm_start_lr: float | None = None  # its Adam learning rate (null: the optimizer group's)

    def __post_init__(self) -> None:
        require(self.iterations >= 1, "iterations", ">= 1", self.iterations)
        if self.bc_warm_start_lr is not None:
            require(
                self.bc_warm_start_lr > 0, "bc_warm_start_lr", "> 0 or null", self.bc_warm_start_lr
            )
        require(self.bc_coef >= 0, "bc_coef", ">= 0", self.bc_coef)
        require(self.reward_scale > 0, "reward_scale", "> 0", self.reward_scale)
        require(self.disc_reward_coef >= 0, "disc_reward_coef", ">= 0", self.disc_reward_coef)
        if self.disc_reward_coef == 0 and self.env_reward_coef == 0 and self.bc_coef == 0:
            require(False, "disc_reward_coef", "> 0 unless env_reward_coef or bc_coef is", 0.0)
        require(self.bc_batch_size >= 1, "bc_batch_size", ">= 1", self.bc_batch_size)
        require(self.bc_warm_start >= 0, "bc_warm_start", ">= 0", self.bc_warm_start)
        require(
            self.samples_per_iteration >= 1,
            "samples_per_iteration",
            ">= 1",
            self.samples_per_iteration,
        )
        require(self.d_steps >= 0, "d_steps", ">= 0", self.d_steps)
        require(
            self.d_batch_size >= 2 and self.d_batch_size % 2 == 0,
            "d_batch_size",
            "an even number >= 2",
            self.d_batch_size,
        )
        require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class DACTrainerConfig:
    """DAC (imitation/dac.py): one env step per iteration, D and SAC updates on replay samples."""

    _target_: str = "gail_lab.imitation.dac.DACTrainer"  # values: conf/algo/dac.yaml
    total_steps: int = MISSING  # env steps
    buffer_size: int = MISSING
    learning_starts: int = MISSING  # uniform random actions (and no updates) before this step
    batch_size: int = MISSING  # SAC's replay batch
    train_freq: int = MISSING  # env steps between rounds of SAC updates
    gradient_steps: int = MISSING  # SAC updates per round
    d_every: int = MISSING  # env steps between rounds of D updates
    d_steps: int = MISSING  # D updates per round
    d_batch_size: int = MISSING  # half expert, half replay samples
    env_reward_coef: float = 0.0  # pure imitation: only D's reward
    reward_scale: float = 1.0
    eval_every: int = MISSING  # env steps between greedy evaluations (logging only)
    eval_episodes: int = 5

    def __post_init__(self) -> None:
        require(self.total_steps >= 1, "total_steps", ">= 1", self.total_steps)
        require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        require(
            self.buffer_size >= self.batch_size, "buffer_size", ">= batch_size", self.buffer_size
        )
        require(self.learning_starts >= 1, "learning_starts", ">= 1", self.learning_starts)
        for key in ("train_freq", "gradient_steps", "d_every"):
            require(getattr(self, key) >= 1, key, ">= 1", getattr(self, key))
        require(self.d_steps >= 1, "d_steps", ">= 1", self.d_steps)
        require(
            self.d_batch_size >= 2 and self.d_batch_size % 2 == 0,
            "d_batch_size",
            "an even number >= 2",
            self.d_batch_size,
        )
        require(self.reward_scale > 0, "reward_scale", "> 0", self.reward_scale)
        require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class BCTrainerConfig:
    """Behavior cloning: maximize log pi(a|s) on expert pairs (the optimizer group's Adam)."""

    _target_: str = "gail_lab.imitation.bc.BCTrainer"  # values: conf/algo/bc.yaml
    steps: int = MISSING  # gradient steps
    batch_size: int = MISSING
    eval_every: int = MISSING  # gradient steps between evaluations (logging only)
    eval_episodes: int = 5

    def __post_init__(self) -> None:
        require(self.steps >= 1, "steps", ">= 1", self.steps)
        require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class OfflineGAILTrainerConfig:
    """The seed's experiment 2: GAIL without env interaction (fake pairs on expert states)."""

    _target_: str = "gail_lab.imitation.offline.OfflineGAILTrainer"  # conf/algo/gail_offline.yaml
    epochs: int = MISSING
    batch_size: int = MISSING
    d_steps: int = MISSING
    policy_steps: int = MISSING
    normalize_rewards: bool = True  # within the batch, as the seed
    eval_every: int = 50  # epochs between evaluations (logging only)
    eval_episodes: int = 5

    def __post_init__(self) -> None:
        require(self.epochs >= 1, "epochs", ">= 1", self.epochs)
        require(self.batch_size >= 2, "batch_size", ">= 2", self.batch_size)
        require(self.d_steps >= 0, "d_steps", ">= 0", self.d_steps)
        require(self.policy_steps >= 1, "policy_steps", ">= 1", self.policy_steps)
        require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class AlgoConfig:
    name: str = MISSING
    policy: Any = MISSING
    learner: Any = None  # the RL learner the trainer drives (none for bc and gail_offline)
    trainer: Any = MISSING
    uses_discriminator: bool = True  # false for bc: no discriminator is built


@dataclass
class DiscriminatorConfig:
    _target_: str = "gail_lab.imitation.discriminator.Discriminator"
    hidden_sizes: list[int] = field(default_factory=lambda: [128, 64])
    activation: str = "relu"  # relu, tanh, leaky_relu
    # state_action: D(s, a) (GAIL); state: D(s); state_next_state: D(s, s') (GAIfO)
    inputs: str = "state_action"
    # gail: -log(1 - D) (the seed's reward), log_d: log D, logit: log D - log(1 - D).
    reward_form: str = "gail"
    reward_clip: float | None = None  # clip the reward to [-reward_clip, reward_clip]
    # none | scale (divide by the running std: keeps the sign) | standardize (also subtract the
    # running mean: zero-mean reward, which changes what ending an episode is worth)
    reward_normalization: str = "none"
    normalize_obs: bool = False  # one running normalizer for expert and agent observations
    spectral_norm: bool = False
    grad_penalty: float = 0.0  # weight of the gradient penalty at expert/agent interpolates
    grad_penalty_target: float = 0.0  # 0: zero-centred (||grad||^2); 1: WGAN-GP's (||grad||-1)^2
    entropy_coef: float = 0.0  # bonus on the binary entropy of D's outputs
    label_smoothing: float = 0.0  # targets 1-eps for expert, eps for agent
    skip_above_accuracy: float | None = None  # skip D steps while its batch accuracy is above
    # Absorbing states for terminations, one per ending (success / failure; env.terminal_outcome
    # says which is which), as in DAC: see gail_lab/imitation/absorbing.py
    absorbing: bool = False
    # The value of the ending code in D's input (1: DAC's indicator). A gradient penalty bounds
    # D's logit change per unit of input distance, so at 1 the success and failure absorbing
    # states' rewards can differ by ~1.4 at most; a larger scale lets D tell them apart.
    absorbing_scale: float = 1.0
    # The observation indices D sees (null: all of them): judge the expert's behaviour by what
    # matters (e.g. the racecar's pose and velocity) while the learner sees the whole state.
    obs_dims: list[int] | None = None
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        require_one_of(self.activation, "activation", tuple(D_ACTIVATIONS))
        require_one_of(self.inputs, "inputs", ("state_action", "state", "state_next_state"))
        require_one_of(
            self.reward_normalization, "reward_normalization", ("none", "scale", "standardize")
        )
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
    state_only: bool = True  # g(s) (the paper's disentangled reward) or g(s, a)
    gamma: float = (
        0.99  # the shaping term's discount: conf/discriminator/airl.yaml sets the learner's
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
