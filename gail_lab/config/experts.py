"""Schemas of the ``expert`` group (conf/expert/): trained experts and scripted controllers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from gail_lab.choices import ACTIVATIONS
from gail_lab.config.algo import PPOConfig
from gail_lab.config.checks import require, require_one_of, require_sizes


# --------------------------------------------------------------------------- experts
@dataclass
class DQNExpertConfig:
    """DQN expert. The defaults are the study notes' CartPole DQN (the expert of their
    CartPole GAIL + REINFORCE experiment): a budget in episodes, epsilon multiplied down after every episode, the target
    synced every few episodes, one gradient step per env step. The step-based options give
    SB3/rl-baselines3-zoo's DQN (conf/expert/dqn_mountaincar.yaml): a budget in env steps
    (total_steps), eps_schedule=linear, target_update_steps, train_freq/gradient_steps,
    eval_every_steps."""

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
    # eps_min (the study notes'); "linear" lowers it from eps_start to eps_min over the first
    # eps_fraction * total_steps env steps, then holds it (SB3's exploration_fraction/final_eps).
    eps_schedule: str = "multiplicative"
    eps_start: float = 1.0
    eps_decay: float = 0.995  # multiplicative only
    eps_min: float = 0.01
    eps_fraction: float = 0.1  # linear only
    # The target network is synced every target_update_episodes episodes (the study notes') or every
    # target_update_steps env steps (SB3's target_update_interval): set exactly one.
    target_update_episodes: int | None = 10
    target_update_steps: int | None = None
    loss: str = "mse"  # mse (the study notes') or huber (SB3's)
    max_grad_norm: float | None = (
        None  # clip the gradient norm (None: no clipping, as in the study notes)
    )
    # Greedy evaluation during training on the training seed stream (the best snapshot is kept):
    # every eval_every_episodes episodes, or at the end of the episode in which each multiple of
    # eval_every_steps env steps falls; set exactly one.
    eval_every_episodes: int | None = 10
    eval_every_steps: int | None = None
    eval_episodes: int = 5
    stop_at_return: float | None = None  # stop early once a greedy evaluation reaches this
    # stop_at_return null: stop once a greedy evaluation reaches env.expert_min_return (the env's
    # reward threshold) instead of spending the whole budget (false: always the whole budget)
    stop_at_threshold: bool = True
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        require(
            self.episodes is not None or self.total_steps is not None,
            "episodes/total_steps",
            "set (at least one of them is the budget)",
            (self.episodes, self.total_steps),
        )
        require(self.episodes is None or self.episodes >= 1, "episodes", ">= 1", self.episodes)
        require(
            self.total_steps is None or self.total_steps >= 1,
            "total_steps",
            ">= 1 or null",
            self.total_steps,
        )
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        require(
            self.buffer_size >= self.batch_size, "buffer_size", ">= batch_size", self.buffer_size
        )
        require(self.learning_starts >= 0, "learning_starts", ">= 0", self.learning_starts)
        require(self.train_freq >= 1, "train_freq", ">= 1", self.train_freq)
        require(self.gradient_steps >= 1, "gradient_steps", ">= 1", self.gradient_steps)
        require_one_of(self.eps_schedule, "eps_schedule", ("multiplicative", "linear"))
        require(
            self.eps_schedule != "linear" or self.total_steps is not None,
            "eps_schedule",
            "multiplicative when total_steps is null (linear decays over total_steps)",
            self.eps_schedule,
        )
        require(
            0 <= self.eps_min <= self.eps_start <= 1,
            "eps_start/eps_min",
            "0 <= eps_min <= eps_start <= 1",
            (self.eps_start, self.eps_min),
        )
        require(0 < self.eps_decay <= 1, "eps_decay", "in (0, 1]", self.eps_decay)
        require(0 < self.eps_fraction <= 1, "eps_fraction", "in (0, 1]", self.eps_fraction)
        require_one_of(self.loss, "loss", ("mse", "huber"))
        for unit in ("target_update", "eval_every"):
            per_episode, per_step = f"{unit}_episodes", f"{unit}_steps"
            values = (getattr(self, per_episode), getattr(self, per_step))
            require(
                (values[0] is None) != (values[1] is None),
                f"{per_episode}/{per_step}",
                "set exactly one (the other null)",
                values,
            )
            for key, value in zip((per_episode, per_step), values, strict=True):
                require(value is None or value >= 1, key, ">= 1 or null", value)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)
        require_sizes(self.hidden_sizes)


@dataclass
class PPOExpertConfig(PPOConfig):
    """PPO with a critic and GAE on the env reward (CleanRL's defaults unless a preset says):
    the PPO learner's settings plus the expert's network, budget and evaluation."""

    _target_: str = "gail_lab.experts.trained.PPOExpert"
    # the PPO learner's settings (conf/algo/learner/ppo.yaml's values, CleanRL's)
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
    value_activation: str = "tanh"  # the critic's hidden activation (activation: the policy's)
    name: str = "ppo"
    hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])
    total_steps: int = 200_000
    samples_per_iteration: int = 2048  # env steps per rollout, exactly (episodes cut, bootstrapped)
    # sub-envs of the expert's rollouts (null: env.num_envs); each runs samples_per_iteration /
    # num_envs steps per rollout, so more envs cut long episodes shorter (see ppo_acrobot)
    num_envs: int | None = None
    normalize_obs: bool = False
    anneal_lr: bool = True
    eval_every: int = 5  # iterations
    eval_episodes: int = 10
    stop_at_return: float | None = None
    stop_at_threshold: bool = True  # as DQNExpertConfig's
    log_std_init: float = 0.0  # Box actions: initial log-std of the tanh-Gaussian policy
    # hidden activation of the critic and (Box actions) the policy: tanh (CleanRL) or relu (SB3's
    # MuJoCo settings in rl-baselines3-zoo)
    activation: str = "tanh"
    # Box actions: tanh (a tanh-squashed Gaussian) or clip (a Gaussian clipped to the box, as SB3)
    squash: str = "tanh"
    # scale the env's reward by its running return spread, clipped to +-10 (rl-baselines3-zoo's
    # `normalize: true`, VecNormalize's reward half): see gail_lab.rl.returns.RewardScaler
    reward_norm: bool = False
    # the observation normalizer takes in each rollout after the PPO update instead of before
    # it (SB3's and CleanRL's order: the ratio starts at 1): see gail_lab.rl.on_policy.OnPolicy
    observe_after_update: bool = False
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        super().__post_init__()
        require_sizes(self.hidden_sizes)
        require(self.total_steps >= 1, "total_steps", ">= 1", self.total_steps)
        require(
            self.num_envs is None or self.num_envs >= 1, "num_envs", ">= 1 or null", self.num_envs
        )
        require(
            self.samples_per_iteration >= 1,
            "samples_per_iteration",
            ">= 1",
            self.samples_per_iteration,
        )
        require(self.eval_every >= 1, "eval_every", ">= 1", self.eval_every)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)
        require_one_of(self.activation, "activation", tuple(ACTIVATIONS))
        require_one_of(self.squash, "squash", ("tanh", "clip"))


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
    stop_at_threshold: bool = True  # as DQNExpertConfig's
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        require_sizes(self.hidden_sizes)
        require(self.total_steps >= 1, "total_steps", ">= 1", self.total_steps)
        require(self.batch_size >= 1, "batch_size", ">= 1", self.batch_size)
        require(
            self.buffer_size >= self.batch_size, "buffer_size", ">= batch_size", self.buffer_size
        )
        require(self.learning_starts >= 0, "learning_starts", ">= 0", self.learning_starts)
        require(self.train_freq >= 1, "train_freq", ">= 1", self.train_freq)
        require(self.gradient_steps >= 1, "gradient_steps", ">= 1", self.gradient_steps)
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require(0 < self.tau <= 1, "tau", "in (0, 1]", self.tau)
        require(self.alpha is None or self.alpha > 0, "alpha", "> 0 or null (auto)", self.alpha)
        require(self.alpha_init > 0, "alpha_init", "> 0", self.alpha_init)
        require(self.eval_every_steps >= 1, "eval_every_steps", ">= 1", self.eval_every_steps)
        require(self.eval_episodes >= 1, "eval_episodes", ">= 1", self.eval_episodes)


@dataclass
class AutoExpertConfig:
    """expert=auto: ``box`` for Box action spaces, ``discrete`` otherwise, picked when the env is
    built (tasks/context.py) and from then on the run's ``expert``."""

    name: str = "auto"
    box: Any = MISSING
    discrete: Any = MISSING


@dataclass
class ScriptedCartPoleConfig:
    """A hand-written CartPole controller: no training, reaches 500 from any seed."""

    _target_: str = "gail_lab.experts.scripted.CartPoleController"
    name: str = "scripted_cartpole"


@dataclass
class ScriptedPendulumConfig:
    """Energy-pumping swing-up and PD balance for Pendulum-v1: no training, about -140."""

    _target_: str = "gail_lab.experts.scripted.PendulumController"
    name: str = "scripted_pendulum"
    pump_gain: float = 1.0  # torque per (angular velocity x energy deficit)

    def __post_init__(self) -> None:
        require(self.pump_gain > 0, "pump_gain", "> 0", self.pump_gain)


@dataclass
class ScriptedRacecarConfig:
    """Pure pursuit along the racecar track's centerline, slow in the corners."""

    _target_: str = "gail_lab.experts.scripted.RacecarPurePursuit"
    name: str = "scripted_racecar"
    lookahead: float = 0.8  # metres
    corner_throttle: float = 0.2  # within 1 m of a corner; faster corners overshoot into walls

    def __post_init__(self) -> None:
        require(self.lookahead > 0, "lookahead", "> 0", self.lookahead)
        require(0 < self.corner_throttle <= 1, "corner_throttle", "in (0, 1]", self.corner_throttle)
