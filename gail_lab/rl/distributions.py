"""The action distributions of Box-action policies (rl/networks.py GaussianPolicy): a Gaussian
kept inside the action box by a tanh squash, or clipped to it (with the Gaussian's density or the
censored likelihood of clipped samples as its likelihood)."""

from __future__ import annotations

import math

import torch
from torch import nn


class SquashedNormal:
    """A diagonal Gaussian over pre-squash actions ``u``, mapped into the action box by
    ``a = center + scale * tanh(u)``: samples and the mean always lie inside the box.

    ``log_prob`` takes actions in env units (what rollouts and datasets record) and inverts the
    squashing; ``entropy`` is the base Gaussian's (the squashed one has no closed form; SB3 and
    CleanRL make the same approximation).
    """

    EPS = 1e-6

    def __init__(
        self, mean: torch.Tensor, std: torch.Tensor, center: torch.Tensor, scale: torch.Tensor
    ) -> None:
        self.base = torch.distributions.Normal(mean, std)
        self.center, self.scale = center, scale

    def _squash(self, u: torch.Tensor) -> torch.Tensor:
        return self.center + self.scale * torch.tanh(u)

    @staticmethod
    def _log_det(u: torch.Tensor) -> torch.Tensor:
        # log(1 - tanh(u)^2), stable for large |u|
        return 2.0 * (math.log(2.0) - u - nn.functional.softplus(-2.0 * u))

    def _log_prob_u(self, u: torch.Tensor) -> torch.Tensor:
        log_scale = torch.log(self.scale).sum(-1)
        return (self.base.log_prob(u) - self._log_det(u)).sum(-1) - log_scale

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        y = ((actions - self.center) / self.scale).clamp(-1 + self.EPS, 1 - self.EPS)
        return self._log_prob_u(torch.atanh(y))

    def rsample_with_log_prob(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A reparameterized sample (for SAC's actor loss) and its log-probability."""
        u = self.base.rsample()
        return self._squash(u), self._log_prob_u(u)

    def sample(self) -> torch.Tensor:
        return self._squash(self.base.sample())

    @property
    def mode(self) -> torch.Tensor:
        return self._squash(self.base.mean)

    def entropy(self) -> torch.Tensor:
        return self.base.entropy().sum(-1)

    def box_penalty(self) -> torch.Tensor:
        return torch.zeros((), device=self.center.device)  # the mean cannot leave the box


class ClippedNormal:
    """A diagonal Gaussian over actions in env units; samples and the mode are clipped to the box
    (the env would clip them anyway). Labels on the box's edge keep a finite likelihood (a
    tanh-squashed Gaussian's is unbounded there). Nothing stops the mean from leaving the box, so
    ``box_penalty`` (squared distance of the mean outside the box, times ``penalty_coef``) is added
    to the losses that train the policy (PPO, BC).

    ``censored=False``: log-probabilities are the Gaussian's density at the (clipped) action.
    That is not the likelihood of a clipped sample: one clipped to the edge while the mean is d
    outside the box gets -(d / sigma)^2 / 2 where its probability is near 1. ``censored=True``:
    the likelihood of what was sampled, the Gaussian's mass beyond the edge for an action on it
    (log Phi, computed stably by ``log_ndtr``) and its density inside, as in the clipped action
    policy gradient (Fujita & Maeda 2018)."""

    def __init__(
        self,
        mean: torch.Tensor,
        std: torch.Tensor,
        low: torch.Tensor,
        high: torch.Tensor,
        penalty_coef: float,
        censored: bool = False,
    ) -> None:
        self.base = torch.distributions.Normal(mean, std)
        self.low, self.high, self.penalty_coef = low, high, penalty_coef
        self.censored = censored

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        density = self.base.log_prob(actions)
        if not self.censored:
            return density.sum(-1)
        mean, std = self.base.mean, self.base.stddev
        below = torch.special.log_ndtr((self.low - mean) / std)  # P(x <= low)
        above = torch.special.log_ndtr((mean - self.high) / std)  # P(x >= high)
        logp = torch.where(actions >= self.high, above, density)
        return torch.where(actions <= self.low, below, logp).sum(-1)

    def sample(self) -> torch.Tensor:
        return torch.maximum(torch.minimum(self.base.sample(), self.high), self.low)

    @property
    def mode(self) -> torch.Tensor:
        return torch.maximum(torch.minimum(self.base.mean, self.high), self.low)

    def entropy(self) -> torch.Tensor:
        return self.base.entropy().sum(-1)

    def box_penalty(self) -> torch.Tensor:
        mean = self.base.mean
        outside = torch.relu(mean - self.high) + torch.relu(self.low - mean)
        return self.penalty_coef * outside.pow(2).sum(-1).mean()
