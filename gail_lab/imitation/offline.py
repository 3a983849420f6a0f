"""Offline GAIL (the seed's experiment 2): no env interaction while imitating. Per epoch:

    d_steps x: D on expert pairs (s_E, a_E) vs fake pairs (s_E, a ~ pi(.|s_E))
    policy_steps x: one-step REINFORCE on expert states, r = reward_form(D(s_E, a)), normalized
                    within the batch

Each expert state is a one-step bandit, so the policy learns which action D takes for the
expert's there, but nothing about the states its own mistakes lead to (compounding error, as in
BC): the seed measured episodes of 157-281 steps of 500.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.imitation.bc import OfflineResult
from gail_lab.imitation.discriminator import Discriminator
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import training_evaluation
from gail_lab.rl.on_policy import check_finite
from gail_lab.rl.returns import normalize


class OfflineGAILTrainer:
    def __init__(
        self,
        epochs: int = 500,
        batch_size: int = 128,
        d_steps: int = 5,
        policy_steps: int = 1,
        normalize_rewards: bool = True,
        eval_every: int = 50,
        eval_episodes: int = 5,
    ) -> None:
        self.epochs, self.batch_size = epochs, batch_size
        self.d_steps, self.policy_steps = d_steps, policy_steps
        self.normalize_rewards = normalize_rewards
        self.eval_every, self.eval_episodes = eval_every, eval_episodes

    def train(
        self,
        policy,
        demos: Demonstrations,
        factory: EnvFactory,
        seed: int,
        optimizer: Callable[..., torch.optim.Optimizer],
        discriminator: Discriminator,
        learner=None,
        logger=None,
        progress: bool = True,
    ) -> OfflineResult:
        opt = optimizer(policy.parameters())
        rng = np.random.default_rng(seed + 1)
        policy.observe(demos.observations)  # a normalizing policy sees only expert states
        device = policy.device
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        result, t0 = OfflineResult(), time.time()
        bar = progress_bar(self.epochs, "gail_offline", progress, unit="epoch")

        def batch(idx: np.ndarray, actions: np.ndarray) -> dict[str, np.ndarray]:
            return {
                "obs": demos.observations[idx],
                "actions": actions,
                "next_obs": demos.next_observations[idx],
                "terminated": demos.terminated[idx],
            }

        try:
            for epoch in range(1, self.epochs + 1):
                metrics: dict[str, float] = {}
                for _ in range(self.d_steps):
                    idx = rng.integers(0, len(demos), self.batch_size)
                    fake = policy.act(demos.observations[idx])
                    metrics.update(
                        discriminator.update(batch(idx, demos.actions[idx]), batch(idx, fake))
                    )
                for _ in range(self.policy_steps):
                    idx = rng.integers(0, len(demos), self.batch_size)
                    obs = torch.as_tensor(
                        demos.observations[idx], dtype=torch.float32, device=device
                    )
                    dist = policy.distribution(obs)
                    actions = dist.sample()
                    r = discriminator.reward(batch(idx, actions.cpu().numpy()))
                    metrics["disc/reward_mean"] = float(r.mean())
                    if self.normalize_rewards:
                        r = normalize(r)
                    r_t = torch.as_tensor(r, dtype=torch.float32, device=device)
                    loss = -(dist.log_prob(actions) * r_t).mean()
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    metrics.update(
                        {
                            "losses/policy_loss": float(loss.item()),
                            "losses/entropy": float(dist.entropy().mean().item()),
                        }
                    )
                check_finite(metrics, epoch)
                if epoch % self.eval_every == 0 or epoch == self.epochs:
                    det, eval_metrics = training_evaluation(
                        policy, eval_envs, self.eval_episodes, seed
                    )
                    metrics.update(eval_metrics)
                    result.eval_history.append((epoch, det.mean))
                    bar.set_postfix(
                        eval=f"{det.mean:.0f}", d_acc=f"{metrics['disc/acc_agent']:.2f}"
                    )
                if logger is not None:
                    logger.log(metrics, epoch)
                bar.update(1)
        finally:
            bar.close()
            eval_envs.close()
        result.iterations, result.wall_time_s = self.epochs, time.time() - t0
        return result
