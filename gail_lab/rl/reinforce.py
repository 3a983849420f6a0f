"""REINFORCE on complete episodes with normalized discounted returns (the study notes' CartPole GAIL generator).

Returns are Monte-Carlo and end at each episode's last step: with no value estimate, a time-limit
truncation cannot be bootstrapped and counts like a termination (rl/returns.py says why)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from gail_lab.data.transitions import Transitions
from gail_lab.rl.networks import CategoricalPolicy
from gail_lab.rl.returns import discounted_returns, normalize


class Reinforce:
    """loss = -mean_t( log pi(a_t|s_t) * G_t ), G_t normalized over the batch."""

    bootstraps = False  # Monte-Carlo returns: rollouts of complete episodes

    def __init__(
        self,
        policy: CategoricalPolicy,
        optimizer: Callable[..., torch.optim.Optimizer],
        gamma: float,
        policy_steps: int,
        normalize_returns: bool,
        aux_loss: Callable[[], torch.Tensor] | None = None,
    ) -> None:
        self.policy = policy
        self.aux_loss = aux_loss  # added to every step's loss (GAIL's BC term)
        self.optimizer = optimizer(policy.parameters())
        self.gamma = gamma
        self.policy_steps = policy_steps
        self.normalize_returns = normalize_returns

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])

    def update(self, batch: Transitions, rewards: np.ndarray) -> dict[str, float]:
        """One update on complete episodes ``batch`` whose per-step rewards are ``rewards``."""
        observations, actions = batch.observations, batch.actions
        returns = discounted_returns(rewards, batch.episode_starts, self.gamma)
        if self.normalize_returns:
            returns = normalize(returns)
        device = self.policy.device
        obs_t = torch.as_tensor(observations, dtype=torch.float32, device=device)
        act_t = torch.as_tensor(actions, device=device)
        ret_t = torch.as_tensor(returns, dtype=torch.float32, device=device)
        for _ in range(self.policy_steps):
            dist = self.policy.distribution(obs_t)
            loss = -(dist.log_prob(act_t) * ret_t).mean()
            if hasattr(dist, "box_penalty"):  # a clipped Gaussian keeps its mean in the box
                loss = loss + dist.box_penalty()
            if self.aux_loss is not None:
                loss = loss + self.aux_loss()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
        return {
            "losses/policy_loss": float(loss.item()),
            "losses/entropy": float(dist.entropy().mean().item()),
        }
