"""Structured configs: one dataclass schema per config group, registered in Hydra's ConfigStore.

The YAML files under ``conf/`` pick a schema through their defaults list
(``- /schema/<group>@_here_``), so every group node is typed: an unknown key or a wrong type fails
when Hydra composes the config. Value checks (``lr > 0``, ``0 < gamma <= 1``...) live in each
dataclass's ``__post_init__`` and run in :func:`validate_config`, before any work starts, with an
error that names the full key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from gail_lab.errors import GailLabError
from gail_lab.imitation.rewards import REWARD_FORMS


class ConfigValueError(GailLabError, ValueError):
    """A config value is outside its allowed range; the message names the key and the range."""


def _require(ok: bool, key: str, allowed: str, value: Any) -> None:
    if not ok:
        raise ConfigValueError(f"{key}: must be {allowed} (got {value!r})")


def _require_sizes(sizes: list[int], key: str = "hidden_sizes") -> None:
    _require(all(h >= 1 for h in sizes), key, "a list of positive sizes", sizes)


# --------------------------------------------------------------------------- optimizer
@dataclass
class AdamConfig:
    _target_: str = "torch.optim.Adam"
    _partial_: bool = True
    lr: float = 1e-4
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _require(self.lr > 0, "lr", "> 0", self.lr)
        _require(self.eps > 0, "eps", "> 0", self.eps)
        _require(self.weight_decay >= 0, "weight_decay", ">= 0", self.weight_decay)


# --------------------------------------------------------------------------- env
@dataclass
class EnvConfig:
    _target_: str = "gail_lab.envs.EnvFactory"
    name: str = MISSING  # short name used in run names, e.g. "cartpole"
    id: str = MISSING  # any registered gymnasium id
    kwargs: dict[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None  # None: the id's own limit
    num_envs: int = 8  # envs stepped together (batched policy forward) by every task
    vectorization: str = "sync"  # sync: one process; async: one worker process per env
    # Standardize observations inside the imitation policy with running statistics (saved in its
    # checkpoint); datasets always keep raw observations.
    normalize_obs: bool = False
    # An expert below this mean return is refused by task=collect (None: the id's reward_threshold).
    expert_min_return: float | None = None
    # What a termination means: info (the env's info["is_success"]), success, or failure.
    terminal_outcome: str = "info"
    # The GAIL reward form that suits how this env's episodes end (conf/discriminator/mlp.yaml
    # reads it): gail = -log(1-D) > 0 pays for survival, right where episodes end in failure
    # (CartPole); log_d = log D < 0 charges every step, right where they end in success
    # (MountainCar, Acrobot). Ho & Ermon's code made the same choice per env.
    gail_reward_form: str = "gail"
    # Observation dims that hold the agent's position, and the factor to metres: evaluation then
    # reports the mean distance of the driven path from the expert's on the same seeds (fidelity).
    position_dims: list[int] | None = None
    position_scale: float = 1.0

    def __post_init__(self) -> None:
        _require(
            self.gail_reward_form in REWARD_FORMS,
            "gail_reward_form",
            f"one of {list(REWARD_FORMS)}",
            self.gail_reward_form,
        )
        _require(
            self.terminal_outcome in ("info", "success", "failure"),
            "terminal_outcome",
            "one of ['info', 'success', 'failure']",
            self.terminal_outcome,
        )
        _require(self.num_envs >= 1, "num_envs", ">= 1", self.num_envs)
        _require(
            self.vectorization in ("sync", "async"),
            "vectorization",
            "one of ['sync', 'async']",
            self.vectorization,
        )
        if self.max_episode_steps is not None:
            _require(
                self.max_episode_steps >= 1,
                "max_episode_steps",
                ">= 1 or null",
                self.max_episode_steps,
            )


# --------------------------------------------------------------------------- experts
@dataclass
class DQNExpertConfig:
    """DQN expert. The defaults are the seed's CartPole DQN (shared/spec/seed-experiments.md,
    experiment 1): a budget in episodes, epsilon multiplied down after every episode, the target
    synced every few episodes, one gradient step per env step. The step-based options give
    SB3/rl-baselines3-zoo's DQN (conf/expert/dqn_mountaincar.yaml): a budget in env steps
    (total_steps), eps_schedule=linear, target_update_steps, train_freq/gradient_steps,
    eval_every_steps."""

    # Options added after CartPole experts were cached: while they hold their defaults they stay
    # out of the artifact cache key, so those experts keep their paths (tasks/context.py).
    added_after_caching = (
        "total_steps",
        "eps_schedule",
        "eps_fraction",
        "target_update_steps",
        "train_freq",
        "gradient_steps",
        "eval_every_steps",
    )

    _target_: str = "gail_lab.experts.trained.DQNExpert"
    name: str = "dqn"
    hidden_sizes: list[int] = field(default_factory=lambda: [128, 128])
    # The budget: training ends after `episodes` episodes or `total_steps` env steps, whichever
    # comes first; null means no limit in that unit (at least one must be set).
    episodes: int | None = 500
    total_steps: int | None = None
    gamma: float = 0.99
    batch_size: int = 128
    buffer_size: int = 200_000
    learning_starts: int = 128  # env steps before the first gradient step
    train_freq: int = 1  # env steps between rounds of gradient steps (SB3's train_freq)
    gradient_steps: int = 1  # gradient steps per round
    # Exploration: "multiplicative" multiplies epsilon by eps_decay after every episode, down to
    # eps_min (the seed's); "linear" lowers it from eps_start to eps_min over the first
    # eps_fraction * total_steps env steps, then holds it (SB3's exploration_fraction/final_eps).
    eps_schedule: str = "multiplicative"
    eps_start: float = 1.0
    eps_decay: float = 0.995  # multiplicative only
    eps_min: float = 0.01
    eps_fraction: float = 0.1  # linear only
    # The target network is synced every target_update_episodes episodes (the seed's) or every
    # target_update_steps env steps (SB3's target_update_interval): set exactly one.
    target_update_episodes: int | None = 10
    target_update_steps: int | None = None
    loss: str = "mse"  # mse (the seed's) or huber (SB3's)
    max_grad_norm: float | None = None  # clip the gradient norm (None: no clipping, as the seed)
    # Greedy evaluation during training on the training seed stream (the best snapshot is kept):
    # every eval_every_episodes episodes, or at the end of the episode in which each multiple of
    # eval_every_steps env steps falls; set exactly one.
    eval_every_episodes: int | None = 10
    eval_every_steps: int | None = None
    eval_episodes: int = 5
    stop_at_return: float | None = None  # stop early once a greedy evaluation reaches this
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        _require(
            self.episodes is not None or self.total_steps is not None,
            "episodes/total_steps",
            "set (at least one of them is the budget)",
            (self.episodes, self.total_steps),
        )
        _require(self.episodes is None or self.episodes >= 1, "episodes", ">= 1", self.episodes)
        _require(
            self.total_steps is None or self.total_steps >= 1,
            "total_steps",
            ">= 1 or null",
            self.total_steps,
        )
        _require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        _require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        _require(
            self.buffer_size >= self.batch_size, "buffer_size", ">= batch_size", self.buffer_size
        )
        _require(self.learning_starts >= 0, "learning_starts", ">= 0", self.learning_starts)
        _require(self.train_freq >= 1, "train_freq", ">= 1", self.train_freq)
        _require(self.gradient_steps >= 1, "gradient_steps", ">= 1", self.gradient_steps)
        _require(
            self.eps_schedule in ("multiplicative", "linear"),
            "eps_schedule",
            "one of ['multiplicative', 'linear']",
            self.eps_schedule,
        )
        _require(
            self.eps_schedule != "linear" or self.total_steps is not None,
            "eps_schedule",
            "multiplicative when total_steps is null (linear decays over total_steps)",
            self.eps_schedule,
        )
        _require(
            0 <= self.eps_min <= self.eps_start <= 1,
            "eps_start/eps_min",
            "0 <= eps_min <= eps_start <= 1",
            (self.eps_start, self.eps_min),
        )
        _require(0 < self.eps_decay <= 1, "eps_decay", "in (0, 1]", self.eps_decay)
        _require(0 < self.eps_fraction <= 1, "eps_fraction", "in (0, 1]", self.eps_fraction)
        _require(self.loss in ("mse", "huber"), "loss", "one of ['mse', 'huber']", self.loss)
        for unit in ("target_update", "eval_every"):
            per_episode, per_step = f"{unit}_episodes", f"{unit}_steps"
            values = (getattr(self, per_episode), getattr(self, per_step))
            _require(
                (values[0] is None) != (values[1] is None),
                f"{per_episode}/{per_step}",
                "set exactly one (the other null)",
                values,
            )
            for key, value in zip((per_episode, per_step), values, strict=True):
                _require(value is None or value >= 1, key, ">= 1 or null", value)
        _require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)
        _require_sizes(self.hidden_sizes)


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
        _require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        _require(0 <= self.gae_lambda <= 1, "gae_lambda", "in [0, 1]", self.gae_lambda)
        _require(self.clip_coef > 0, "clip_coef", "> 0", self.clip_coef)
        _require(self.epochs >= 1, "epochs", ">= 1", self.epochs)
        _require(self.minibatch_size >= 2, "minibatch_size", ">= 2", self.minibatch_size)
        _require_sizes(self.value_hidden_sizes, "value_hidden_sizes")


@dataclass
class PPOExpertConfig(PPOConfig):
    """PPO with a critic and GAE on the env reward (CleanRL's defaults unless a preset says):
    the PPO learner's settings plus the expert's network, budget and evaluation."""

    _target_: str = "gail_lab.experts.trained.PPOExpert"
    # Options added after PPO experts were cached: left out of the cache key at their defaults.
    added_after_caching = ("log_std_init",)
    name: str = "ppo"
    hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])
    total_steps: int = 200_000
    samples_per_iteration: int = 2048  # complete episodes until at least this many steps
    normalize_obs: bool = False
    anneal_lr: bool = True
    eval_every: int = 5  # iterations
    eval_episodes: int = 10
    stop_at_return: float | None = None
    log_std_init: float = 0.0  # Box actions: initial log-std of the tanh-Gaussian policy
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_sizes(self.hidden_sizes)
        _require(self.total_steps >= 1, "total_steps", ">= 1", self.total_steps)
        _require(
            self.samples_per_iteration >= 1,
            "samples_per_iteration",
            ">= 1",
            self.samples_per_iteration,
        )
        _require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        _require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class SACExpertConfig:
    """SAC on the env's own reward for Box actions (SB3's SAC defaults unless a preset says)."""

    _target_: str = "gail_lab.experts.trained.SACExpert"
    name: str = "sac"
    hidden_sizes: list[int] = field(default_factory=lambda: [256, 256])  # actor and both critics
    total_steps: int = 20_000
    buffer_size: int = 1_000_000
    learning_starts: int = 100  # uniform random actions before the first update
    batch_size: int = 256
    train_freq: int = 1  # env steps between updates
    gradient_steps: int = 1  # updates each time
    gamma: float = 0.99
    tau: float = 0.005  # Polyak averaging of the target critics
    alpha: float | None = None  # entropy temperature; None tunes it toward target_entropy
    alpha_init: float = 1.0
    target_entropy: float | None = None  # None: -(action dimensions)
    eval_every_steps: int = 1_000
    eval_episodes: int = 10
    stop_at_return: float | None = None
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        _require_sizes(self.hidden_sizes)
        _require(self.total_steps >= 1, "total_steps", ">= 1", self.total_steps)
        _require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        _require(
            self.buffer_size >= self.batch_size, "buffer_size", ">= batch_size", self.buffer_size
        )
        _require(self.learning_starts >= 0, "learning_starts", ">= 0", self.learning_starts)
        _require(self.train_freq >= 1, "train_freq", ">= 1", self.train_freq)
        _require(self.gradient_steps >= 1, "gradient_steps", ">= 1", self.gradient_steps)
        _require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        _require(0 < self.tau <= 1, "tau", "in (0, 1]", self.tau)
        _require(self.alpha is None or self.alpha > 0, "alpha", "> 0 or null (auto)", self.alpha)
        _require(self.alpha_init > 0, "alpha_init", "> 0", self.alpha_init)
        _require(self.eval_every_steps >= 1, "eval_every_steps", ">= 1", self.eval_every_steps)
        _require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class ScriptedCartPoleConfig:
    """A hand-written CartPole controller: no training, reaches 500 from any seed."""

    _target_: str = "gail_lab.experts.scripted.CartPoleController"
    name: str = "scripted_cartpole"


@dataclass
class ScriptedRacecarConfig:
    """Pure pursuit along the racecar track's centerline, slow in the corners."""

    _target_: str = "gail_lab.experts.scripted.RacecarPurePursuit"
    name: str = "scripted_racecar"
    lookahead: float = 0.8  # metres
    corner_throttle: float = 0.2  # within 1 m of a corner; faster corners overshoot into walls

    def __post_init__(self) -> None:
        _require(self.lookahead > 0, "lookahead", "> 0", self.lookahead)
        _require(
            0 < self.corner_throttle <= 1, "corner_throttle", "in (0, 1]", self.corner_throttle
        )


