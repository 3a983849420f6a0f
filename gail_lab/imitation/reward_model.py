"""The reward model: the discriminator and everything an imitation learner is paid, in one place.

GAIL, AIRL, DAC and offline GAIL all call it, so the adversarial reward is assembled once:

    d_metrics = reward_model.update(sample_agent)       # d_steps x BCE: expert (1) vs agent (0)
    rewards, m = reward_model.rewards(batch)              # what the learner is paid, per step

``update`` draws half of each D batch from the expert pool (the demonstrations, with one
absorbing entry per terminated episode when ``discriminator.absorbing``) and half from the agent
(``sample_agent(n)``: an on-policy rollout's pool, see :meth:`pool_sampler`, or DAC's replay
buffer). ``rewards`` is, per step,

    reward_scale * (disc_reward_coef * (r_D(s, a, s') + tail) + env_reward_coef * r_env)

where r_D is the discriminator's reward form (clipped and normalized as configured:
imitation/discriminator.py) and ``tail`` = gamma / (1 - gamma) * r_D(absorbing state) on a step
that enters the absorbing state of its ending (``next_codes``: imitation/absorbing.py), the
discounted value of staying there forever. ``disc_reward_coef=0`` is the no-discriminator
ablation: D is not trained and the learner is paid the env reward only.

On its own: ``reward_model(obs, actions, next_obs, terminated)`` gives the rewards of a batch of
transitions (as the learner would be paid, statistics frozen); ``save`` / ``RewardModel.load``
keep a trained reward to reuse (an AIRL reward needs ``discriminator.attach_policy`` again).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hydra.utils import get_class

from gail_lab.data import Demonstrations
from gail_lab.data.transitions import Transitions
from gail_lab.errors import GailLabError
from gail_lab.imitation.absorbing import (
    FAILURE,
    SUCCESS,
    absorbing_tail,
    as_batch,
    next_codes,
    with_absorbing,
)
from gail_lab.imitation.discriminator import Batch, Discriminator
from gail_lab.io import atomic_write_bytes
from gail_lab.rl.networks import RunningObsNorm

FORMAT = "gail_lab.reward_model/1"


class RewardModel:
    def __init__(
        self,
        discriminator: Discriminator,
        demos: Demonstrations | None,
        terminal_outcome: str,
        gamma: float,
        d_steps: int,
        d_batch_size: int,
        disc_reward_coef: float,
        env_reward_coef: float,
        reward_scale: float,
        rng: np.random.Generator | None,
    ) -> None:
        self.discriminator, self.rng = discriminator, rng
        self.terminal_outcome, self.gamma = terminal_outcome, gamma
        self.absorbing = discriminator.absorbing
        # absorbing states that show the observation their episode ended in (one reward each)
        self.terminal_obs = self.absorbing and discriminator.absorbing_obs == "terminal"
        self.d_steps, self.d_batch_size = d_steps, d_batch_size
        self.disc_reward_coef, self.env_reward_coef = disc_reward_coef, env_reward_coef
        self.reward_scale = reward_scale
        # None: a loaded reward model that computes rewards only
        self.expert = None if demos is None else self.pool(demos)

    # ------------------------------------------------------------------ D's batches
    def pool(self, t: Transitions) -> Batch:
        """D's sample pool of a set of transitions: each transition and, with absorbing states,
        one absorbing entry per terminated episode."""
        if not self.absorbing:
            return as_batch(t)
        return with_absorbing(t, self.terminal_outcome, self.terminal_obs)

    def pool_sampler(self, t: Transitions) -> Callable[[int], Batch]:
        """``n`` -> ``n`` samples of :meth:`pool` of ``t``, uniformly with replacement (the pool
        is built at the first call)."""
        pool: Batch = {}

        def sample(n: int) -> Batch:
            if not pool:
                pool.update(self.pool(t))
            idx = self.rng.integers(0, len(pool["obs"]), n)
            return {k: v[idx] for k, v in pool.items()}

        return sample

    def update(self, sample_agent: Callable[[int], Batch]) -> dict[str, float]:
        """``d_steps`` BCE steps, each on half a batch of expert samples and half of
        ``sample_agent``'s; nothing in the no-discriminator ablation."""
        if not self.disc_reward_coef:
            return {}
        if self.expert is None or self.rng is None:
            raise GailLabError(
                "this reward model computes rewards only: pass demos and rng to train it"
            )
        half, metrics = self.d_batch_size // 2, {}
        for _ in range(self.d_steps):
            e = self.rng.integers(0, len(self.expert["obs"]), half)
            metrics = self.step({k: v[e] for k, v in self.expert.items()}, sample_agent(half))
        return metrics

    def step(self, expert: Batch, agent: Batch) -> dict[str, float]:
        """One BCE step of D on the given batches (offline GAIL builds its own)."""
        return self.discriminator.update(expert, agent)

    # ------------------------------------------------------------------ the learner's reward
    def batch_of(self, t: Transitions) -> Batch:
        """The reward batch of a rollout: D's inputs, each step's next ending code (with
        absorbing states) and the env's rewards."""
        batch = as_batch(t)
        if self.absorbing:
            batch["next_codes"] = next_codes(t, self.terminal_outcome)
        batch["rewards"] = t.rewards
        return batch

    def rewards(self, batch: Batch, update_stats: bool = True) -> tuple[np.ndarray, dict]:
        """Per step, what the learner is paid (float32), and the reward's metrics. ``batch``: obs,
        actions, next_obs, terminated, ``next_codes`` (with absorbing states) and ``rewards``
        (the env's; needed when ``env_reward_coef`` is set). ``update_stats`` updates a reward
        normalization's running statistics."""
        metrics: dict[str, float] = {}
        if not self.disc_reward_coef:
            r_env = self.env_reward_coef * np.asarray(batch["rewards"], np.float64)
            return (self.reward_scale * r_env).astype(np.float32), metrics
        r = self.discriminator.reward(batch, update_stats=update_stats)
        metrics.update(
            {
                "disc/reward_mean": float(r.mean()),
                "disc/reward_std": float(r.std()),
                "disc/reward_min": float(r.min()),
                "disc/reward_max": float(r.max()),
            }
        )
        if self.terminal_obs and "next_codes" in batch:
            ended = np.flatnonzero(batch["next_codes"])
            if len(ended):
                r_abs = self.discriminator.absorbing_rewards_at(
                    batch["next_obs"][ended], batch["next_codes"][ended]
                )
                r = r.copy()
                r[ended] += (self.gamma / (1.0 - self.gamma) if self.gamma < 1 else 0.0) * r_abs
                metrics["disc/reward_absorbing_mean"] = float(r_abs.mean())
        elif self.absorbing and "next_codes" in batch:  # (none: offline GAIL's expert states)
            r_abs = self.discriminator.absorbing_rewards()
            r = r + absorbing_tail(batch["next_codes"], r_abs, self.gamma)
            metrics["disc/reward_absorbing_success"] = r_abs[SUCCESS]
            metrics["disc/reward_absorbing_failure"] = r_abs[FAILURE]
        r = self.disc_reward_coef * r
        if self.env_reward_coef:
            r = r + self.env_reward_coef * batch["rewards"]
        return (self.reward_scale * r).astype(np.float32), metrics

    def __call__(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        next_obs: np.ndarray,
        terminated: np.ndarray | None = None,
        next_codes: np.ndarray | None = None,
        env_rewards: np.ndarray | None = None,
    ) -> np.ndarray:
        """The reward of a batch of transitions (numpy arrays) as the learner is paid now, the
        running statistics left as they are. ``terminated`` matters to AIRL's shaping term;
        ``next_codes`` (0 = not ended, 1 = success, 2 = failure) to the absorbing tail;
        ``env_rewards`` to ``env_reward_coef``."""
        n = len(obs)
        batch = {
            "obs": obs,
            "actions": actions,
            "next_obs": next_obs,
            "terminated": np.zeros(n, bool) if terminated is None else np.asarray(terminated, bool),
            "rewards": np.zeros(n, np.float32) if env_rewards is None else env_rewards,
        }
        if self.absorbing:
            batch["next_codes"] = np.zeros(n, np.int64) if next_codes is None else next_codes
        return self.rewards(batch, update_stats=False)[0]

    # ------------------------------------------------------------------ state
    def settings(self) -> dict[str, Any]:
        return {
            "terminal_outcome": self.terminal_outcome,
            "gamma": self.gamma,
            "d_steps": self.d_steps,
            "d_batch_size": self.d_batch_size,
            "disc_reward_coef": self.disc_reward_coef,
            "env_reward_coef": self.env_reward_coef,
            "reward_scale": self.reward_scale,
        }

    def state_dict(self) -> dict[str, Any]:
        """D, its optimizer and the generator of its batches (what a resume needs)."""
        return {
            "discriminator": self.discriminator.state_dict(),
            "d_optimizer": self.discriminator.optimizer.state_dict(),
            "d_rng": None if self.rng is None else self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.discriminator.load_state_dict(state["discriminator"])
        self.discriminator.optimizer.load_state_dict(state["d_optimizer"])
        if self.rng is not None and state.get("d_rng") is not None:
            self.rng.bit_generator.state = state["d_rng"]

    def save(self, path: str | Path) -> Path:
        """The trained reward, loadable by :meth:`load` without the run's config (atomic)."""
        d = self.discriminator
        # a normalizer D shares with a learner (DAC's) is saved as D's own
        kwargs = {**d.init_kwargs, "normalize_obs": isinstance(d.obs_norm, RunningObsNorm)}
        payload = {
            "format": FORMAT,
            "discriminator": {
                "class": f"{type(d).__module__}.{type(d).__qualname__}",
                "kwargs": kwargs,
                "state_dict": d.state_dict(),
            },
            "reward": self.settings(),
        }
        buf = io.BytesIO()
        torch.save(payload, buf)
        return atomic_write_bytes(Path(path), buf.getvalue())

    @classmethod
    def load(
        cls,
        path: str | Path,
        demos: Demonstrations | None = None,
        rng: np.random.Generator | None = None,
    ) -> RewardModel:
        """A reward model saved by :meth:`save`. Without ``demos`` and ``rng`` it computes rewards
        only (:meth:`update` needs the demonstrations and a generator for its batches)."""
        path = Path(path)
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises many kinds for a bad file
            raise GailLabError(f"{path} is not a readable reward model ({err})") from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise GailLabError(f"{path} is not a gail_lab reward model (no {FORMAT!r} format tag)")
        spec = payload["discriminator"]
        d = get_class(spec["class"])(
            optimizer=functools.partial(torch.optim.Adam), **spec["kwargs"]
        )
        d.load_state_dict(spec["state_dict"])
        return cls(d, demos, rng=rng, **payload["reward"])
