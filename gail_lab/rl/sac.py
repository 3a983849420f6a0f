"""Soft Actor-Critic (Haarnoja et al. 2018, with the automatic temperature of the 2018 follow-up):
a tanh-squashed Gaussian actor, twin Q critics with Polyak-averaged targets, clipped double-Q
targets, and the entropy temperature tuned toward a target entropy (-|A| by default).
``update`` takes a sampled batch; whoever calls it decides where the reward comes from."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gail_lab.rl.networks import GaussianPolicy, mlp


class QNetwork(nn.Module):
    """Q(s, a): an MLP on the concatenated observation and action."""

    def __init__(self, obs_dim: int, act_dim: int, hidden_sizes: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp(obs_dim + act_dim, hidden_sizes, 1)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([obs, actions], -1)).squeeze(-1)


class SAC:
    def __init__(
        self,
        actor: GaussianPolicy,
        optimizer: Callable[..., torch.optim.Optimizer],
        gamma: float = 0.99,
        tau: float = 0.005,
        critic_hidden_sizes: Sequence[int] = (256, 256),
        alpha: float | None = None,
        alpha_init: float = 1.0,
        target_entropy: float | None = None,
    ) -> None:
        self.actor = actor
        obs_dim = actor.init_kwargs["obs_dim"]
        act_dim = len(actor.init_kwargs["action_low"])
        device = actor.device
        self.critics = nn.ModuleList(
            [QNetwork(obs_dim, act_dim, critic_hidden_sizes) for _ in range(2)]
        ).to(device)
        self.critic_targets = copy.deepcopy(self.critics).requires_grad_(False)
        self.actor_optimizer = optimizer(actor.parameters())
        self.critic_optimizer = optimizer(self.critics.parameters())
        self.autotune = alpha is None
        init = alpha_init if alpha is None else alpha
        self.log_alpha = (
            torch.tensor(float(init), device=device).log().requires_grad_(self.autotune)
        )
        self.alpha_optimizer = optimizer([self.log_alpha]) if self.autotune else None
        self.target_entropy = float(-act_dim if target_entropy is None else target_entropy)
        self.gamma, self.tau = gamma, tau

    @property
    def alpha(self) -> float:
        return float(self.log_alpha.exp().item())

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        obs, actions, next_obs = batch["obs"], batch["actions"], batch["next_obs"]
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            next_a, next_logp = self.actor.distribution(next_obs).rsample_with_log_prob()
            q_next = torch.min(*(q(next_obs, next_a) for q in self.critic_targets))
            target = batch["rewards"] + self.gamma * (1 - batch["terminated"]) * (
                q_next - alpha * next_logp
            )
        q1, q2 = (q(obs, actions) for q in self.critics)
        q_loss = F.mse_loss(q1, target) + F.mse_loss(q2, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        q_loss.backward()
        self.critic_optimizer.step()

        a, logp = self.actor.distribution(obs).rsample_with_log_prob()
        self.critics.requires_grad_(False)  # the actor loss needs no critic weight gradients
        q_pi = torch.min(*(q(obs, a) for q in self.critics))
        self.critics.requires_grad_(True)
        actor_loss = (alpha * logp - q_pi).mean()
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()

        metrics = {
            "losses/qf_loss": q_loss.item() / 2,
            "losses/qf_values": q1.mean().item(),
            "losses/actor_loss": actor_loss.item(),
            "losses/entropy": -logp.mean().item(),
        }
        if self.autotune:
            alpha_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
            self.alpha_optimizer.zero_grad(set_to_none=True)
            alpha_loss.backward()
            self.alpha_optimizer.step()
            metrics["losses/alpha_loss"] = alpha_loss.item()
        metrics["losses/alpha"] = self.alpha
        with torch.no_grad():
            for p, tp in zip(
                self.critics.parameters(), self.critic_targets.parameters(), strict=True
            ):
                tp.lerp_(p, self.tau)
        return metrics