# --------------------------------------------------------------------------- imitation
@dataclass
class CategoricalPolicyConfig:
    """The seed's softmax MLP policy (discrete actions only)."""

    _target_: str = "gail_lab.rl.networks.categorical_policy"
    hidden_sizes: list[int] = field(default_factory=lambda: [128, 128])

    def __post_init__(self) -> None:
        _require_sizes(self.hidden_sizes)


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
        _require_sizes(self.hidden_sizes)
        _require(
            self.squash in ("tanh", "clip", "clip_censored"),
            "squash",
            "one of ['tanh', 'clip', 'clip_censored']",
            self.squash,
        )
        _require(
            len(self.hidden_sizes) >= 1, "hidden_sizes", "at least one layer", self.hidden_sizes
        )
        _require(
            self.activation in ("tanh", "relu"),
            "activation",
            "one of ['tanh', 'relu']",
            self.activation,
        )


@dataclass
class ReinforceConfig:
    _target_: str = "gail_lab.rl.reinforce.Reinforce"  # values: conf/algo/gail_reinforce.yaml
    gamma: float = MISSING
    policy_steps: int = MISSING  # gradient steps per batch of episodes
    normalize_returns: bool = MISSING

    def __post_init__(self) -> None:
        _require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        _require(self.policy_steps >= 1, "policy_steps", ">= 1", self.policy_steps)


