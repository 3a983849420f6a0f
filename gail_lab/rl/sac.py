"""Soft Actor-Critic (Haarnoja et al. 2018, with the automatic temperature of the 2018 follow-up):
a tanh-squashed Gaussian actor, twin Q critics with Polyak-averaged targets, clipped double-Q
targets, and the entropy temperature tuned toward a target entropy (-|A| by default).
``update`` takes a sampled batch; whoever calls it decides where the reward comes from.

Discrete actions (a categorical actor: Christodoulou 2019, as CleanRL's sac_atari): the critics
output Q(s, .) for every action, the soft value and the actor's loss are exact expectations over
the actor's probabilities instead of samples, and the target entropy is a fraction
(``target_entropy_ratio``) of the uniform policy's log |A|.

``entropy_bonus="relative"`` pays each step alpha (H - H_target) instead of alpha H: the
Lagrangian of SAC's constrained form (maximize return subject to entropy >= H_target), which
differs from the usual bonus by alpha H_target per step. That constant matters where episodes
end: a terminal step bootstraps nothing, so with the usual bonus living pays alpha H per step
that an ending does not (a survival bonus where H > 0, discrete actions; a penalty where H < 0, a
Gaussian's target -|A|), and it grows with alpha. Relative to the target, a policy at its target
entropy neither gains nor loses by ending, whatever alpha is."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gail_lab import choices
from gail_lab.envs import EnvFactory
from gail_lab.rl.loop import Progress, scalars
from gail_lab.rl.networks import GaussianPolicy, mlp
from gail_lab.rl.replay import ReplayBuffer
from gail_lab.rl.stepper import EnvStepper
from gail_lab.seeding import SeedTree


class QNetwork(nn.Module):
    """Q(s, a): an MLP on the concatenated observation and action. ``obs_norm`` is the actor's
    observation normalizer where the caller shares it (DAC), else the identity."""

    def __init__(self, obs_dim: int, act_dim: int, hidden_sizes: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp(obs_dim + act_dim, hidden_sizes, 1)
        self.obs_norm: nn.Module = nn.Identity()

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([self.obs_norm(obs), actions], -1)).squeeze(-1)


class DiscreteQNetwork(nn.Module):
    """Q(s, .): an MLP from the observation to one value per discrete action."""

    def __init__(self, obs_dim: int, n_actions: int, hidden_sizes: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp(obs_dim, hidden_sizes, n_actions)
        self.obs_norm: nn.Module = nn.Identity()

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(self.obs_norm(obs))


class SAC:
    def __init__(
        self,
        policy: GaussianPolicy,
        optimizer: Callable[..., torch.optim.Optimizer],
        gamma: float,
        tau: float,
        critic_hidden_sizes: Sequence[int],
        alpha: float | None,
        alpha_init: float,
        target_entropy: float | None,
        policy_delay: int = 1,
        target_entropy_ratio: float = 0.89,
        entropy_bonus: str = "absolute",
    ) -> None:
        self.actor = actor = policy
        obs_dim = actor.init_kwargs["obs_dim"]
        device = actor.device
        self.discrete = "n_actions" in actor.init_kwargs
        if self.discrete:
            n = actor.init_kwargs["n_actions"]
            critics = [DiscreteQNetwork(obs_dim, n, critic_hidden_sizes) for _ in range(2)]
            default_entropy = target_entropy_ratio * math.log(n)
        else:
            act_dim = len(actor.init_kwargs["action_low"])
            critics = [QNetwork(obs_dim, act_dim, critic_hidden_sizes) for _ in range(2)]
            default_entropy = -act_dim
        self.critics = nn.ModuleList(critics).to(device)
        self.critic_targets = copy.deepcopy(self.critics).requires_grad_(False)
        self.actor_optimizer = optimizer(actor.parameters())
        self.critic_optimizer = optimizer(self.critics.parameters())
        self.autotune = alpha is None
        init = alpha_init if alpha is None else alpha
        self.log_alpha = (
            torch.tensor(float(init), device=device).log().requires_grad_(self.autotune)
        )
        self.alpha_optimizer = optimizer([self.log_alpha]) if self.autotune else None
        self.target_entropy = float(default_entropy if target_entropy is None else target_entropy)
        if entropy_bonus not in choices.ENTROPY_BONUSES:
            raise ValueError(
                f"entropy_bonus must be one of {list(choices.ENTROPY_BONUSES)} (got {entropy_bonus!r})"
            )
        self.entropy_baseline = self.target_entropy if entropy_bonus == "relative" else 0.0
        self.gamma, self.tau = gamma, tau
        # TD3's delayed policy updates: the actor and the temperature learn every policy_delay-th
        # update (the critics every update); their last losses are reported in between
        self.policy_delay, self.updates = policy_delay, 0
        self._actor_stats: dict[str, torch.Tensor] = {}
        self._params = list(self.critics.parameters())  # Polyak averaging, one foreach call
        self._target_params = list(self.critic_targets.parameters())

    @property
    def alpha(self) -> float:
        return float(self.log_alpha.exp().item())

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        obs, actions, next_obs = batch["obs"], batch["actions"], batch["next_obs"]
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            if self.discrete:  # the soft value as an exact expectation over the actions
                logp_all = F.log_softmax(self.actor(next_obs), -1)
                q_all = torch.min(*(q(next_obs) for q in self.critic_targets))
                soft_v = (logp_all.exp() * (q_all - alpha * logp_all)).sum(-1)
            else:
                next_a, next_logp = self.actor.distribution(next_obs).rsample_with_log_prob()
                q_next = torch.min(*(q(next_obs, next_a) for q in self.critic_targets))
                soft_v = q_next - alpha * next_logp
            soft_v = soft_v - alpha * self.entropy_baseline  # relative: alpha (H - H_target)
            target = batch["rewards"] + self.gamma * (1 - batch["terminated"]) * soft_v
        if self.discrete:
            taken = actions.long().reshape(-1, 1)
            q1, q2 = (q(obs).gather(1, taken).squeeze(1) for q in self.critics)
        else:
            q1, q2 = (q(obs, actions) for q in self.critics)
        q_loss = F.mse_loss(q1, target) + F.mse_loss(q2, target)
        self.critic_optimizer.zero_grad(set_to_none=True)
        q_loss.backward()
        self.critic_optimizer.step()
        self.updates += 1
        stats = {"losses/qf_loss": q_loss / 2, "losses/qf_values": q1.mean()}
        if (self.updates - 1) % self.policy_delay == 0:
            self._actor_stats = self.update_actor(obs, alpha)
        stats.update(self._actor_stats)
        with torch.no_grad():
            torch._foreach_lerp_(self._target_params, self._params, self.tau)
        return scalars(stats)

    def update_actor(self, obs: torch.Tensor, alpha: torch.Tensor) -> dict[str, torch.Tensor]:
        """One actor step (and one temperature step when it is tuned) on ``obs``."""
        self.critics.requires_grad_(False)  # the actor loss needs no critic weight gradients
        if self.discrete:  # expectations over the actor's probabilities (no sampling)
            logp_all = F.log_softmax(self.actor(obs), -1)
            probs = logp_all.exp()
            q_all = torch.min(*(q(obs) for q in self.critics))
            actor_loss = (probs * (alpha * logp_all - q_all)).sum(-1).mean()
            logp = (probs * logp_all).sum(-1)  # E[log pi]: the temperature's input below
        else:
            a, logp = self.actor.distribution(obs).rsample_with_log_prob()
            q_pi = torch.min(*(q(obs, a) for q in self.critics))
            actor_loss = (alpha * logp - q_pi).mean()
        self.critics.requires_grad_(True)
        self.actor_optimizer.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimizer.step()

        stats = {"losses/actor_loss": actor_loss.detach(), "losses/entropy": -logp.mean().detach()}
        if self.autotune:
            alpha_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
            self.alpha_optimizer.zero_grad(set_to_none=True)
            alpha_loss.backward()
            self.alpha_optimizer.step()
            stats["losses/alpha_loss"] = alpha_loss.detach()
        stats["losses/alpha"] = self.log_alpha.exp().detach()
        return stats

    def state_dict(self) -> dict[str, Any]:
        return {
            "critics": self.critics.state_dict(),
            "critic_targets": self.critic_targets.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "log_alpha": self.log_alpha.detach().clone(),
            "updates": self.updates,
            "actor_stats": {k: v.clone() for k, v in self._actor_stats.items()},
            "alpha_optimizer": None
            if self.alpha_optimizer is None
            else self.alpha_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.critics.load_state_dict(state["critics"])
        self.critic_targets.load_state_dict(state["critic_targets"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
        self.updates = int(state.get("updates", 0))  # (older checkpoints: policy_delay 1)
        self._actor_stats = dict(state.get("actor_stats", {}))
        if self.alpha_optimizer is not None:
            self.alpha_optimizer.load_state_dict(state["alpha_optimizer"])


class SACAgent:
    """SAC in the training loop: one env step per iteration (uniform random actions for the first
    ``learning_starts``), then ``gradient_steps`` updates every ``train_freq`` steps on batches
    from the replay buffer, the env's own reward. Mid-episode checkpoints carry the env itself
    (pickled), so a resume continues the same episode; an env that cannot be pickled (PyBullet)
    restarts its episode on resume instead (not bit-exact, and said so)."""

    def __init__(
        self,
        learner: SAC,
        buffer_size: int,
        learning_starts: int,
        batch_size: int,
        train_freq: int,
        gradient_steps: int,
    ) -> None:
        self.sac, self.policy = learner, learner.actor
        self.buffer_size, self.learning_starts, self.batch_size = (
            buffer_size,
            learning_starts,
            batch_size,
        )
        self.train_freq, self.gradient_steps = train_freq, gradient_steps

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        self.rng = seeds.generator("replay")
        space = factory.action_space
        dtype = np.int64 if factory.discrete else np.float32
        self.buffer = ReplayBuffer(self.buffer_size, factory.obs_dim, space.shape, dtype, self.rng)
        self.stepper = EnvStepper(factory, seeds.generator("envs"))
        self.steps = 0

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        actor = self.sac.actor
        self.steps += 1
        if self.steps <= self.learning_starts:
            action = self.stepper.random_action()
        else:
            action = actor.act(self.stepper.obs[None])[0]
        s = self.stepper.step(action)
        self.buffer.add(s.obs, action, s.reward, s.next_obs, float(s.terminated))
        metrics = dict(s.metrics)
        updates = 0
        if self.steps > self.learning_starts and self.steps % self.train_freq == 0:
            for _ in range(self.gradient_steps):
                metrics.update(self.sac.update(self.buffer.sample(self.batch_size, actor.device)))
            updates = self.gradient_steps
        episodes = int(s.terminated or s.truncated)
        return Progress(metrics, env_steps=1, episodes=episodes, gradient_steps=updates)

    def optimizers(self) -> list:
        return [self.sac.actor_optimizer, self.sac.critic_optimizer]

    def state_dict(self) -> dict[str, Any]:
        return {
            "actor": self.sac.actor.state_dict(),
            "sac": self.sac.state_dict(),
            "buffer": self.buffer.state_dict(),
            "stepper": self.stepper.state_dict(),
            "steps": self.steps,
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        self.sac.actor.load_state_dict(state["actor"])
        self.sac.load_state_dict(state["sac"])
        self.buffer.load_state_dict(state["buffer"])
        self.steps = int(state["steps"])
        return self.stepper.load_state_dict(state["stepper"])

    def close(self) -> None:
        self.stepper.close()
