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

    @property
    def device(self) -> torch.device:
        p = next(self.parameters(), None)
        return p.device if p is not None else torch.device("cpu")

    def _obs_tensor(self, obs: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        raise NotImplementedError


class MLPPolicy(Policy):
    """An MLP from observations to one output per discrete action."""

    def __init__(
        self, obs_dim: int, n_actions: int, hidden_sizes: Sequence[int] = (128, 128)
    ) -> None:
        super().__init__()
        self.init_kwargs = {
            "obs_dim": int(obs_dim),
            "n_actions": int(n_actions),
            "hidden_sizes": [int(h) for h in hidden_sizes],
        }
        self.net = mlp(obs_dim, hidden_sizes, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)


class CategoricalPolicy(MLPPolicy):
    """MLP -> logits over discrete actions (the seed's 4-128-128-2 softmax policy)."""

    def distribution(self, obs: torch.Tensor) -> torch.distributions.Categorical:
        return torch.distributions.Categorical(logits=self.net(obs))

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        logits = self.net(self._obs_tensor(obs))
        if deterministic:
            return logits.argmax(-1).cpu().numpy()
        return torch.distributions.Categorical(logits=logits).sample().cpu().numpy()


class QPolicy(MLPPolicy):
    """A Q-network; acting is greedy (exploration is the trainer's business)."""

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        return self.net(self._obs_tensor(obs)).argmax(-1).cpu().numpy()


class RandomPolicy:
    """Uniform actions from the env's action space (the baseline of the normalized score)."""

    def __init__(self, action_space, seed: int = 0) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        return np.stack([self.action_space.sample() for _ in range(len(obs))])