@dataclass
class GAILTrainerConfig:
    # Fields without a default here are set by each algo preset (conf/algo/*.yaml): one place.
    _target_: str = "gail_lab.imitation.gail.GAILTrainer"
    iterations: int = MISSING
    samples_per_iteration: int = MISSING  # complete episodes until at least this many steps
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
        _require(self.iterations >= 1, "iterations", ">= 1", self.iterations)
        if self.bc_warm_start_lr is not None:
            _require(
                self.bc_warm_start_lr > 0, "bc_warm_start_lr", "> 0 or null", self.bc_warm_start_lr
            )
        _require(self.bc_coef >= 0, "bc_coef", ">= 0", self.bc_coef)
        _require(self.reward_scale > 0, "reward_scale", "> 0", self.reward_scale)
        _require(self.disc_reward_coef >= 0, "disc_reward_coef", ">= 0", self.disc_reward_coef)
        if self.disc_reward_coef == 0 and self.env_reward_coef == 0 and self.bc_coef == 0:
            _require(False, "disc_reward_coef", "> 0 unless env_reward_coef or bc_coef is", 0.0)
        _require(self.bc_batch_size >= 1, "bc_batch_size", ">= 1", self.bc_batch_size)
        _require(self.bc_warm_start >= 0, "bc_warm_start", ">= 0", self.bc_warm_start)
        _require(
            self.samples_per_iteration >= 1,
            "samples_per_iteration",
            ">= 1",
            self.samples_per_iteration,
        )
        _require(self.d_steps >= 0, "d_steps", ">= 0", self.d_steps)
        _require(
            self.d_batch_size >= 2 and self.d_batch_size % 2 == 0,
            "d_batch_size",
            "an even number >= 2",
            self.d_batch_size,
        )
        _require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        _require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class BCTrainerConfig:
    """Behavior cloning: maximize log pi(a|s) on expert pairs (the optimizer group's Adam)."""

    _target_: str = "gail_lab.imitation.bc.BCTrainer"  # values: conf/algo/bc.yaml
    steps: int = MISSING  # gradient steps
    batch_size: int = MISSING
    eval_every: int = MISSING  # gradient steps between evaluations (logging only)
    eval_episodes: int = 5

    def __post_init__(self) -> None:
        _require(self.steps >= 1, "steps", ">= 1", self.steps)
        _require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        _require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        _require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


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
        _require(self.epochs >= 1, "epochs", ">= 1", self.epochs)
        _require(self.batch_size >= 2, "batch_size", ">= 2", self.batch_size)
        _require(self.d_steps >= 0, "d_steps", ">= 0", self.d_steps)
        _require(self.policy_steps >= 1, "policy_steps", ">= 1", self.policy_steps)
        _require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        _require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


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
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        _require(
            self.activation in ("relu", "tanh", "leaky_relu"),
            "activation",
            "one of ['relu', 'tanh', 'leaky_relu']",
            self.activation,
        )
        _require(
            self.inputs in ("state_action", "state", "state_next_state"),
            "inputs",
            "one of ['state_action', 'state', 'state_next_state']",
            self.inputs,
        )
        _require(
            self.reward_normalization in ("none", "scale", "standardize"),
            "reward_normalization",
            "one of ['none', 'scale', 'standardize']",
            self.reward_normalization,
        )
        _require(
            self.reward_clip is None or self.reward_clip > 0,
            "reward_clip",
            "> 0 or null",
            self.reward_clip,
        )
        _require(self.grad_penalty >= 0, "grad_penalty", ">= 0", self.grad_penalty)
        _require(self.entropy_coef >= 0, "entropy_coef", ">= 0", self.entropy_coef)
        _require(
            0 <= self.label_smoothing < 0.5, "label_smoothing", "in [0, 0.5)", self.label_smoothing
        )
        _require(
            self.skip_above_accuracy is None or 0.5 <= self.skip_above_accuracy <= 1,
            "skip_above_accuracy",
            "in [0.5, 1] or null",
            self.skip_above_accuracy,
        )
        _require(
            self.reward_form in REWARD_FORMS,
            "reward_form",
            f"one of {list(REWARD_FORMS)}",
            self.reward_form,
        )
        _require_sizes(self.hidden_sizes)


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
        _require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        _require(
            self.inputs == "state_action",
            "inputs",
            "left unset for AIRL (g takes s or (s, a): set discriminator.state_only)",
            self.inputs,
        )


