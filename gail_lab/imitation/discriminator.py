"""The discriminator D: a reward model trained to tell expert pairs (label 1) from agent pairs
(label 0) with binary cross-entropy; its reward is one of imitation/rewards.py's forms.

Inputs: (s, a) with one-hot discrete actions (GAIL), s alone, or (s, s') as in GAIfO (imitation
from observation). Observations are standardized inside the model by one running normalizer that
sees expert and agent samples alike (datasets keep raw observations).

Regularizers, all off by default (the study notes used none): a gradient penalty on inputs
interpolated between expert and agent samples (zero-centred by default,
``grad_penalty_target=1`` gives WGAN-GP's), spectral normalization of every layer, an entropy
bonus on D's outputs, label smoothing, weight decay (the optimizer's ``weight_decay``), and
skipping updates while D's accuracy on the current batch is above a threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gail_lab import choices
from gail_lab.choices import ABSORBING_OBS, DISCRIMINATOR_INPUTS
from gail_lab.imitation.absorbing import NUM_CODES
from gail_lab.imitation.rewards import gail_reward
from gail_lab.rl.loop import scalars
from gail_lab.rl.networks import RunningObsNorm, mlp

INPUTS, REWARD_NORMALIZATIONS = DISCRIMINATOR_INPUTS, choices.REWARD_NORMALIZATIONS
Batch = dict[str, np.ndarray]  # obs, actions, next_obs [, codes, terminated]
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}
assert tuple(ACTIVATIONS) == choices.DISCRIMINATOR_ACTIVATIONS


def plain_kwargs(local_vars: dict) -> dict:
    """A constructor's arguments as plain values (lists, not ListConfigs), less self and the
    optimizer: enough to build the same network again."""
    out = {}
    for name, value in local_vars.items():
        if name in ("self", "optimizer", "__class__", "kwargs"):
            continue
        out[name] = (
            list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value
        )
    return out


def detached(x: torch.Tensor | tuple[torch.Tensor, ...]):
    """A network input (or AIRL's tuple of them) cut from the graph."""
    return tuple(t.detach() for t in x) if isinstance(x, tuple) else x.detach()


class Discriminator(nn.Module):
    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        discrete: bool,
        optimizer: Callable[..., torch.optim.Optimizer],
        hidden_sizes: Sequence[int],
        activation: str,
        inputs: str,
        reward_form: str,
        reward_clip: float | None,
        reward_normalization: str,
        normalize_obs: bool,
        spectral_norm: bool,
        grad_penalty: float,
        grad_penalty_target: float,
        entropy_coef: float,
        label_smoothing: float,
        skip_above_accuracy: float | None,
        absorbing: bool,
        absorbing_scale: float,
        obs_dims: Sequence[int] | None,
        absorbing_obs: str = "zero",
    ) -> None:
        init_kwargs = plain_kwargs(locals())
        super().__init__()
        self.init_kwargs = init_kwargs  # what RewardModel.save records to rebuild it
        if inputs not in INPUTS:
            raise ValueError(f"inputs must be one of {list(INPUTS)} (got {inputs!r})")
        if reward_normalization not in REWARD_NORMALIZATIONS:
            raise ValueError(
                f"reward_normalization must be one of {list(REWARD_NORMALIZATIONS)}"
                f" (got {reward_normalization!r})"
            )
        gail_reward(torch.zeros(1), reward_form)  # fail now on an unknown form
        self.obs_dim, self.n_actions, self.discrete = obs_dim, n_actions, discrete
        self.input_kind, self.reward_form, self.reward_clip = inputs, reward_form, reward_clip
        self.reward_normalization = reward_normalization
        self.grad_penalty, self.grad_penalty_target = grad_penalty, grad_penalty_target
        self.entropy_coef, self.label_smoothing = entropy_coef, label_smoothing
        self.skip_above_accuracy = skip_above_accuracy
        self.absorbing = absorbing  # one-hot ending codes in the input (imitation/absorbing.py)
        if absorbing_scale <= 0:
            raise ValueError(f"absorbing_scale must be > 0 (got {absorbing_scale!r})")
        self.absorbing_scale = absorbing_scale  # the code's value: how far apart the endings sit
        if absorbing_obs not in ABSORBING_OBS:
            raise ValueError(
                f"absorbing_obs must be one of {list(ABSORBING_OBS)} (got {absorbing_obs!r})"
            )
        # zero: an absorbing state is its code alone (DAC); terminal: the observation the episode
        # ended in too (the action part stays zero: imitation/absorbing.py)
        self.absorbing_obs = absorbing_obs
        if obs_dims is not None:
            obs_dims = [int(i) for i in obs_dims]
            bad = [i for i in obs_dims if not 0 <= i < obs_dim]
            if not obs_dims or bad or len(set(obs_dims)) != len(obs_dims):
                raise ValueError(
                    f"discriminator.obs_dims must be distinct observation indices in "
                    f"[0, {obs_dim - 1}] (the env's observation has {obs_dim} dims), got {obs_dims}"
                )
        # The observation dimensions D sees (None: all): the learner may need more state than
        # the expert's behaviour should be judged by (e.g. the racecar's steering-servo state).
        self.obs_dims = obs_dims
        d_obs = self.observed_dim = obs_dim if obs_dims is None else len(obs_dims)
        in_dim = {"state_action": d_obs + n_actions, "state": d_obs}.get(inputs, 2 * d_obs)
        in_dim += NUM_CODES if absorbing else 0
        self.obs_norm = RunningObsNorm(obs_dim) if normalize_obs else nn.Identity()
        self.updates_obs_norm = True  # False where the normalizer is a learner's, shared (DAC)
        self.net = mlp(in_dim, hidden_sizes, 1, ACTIVATIONS[activation])
        if spectral_norm:
            for i, layer in enumerate(self.net):
                if isinstance(layer, nn.Linear):
                    self.net[i] = nn.utils.parametrizations.spectral_norm(layer)
        self.reward_stats = RunningObsNorm(1)  # running mean/var of the raw reward
        self.optimizer = optimizer(self.net.parameters())

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _tensor(self, x) -> torch.Tensor:
        return torch.as_tensor(x, dtype=torch.float32, device=self.device)

    def observed(self, obs) -> torch.Tensor:
        """Normalized observations (the full observation is normalized, as the learner's shared
        normalizer is), then the dimensions ``obs_dims`` D looks at."""
        x = self.obs_norm(self._tensor(obs).reshape(len(obs), -1))
        return x if self.obs_dims is None else x[:, self.obs_dims]

    def inputs(self, obs, actions=None, next_obs=None, codes=None) -> torch.Tensor:
        """The network's input: [norm(s), one-hot(a) or a], [norm(s)], or [norm(s), norm(s')],
        then, with absorbing states, a one-hot of the ending code (``codes``: 0 = ordinary
        transition, 1 = success absorbing state, 2 = failure; absorbing rows are all zero but
        their code)."""
        obs_t = self.observed(obs)
        if self.input_kind == "state":
            parts = [obs_t]
        elif self.input_kind == "state_next_state":
            if next_obs is None:
                raise ValueError("a state_next_state discriminator needs next observations")
            parts = [obs_t, self.observed(next_obs)]
        elif self.discrete:
            act = torch.as_tensor(actions, dtype=torch.int64, device=self.device).reshape(-1)
            parts = [obs_t, F.one_hot(act, self.n_actions).float()]
        else:
            parts = [obs_t, self._tensor(actions).reshape(len(obs_t), -1)]
        if (
            self.absorbing
            and codes is not None
            and len(parts) == 2
            and self.input_kind == "state_action"
        ):
            # an absorbing state takes no action (a discrete action's one-hot would say one)
            c = torch.as_tensor(codes, dtype=torch.int64, device=self.device).reshape(-1, 1)
            parts[1] = parts[1] * (c == 0).float()
        x = torch.cat(parts, dim=-1)
        return self.with_codes(x, codes) if self.absorbing else x

    def with_codes(self, x: torch.Tensor, codes=None) -> torch.Tensor:
        """``x`` with the one-hot ending code (times ``absorbing_scale``) appended and absorbing
        rows zeroed but their code (``codes`` None: every row an ordinary transition). A gradient
        penalty bounds how far D's logit can move per unit of input distance, so the scale bounds
        how differently D can judge the two endings and the ordinary states: at 1 the success and
        failure absorbing states are sqrt(2) apart (their logits at most ~1.4 apart under a
        penalty toward unit gradient norm)."""
        c = torch.zeros(len(x), dtype=torch.int64, device=self.device)
        if codes is not None:
            c = torch.as_tensor(codes, dtype=torch.int64, device=self.device).reshape(-1)
        if self.absorbing_obs == "zero":
            x = x * (c == 0).unsqueeze(-1).float()  # an absorbing state carries only its code
        code = F.one_hot(c, NUM_CODES + 1)[:, 1:].float() * self.absorbing_scale
        return torch.cat([x, code], dim=-1)

    def logits(self, obs, actions=None, next_obs=None, codes=None) -> torch.Tensor:
        return self.net(self.inputs(obs, actions, next_obs, codes)).squeeze(-1)

    @torch.no_grad()
    def absorbing_rewards(self) -> dict[int, float]:
        """The per-step reward of each absorbing state (SUCCESS = 1, FAILURE = 2)."""
        obs = np.zeros((2, self.obs_dim), np.float32)  # the full observation: inputs() selects
        act = np.zeros(2, np.int64) if self.discrete else np.zeros((2, self.n_actions), np.float32)
        codes = np.array([1, 2])  # an absorbing state never leaves: it is its own next state
        batch = {"obs": obs, "actions": act, "next_obs": obs, "codes": codes, "next_codes": codes}
        batch["terminated"] = np.ones(2, bool)
        r = self.reward(batch)
        return {1: float(r[0]), 2: float(r[1])}

    @torch.no_grad()
    def absorbing_rewards_at(self, terminal_obs: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Per terminal step, the per-step reward of the absorbing state it enters, showing the
        observation it ended in (``absorbing_obs=terminal``)."""
        n = len(codes)
        act = np.zeros(n, np.int64) if self.discrete else np.zeros((n, self.n_actions), np.float32)
        codes = np.asarray(codes, np.int64)
        batch = {"obs": terminal_obs, "actions": act, "next_obs": terminal_obs, "codes": codes}
        batch |= {"next_codes": codes, "terminated": np.ones(n, bool)}
        return self.reward(batch)

    def gradient_penalty(self, x_expert: torch.Tensor, x_agent: torch.Tensor) -> torch.Tensor:
        """mean (||grad_x logit(x)|| - target)^2 at random interpolates of expert and agent inputs
        (for discrete actions the one-hot codes are interpolated too)."""
        n = min(len(x_expert), len(x_agent))
        eps = torch.rand(n, 1, device=x_expert.device)
        x = (eps * x_expert[:n] + (1 - eps) * x_agent[:n]).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.net(x).sum(), x, create_graph=True)
        return (grad.norm(2, dim=-1) - self.grad_penalty_target).pow(2).mean()

    def batch_logits(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(D's logits, the network inputs the gradient penalty interpolates) for a batch."""
        x = self.inputs(
            batch["obs"], batch.get("actions"), batch.get("next_obs"), batch.get("codes")
        )
        return self.net(x).squeeze(-1), x

    def observe(self, *batches: Batch) -> None:
        """Update the observation normalizer with the batches' real (non-absorbing) observations."""
        if self.updates_obs_norm and isinstance(self.obs_norm, RunningObsNorm):
            real = [
                b["obs"] if b.get("codes") is None else b["obs"][np.asarray(b["codes"]) == 0]
                for b in batches
            ]
            self.obs_norm.update(np.concatenate(real))

    def update(self, expert: Batch, agent: Batch) -> dict[str, float]:
        """One gradient step of BCE on a batch of expert (label 1) and agent (label 0) samples.
        A batch is a dict of arrays: ``obs``, ``actions``, ``next_obs`` and, where used,
        ``codes`` (absorbing states) and ``terminated``."""
        self.observe(expert, agent)
        logit_e, x_e = self.batch_logits(expert)
        logit_a, x_a = self.batch_logits(agent)
        ls = self.label_smoothing
        loss = F.binary_cross_entropy_with_logits(
            logit_e, torch.full_like(logit_e, 1.0 - ls)
        ) + F.binary_cross_entropy_with_logits(logit_a, torch.full_like(logit_a, ls))
        both = torch.cat([logit_e, logit_a])
        entropy = -(
            torch.sigmoid(both) * F.logsigmoid(both) + torch.sigmoid(-both) * F.logsigmoid(-both)
        ).mean()
        total = loss - self.entropy_coef * entropy if self.entropy_coef else loss
        gp = torch.zeros(())
        if self.grad_penalty > 0:
            gp = self.gradient_penalty(detached(x_e), detached(x_a))
            total = total + self.grad_penalty * gp
        acc_e = (logit_e > 0).float().mean()
        acc_a = (logit_a < 0).float().mean()
        skipped = (
            self.skip_above_accuracy is not None
            and (acc_e.item() + acc_a.item()) / 2 > self.skip_above_accuracy
        )
        if not skipped:
            self.optimizer.zero_grad(set_to_none=True)
            total.backward()
            self.optimizer.step()
        metrics = scalars(
            {
                "disc/loss": loss,
                "disc/acc_expert": acc_e,
                "disc/acc_agent": acc_a,
                "disc/d_expert": torch.sigmoid(logit_e).mean(),
                "disc/d_agent": torch.sigmoid(logit_a).mean(),
                "disc/entropy": entropy,
                "disc/grad_penalty": gp,
            }
        )
        return {**metrics, "disc/skipped": float(skipped)}

    @torch.no_grad()
    def raw_reward(self, batch: Batch) -> torch.Tensor:
        """The reward form applied to D's logit, clipped to [-reward_clip, reward_clip] if set."""
        r = gail_reward(self.batch_logits(batch)[0], self.reward_form)
        if self.reward_clip is not None:
            r = r.clamp(-self.reward_clip, self.reward_clip)
        return r

    @torch.no_grad()
    def reward(self, batch: Batch, update_stats: bool = False) -> np.ndarray:
        """Per-step rewards. ``reward_normalization``: ``scale`` divides by the running standard
        deviation of the raw reward (its sign, hence the survival/termination incentive, is kept);
        ``standardize`` also subtracts the running mean (a zero-mean reward: neither pays nor
        charges for time, which changes what termination is worth)."""
        r = self.raw_reward(batch)
        if self.reward_normalization == "none":
            return r.cpu().numpy()
        if update_stats:
            self.reward_stats.update(r.reshape(-1, 1))
        std = torch.sqrt(self.reward_stats.var.float() + 1e-8)
        if self.reward_normalization == "standardize":
            r = r - self.reward_stats.mean.float()
        return (r / std).cpu().numpy()
