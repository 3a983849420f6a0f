"""On-policy learning as one :class:`~gail_lab.rl.loop.Algorithm`: each iteration rolls out the
current policy, then updates it (REINFORCE, PPO):

    roll    = sample_trajectories()      # exactly samples_per_iteration env steps, episodes cut
                                         # and carried over (learners with a critic: PPO), or
                                         # complete episodes until >= samples_per_iteration
                                         # steps (REINFORCE, which cannot bootstrap a cut)
    policy.observe(roll)                 # the observation normalizer (after acting: PPO's old
                                         # log-probs were recorded when the policy acted)
    metrics = update(roll)               # learner.update(roll, rewards(roll))

``rewards`` is the env's reward here; GAIL and AIRL (imitation/gail.py) replace ``update`` with
Ho & Ermon's discriminator step, reward and policy step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gail_lab.data.transitions import Transitions
from gail_lab.envs import EnvFactory
from gail_lab.rl.loop import Progress
from gail_lab.rl.returns import RewardScaler
from gail_lab.rl.rollout import EpisodeRunner, StepRunner
from gail_lab.seeding import SeedTree


def rollout_metrics(returns: np.ndarray, lengths: np.ndarray, successes) -> dict[str, float]:
    """The episodes that ended in the training rollout: return, length and, where reported,
    success rate (nothing when none ended)."""
    if len(returns) == 0:
        return {}
    out = {
        "charts/episodic_return": float(np.mean(returns)),
        "charts/episodic_length": float(np.mean(lengths)),
    }
    if successes is not None:
        out["charts/success_rate"] = float(np.mean(successes))
    return out


class OnPolicy:
    """The policy ``policy`` trained by ``learner`` on the env's reward (the PPO expert)."""

    def __init__(
        self,
        policy,
        learner,
        samples_per_iteration: int,
        num_envs: int | None,
        reward_norm: bool,
        observe_after_update: bool,
    ) -> None:
        self.policy, self.learner = policy, learner
        # When the observation normalizer takes in a rollout. Before the update (the default,
        # every imitation learner's): the old log-probabilities, recorded as the policy acted,
        # belong to the normalizer before it moved, so its move enters the first ratio. After
        # (SB3's VecNormalize and CleanRL's wrapper order, where stored observations stay
        # normalized as they were when the policy acted): every update starts at ratio 1.
        self.observe_after_update = observe_after_update
        self.samples_per_iteration = samples_per_iteration
        self.num_envs = num_envs  # sub-envs of the rollouts; None: the env's num_envs
        # the env's reward scaled by its running return spread (MuJoCo experts; see RewardScaler)
        self.reward_scaler = RewardScaler(learner.gamma) if reward_norm else None
        self.envs = self.runner = None

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        self.envs = factory.make_vec(self.num_envs)
        self.fixed_steps = self.learner.bootstraps  # a critic can bootstrap an episode's cut
        runner = StepRunner if self.fixed_steps else EpisodeRunner
        self.runner = runner(self.envs, seeds.generator("envs"))
        self.steps_per_env = -(-self.samples_per_iteration // self.envs.num_envs)  # ceil

    def sample_trajectories(self, env_steps_left: int | None = None) -> Transitions:
        """The current policy's experience, with its log-probabilities as it acted (with fixed
        steps, never more than the env-step budget has left)."""
        if self.fixed_steps:
            n = self.steps_per_env
            if env_steps_left is not None:
                n = min(n, -(-env_steps_left // self.envs.num_envs))
            return self.runner.run_steps(self.policy.decide, n)
        return self.runner.run(self.policy.decide, min_steps=self.samples_per_iteration)

    def ended_episodes(self, roll: Transitions) -> tuple[np.ndarray, np.ndarray, Any]:
        """(returns, lengths, successes) of the episodes that ended during ``roll``."""
        if self.fixed_steps:
            e = self.runner.episodes
            return e["returns"], e["lengths"], e["successes"]
        return roll.episode_returns, roll.episode_lengths, roll.episode_successes

    def update(self, roll: Transitions) -> dict[str, float]:
        rewards = roll.rewards
        if self.reward_scaler is not None:
            rewards = self.reward_scaler(rewards, roll.episode_starts)
        return self.learner.update(roll, rewards)

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        roll = self.sample_trajectories(remaining["env_steps"])
        if not self.observe_after_update:
            self.policy.observe(roll.observations)
        metrics = self.update(roll)
        if self.observe_after_update:
            self.policy.observe(roll.observations)
        returns, lengths, successes = self.ended_episodes(roll)
        metrics.update(rollout_metrics(returns, lengths, successes))
        return Progress(metrics, env_steps=len(roll), episodes=len(returns))

    def optimizers(self) -> list:
        return [self.learner.optimizer]

    def state_dict(self) -> dict[str, Any]:
        state = {
            "policy": self.policy.state_dict(),
            "learner": self.learner.state_dict(),
            "runner": self.runner.state_dict(),
        }
        if self.reward_scaler is not None:
            state["reward_scaler"] = self.reward_scaler.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        self.policy.load_state_dict(state["policy"])
        self.learner.load_state_dict(state["learner"])
        if self.reward_scaler is not None:
            self.reward_scaler.load_state_dict(state["reward_scaler"])
        return self.runner.load_state_dict(state["runner"])

    def close(self) -> None:
        if self.envs is not None:
            self.envs.close()