# --------------------------------------------------------------------------- logger, task
@dataclass
class WandbConfig:
    mode: str = (
        "offline"  # offline (default: no server needed; `wandb sync` later), online, disabled
    )
    project: str = "gail_lab"
    entity: str | None = None
    # null: the sweep under --multirun, else the +experiment name, else run_name
    group: str | None = None
    tags: list[str] = field(default_factory=list)  # added to env:<name>, algo:<name>, expert:<name>
    log_artifacts: bool = True  # datasets (collect), expert and policy checkpoints; dataset lineage
    init_timeout: float = 30.0  # online: seconds to reach W&B before logging offline instead

    def __post_init__(self) -> None:
        _require(
            self.mode in ("offline", "online", "disabled"),
            "mode",
            "one of ['offline', 'online', 'disabled']",
            self.mode,
        )
        _require(self.init_timeout > 0, "init_timeout", "> 0", self.init_timeout)


@dataclass
class LoggerConfig:
    _target_: str = "gail_lab.logging.RunLogger"
    wandb: WandbConfig | None = None


@dataclass
class TaskConfig:
    _target_: str = MISSING  # the task function, e.g. gail_lab.tasks.pipeline.run
    name: str = MISSING


@dataclass
class ReportTaskConfig(TaskConfig):
    """task=report (gail_lab/report.py): aggregate the runs under ``dir`` by config over seeds."""

    dir: str = MISSING  # a sweep dir (multirun/<date>/<time>) or any folder holding run dirs
    metrics: list[str] = field(
        default_factory=lambda: ["normalized_score", "imitation_return_mean"]
    )  # keys of each run's summary.json; the first one is plotted
    curve: str = "eval/return_mean"  # the metrics.jsonl key of the learning curves
    confidence: float = 0.95
    resamples: int = 10_000  # bootstrap resamples
    bootstrap_seed: int = 0  # the bootstrap's RNG seed: the same runs give the same intervals

    def __post_init__(self) -> None:
        _require(0 < self.confidence < 1, "confidence", "in (0, 1)", self.confidence)
        _require(self.resamples >= 1, "resamples", ">= 1", self.resamples)
        _require(len(self.metrics) >= 1, "metrics", "a non-empty list", self.metrics)


