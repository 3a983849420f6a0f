"""Offline GAIL (as the study notes ran it on CartPole): no env interaction while imitating. Per
epoch:

    d_steps x: the reward model's D on expert pairs (s_E, a_E) vs fake pairs (s_E, a ~ pi(.|s_E))
    policy_steps x: one-step REINFORCE on expert states, r = reward_form(D(s_E, a)), normalized
                    within the batch

Each expert state is a one-step bandit, so the policy learns which action D takes for the
expert's there, but nothing about the states its own mistakes lead to (compounding error, as in
BC): the study notes measured CartPole episodes of 157-281 steps of 500.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.imitation.bc import SupervisedState
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.rl.loop import Progress
from gail_lab.rl.returns import normalize
from gail_lab.seeding import SeedTree


class OfflineGAIL(SupervisedState):
    """One epoch per iteration: D steps on expert vs policy actions at expert states, then
    one-step REINFORCE steps on D's reward."""

    def __init__(
        self,
        policy,
        demos: Demonstrations,
        reward_model: RewardModel,
        optimizer: Callable[..., torch.optim.Optimizer],
        seeds: SeedTree,
        batch_size: int,
        policy_steps: int,
        normalize_rewards: bool,
    ) -> None:
        self.policy, self.demos, self.reward_model = policy, demos, reward_model
        self.optimizer = optimizer(policy.parameters())
        self.rng = seeds.generator("minibatches")  # expert states for D's and the policy's steps
        self.batch_size, self.policy_steps = batch_size, policy_steps
        # D's steps per epoch and their half-batches: the reward model's settings
        self.d_steps, self.d_half = reward_model.d_steps, reward_model.d_batch_size // 2
        self.normalize_rewards = normalize_rewards

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        self.policy.observe(self.demos.observations)  # a normalizing policy sees expert states only

    def batch(self, idx: np.ndarray, actions: np.ndarray) -> dict[str, np.ndarray]:
        d = self.demos
        return {
            "obs": d.observations[idx],
            "actions": actions,
            "next_obs": d.next_observations[idx],
            "terminated": d.terminated[idx],
        }

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        demos, metrics = self.demos, {}
        for _ in range(self.d_steps):
            idx = self.rng.integers(0, len(demos), self.d_half)
            fake = self.policy.act(demos.observations[idx])
            metrics.update(
                self.reward_model.step(self.batch(idx, demos.actions[idx]), self.batch(idx, fake))
            )
        for _ in range(self.policy_steps):
            idx = self.rng.integers(0, len(demos), self.batch_size)
            obs = torch.as_tensor(
                demos.observations[idx], dtype=torch.float32, device=self.policy.device
            )
            dist = self.policy.distribution(obs)
            actions = dist.sample()
            r, r_metrics = self.reward_model.rewards(
                self.batch(idx, actions.cpu().numpy()), update_stats=False
            )
            metrics.update(r_metrics)
            if self.normalize_rewards:
                r = normalize(r)
            r_t = torch.as_tensor(r, dtype=torch.float32, device=self.policy.device)
            loss = -(dist.log_prob(actions) * r_t).mean()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            metrics["losses/policy_loss"] = float(loss.item())
            metrics["losses/entropy"] = float(dist.entropy().mean().item())
        return Progress(metrics, gradient_steps=self.d_steps + self.policy_steps)

    def state_dict(self) -> dict:
        return {**super().state_dict(), **self.reward_model.state_dict()}

    def load_state_dict(self, state: dict) -> bool:
        self.reward_model.load_state_dict(state)
        return super().load_state_dict(state)
