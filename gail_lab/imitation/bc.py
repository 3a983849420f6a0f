"""Behavior cloning: maximize log pi(a_expert | s_expert) on demonstration pairs.

Used three ways: ``algo=bc`` (the baseline: no env interaction besides evaluation), a warm start
of a GAIL policy, and an auxiliary loss added to the GAIL policy's loss (``bc_coef``).
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gail_lab.data import DatasetError, Demonstrations
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


def split_episodes(demos: Demonstrations, held_out: int) -> tuple[Demonstrations, Demonstrations]:
    """(the first episodes, the last ``held_out`` ones): a validation split by whole episodes
    (transitions of one episode are too alike to validate each other)."""
    if not 0 < held_out < demos.num_episodes:
        raise DatasetError(
            f"algo.algorithm.validation_episodes={held_out}: the dataset holds {demos.num_episodes} "
            f"episodes; hold out at least 1 and leave at least 1 to train on"
        )
    cut = int(demos.episode_starts[demos.num_episodes - held_out])
    train = demos.subset(use_episodes=demos.num_episodes - held_out)
    arrays = {k: v[cut:] for k, v in demos.arrays().items() if k != "episode_starts"}
    val_starts = demos.episode_starts[demos.num_episodes - held_out :] - cut
    successes = None if demos.episode_successes is None else demos.episode_successes[-held_out:]
    val = Demonstrations(**arrays, episode_starts=val_starts, episode_successes=successes)
    return train, val


class BC(SupervisedState):
    """Behavior cloning as a training-loop algorithm: one gradient step per iteration.

    With ``validation_episodes`` k > 0 the last k demonstration episodes are held out: every
    ``validate_every`` steps their mean -log pi(a|s) is logged (``losses/bc_val_loss``), the
    policy with the lowest one is what the run returns, and with ``patience`` p training stops
    after p validations without a new lowest (trained to convergence, not to a step count)."""

    def __init__(
        self,
        policy,
        demos: Demonstrations,
        optimizer: Callable[..., torch.optim.Optimizer],
        seeds: SeedTree,
        batch_size: int,
        validation_episodes: int = 0,
        validate_every: int = 500,
        patience: int | None = None,
    ) -> None:
        self.policy, self.demos, self.rng = policy, demos, seeds.generator("minibatches")
        self.optimizer = optimizer(policy.parameters())
        self.batch_size = batch_size
        self.validation_episodes, self.validate_every = validation_episodes, validate_every
        self.patience = patience
        self.val: Demonstrations | None = None
        self.steps, self.since_best = 0, 0
        self.best_loss, self.best_step, self.best_state = math.inf, 0, None

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        train = self.demos
        if self.validation_episodes:
            train, self.val = split_episodes(self.demos, self.validation_episodes)
        self.policy.observe(train.observations)  # a normalizing policy: the expert's states
        self.loss = BCLoss(self.policy, train, self.batch_size, self.rng)

    @torch.no_grad()
    def validation_loss(self) -> float:
        obs = torch.as_tensor(self.val.observations, dtype=torch.float32, device=self.policy.device)
        dist = self.policy.distribution(obs)
        return float(-dist.log_prob(torch.as_tensor(self.val.actions, device=obs.device)).mean())

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        loss = self.loss()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        metrics, finished = {"losses/bc_loss": float(loss.item())}, False
        if self.val is not None and self.steps % self.validate_every == 0:
            val = self.validation_loss()
            if val < self.best_loss:
                self.best_loss, self.best_step, self.since_best = val, self.steps, 0
                self.best_state = copy.deepcopy(self.policy.state_dict())
            else:
                self.since_best += 1
            metrics |= {"losses/bc_val_loss": val, "losses/bc_val_best_step": self.best_step}
            finished = self.patience is not None and self.since_best >= self.patience
            if finished:
                log.info(
                    "bc: validation loss lowest at step %d (%.4f), none lower in %d validations since: stopping",
                    self.best_step,
                    self.best_loss,
                    self.patience,
                )
        return Progress(metrics, gradient_steps=1, finished=finished)

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["validation"] = {
            "steps": self.steps,
            "since_best": self.since_best,
            "best_loss": self.best_loss,
            "best_step": self.best_step,
            "best_state": self.best_state,
        }
        return state

    def load_state_dict(self, state: dict) -> bool:
        super().load_state_dict(state)
        v = state.get("validation")
        if v is not None:
            self.steps, self.since_best = v["steps"], v["since_best"]
            self.best_loss, self.best_step, self.best_state = (
                v["best_loss"],
                v["best_step"],
                v["best_state"],
            )
        return True

    def close(self) -> None:
        """The run's policy: the one with the lowest validation loss (with a validation split)."""
        if self.best_state is not None:
            self.policy.load_state_dict(self.best_state)
