"""DQN as in the seed's CartPole expert: one env, epsilon-greedy decayed per episode, a target
network synced every few episodes, one gradient step per env step. Greedy evaluations during
training keep the best snapshot (the seed's recipe alone is unreliable across seeds)."""

from __future__ import annotations

import copy
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

log = logging.getLogger(__name__)


class ReplayBuffer:
    def __init__(self, capacity: int, obs_dim: int, rng: np.random.Generator) -> None:
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.act = np.zeros(capacity, np.int64)
        self.rew = np.zeros(capacity, np.float32)
        self.term = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.pos, self.rng = capacity, 0, 0, rng

    def add(self, obs, act, rew, next_obs, terminated) -> None:
        i = self.pos
        self.obs[i], self.act[i], self.rew[i], self.next_obs[i], self.term[i] = (
            obs,
            act,
            rew,
            next_obs,
            terminated,
        )
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, n: int) -> tuple[np.ndarray, ...]:
        idx = self.rng.integers(0, self.size, size=n)
        return self.obs[idx], self.act[idx], self.rew[idx], self.next_obs[idx], self.term[idx]


@dataclass
class DQNResult:
    policy: QPolicy  # the best greedy snapshot
    best_eval_return: float
    best_episode: int
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
        target_update_episodes: int,
        loss: str = "mse",
        max_grad_norm: float | None = None,
    ) -> None:
        self.q = q
        self.target = copy.deepcopy(q).eval()
        self.optimizer = optimizer(q.parameters())
        self.gamma, self.batch_size, self.buffer_size = gamma, batch_size, buffer_size
        self.learning_starts = learning_starts
        self.eps_start, self.eps_decay, self.eps_min = eps_start, eps_decay, eps_min
        self.target_update_episodes = target_update_episodes
        self.loss_fn = {"mse": F.mse_loss, "huber": F.smooth_l1_loss}[loss]
        self.max_grad_norm = max_grad_norm

    def _gradient_step(self, batch) -> float:
        obs, act, rew, next_obs, term = (torch.as_tensor(x) for x in batch)
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
        episodes: int,
        seed: int,
        eval_every_episodes: int,
        eval_episodes: int,
        stop_at_return: float | None = None,
        logger=None,
        progress: bool = True,
    ) -> DQNResult:
        rng = np.random.default_rng(seed)
        buffer = ReplayBuffer(self.buffer_size, self.q.init_kwargs["obs_dim"], rng)
        env.action_space.seed(seed)
        eps = self.eps_start
        steps, best, best_state, best_ep = 0, -np.inf, copy.deepcopy(self.q.state_dict()), 0
        t0 = time.time()
        bar = progress_bar(episodes, "expert dqn", progress, unit="ep")
        obs, _ = env.reset(seed=seed)
        loss = float("nan")
        for ep in range(1, episodes + 1):
            ep_return, ep_len, done = 0.0, 0, False
            while not done:
                if rng.random() < eps:
                    action = int(rng.integers(env.action_space.n))
                else:
                    action = int(self.q.act(obs[None])[0])
                next_obs, reward, terminated, truncated, _ = env.step(action)
                buffer.add(obs, action, reward, next_obs, float(terminated))
                obs, ep_return, ep_len, steps = next_obs, ep_return + reward, ep_len + 1, steps + 1
                done = terminated or truncated
                if steps >= self.learning_starts and buffer.size >= self.batch_size:
                    loss = self._gradient_step(buffer.sample(self.batch_size))
            obs, _ = env.reset()
            eps = max(self.eps_min, eps * self.eps_decay)
            if ep % self.target_update_episodes == 0:
                self.target.load_state_dict(self.q.state_dict())
            metrics = {
                "charts/episodic_return": ep_return,
                "charts/episodic_length": ep_len,
                "charts/epsilon": eps,
                "losses/td_loss": loss,
                "charts/SPS": steps / (time.time() - t0),
            }
            if ep % eval_every_episodes == 0 or ep == episodes:
                result = evaluate_policy(
                    self.q,
                    eval_envs,
                    eval_episodes,
                    seed,
                    deterministic=True,
                    stream=TRAINING_STREAM,
                )
                if result.mean >= best:
                    best, best_state, best_ep = result.mean, copy.deepcopy(self.q.state_dict()), ep
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
            bar.update(1)
            if stop_at_return is not None and best >= stop_at_return:
                log.info(
                    "greedy evaluation reached %.1f >= stop_at_return at episode %d: stopping",
                    best,
                    ep,
                )
                break
        bar.close()
        self.q.load_state_dict(best_state)
        return DQNResult(
            policy=self.q.eval(),
            best_eval_return=float(best),
            best_episode=best_ep,
            episodes=ep,
            env_steps=steps,
            wall_time_s=time.time() - t0,
        )
