"""Policies and value networks. Every policy acts on batches: ``act(obs) -> actions``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn


def mlp(
    in_dim: int, hidden_sizes: Sequence[int], out_dim: int, activation: type[nn.Module] = nn.ReLU
) -> nn.Sequential:
    layers: list[nn.Module] = []
    last = in_dim
    for h in hidden_sizes:
        layers += [nn.Linear(last, int(h)), activation()]
        last = int(h)
    layers.append(nn.Linear(last, out_dim))
    return nn.Sequential(*layers)


class Policy(nn.Module):
    """Base class: ``init_kwargs`` rebuilds the module from a checkpoint (see rl/checkpoint.py)."""

    init_kwargs: dict
    action_kinds: tuple[str, ...] = ("discrete", "continuous")  # the action spaces it can drive

    @property
    def device(self) -> torch.device:
        p = next(self.parameters(), None)
        return p.device if p is not None else torch.device("cpu")

    def _obs_tensor(self, obs: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        raise NotImplementedError


class RunningObsNorm(nn.Module):
    """Running mean/variance of observations (parallel Welford); ``forward`` standardizes and clips.

    The statistics are buffers, so they are saved and loaded with the model that owns them;
    datasets keep raw observations.
    """

    def __init__(self, obs_dim: int, clip: float = 10.0, eps: float = 1e-8) -> None:
        super().__init__()
        self.clip, self.eps = clip, eps
        self.register_buffer("mean", torch.zeros(obs_dim, dtype=torch.float64))
        self.register_buffer("var", torch.ones(obs_dim, dtype=torch.float64))
        self.register_buffer("count", torch.tensor(0.0, dtype=torch.float64))

    @torch.no_grad()
    def update(self, obs: np.ndarray | torch.Tensor) -> None:
        x = torch.as_tensor(obs, dtype=torch.float64, device=self.mean.device).reshape(len(obs), -1)
        n = float(len(x))
        if n == 0:
            return
        b_mean, b_var = x.mean(0), x.var(0, unbiased=False)
        total = self.count + n
        delta = b_mean - self.mean
        m2 = self.var * self.count + b_var * n + delta.pow(2) * self.count * n / total
        self.mean += delta * n / total
        self.var.copy_(m2 / total)
        self.count.fill_(total)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        z = (obs - self.mean.to(obs.dtype)) / torch.sqrt(self.var.to(obs.dtype) + self.eps)
        return z.clamp(-self.clip, self.clip)


class MLPPolicy(Policy):
    """An MLP from observations to one output per discrete action, with optional running
    observation normalization inside the model (its statistics travel in the checkpoint)."""

    action_kinds = ("discrete",)

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        hidden_sizes: Sequence[int] = (128, 128),
        normalize_obs: bool = False,
    ) -> None:
        super().__init__()
        self.init_kwargs = {
            "obs_dim": int(obs_dim),
            "n_actions": int(n_actions),
            "hidden_sizes": [int(h) for h in hidden_sizes],
            "normalize_obs": bool(normalize_obs),
        }
        self.obs_norm = RunningObsNorm(obs_dim) if normalize_obs else nn.Identity()
        self.net = mlp(obs_dim, hidden_sizes, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(self.obs_norm(obs))

    def observe(self, obs: np.ndarray) -> None:
        """Update the observation statistics (no-op without normalization)."""
        if isinstance(self.obs_norm, RunningObsNorm):
            self.obs_norm.update(obs)


class CategoricalPolicy(MLPPolicy):
    """MLP -> logits over discrete actions (the seed's 4-128-128-2 softmax policy)."""

    def distribution(self, obs: torch.Tensor) -> torch.distributions.Categorical:
        return torch.distributions.Categorical(logits=self(obs))

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        logits = self(self._obs_tensor(obs))
        if deterministic:
            return logits.argmax(-1).cpu().numpy()
        return torch.distributions.Categorical(logits=logits).sample().cpu().numpy()


class QPolicy(MLPPolicy):
    """A Q-network; acting is greedy (exploration is the trainer's business)."""

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        return self(self._obs_tensor(obs)).argmax(-1).cpu().numpy()


class RandomPolicy:
    """Uniform actions from the env's action space (the baseline of the normalized score)."""

    def __init__(self, action_space, seed: int = 0) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        return np.stack([self.action_space.sample() for _ in range(len(obs))])
