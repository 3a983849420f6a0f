"""The GAIL loop (Ho & Ermon 2016), one loop for every generator learner:

for each iteration:
    roll out complete episodes of pi until >= samples_per_iteration steps   (agent pairs)
    d_steps x: update D on a batch of expert pairs (label 1) and agent pairs (label 0)
    r_t = reward_form(D(s_t, a_t))                                          (env reward unused)
    learner.update(episodes, r)                                             (REINFORCE, PPO)
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.errors import NonFiniteError
from gail_lab.imitation.discriminator import Discriminator
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import TRAINING_STREAM, evaluate_policy
from gail_lab.rl.rollout import EpisodeRunner
from gail_lab.rl.schedules import LinearLRDecay

log = logging.getLogger(__name__)


@dataclass
class GAILResult:
    iterations: int
    env_steps: int
    wall_time_s: float
    eval_history: list[tuple[int, float]] = field(default_factory=list)  # (env steps, eval return)


def check_finite(metrics: dict[str, float], iteration: int) -> None:
    for key, value in metrics.items():
        if not math.isfinite(value):
            raise NonFiniteError(
                f"{key} became {value} at iteration {iteration}; lower the learning rates or regularize the discriminator"
            )


class GAILTrainer:
    def __init__(
        self,
        iterations: int = 300,
        samples_per_iteration: int = 2048,
        d_steps: int = 4,
        d_batch_size: int = 128,
        eval_every: int = 20,
        eval_episodes: int = 5,
        anneal_lr: bool = False,
    ) -> None:
        self.iterations = iterations
        self.samples_per_iteration = samples_per_iteration
        self.d_steps = d_steps
        self.d_batch_size = d_batch_size
        self.eval_every = eval_every
        self.eval_episodes = eval_episodes
        self.anneal_lr = anneal_lr

    def train(
        self,
        policy,
        learner,
        discriminator: Discriminator,
        demos: Demonstrations,
        factory: EnvFactory,
        seed: int,
        logger=None,
        progress: bool = True,
    ) -> GAILResult:
        envs = factory.make_vec()
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        runner = EpisodeRunner(envs, seed)
        rng = np.random.default_rng(seed + 1)
        half = self.d_batch_size // 2
        steps, t0 = 0, time.time()
        result = GAILResult(iterations=0, env_steps=0, wall_time_s=0.0)
        bar = progress_bar(self.iterations, "gail", progress, unit="it")  # ETA by iterations
        try:
            schedule = LinearLRDecay(learner.optimizer)
            for it in range(1, self.iterations + 1):
                if self.anneal_lr:  # the policy's learning rate decays linearly to 0
                    schedule.set_remaining(1.0 - (it - 1) / self.iterations)
                roll = runner.run(lambda obs: policy.act(obs), min_steps=self.samples_per_iteration)
                steps += len(roll)
                policy.observe(roll.observations)
                metrics: dict[str, float] = {}
                for _ in range(self.d_steps):
                    e = rng.integers(0, len(demos), half)
                    a = rng.integers(0, len(roll), half)
                    metrics.update(
                        discriminator.update(
                            demos.observations[e],
                            demos.actions[e],
                            roll.observations[a],
                            roll.actions[a],
                        )
                    )
                rewards = discriminator.reward(roll.observations, roll.actions)
                metrics["disc/reward_mean"] = float(rewards.mean())
                metrics.update(learner.update(roll, rewards))
                check_finite(metrics, it)
                metrics.update(
                    {
                        "charts/episodic_return": float(roll.episode_returns.mean()),
                        "charts/episodic_length": float(roll.episode_lengths.mean()),
                        "charts/iteration": it,
                        "charts/SPS": steps / (time.time() - t0),
                        "charts/learning_rate": learner.optimizer.param_groups[0]["lr"],
                    }
                )
                if it % self.eval_every == 0 or it == self.iterations:
                    det = evaluate_policy(
                        policy, eval_envs, self.eval_episodes, seed, True, stream=TRAINING_STREAM
                    )
                    metrics.update({"eval/return_mean": det.mean, "eval/return_std": det.std})
                    result.eval_history.append((steps, det.mean))
                    bar.set_postfix(
                        steps_per_s=f"{metrics['charts/SPS']:.0f}",
                        ret=f"{metrics['charts/episodic_return']:.0f}",
                        eval=f"{det.mean:.0f}",
                        d_acc=f"{metrics.get('disc/acc_agent', float('nan')):.2f}",
                    )
                if logger is not None:
                    logger.log(metrics, steps)
                bar.update(1)
        finally:
            bar.close()
            envs.close()
            eval_envs.close()
        result.iterations, result.env_steps, result.wall_time_s = it, steps, time.time() - t0
        return result
