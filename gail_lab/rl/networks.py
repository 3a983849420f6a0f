"""Policies and value networks. Every policy acts on batches: ``act(obs) -> actions``."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gail_lab import choices
from gail_lab.rl.distributions import ClippedNormal, SquashedNormal
from gail_lab.rl.rollout import Decision

ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU}  # by config name
assert tuple(ACTIVATIONS) == choices.ACTIVATIONS


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

    @torch.no_grad()
    def decide(self, obs: np.ndarray) -> Decision:
        """Sample actions (the same draw as ``act``) with their log-probabilities under the policy
        as it is now: learners that weigh samples by pi_new / pi_old (PPO) need the acting
        policy's, before any update (the observation normalizer's included) changes it."""
        dist = self.distribution(self._obs_tensor(obs))
        actions = dist.sample()
        return Decision(actions.cpu().numpy(), log_probs=dist.log_prob(actions).cpu().numpy())


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
    """MLP -> logits over discrete actions (the study notes' 4-128-128-2 softmax policy)."""

    def distribution(self, obs: torch.Tensor) -> torch.distributions.Categorical:
        # No argument validation: the logits come from the network, and log_prob's check of the
        # actions costs more than the rest of a small minibatch's forward pass.
        return torch.distributions.Categorical(logits=self(obs), validate_args=False)

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        logits = self(self._obs_tensor(obs))
        if deterministic:
            return logits.argmax(-1).cpu().numpy()
        dist = torch.distributions.Categorical(logits=logits, validate_args=False)
        return dist.sample().cpu().numpy()


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


# tanh: squashed Gaussian; clip: Gaussian clipped to the box, density likelihood; clip_censored:
# the same policy with the censored likelihood of its clipped samples (ClippedNormal)
SQUASHES = choices.SQUASHES


class GaussianPolicy(Policy):
    """MLP -> tanh-squashed diagonal Gaussian over a Box action space (continuous control).

    ``state_dependent_std``: the log-std is a second head (SAC) or a free parameter per action
    dimension (PPO, as in CleanRL and SB3). Squashing keeps every action and the mean inside the
    box, so the policy cannot drift outside it the way a clipped Gaussian's mean can.
    """

    action_kinds = ("continuous",)
    LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0

    def __init__(
        self,
        obs_dim: int,
        action_low: Sequence[float],
        action_high: Sequence[float],
        hidden_sizes: Sequence[int] = (64, 64),
        normalize_obs: bool = False,
        state_dependent_std: bool = False,
        log_std_init: float = 0.0,
        activation: str = "tanh",
        squash: str = "tanh",
        box_penalty_coef: float = 1.0,
    ) -> None:
        super().__init__()
        if squash not in SQUASHES:
            raise ValueError(f"squash must be one of {list(SQUASHES)} (got {squash!r})")
        low = np.asarray(action_low, dtype=np.float32).reshape(-1)
        high = np.asarray(action_high, dtype=np.float32).reshape(-1)
        if low.shape != high.shape or not np.all(
            np.isfinite(low) & np.isfinite(high) & (high > low)
        ):
            raise ValueError(f"GaussianPolicy needs a finite action box, got low={low} high={high}")
        self.init_kwargs = {
            "obs_dim": int(obs_dim),
            "action_low": low.tolist(),
            "action_high": high.tolist(),
            "hidden_sizes": [int(h) for h in hidden_sizes],
            "normalize_obs": bool(normalize_obs),
            "state_dependent_std": bool(state_dependent_std),
            "log_std_init": float(log_std_init),
            "activation": activation,
            "squash": squash,
            "box_penalty_coef": float(box_penalty_coef),
        }
        self.squash, self.box_penalty_coef = squash, float(box_penalty_coef)
        act_cls = ACTIVATIONS[activation]
        act_dim = len(low)
        self.obs_norm = RunningObsNorm(obs_dim) if normalize_obs else nn.Identity()
        self.trunk = mlp(obs_dim, hidden_sizes[:-1], int(hidden_sizes[-1]), act_cls)
        self.trunk.append(act_cls())
        self.mean_head = nn.Linear(int(hidden_sizes[-1]), act_dim)
        if state_dependent_std:
            self.log_std_head = nn.Linear(int(hidden_sizes[-1]), act_dim)
        else:
            self.log_std = nn.Parameter(torch.full((act_dim,), float(log_std_init)))
        self.register_buffer("center", torch.as_tensor((high + low) / 2))
        self.register_buffer("scale", torch.as_tensor((high - low) / 2))

    def distribution(self, obs: torch.Tensor) -> SquashedNormal | ClippedNormal:
        h = self.trunk(self.obs_norm(obs))
        mean = self.mean_head(h)
        if hasattr(self, "log_std_head"):
            log_std = self.log_std_head(h)
        else:
            log_std = self.log_std.expand_as(mean)
        log_std = log_std.clamp(self.LOG_STD_MIN, self.LOG_STD_MAX)
        if self.squash in ("clip", "clip_censored"):
            low, high = self.center - self.scale, self.center + self.scale
            censored = self.squash == "clip_censored"
            return ClippedNormal(mean, log_std.exp(), low, high, self.box_penalty_coef, censored)
        return SquashedNormal(mean, log_std.exp(), self.center, self.scale)

    @torch.no_grad()
    def act(self, obs: np.ndarray, deterministic: bool = False) -> np.ndarray:
        dist = self.distribution(self._obs_tensor(obs))
        return (dist.mode if deterministic else dist.sample()).cpu().numpy()

    def observe(self, obs: np.ndarray) -> None:
        if isinstance(self.obs_norm, RunningObsNorm):
            self.obs_norm.update(obs)


def policy_for_space(
    obs_dim: int,
    action_space,
    hidden_sizes: Sequence[int],
    normalize_obs: bool = False,
    log_std_init: float = 0.0,
    state_dependent_std: bool = False,
    activation: str = "tanh",
    squash: str = "tanh",
) -> Policy:
    """The policy-gradient policy for ``action_space``: categorical for Discrete, tanh-squashed
    Gaussian for Box (``log_std_init``, ``state_dependent_std`` and ``activation`` apply to Box
    only; the categorical MLP is the study notes' ReLU network)."""
    if hasattr(action_space, "n"):
        return CategoricalPolicy(obs_dim, int(action_space.n), hidden_sizes, normalize_obs)
    return GaussianPolicy(
        obs_dim,
        action_space.low,
        action_space.high,
        hidden_sizes,
        normalize_obs,
        state_dependent_std=state_dependent_std,
        log_std_init=log_std_init,
        activation=activation,
        squash=squash,
    )


policy_for_space.action_kinds = ("discrete", "continuous")


def sac_policy(
    obs_dim: int, action_space, hidden_sizes: Sequence[int], normalize_obs: bool = False
) -> GaussianPolicy | CategoricalPolicy:
    """SAC's actor: for Box actions a tanh-squashed Gaussian with a state-dependent log-std head
    on a ReLU MLP, as in SB3 and CleanRL; for Discrete actions a categorical policy on a ReLU MLP
    (discrete SAC, Christodoulou 2019)."""
    if isinstance(action_space, gym.spaces.Discrete):
        return categorical_policy(obs_dim, action_space, hidden_sizes, normalize_obs)
    return GaussianPolicy(
        obs_dim,
        action_space.low,
        action_space.high,
        hidden_sizes,
        normalize_obs,
        state_dependent_std=True,
        activation="relu",
    )


sac_policy.action_kinds = ("discrete", "continuous")


def categorical_policy(
    obs_dim: int, action_space, hidden_sizes: Sequence[int], normalize_obs: bool = False
) -> CategoricalPolicy:
    """The study notes' softmax policy, for Discrete action spaces only."""
    return CategoricalPolicy(obs_dim, int(action_space.n), hidden_sizes, normalize_obs)


categorical_policy.action_kinds = ("discrete",)


def q_policy(obs_dim: int, action_space, hidden_sizes: Sequence[int]) -> QPolicy:
    """DQN's Q-network (Discrete actions only): one output per action, ReLU layers."""
    return QPolicy(obs_dim, int(action_space.n), hidden_sizes)


q_policy.action_kinds = ("discrete",)
