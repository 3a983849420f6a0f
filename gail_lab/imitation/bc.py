"""Behavior cloning: maximize log pi(a_expert | s_expert) on demonstration pairs.

Used three ways: ``algo=bc`` (the baseline: no env interaction besides evaluation), a warm start
of a GAIL policy, and an auxiliary loss added to the GAIL policy's loss (``bc_coef``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.rl.loop import Progress
from gail_lab.seeding import SeedTree

log = logging.getLogger(__name__)


class BCLoss:
    """``loss()`` = mean -log pi(a|s) on a fresh random batch of expert pairs."""

    def __init__(self, policy, demos: Demonstrations, batch_size: int, rng: np.random.Generator):
        self.policy, self.rng, self.batch_size = policy, rng, batch_size
        device = policy.device
        self.obs = torch.as_tensor(demos.observations, dtype=torch.float32, device=device)
        self.actions = torch.as_tensor(demos.actions, device=device)

    def __call__(self) -> torch.Tensor:
        idx = torch.as_tensor(self.rng.integers(0, len(self.obs), self.batch_size))
        dist = self.policy.distribution(self.obs[idx])
        loss = -dist.log_prob(self.actions[idx]).mean()
        return loss + dist.box_penalty() if hasattr(dist, "box_penalty") else loss


def behavior_cloning(
    policy,
    demos: Demonstrations,
    optimizer: torch.optim.Optimizer,
    steps: int,
    batch_size: int,
    rng: np.random.Generator,
    on_step: Callable[[int, float], None] | None = None,
) -> float:
    """``steps`` gradient steps of BC; returns the last loss. A policy that normalizes its
    observations first takes its statistics from the demonstrations."""
    policy.observe(demos.observations)
    loss_fn = BCLoss(policy, demos, batch_size, rng)
    loss = torch.zeros(())
    for step in range(1, steps + 1):
        loss = loss_fn()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if on_step is not None:
            on_step(step, float(loss.item()))
    return float(loss.item())


class SupervisedState:
    """The loop's state calls of an algorithm that trains ``policy`` with one ``optimizer`` on
    batches drawn by ``rng`` and steps no env (BC, offline GAIL)."""

    policy: Any
    optimizer: torch.optim.Optimizer
    rng: np.random.Generator

    def optimizers(self) -> list:
        return [self.optimizer]

    def state_dict(self) -> dict:
        return {
            "policy": self.policy.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict) -> bool:
        self.policy.load_state_dict(state["policy"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        return True

    def close(self) -> None:
        pass


class BC(SupervisedState):
    """Behavior cloning as a training-loop algorithm: one gradient step per iteration."""

    def __init__(
        self,
        policy,
        demos: Demonstrations,
        optimizer: Callable[..., torch.optim.Optimizer],
        seeds: SeedTree,
        batch_size: int,
    ) -> None:
        self.policy, self.demos, self.rng = policy, demos, seeds.generator("minibatches")
        self.optimizer = optimizer(policy.parameters())
        self.batch_size = batch_size

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        self.policy.observe(self.demos.observations)  # a normalizing policy: the expert's states
        self.loss = BCLoss(self.policy, self.demos, self.batch_size, self.rng)

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        loss = self.loss()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return Progress({"losses/bc_loss": float(loss.item())}, gradient_steps=1)
