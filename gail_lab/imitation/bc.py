"""Behavior cloning: maximize log pi(a_expert | s_expert) on demonstration pairs.

Used three ways: ``algo=bc`` (the baseline: no env interaction besides evaluation), a warm start
of a GAIL policy, and an auxiliary loss added to the GAIL policy's loss (``bc_coef``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import training_evaluation
from gail_lab.rl.on_policy import check_finite

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


@dataclass
class OfflineResult:
    """What a trainer without env interaction (bc, gail_offline) reports."""

    iterations: int = 0
    env_steps: int = 0  # only evaluation touches the env
    wall_time_s: float = 0.0
    eval_history: list[tuple[int, float]] = field(default_factory=list)  # (gradient step, return)


class BCTrainer:
    """``algo=bc``: behavior cloning with periodic greedy evaluations (logged only)."""

    def __init__(
        self,
        steps: int = 2000,
        batch_size: int = 64,
        eval_every: int = 500,
        eval_episodes: int = 5,
    ) -> None:
        self.steps, self.batch_size = steps, batch_size
        self.eval_every, self.eval_episodes = eval_every, eval_episodes

    def train(
        self,
        policy,
        demos: Demonstrations,
        factory: EnvFactory,
        seed: int,
        optimizer: Callable[..., torch.optim.Optimizer],
        learner=None,
        discriminator=None,
        logger=None,
        progress: bool = True,
    ) -> OfflineResult:
        opt = optimizer(policy.parameters())
        rng = np.random.default_rng(seed + 1)
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        result, t0 = OfflineResult(), time.time()
        bar = progress_bar(self.steps, "bc", progress)

        def on_step(step: int, loss: float) -> None:
            metrics = {"losses/bc_loss": loss}
            check_finite(metrics, step)
            if step % self.eval_every == 0 or step == self.steps:
                det, eval_metrics = training_evaluation(policy, eval_envs, self.eval_episodes, seed)
                metrics.update(eval_metrics)
                result.eval_history.append((step, det.mean))
                bar.set_postfix(loss=f"{loss:.3f}", eval=f"{det.mean:.0f}")
            if logger is not None:
                logger.log(metrics, step)
            bar.update(1)

        try:
            behavior_cloning(policy, demos, opt, self.steps, self.batch_size, rng, on_step)
        finally:
            bar.close()
            eval_envs.close()
        result.iterations, result.wall_time_s = self.steps, time.time() - t0
        return result
