"""Schemas of the ``expert`` group (conf/expert/): trained experts and scripted controllers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from gail_lab.config.algo import LoopConfig
from gail_lab.config.checks import require, require_min, require_one_of, require_replay


# --------------------------------------------------------------------------- trained experts
@dataclass
class TrainedExpertConfig:
    """An expert trained on the env's own reward by one of gail_lab's learners (conf/expert/:
    dqn, ppo, sac and their presets): a policy network, its learner, the loop's algorithm and the
    training loop, each a ``_target_`` that tasks/train_expert.py builds; the best greedy
    evaluation's policy is the expert."""

    name: str = MISSING
    normalize_obs: bool = MISSING  # a running observation normalizer inside the policy
    policy: Any = MISSING
    learner: Any = MISSING
    algorithm: Any = MISSING
    loop: LoopConfig = MISSING
    # stop once a greedy evaluation reaches env.expert_min_return (the env's reward threshold)
    # when loop.stop_at_return is null, instead of spending the whole budget
    stop_at_threshold: bool = MISSING
    # stop only at threshold + stop_margin * |threshold|: a training evaluation of a few episodes
    # that just reaches the bar is as likely as not to fall below it over the reporting episodes
    stop_margin: float = MISSING
    optimizer: Any = MISSING

    def __post_init__(self) -> None:
        require(self.stop_margin >= 0, "stop_margin", ">= 0", self.stop_margin)


@dataclass
class DQNConfig:
    """DQN (rl/dqn.py). The study notes' CartPole recipe: epsilon multiplied down after every
    episode, the target synced every few episodes; SB3's step-based one: eps_schedule=linear over
    eps_fraction * total_steps, target_update_steps, train_freq / gradient_steps."""

    _target_: str = "gail_lab.rl.dqn.DQN"
    gamma: float = MISSING
    batch_size: int = MISSING
    buffer_size: int = MISSING
    learning_starts: int = MISSING  # env steps before the first gradient step
    train_freq: int = MISSING  # env steps between rounds of gradient steps
    gradient_steps: int = MISSING  # gradient steps per round
    eps_schedule: str = MISSING  # multiplicative (per episode) or linear (over env steps)
    eps_start: float = MISSING
    eps_decay: float = MISSING  # multiplicative only
    eps_min: float = MISSING
    eps_fraction: float = MISSING  # linear only
    # the target network is synced every target_update_episodes episodes or every
    # target_update_steps env steps: set exactly one
    target_update_episodes: int | None = MISSING
    target_update_steps: int | None = MISSING
    loss: str = MISSING  # mse or huber
    max_grad_norm: float | None = MISSING  # clip the gradient norm (null: no clipping)
    total_steps: int | None = MISSING  # the linear schedule's horizon: the loop's env-step budget

    def __post_init__(self) -> None:
        require(0 < self.gamma <= 1, "gamma", "in (0, 1]", self.gamma)
        require_replay(self)
        require_one_of(self.eps_schedule, "eps_schedule", ("multiplicative", "linear"))
        require(
            self.eps_schedule != "linear" or self.total_steps is not None,
            "eps_schedule",
            "multiplicative without an env-step budget (linear decays over it)",
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
        values = (self.target_update_episodes, self.target_update_steps)
        require(
            (values[0] is None) != (values[1] is None),
            "target_update_episodes/target_update_steps",
            "set exactly one (the other null)",
            values,
        )
        for key, value in zip(
            ("target_update_episodes", "target_update_steps"), values, strict=True
        ):
            require(value is None or value >= 1, key, ">= 1 or null", value)


@dataclass
class DQNAgentConfig:
    _target_: str = "gail_lab.rl.dqn.DQNAgent"  # one episode per iteration


@dataclass
class OnPolicyConfig:
    """On-policy rollouts and updates (rl/on_policy.py), for the PPO expert."""

    _target_: str = "gail_lab.rl.on_policy.OnPolicy"
    samples_per_iteration: int = MISSING  # env steps per rollout, exactly (episodes cut)
    # sub-envs of the rollouts (null: env.num_envs); each runs samples_per_iteration / num_envs
    # steps per rollout, so more envs cut long episodes shorter (see conf/expert/ppo_acrobot.yaml)
    num_envs: int | None = MISSING
    # scale the env's reward by its running return spread, clipped to +-10 (rl/returns.py)
    reward_norm: bool = MISSING
    # the observation normalizer takes in each rollout after the update (SB3's and CleanRL's
    # order: the ratio starts at 1) instead of before it
    observe_after_update: bool = MISSING

    def __post_init__(self) -> None:
        require_min(self, "samples_per_iteration", 1)
        require(
            self.num_envs is None or self.num_envs >= 1, "num_envs", ">= 1 or null", self.num_envs
        )


@dataclass
class SACAgentConfig:
    """SAC's env steps and updates on the env's reward (rl/sac.py SACAgent)."""

    _target_: str = "gail_lab.rl.sac.SACAgent"
    buffer_size: int = MISSING
    learning_starts: int = MISSING  # uniform random actions before the first update
    batch_size: int = MISSING
    train_freq: int = MISSING  # env steps between updates
    gradient_steps: int = MISSING  # updates each time

    def __post_init__(self) -> None:
        require_replay(self)


@dataclass
class AutoExpertConfig:
    """expert=auto: ``box`` for Box action spaces, ``discrete`` otherwise, picked when the env is
    built (tasks/context.py) and from then on the run's ``expert``."""

    name: str = MISSING
    box: Any = MISSING
    discrete: Any = MISSING


@dataclass
class ScriptedCartPoleConfig:
    """A hand-written CartPole controller: no training, reaches 500 from any seed."""

    _target_: str = "gail_lab.experts.scripted.CartPoleController"
    name: str = MISSING


@dataclass
class ScriptedPendulumConfig:
    """Energy-pumping swing-up and PD balance for Pendulum-v1: no training, about -140."""

    _target_: str = "gail_lab.experts.scripted.PendulumController"
    name: str = MISSING
    pump_gain: float = MISSING  # torque per (angular velocity x energy deficit)

    def __post_init__(self) -> None:
        require(self.pump_gain > 0, "pump_gain", "> 0", self.pump_gain)


@dataclass
class ScriptedRacecarConfig:
    """Pure pursuit along the racecar track's centerline, slow in the corners."""

    _target_: str = "gail_lab.experts.scripted.RacecarPurePursuit"
    name: str = MISSING
    lookahead: float = MISSING  # metres
    corner_throttle: float = MISSING  # within 1 m of a corner; faster corners overshoot into walls

    def __post_init__(self) -> None:
        require(self.lookahead > 0, "lookahead", "> 0", self.lookahead)
        require(0 < self.corner_throttle <= 1, "corner_throttle", "in (0, 1]", self.corner_throttle)
