"""DQN on one env with a replay buffer, a target network and epsilon-greedy exploration:
:class:`DQN` is the maths (TD targets, the gradient step, the target sync), :class:`DQNAgent`
the training-loop algorithm, one episode per iteration (the loop keeps the best greedy snapshot).

Two recipes share this loop. The defaults are the study notes' CartPole expert: epsilon multiplied down
after every episode, the target synced every few episodes, one gradient step per env step, a budget
in episodes. The step-based options give SB3/rl-baselines3-zoo's DQN: a budget in env steps,
epsilon decayed linearly over a fraction of it, the target synced every N env steps, and
``gradient_steps`` gradient steps every ``train_freq`` env steps.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from gail_lab.envs import EnvFactory
from gail_lab.rl.loop import Progress
from gail_lab.rl.networks import QPolicy
from gail_lab.rl.replay import ReplayBuffer
from gail_lab.rl.training_state import generator_state, set_generator_state
from gail_lab.seeding import SeedTree

log = logging.getLogger(__name__)


def linear_epsilon(step: int, start: float, end: float, decay_steps: float) -> float:
    """Epsilon after ``step`` env steps: from ``start`` down to ``end`` in ``decay_steps`` steps,
    then ``end`` (SB3's ``get_linear_fn`` with ``end_fraction * total_timesteps`` = decay_steps)."""
    return start + (end - start) * min(1.0, step / decay_steps)


def _every(count: int, period: int | None) -> bool:
    """True on each ``period``-th count; never when the period is None (that unit is not used)."""
    return period is not None and count % period == 0


class DQN:
    def __init__(
        self,
        policy: QPolicy,
        optimizer: Callable[..., torch.optim.Optimizer],
        gamma: float,
        batch_size: int,
        buffer_size: int,
        learning_starts: int,
        eps_start: float,
        eps_decay: float,
        eps_min: float,
        target_update_episodes: int | None,
        loss: str,
        max_grad_norm: float | None,
        eps_schedule: str,
        eps_fraction: float,
        target_update_steps: int | None,
        train_freq: int,
        gradient_steps: int,
        total_steps: int | None,
    ) -> None:
        self.q = q = policy
        self.target = copy.deepcopy(q).eval()
        self.optimizer = optimizer(q.parameters())
        self.gamma, self.batch_size, self.buffer_size = gamma, batch_size, buffer_size
        self.learning_starts = learning_starts
        # epsilon: "multiplicative" multiplies it by eps_decay after every episode (down to eps_min);
        # "linear" goes from eps_start to eps_min over eps_fraction of the step budget
        self.eps_schedule, self.eps_fraction = eps_schedule, eps_fraction
        self.eps_start, self.eps_decay, self.eps_min = eps_start, eps_decay, eps_min
        # the target net is synced every target_update_episodes episodes or target_update_steps steps
        self.target_update_episodes = target_update_episodes
        self.target_update_steps = target_update_steps
        self.train_freq, self.gradient_steps = train_freq, gradient_steps
        self.loss_fn = {"mse": F.mse_loss, "huber": F.smooth_l1_loss}[loss]
        self.max_grad_norm = max_grad_norm
        self.total_steps = total_steps  # the env-step budget (a linear epsilon decays over it)
        if eps_schedule == "linear" and total_steps is None:
            raise ValueError("a linear epsilon schedule decays over total_steps; it is not set")

    def _gradient_step(self, batch: dict[str, torch.Tensor]) -> float:
        obs, act, rew, next_obs, term = (
            batch[k] for k in ("obs", "actions", "rewards", "next_obs", "terminated")
        )
        with torch.no_grad():
            target = rew + self.gamma * (1.0 - term) * self.target(next_obs).max(-1).values
        q = self.q(obs).gather(1, act[:, None]).squeeze(1)
        loss = self.loss_fn(q, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.q.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return float(loss.item())

    def state_dict(self) -> dict[str, Any]:
        return {
            "q": self.q.state_dict(),
            "target": self.target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.q.load_state_dict(state["q"])
        self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])


class DQNAgent:
    """DQN in the training loop: one episode per iteration (cut where the env-step budget ends),
    a gradient step every ``train_freq`` env steps, epsilon and the target sync on their
    schedules. Its state between iterations (the env about to reset) restores exactly."""

    def __init__(self, learner: DQN) -> None:
        self.dqn, self.policy = learner, learner.q

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        d = self.dqn
        self.rng = seeds.generator("replay")  # exploration and replay sampling
        self.first_reset_seed, action_seed = seeds.integers("envs", 2)
        self.buffer = ReplayBuffer(
            d.buffer_size, d.q.init_kwargs["obs_dim"], (), np.int64, self.rng
        )
        self.env = factory.make()
        self.env.action_space.seed(action_seed)
        self.eps, self.steps, self.episodes, self.loss = d.eps_start, 0, 0, float("nan")

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        d, env, rng = self.dqn, self.env, self.rng
        if self.episodes == 0:
            obs, _ = env.reset(seed=self.first_reset_seed)
        else:
            obs, _ = env.reset()
        cut = remaining["env_steps"]  # the env-step budget left, if there is one
        ep_return, ep_len, done = 0.0, 0, False
        while not done:
            if d.eps_schedule == "linear":
                self.eps = linear_epsilon(
                    self.steps, d.eps_start, d.eps_min, d.eps_fraction * d.total_steps
                )
            if rng.random() < self.eps:
                action = int(rng.integers(env.action_space.n))
            else:
                action = int(d.q.act(obs[None])[0])
            next_obs, reward, terminated, truncated, _ = env.step(action)
            self.buffer.add(obs, action, reward, next_obs, float(terminated))
            obs, ep_return, ep_len, self.steps = (
                next_obs,
                ep_return + reward,
                ep_len + 1,
                self.steps + 1,
            )
            done = terminated or truncated or ep_len == cut
            learning = self.steps >= d.learning_starts and len(self.buffer) >= d.batch_size
            if learning and self.steps % d.train_freq == 0:
                for _ in range(d.gradient_steps):
                    self.loss = d._gradient_step(self.buffer.sample(d.batch_size))
            if _every(self.steps, d.target_update_steps):
                d.target.load_state_dict(d.q.state_dict())
        self.episodes += 1
        if d.eps_schedule == "multiplicative":
            self.eps = max(d.eps_min, self.eps * d.eps_decay)
        if _every(self.episodes, d.target_update_episodes):
            d.target.load_state_dict(d.q.state_dict())
        metrics = {
            "charts/episodic_return": ep_return,
            "charts/episodic_length": ep_len,
            "charts/epsilon": self.eps,
        }
        if not np.isnan(self.loss):  # (no gradient step before learning_starts)
            metrics["losses/td_loss"] = self.loss
        return Progress(metrics, env_steps=ep_len, episodes=1)

    def optimizers(self) -> list:
        return [self.dqn.optimizer]

    def state_dict(self) -> dict[str, Any]:
        return {
            "dqn": self.dqn.state_dict(),
            "buffer": self.buffer.state_dict(),
            "rng": generator_state(self.rng),
            "env_rng": generator_state(self.env.unwrapped.np_random),
            "counters": [self.eps, self.steps, self.episodes, self.loss],
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        self.dqn.load_state_dict(state["dqn"])
        self.buffer.load_state_dict(state["buffer"])
        set_generator_state(self.rng, state["rng"])
        env_rng = np.random.Generator(np.random.PCG64())
        set_generator_state(env_rng, state["env_rng"])
        self.env.unwrapped.np_random = env_rng
        eps, steps, episodes, loss = state["counters"]
        self.eps, self.steps, self.episodes, self.loss = (
            float(eps),
            int(steps),
            int(episodes),
            float(loss),
        )
        return True

    def close(self) -> None:
        self.env.close()