# --------------------------------------------------------------------------- root
@dataclass
class DataConfig:
    """Demonstrations: how task=collect makes them and where task=imitate finds them."""

    num_transitions: int | None = (
        200_000  # collect complete episodes until at least this many pairs
    )
    num_episodes: int | None = None  # or exactly this many episodes (takes precedence)
    allow_weak_expert: bool = False  # collect even from an expert below env.expert_min_return
    path: str | None = None  # an explicit dataset file; null: the cached dataset for this config
    # Sub-optimal or DART-style demonstrations: the executed action is perturbed (discrete: a
    # uniform random action with probability noise_scale; continuous: Gaussian noise of std
    # noise_scale, clipped to the action box). label=executed records what was executed;
    # label=clean (DART, Laskey et al. 2017) records the expert's clean action.
    noise_scale: float = 0.0
    label: str = "executed"
    noise_dims: list[int] | None = None  # Box actions: perturb only these dimensions (null: all)
    # expert, or random: the control that replaces the demonstrations by uniform-random-policy data
    # (how much of a result the demonstrations explain, not the termination bias; DAC, Kostrikov
    # et al. 2019). Normalized scores still use the real expert's return as the reference.
    source: str = "expert"
    # Ho & Ermon's subsampling, applied when a dataset is used (task=imitate), not when it is made:
    use_episodes: int | None = None  # the first n trajectories only
    subsample_every: int = 1  # keep every k-th transition of each trajectory (from its first)

    def __post_init__(self) -> None:
        _require(self.noise_scale >= 0, "noise_scale", ">= 0", self.noise_scale)
        _require(
            self.label in ("executed", "clean"), "label", "one of ['executed', 'clean']", self.label
        )
        _require(self.subsample_every >= 1, "subsample_every", ">= 1", self.subsample_every)
        _require(
            self.source in ("expert", "random"),
            "source",
            "one of ['expert', 'random']",
            self.source,
        )
        if self.use_episodes is not None:
            _require(self.use_episodes >= 1, "use_episodes", ">= 1 or null", self.use_episodes)
        _require(
            self.num_transitions is not None or self.num_episodes is not None,
            "num_transitions/num_episodes",
            "set (one of them)",
            None,
        )
        if self.num_episodes is not None:
            _require(self.num_episodes >= 1, "num_episodes", ">= 1", self.num_episodes)
        if self.num_transitions is not None:
            _require(self.num_transitions >= 1, "num_transitions", ">= 1", self.num_transitions)


