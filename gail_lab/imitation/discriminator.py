"""The discriminator D(s, a): a reward model trained to tell expert pairs (label 1) from agent
pairs (label 0) with binary cross-entropy; its reward is one of imitation/rewards.py's forms."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gail_lab.imitation.rewards import gail_reward
from gail_lab.rl.networks import mlp


class Discriminator(nn.Module):
    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        discrete: bool,
        optimizer: Callable[..., torch.optim.Optimizer],
        hidden_sizes: Sequence[int] = (128, 64),
        reward_form: str = "gail",
    ) -> None:
        super().__init__()
        self.obs_dim, self.n_actions, self.discrete = obs_dim, n_actions, discrete
        self.reward_form = reward_form
        gail_reward(torch.zeros(1), reward_form)  # fail now on an unknown form
        self.net = mlp(obs_dim + n_actions, hidden_sizes, 1)
        self.optimizer = optimizer(self.parameters())

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def inputs(
        self, obs: np.ndarray | torch.Tensor, actions: np.ndarray | torch.Tensor
    ) -> torch.Tensor:
        """[s, one-hot(a)] for discrete actions, [s, a] for continuous ones."""
        obs_t = torch.as_tensor(obs, dtype=torch.float32, device=self.device).reshape(len(obs), -1)
        if self.discrete:
            act_t = F.one_hot(
                torch.as_tensor(actions, dtype=torch.int64, device=self.device).reshape(-1),
                self.n_actions,
            ).float()
        else:
            act_t = torch.as_tensor(actions, dtype=torch.float32, device=self.device).reshape(
                len(obs), -1
            )
        return torch.cat([obs_t, act_t], dim=-1)

    def logits(self, obs, actions) -> torch.Tensor:
        return self.net(self.inputs(obs, actions)).squeeze(-1)

    def update(self, expert_obs, expert_actions, agent_obs, agent_actions) -> dict[str, float]:
        """One gradient step of BCE on a batch of expert (label 1) and agent (label 0) pairs."""
        logit_e = self.logits(expert_obs, expert_actions)
        logit_a = self.logits(agent_obs, agent_actions)
        loss = F.binary_cross_entropy_with_logits(
            logit_e, torch.ones_like(logit_e)
        ) + F.binary_cross_entropy_with_logits(logit_a, torch.zeros_like(logit_a))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            probs = torch.sigmoid(torch.cat([logit_e, logit_a]))
            entropy = -(
                probs * torch.log(probs + 1e-12) + (1 - probs) * torch.log(1 - probs + 1e-12)
            ).mean()
        return {
            "disc/loss": float(loss.item()),
            "disc/acc_expert": float((logit_e > 0).float().mean().item()),
            "disc/acc_agent": float((logit_a < 0).float().mean().item()),
            "disc/entropy": float(entropy.item()),
        }

    @torch.no_grad()
    def reward(self, obs, actions) -> np.ndarray:
        return gail_reward(self.logits(obs, actions), self.reward_form).cpu().numpy()
