"""Expert trained by SAC on the env's own reward (Box actions): one env stepped in order, as in
SB3 and CleanRL, greedy evaluations every few thousand steps keeping the best snapshot."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from gail_lab.envs import EnvFactory
from gail_lab.errors import IncompatibleSpaceError
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import TRAINING_STREAM, evaluate_policy
from gail_lab.rl.networks import GaussianPolicy
from gail_lab.rl.replay import ReplayBuffer
from gail_lab.rl.sac import SAC

log = logging.getLogger(__name__)


class SACExpert:
    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str = "sac",
        hidden_sizes: Sequence[int] = (256, 256),
        total_steps: int = 20_000,
        buffer_size: int = 1_000_000,
        learning_starts: int = 100,
        batch_size: int = 256,
        train_freq: int = 1,
        gradient_steps: int = 1,
        eval_every_steps: int = 1_000,
        eval_episodes: int = 10,
        stop_at_return: float | None = None,
        **sac_kwargs: Any,
    ) -> None:
        self.name, self.optimizer = name, optimizer
        self.hidden_sizes, self.total_steps = list(hidden_sizes), total_steps
        self.buffer_size, self.learning_starts, self.batch_size = (
            buffer_size,
            learning_starts,
            batch_size,
        )
        self.train_freq, self.gradient_steps = train_freq, gradient_steps
        self.eval_every_steps, self.eval_episodes = eval_every_steps, eval_episodes
        self.stop_at_return = stop_at_return
        self.sac_kwargs = sac_kwargs

    def check_env(self, factory: EnvFactory) -> None:
        if factory.discrete:
            raise IncompatibleSpaceError(
                f"expert=sac needs a Box action space; {factory.id} has {factory.action_space} "
                "(use expert=dqn or expert=ppo)"
            )

    def fit(
        self, factory: EnvFactory, seed: int, logger=None, progress: bool = True
    ) -> tuple[GaussianPolicy, dict[str, Any]]:
        self.check_env(factory)
        space = factory.action_space
        actor = GaussianPolicy(
            factory.obs_dim,
            space.low,
            space.high,
            self.hidden_sizes,
            state_dependent_std=True,
            activation="relu",
        )
        sac = SAC(actor, self.optimizer, critic_hidden_sizes=self.hidden_sizes, **self.sac_kwargs)
        rng = np.random.default_rng(seed)
        buffer = ReplayBuffer(self.buffer_size, factory.obs_dim, space.shape, np.float32, rng)
        env = factory.make()
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        env.action_space.seed(seed)
        best, best_state, best_step = -float("inf"), copy.deepcopy(actor.state_dict()), 0
        metrics: dict[str, float] = {}
        ep_return, ep_len, t0 = 0.0, 0, time.time()
        bar = progress_bar(self.total_steps, f"expert {self.name}", progress)
        obs, _ = env.reset(seed=seed)
        try:
            for step in range(1, self.total_steps + 1):
                if step <= self.learning_starts:
                    action = env.action_space.sample()
                else:
                    action = actor.act(obs[None])[0]
                next_obs, reward, terminated, truncated, _ = env.step(action)
                buffer.add(obs, action, reward, next_obs, float(terminated))
                obs, ep_return, ep_len = next_obs, ep_return + float(reward), ep_len + 1
                if terminated or truncated:
                    metrics.update(
                        {"charts/episodic_return": ep_return, "charts/episodic_length": ep_len}
                    )
                    obs, _ = env.reset()
                    ep_return, ep_len = 0.0, 0
                if step > self.learning_starts and step % self.train_freq == 0:
                    for _ in range(self.gradient_steps):
                        metrics.update(sac.update(buffer.sample(self.batch_size, actor.device)))
                if step % self.eval_every_steps == 0 or step == self.total_steps:
                    result = evaluate_policy(
                        actor, eval_envs, self.eval_episodes, seed, True, stream=TRAINING_STREAM
                    )
                    if result.mean >= best:
                        best, best_state, best_step = (
                            result.mean,
                            copy.deepcopy(actor.state_dict()),
                            step,
                        )
                    metrics.update(
                        {
                            "eval/return_mean": result.mean,
                            "eval/best_return": best,
                            "charts/SPS": step / (time.time() - t0),
                        }
                    )
                    bar.set_postfix(eval=f"{result.mean:.1f}", best=f"{best:.1f}")
                    if logger is not None:
                        logger.log(metrics, step)
                    metrics = {}
                    if self.stop_at_return is not None and best >= self.stop_at_return:
                        log.info(
                            "greedy evaluation reached %.1f >= stop_at_return after %d steps: stopping",
                            best,
                            step,
                        )
                        break
                bar.update(1)
        finally:
            bar.close()
            env.close()
            eval_envs.close()
        actor.load_state_dict(best_state)
        info = {
            "best_eval_return": best,
            "best_step": best_step,
            "env_steps": step,
            "wall_time_s": time.time() - t0,
        }
        return actor.eval(), info
