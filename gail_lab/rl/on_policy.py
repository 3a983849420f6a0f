"""On-policy learning as one :class:`~gail_lab.rl.loop.Algorithm`: each iteration rolls out
complete episodes of the current policy, then updates it (REINFORCE, PPO):

    roll    = sample_trajectories()      # >= samples_per_iteration steps of complete episodes
    policy.observe(roll)                 # the observation normalizer (after acting: PPO's old
                                         # log-probs were recorded when the policy acted)
    metrics = update(roll)               # learner.update(roll, rewards(roll))

``rewards`` is the env's reward here; GAIL and AIRL (imitation/gail.py) replace ``update`` with
Ho & Ermon's discriminator step, reward and policy step.
"""

from __future__ import annotations

from typing import Any

from gail_lab.data.transitions import Transitions
from gail_lab.envs import EnvFactory
from gail_lab.rl.loop import Progress
from gail_lab.rl.rollout import EpisodeRunner


def rollout_metrics(roll: Transitions) -> dict[str, float]:
    """The training rollout's episodes: return, length and, where reported, success rate."""
    out = {
        "charts/episodic_return": float(roll.episode_returns.mean()),
        "charts/episodic_length": float(roll.episode_lengths.mean()),
    }
    if roll.episode_successes is not None:
        out["charts/success_rate"] = float(roll.episode_successes.mean())
    return out


class OnPolicy:
    """The policy ``policy`` trained by ``learner`` on the env's reward (the PPO expert)."""

    def __init__(self, policy, learner, samples_per_iteration: int) -> None:
        self.policy, self.learner = policy, learner
        self.samples_per_iteration = samples_per_iteration
        self.envs = self.runner = None

    def setup(self, factory: EnvFactory, seed: int) -> None:
        self.envs = factory.make_vec()
        self.runner = EpisodeRunner(self.envs, seed)

    def sample_trajectories(self) -> Transitions:
        """Complete episodes of the current policy, with its log-probabilities as it acted."""
        return self.runner.run(self.policy.decide, min_steps=self.samples_per_iteration)

    def update(self, roll: Transitions) -> dict[str, float]:
        return self.learner.update(roll, roll.rewards)

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        roll = self.sample_trajectories()
        self.policy.observe(roll.observations)
        metrics = self.update(roll)
        metrics.update(rollout_metrics(roll))
        return Progress(metrics, env_steps=len(roll), episodes=roll.num_episodes)

    def optimizers(self) -> list:
        return [self.learner.optimizer]

    def state_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy.state_dict(),
            "learner": self.learner.state_dict(),
            "runner": self.runner.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        self.policy.load_state_dict(state["policy"])
        self.learner.load_state_dict(state["learner"])
        return self.runner.load_state_dict(state["runner"])

    def close(self) -> None:
        if self.envs is not None:
            self.envs.close()
