"""PPO with a critic and GAE (Schulman et al. 2017), on complete episodes (the rollout runner's
unit): clipped surrogate, clipped-free value loss, entropy bonus, advantage normalization,
gradient-norm clipping, several epochs of minibatches. Discrete actions (categorical policy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from gail_lab.data.transitions import Transitions
from gail_lab.rl.networks import ACTIVATIONS, RunningObsNorm, mlp
from gail_lab.rl.returns import gae


class ValueNetwork(nn.Module):
    """V(s): an MLP (tanh hidden layers unless ``activation`` says), sharing the policy's
    observation normalizer."""

    def __init__(
        self,
        obs_dim: int,
        hidden_sizes: Sequence[int],
        obs_norm: nn.Module,
        activation: str = "tanh",
    ) -> None:
        super().__init__()
        self.obs_norm = obs_norm
        self.net = mlp(obs_dim, hidden_sizes, 1, activation=ACTIVATIONS[activation])

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(self.obs_norm(obs)).squeeze(-1)


class PPO:
    LOG_RATIO_MAX = 20.0  # the probability ratio is capped at e^20 (see update)
    bootstraps = True  # its critic bootstraps cut episodes: rollouts of exactly N steps

    def __init__(
        self,
        policy,
        optimizer: Callable[..., torch.optim.Optimizer],
        gamma: float,
        gae_lambda: float,
        clip_coef: float,
        epochs: int,
        minibatch_size: int,
        value_coef: float,
        entropy_coef: float,
        max_grad_norm: float,
        normalize_advantages: bool,
        value_hidden_sizes: Sequence[int],
        value_activation: str,
        rng: np.random.Generator,
        aux_loss: Callable[[], torch.Tensor] | None = None,
    ) -> None:
        self.policy = policy
        self.aux_loss = aux_loss  # added to every minibatch's loss (GAIL's BC term)
        obs_norm = policy.obs_norm if isinstance(policy.obs_norm, RunningObsNorm) else nn.Identity()
        self.value = ValueNetwork(
            policy.init_kwargs["obs_dim"], value_hidden_sizes, obs_norm, value_activation
        ).to(policy.device)
        params = list(policy.parameters()) + [
            p for n, p in self.value.named_parameters() if n.startswith("net.")
        ]
        self.optimizer = optimizer(params)
        self.params = params
        self.gamma, self.gae_lambda, self.clip_coef = gamma, gae_lambda, clip_coef
        self.epochs, self.minibatch_size = epochs, minibatch_size
        self.value_coef, self.entropy_coef, self.max_grad_norm = (
            value_coef,
            entropy_coef,
            max_grad_norm,
        )
        self.normalize_advantages = normalize_advantages
        self.rng = rng  # the minibatches' order (the run's ``minibatches`` stream)

    def state_dict(self) -> dict:
        """The learner's own state (the policy is saved by its owner)."""
        return {
            "value": self.value.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict) -> None:
        self.value.load_state_dict(state["value"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]

    def update(self, batch: Transitions, rewards: np.ndarray) -> dict[str, float]:
        device = self.policy.device
        obs = torch.as_tensor(batch.observations, dtype=torch.float32, device=device)
        next_obs = torch.as_tensor(batch.next_observations, dtype=torch.float32, device=device)
        actions = torch.as_tensor(batch.actions, device=device)
        with torch.no_grad():
            values = self.value(obs).cpu().numpy()
            next_values = self.value(next_obs).cpu().numpy()
            if batch.log_probs is not None:  # the behaviour policy's, recorded when it acted
                old_logp = torch.as_tensor(batch.log_probs, dtype=torch.float32, device=device)
            else:  # a batch made by hand: right only if the policy has not changed since
                old_logp = self.policy.distribution(obs).log_prob(actions)
        adv, returns = gae(
            rewards,
            values,
            next_values,
            batch.terminated,
            batch.episode_starts,
            self.gamma,
            self.gae_lambda,
        )
        adv_t = torch.as_tensor(adv, dtype=torch.float32, device=device)
        ret_t = torch.as_tensor(returns, dtype=torch.float32, device=device)
        n = len(batch)
        # Per-minibatch statistics stay tensors until the end: one conversion, not five a step.
        stats: dict[str, list[torch.Tensor]] = {
            k: [] for k in ("policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac")
        }
        stats["aux_loss"] = []
        for _ in range(self.epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, self.minibatch_size):
                idx = torch.as_tensor(order[start : start + self.minibatch_size], device=device)
                dist = self.policy.distribution(obs[idx])
                logp = dist.log_prob(actions[idx])
                # Capped before exp: a sample far in the tail of a narrow Gaussian (the racecar's
                # steer, sigma ~0.02) can gain > 88 nats in one epoch; exp overflows to inf and
                # the clipped objective's backward turns 0 * inf into NaN weights. Past the cap
                # the sample is far outside the trust region and gets no gradient; below it
                # nothing changes.
                log_ratio = logp - old_logp[idx]
                ratio = log_ratio.clamp(max=self.LOG_RATIO_MAX).exp()
                a = adv_t[idx]
                if self.normalize_advantages and len(idx) > 1:
                    a = (a - a.mean()) / (a.std() + 1e-8)
                pg_loss = torch.max(
                    -a * ratio, -a * ratio.clamp(1 - self.clip_coef, 1 + self.clip_coef)
                ).mean()
                v_loss = 0.5 * (self.value(obs[idx]) - ret_t[idx]).pow(2).mean()
                entropy = dist.entropy().mean()
                loss = pg_loss + self.value_coef * v_loss - self.entropy_coef * entropy
                if hasattr(dist, "box_penalty"):  # keeps a clipped Gaussian's mean in the box
                    loss = loss + dist.box_penalty()
                if self.aux_loss is not None:
                    aux = self.aux_loss()
                    loss = loss + aux
                    stats["aux_loss"].append(aux.detach())
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.params, self.max_grad_norm)
                self.optimizer.step()
                with torch.no_grad():
                    stats["policy_loss"].append(pg_loss.detach())
                    stats["value_loss"].append(v_loss.detach())
                    stats["entropy"].append(entropy.detach())
                    stats["approx_kl"].append(((ratio - 1) - log_ratio).mean())
                    stats["clipfrac"].append(((ratio - 1).abs() > self.clip_coef).float().mean())
        explained = 1 - np.var(returns - values) / (np.var(returns) + 1e-8)
        out = {
            f"losses/{k}": float(np.mean(torch.stack(v).cpu().numpy().astype(np.float64)))
            for k, v in stats.items()
            if v
        }
        out["losses/explained_variance"] = float(explained)
        return out
