"""DQN on one env with a replay buffer, a target network and epsilon-greedy exploration; greedy
evaluations during training keep the best snapshot.

Two recipes share this loop. The defaults are the seed's CartPole expert: epsilon multiplied down
after every episode, the target synced every few episodes, one gradient step per env step, a budget
in episodes. The step-based options give SB3/rl-baselines3-zoo's DQN: a budget in env steps,
epsilon decayed linearly over a fraction of it, the target synced every N env steps, and
``gradient_steps`` gradient steps every ``train_freq`` env steps.
"""

from __future__ import annotations

import copy
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import TRAINING_STREAM, evaluate_policy
from gail_lab.rl.networks import QPolicy
from gail_lab.rl.replay import ReplayBuffer

log = logging.getLogger(__name__)


def linear_epsilon(step: int, start: float, end: float, decay_steps: float) -> float:
    """Epsilon after ``step`` env steps: from ``start`` down to ``end`` in ``decay_steps`` steps,
    then ``end`` (SB3's ``get_linear_fn`` with ``end_fraction * total_timesteps`` = decay_steps)."""
    return start + (end - start) * min(1.0, step / decay_steps)


def _every(count: int, period: int | None) -> bool:
    """True on each ``period``-th count; never when the period is None (that unit is not used)."""
    return period is not None and count % period == 0


@dataclass
class DQNResult:
    policy: QPolicy  # the best greedy snapshot
    best_eval_return: float
    best_episode: int
    best_env_step: int
    episodes: int
    env_steps: int
    wall_time_s: float


class DQN:
    def __init__(
        self,
        q: QPolicy,
        optimizer: Callable[..., torch.optim.Optimizer],
        gamma: float,
        batch_size: int,
        buffer_size: int,
        learning_starts: int,
        eps_start: float,
        eps_decay: float,
        eps_min: float,
        target_update_episodes: int | None,
        loss: str = "mse",
        max_grad_norm: float | None = None,
        eps_schedule: str = "multiplicative",
        eps_fraction: float = 0.1,
        target_update_steps: int | None = None,
        train_freq: int = 1,
        gradient_steps: int = 1,
    ) -> None:
        self.q = q
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

    def train(
        self,
        env: gym.Env,
        eval_envs: gym.vector.VectorEnv,
        episodes: int | None,
        seed: int,
        eval_every_episodes: int | None,
        eval_episodes: int,
        stop_at_return: float | None = None,
        logger=None,
        progress: bool = True,
        total_steps: int | None = None,
        eval_every_steps: int | None = None,
    ) -> DQNResult:
        """Train for ``episodes`` episodes or ``total_steps`` env steps, whichever ends first (None:
        no limit in that unit), evaluating greedily every ``eval_every_episodes`` episodes or, at
        the end of the episode that crosses it, every ``eval_every_steps`` env steps."""
        if episodes is None and total_steps is None:
            raise ValueError("DQN.train needs a budget: episodes or total_steps")
        if self.eps_schedule == "linear" and total_steps is None:
            raise ValueError("a linear epsilon schedule decays over total_steps; it is not set")
        rng = np.random.default_rng(seed)
        buffer = ReplayBuffer(self.buffer_size, self.q.init_kwargs["obs_dim"], (), np.int64, rng)
        env.action_space.seed(seed)
        eps = self.eps_start
        steps, best, best_state = 0, -np.inf, copy.deepcopy(self.q.state_dict())
        best_ep, best_step, next_eval_step = 0, 0, eval_every_steps
        t0 = time.time()
        if total_steps is not None:
            bar = progress_bar(total_steps, "expert dqn", progress, unit="step")
        else:
            bar = progress_bar(episodes, "expert dqn", progress, unit="ep")
        obs, _ = env.reset(seed=seed)
        loss = float("nan")
        for ep in itertools.count(1):
            ep_return, ep_len, done = 0.0, 0, False
            while not done:
                if self.eps_schedule == "linear":
                    eps = linear_epsilon(
                        steps, self.eps_start, self.eps_min, self.eps_fraction * total_steps
                    )
                if rng.random() < eps:
                    action = int(rng.integers(env.action_space.n))
                else:
                    action = int(self.q.act(obs[None])[0])
                next_obs, reward, terminated, truncated, _ = env.step(action)
                buffer.add(obs, action, reward, next_obs, float(terminated))
                obs, ep_return, ep_len, steps = next_obs, ep_return + reward, ep_len + 1, steps + 1
                done = terminated or truncated or steps == total_steps
                learning = steps >= self.learning_starts and len(buffer) >= self.batch_size
                if learning and steps % self.train_freq == 0:
                    for _ in range(self.gradient_steps):
                        loss = self._gradient_step(buffer.sample(self.batch_size))
                if _every(steps, self.target_update_steps):
                    self.target.load_state_dict(self.q.state_dict())
            obs, _ = env.reset()
            if self.eps_schedule == "multiplicative":
                eps = max(self.eps_min, eps * self.eps_decay)
            if _every(ep, self.target_update_episodes):
                self.target.load_state_dict(self.q.state_dict())
            metrics = {
                "charts/episodic_return": ep_return,
                "charts/episodic_length": ep_len,
                "charts/epsilon": eps,
                "losses/td_loss": loss,
                "charts/SPS": steps / (time.time() - t0),
            }
            last = ep == episodes or steps == total_steps
            step_eval_due = next_eval_step is not None and steps >= next_eval_step
            if step_eval_due:
                next_eval_step = (steps // eval_every_steps + 1) * eval_every_steps
            if _every(ep, eval_every_episodes) or step_eval_due or last:
                result = evaluate_policy(
                    self.q,
                    eval_envs,
                    eval_episodes,
                    seed,
                    deterministic=True,
                    stream=TRAINING_STREAM,
                )
                if result.mean >= best:
                    best, best_state = result.mean, copy.deepcopy(self.q.state_dict())
                    best_ep, best_step = ep, steps
                metrics.update(
                    {
                        "eval/return_mean": result.mean,
                        "eval/return_std": result.std,
                        "eval/best_return": best,
                    }
                )
                bar.set_postfix(eps=f"{eps:.3f}", eval=f"{result.mean:.0f}", best=f"{best:.0f}")
            if logger is not None:
                logger.log(metrics, steps)
            bar.update(ep_len if total_steps is not None else 1)
            if stop_at_return is not None and best >= stop_at_return:
                log.info(
                    "greedy evaluation reached %.1f >= stop_at_return at episode %d: stopping",
                    best,
                    ep,
                )
                break
            if last:
                break
        bar.close()
        self.q.load_state_dict(best_state)
        return DQNResult(
            policy=self.q.eval(),
            best_eval_return=float(best),
            best_episode=best_ep,
            best_env_step=best_step,
            episodes=ep,
            env_steps=steps,
            wall_time_s=time.time() - t0,
        )