@dataclass
class EvalConfig:
    episodes: int = 10
    deterministic: bool = True  # argmax actions; stochastic returns are reported beside them
    target: str = (
        "imitation"  # what task=evaluate scores: imitation (a policy checkpoint) or expert
    )
    checkpoint: str | None = None  # policy file for target=imitation (null: <run dir>/policy.pt)
    video: bool = False  # also render one greedy episode (first evaluation seed) to episode.gif
    video_max_frames: int = 600  # longer episodes keep every k-th frame to fit

    def __post_init__(self) -> None:
        _require(self.episodes >= 1, "episodes", ">= 1", self.episodes)
        _require(self.video_max_frames >= 1, "video_max_frames", ">= 1", self.video_max_frames)
        _require(
            self.target in ("imitation", "expert"),
            "target",
            "one of ['imitation', 'expert']",
            self.target,
        )


@dataclass
class Config:
    task: Any = MISSING
    expert: Any = MISSING
    env: Any = MISSING
    algo: Any = MISSING
    discriminator: Any = MISSING
    optimizer: Any = MISSING
    logger: Any = MISSING
    data: DataConfig = field(default_factory=DataConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0
    expert_seed: int | None = (
        None  # null: same as seed; fix it to share one expert across a seed sweep
    )
    device: str = "cpu"  # cpu, or cuda (used when asked for and present)
    torch_threads: int = (
        1  # small MLPs run fastest single-threaded; parallel jobs do not oversubscribe
    )
    progress: bool = True  # progress bars with steps/s and ETA
    artifacts_dir: str = (
        "artifacts"  # cache of experts and datasets, shared by runs (keyed by config)
    )
    reuse_artifacts: bool = True  # false: retrain the expert / recollect the dataset even if cached
    # Training checkpoints (every learner, rl/loop.py): the whole training state, in
    # <stage dir>/checkpoints/, on SIGTERM/SIGUSR2, at the end, and every checkpoint_every
    # iterations of an imitation learner (experts: at every evaluation); the newest
    # keep_checkpoints kept; a run started again in the same run dir resumes from the newest one
    # (0: no checkpoints).
    checkpoint_every: int = 10
    keep_checkpoints: int = 3
    run_name: str = "${env.name}__${algo.name}__${seed}"

    def __post_init__(self) -> None:
        _require(
            self.device in ("cpu", "cuda") or self.device.startswith("cuda:"),
            "device",
            "cpu, cuda or cuda:N",
            self.device,
        )
        _require(self.torch_threads >= 1, "torch_threads", ">= 1", self.torch_threads)
        _require(self.seed >= 0, "seed", ">= 0", self.seed)
        _require(self.checkpoint_every >= 0, "checkpoint_every", ">= 0", self.checkpoint_every)
        _require(self.keep_checkpoints >= 1, "keep_checkpoints", ">= 1", self.keep_checkpoints)


SCHEMAS: dict[str, dict[str, type]] = {
    "optimizer": {"adam": AdamConfig},
    "env": {"env": EnvConfig},
    "expert": {
        "dqn": DQNExpertConfig,
        "ppo": PPOExpertConfig,
        "sac": SACExpertConfig,
        "scripted_cartpole": ScriptedCartPoleConfig,
        "scripted_racecar": ScriptedRacecarConfig,
    },
    "algo": {"algo": AlgoConfig},
    "algo/policy": {"categorical": CategoricalPolicyConfig, "mlp": MLPPolicyConfig},
    "algo/learner": {"reinforce": ReinforceConfig, "ppo": PPOConfig},
    "algo/trainer": {
        "gail": GAILTrainerConfig,
        "bc": BCTrainerConfig,
        "gail_offline": OfflineGAILTrainerConfig,
    },
    "discriminator": {"mlp": DiscriminatorConfig, "airl": AIRLDiscriminatorConfig},
    "logger": {"logger": LoggerConfig},
    "task": {"task": TaskConfig, "report": ReportTaskConfig},
}


def register_configs() -> None:
    """Store every schema as ``schema/<group>/<name>``; YAML options extend them."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    for group, schemas in SCHEMAS.items():
        for name, node in schemas.items():
            cs.store(group=f"schema/{group}", name=name, node=node)


def validate_config(cfg: DictConfig) -> None:
    """Run every dataclass's checks; raise :class:`ConfigValueError` naming the full key."""

    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigValueError(
            f"{missing[0]}: is required and has no value (set it on the command line, "
            f"e.g. {missing[0]}=...)" + (f"; also missing: {missing[1:]}" if missing[1:] else "")
        )

    def visit(node: Any, path: str) -> None:
        if not isinstance(node, DictConfig):
            return
        for key in node.keys():
            child = node._get_node(key)
            visit(child, f"{path}.{key}" if path else str(key))
        obj_type = OmegaConf.get_type(node)
        if obj_type is not None and dataclasses.is_dataclass(obj_type):
            try:
                OmegaConf.to_object(node)
            except ConfigValueError as err:
                msg = str(err)
                raise ConfigValueError(f"{path}.{msg}" if path else msg) from None

    visit(cfg, "")
    disc, learner = cfg.get("discriminator"), cfg.algo.get("learner")
    if (
        disc is not None
        and "state_only" in disc  # AIRL: its shaping term h discounts with the learner's gamma
        and learner is not None
        and "gamma" in learner
        and disc.gamma != learner.gamma
    ):
        raise ConfigValueError(
            f"discriminator.gamma: must equal algo.learner.gamma ({learner.gamma}), the discount "
            f"AIRL's shaping term h assumes (got {disc.gamma}); set algo.learner.gamma instead"
        )
