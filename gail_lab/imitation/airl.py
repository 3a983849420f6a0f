"""AIRL (Fu, Luo & Levine 2018): the discriminator's logit is structured as

    logit(s, a, s') = f(s, a, s') - log pi(a|s),   f = g(s) + gamma * (1 - done) * h(s') - h(s)

so that D = exp f / (exp f + pi(a|s)). g is the reward approximator (state-only by default: the
paper's disentangled reward, which transfers across dynamics), h a shaping potential. Training is
GAIL's BCE on expert vs agent samples; the policy's reward is a form of the logit (``logit`` by
default: f - log pi, an entropy-regularized reward). ``learned_reward`` exposes g.

With absorbing states (``absorbing=True``, DAC's fix of the termination bias; see
imitation/absorbing.py), g and h see a one-hot ending code and an absorbing state is the zero
observation with its code: a terminal transition's f is g(s) + gamma h(absorbing) - h(s) instead
of g(s) - h(s), an absorbing state's own transition (it never leaves) is
g(abs) + gamma h(abs) - h(abs), and log pi is 0 there (no action is chosen in it). Without them,
the logit reward's sign decides whether ending an episode pays, whatever the expert did: positive
on Acrobot, where the agent was then paid to never reach the goal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from gail_lab.imitation.absorbing import NUM_CODES
from gail_lab.imitation.discriminator import ACTIVATIONS, Batch, Discriminator, plain_kwargs
from gail_lab.rl.networks import mlp


class AIRLDiscriminator(Discriminator):
    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        discrete: bool,
        optimizer: Callable[..., torch.optim.Optimizer],
        hidden_sizes: Sequence[int],
        activation: str,
        state_only: bool,
        gamma: float,
        reward_form: str,
        **kwargs,
    ) -> None:
        init_kwargs = {**plain_kwargs(locals()), **plain_kwargs(kwargs)}
        inputs = kwargs.pop("inputs")
        if inputs != "state_action":
            raise ValueError(
                f"AIRL's g takes s or (s, a), set by state_only; inputs={inputs!r} does not apply"
            )
        if kwargs.get("absorbing_obs", "zero") != "zero":
            raise ValueError(
                "AIRL's h judges an absorbing state by its code alone: absorbing_obs must be zero"
            )
        super().__init__(
            obs_dim,
            n_actions,
            discrete,
            optimizer,
            hidden_sizes,
            activation,
            inputs="state" if state_only else "state_action",
            reward_form=reward_form,
            **kwargs,
        )
        self.init_kwargs = init_kwargs
        self.gamma = gamma
        h_in = self.observed_dim + (NUM_CODES if self.absorbing else 0)
        self.h_net = mlp(h_in, hidden_sizes, 1, ACTIVATIONS[activation])
        self.optimizer = optimizer(list(self.net.parameters()) + list(self.h_net.parameters()))
        self.policy = None

    def attach_policy(self, policy) -> None:
        """The policy whose log pi(a|s) enters the logit (GAIL attaches its own). Not a submodule:
        D's state (and a saved reward model) holds D's weights only."""
        object.__setattr__(self, "policy", policy)

    def potential(self, obs, codes=None) -> torch.Tensor:
        """h(s); with absorbing states h sees the ending code (an absorbing state: only it)."""
        x = self.observed(obs)
        return self.h_net(self.with_codes(x, codes) if self.absorbing else x).squeeze(-1)

    @torch.no_grad()
    def learned_reward(self, obs, actions=None) -> np.ndarray:
        """g(s) (or g(s, a)): the reward AIRL recovers, without shaping and policy terms."""
        return self.net(self.inputs(obs, actions)).squeeze(-1).cpu().numpy()

    def f_parts(self, batch: Batch) -> tuple[torch.Tensor, ...]:
        """The network inputs of f = g(x) + gamma * w * h(x') - h(x_h): (x, x_h, x', w), where w
        is 1 - done (1 wherever the next state is an absorbing state, which always counts)."""
        codes = batch.get("codes") if self.absorbing else None
        x = self.inputs(batch["obs"], batch.get("actions"), codes=codes)
        n = len(x)
        h_in = self.observed(batch["obs"])
        next_in = self.observed(batch["next_obs"])
        if self.absorbing:
            next_codes = batch.get("next_codes")
            h_in = self.with_codes(h_in, codes)
            next_in = self.with_codes(next_in, codes if next_codes is None else next_codes)
        if self.absorbing and batch.get("next_codes") is not None:
            w = torch.ones(n, device=self.device)  # the absorbing state follows a termination
        else:
            w = 1.0 - self._tensor(np.asarray(batch["terminated"], dtype=np.float32))
        return x, h_in, next_in, w

    def f(self, x, h_in, next_in, w) -> torch.Tensor:
        g = self.net(x).squeeze(-1)
        return g + self.gamma * w * self.h_net(next_in).squeeze(-1) - self.h_net(h_in).squeeze(-1)

    def batch_logits(self, batch: Batch) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """(f - log pi, f's inputs: what the gradient penalty interpolates)."""
        if self.policy is None:
            raise RuntimeError("AIRLDiscriminator needs attach_policy(policy) before use")
        parts = self.f_parts(batch)
        f = self.f(*parts)
        codes = batch.get("codes") if self.absorbing else None
        with torch.no_grad():
            obs_t = self._tensor(batch["obs"]).reshape(len(f), -1)
            actions = torch.as_tensor(batch["actions"], device=self.device)
            log_pi = self.policy.distribution(obs_t).log_prob(actions)
            if codes is not None:  # (where, not a product: a zero action may be -inf there)
                real = torch.as_tensor(np.asarray(codes) == 0, device=self.device)
                log_pi = torch.where(real, log_pi, torch.zeros_like(log_pi))
        return f - log_pi, parts

    def gradient_penalty(self, expert_parts, agent_parts) -> torch.Tensor:
        """GAIL's penalty on the whole f: the gradient of f(s, a, s') with respect to the inputs of
        g and of both h terms together, at interpolates of expert and agent samples (log pi is the
        policy's and gets no gradient here)."""
        n = min(len(expert_parts[0]), len(agent_parts[0]))
        eps = torch.rand(n, 1, device=self.device)
        mixed = [
            (eps * e[:n] + (1 - eps) * a[:n]).requires_grad_(True)
            for e, a in zip(expert_parts[:3], agent_parts[:3], strict=True)
        ]
        w = eps[:, 0] * expert_parts[3][:n] + (1 - eps[:, 0]) * agent_parts[3][:n]
        grads = torch.autograd.grad(self.f(*mixed, w).sum(), mixed, create_graph=True)
        norm = torch.cat(grads, dim=-1).norm(2, dim=-1)
        return (norm - self.grad_penalty_target).pow(2).mean()
