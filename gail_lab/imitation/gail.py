"""GAIL (Ho & Ermon 2016, Algorithm 1), and AIRL with its structured discriminator. One iteration:

    roll    = sample_trajectories()                   # pi's experience (PPO: exactly N steps)
    D step  = update_discriminator(roll)              # d_steps x BCE: expert pairs 1, agent 0
    rewards = compute_rewards(roll)                   # reward_form(D(s, a)) [+ absorbing tails]
    pi step = update_policy(roll, rewards)            # the learner (REINFORCE, PPO)

The reward model is the discriminator (imitation/discriminator.py; AIRL's in imitation/airl.py):
GAIL and AIRL differ only there. With absorbing states (``discriminator.absorbing``), each
terminated episode also contributes an absorbing sample of its ending (success or failure) to D's
batches, and its terminal step earns that state's discounted reward (imitation/absorbing.py).
Options beside the paper's: env reward mixed in (``env_reward_coef``), a BC loss added to the
policy loss (``bc_coef``) and a BC warm start (``bc_warm_start``). :class:`GAILTrainer` runs the
iterations in the one training loop (rl/loop.py).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from gail_lab.data import Demonstrations
from gail_lab.data.transitions import Transitions
from gail_lab.imitation.absorbing import (
    FAILURE,
    SUCCESS,
    as_batch,
    next_codes,
    terminal_bonus,
    with_absorbing,
)
from gail_lab.imitation.bc import BCLoss, behavior_cloning
from gail_lab.imitation.discriminator import Discriminator
from gail_lab.imitation.trainer import ImitationTrainer
from gail_lab.rl.loop import TrainingLoop
from gail_lab.rl.on_policy import OnPolicy

log = logging.getLogger(__name__)

NAN_HINT = "lower the learning rates or regularize the discriminator (grad_penalty, spectral_norm)"


class GAIL(OnPolicy):
    """Adversarial imitation with an on-policy learner: the env's reward replaced by D's."""

    def __init__(
        self,
        policy,
        learner,
        discriminator: Discriminator,
        demos: Demonstrations,
        samples_per_iteration: int,
        d_steps: int,
        d_batch_size: int,
        env_reward_coef: float,
        reward_scale: float,
        disc_reward_coef: float,
        terminal_outcome: str,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(policy, learner, samples_per_iteration)
        self.discriminator, self.rng = discriminator, rng
        self.d_steps, self.d_batch_size = d_steps, d_batch_size
        self.env_reward_coef, self.reward_scale = env_reward_coef, reward_scale
        self.disc_reward_coef = disc_reward_coef
        self.terminal_outcome = terminal_outcome
        self.gamma = getattr(learner, "gamma", 0.99)  # the absorbing tail's discount
        self.absorbing = discriminator.absorbing
        self.expert = with_absorbing(demos, terminal_outcome) if self.absorbing else as_batch(demos)
        self.extra_rngs: dict[str, np.random.Generator] = {}  # saved with the state (BC loss)
        if hasattr(discriminator, "attach_policy"):  # AIRL's logit involves log pi(a|s)
            discriminator.attach_policy(policy)

    # ------------------------------------------------------------------ Algorithm 1
    def update(self, roll: Transitions) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if self.disc_reward_coef:  # 0: the no-discriminator ablation, D is not trained
            metrics.update(self.update_discriminator(roll))
        rewards, reward_metrics = self.compute_rewards(roll)
        metrics.update(reward_metrics)
        metrics.update(self.update_policy(roll, rewards))
        return metrics

    def update_discriminator(self, roll: Transitions) -> dict[str, float]:
        """``d_steps`` BCE steps, each on half a batch of expert samples and half of agent ones."""
        agent = with_absorbing(roll, self.terminal_outcome) if self.absorbing else as_batch(roll)
        half, metrics = self.d_batch_size // 2, {}
        for _ in range(self.d_steps):
            e = self.rng.integers(0, len(self.expert["obs"]), half)
            a = self.rng.integers(0, len(agent["obs"]), half)
            metrics = self.discriminator.update(
                {k: v[e] for k, v in self.expert.items()}, {k: v[a] for k, v in agent.items()}
            )
        return metrics

    def compute_rewards(self, roll: Transitions) -> tuple[np.ndarray, dict[str, float]]:
        """Per step: reward_scale * (disc_reward_coef * r_D [+ absorbing tail] + env_reward_coef
        * r_env)."""
        metrics: dict[str, float] = {}
        if not self.disc_reward_coef:
            rewards = self.env_reward_coef * roll.rewards.astype(np.float64)
            return (self.reward_scale * rewards).astype(np.float32), metrics
        batch = as_batch(roll)
        if self.absorbing:  # AIRL's h(s') of a terminal step is its absorbing state's
            batch["next_codes"] = next_codes(roll, self.terminal_outcome)
        rewards = self.discriminator.reward(batch, update_stats=True)
        metrics.update(
            {
                "disc/reward_mean": float(rewards.mean()),
                "disc/reward_std": float(rewards.std()),
                "disc/reward_min": float(rewards.min()),
                "disc/reward_max": float(rewards.max()),
            }
        )
        if self.absorbing:
            r_abs = self.discriminator.absorbing_rewards()
            rewards = rewards + terminal_bonus(roll, self.terminal_outcome, r_abs, self.gamma)
            metrics["disc/reward_absorbing_success"] = r_abs[SUCCESS]
            metrics["disc/reward_absorbing_failure"] = r_abs[FAILURE]
        rewards = self.disc_reward_coef * rewards
        if self.env_reward_coef:
            rewards = rewards + self.env_reward_coef * roll.rewards
        return (self.reward_scale * rewards).astype(np.float32), metrics

    def update_policy(self, roll: Transitions, rewards: np.ndarray) -> dict[str, float]:
        return self.learner.update(roll, rewards)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "d_optimizer": self.discriminator.optimizer.state_dict(),
            "rng": self.rng.bit_generator.state,
            "extra_rngs": {k: r.bit_generator.state for k, r in self.extra_rngs.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        exact = super().load_state_dict(state)
        self.discriminator.load_state_dict(state["discriminator"])
        self.discriminator.optimizer.load_state_dict(state["d_optimizer"])
        self.rng.bit_generator.state = state["rng"]
        for k, s in state["extra_rngs"].items():
            self.extra_rngs[k].bit_generator.state = s
        return exact


class GAILTrainer(ImitationTrainer):
    """``algo.trainer`` of gail_reinforce, gail_ppo and airl: builds :class:`GAIL` and runs it for
    ``iterations`` iterations in the training loop."""

    def __init__(
        self,
        iterations: int,
        samples_per_iteration: int,
        d_steps: int,
        d_batch_size: int,
        eval_every: int,
        eval_episodes: int,
        anneal_lr: bool,
        env_reward_coef: float,
        reward_scale: float,
        disc_reward_coef: float,
        bc_coef: float,
        bc_batch_size: int,
        bc_warm_start: int,
        bc_warm_start_lr: float | None,
    ) -> None:
        self.loop = TrainingLoop(
            budget={"iterations": iterations},
            eval_every=("iterations", eval_every),
            eval_episodes=eval_episodes,
            anneal_lr=anneal_lr,
            nan_hint=NAN_HINT,
            desc="gail",
        )
        self.samples_per_iteration = samples_per_iteration
        self.d_steps, self.d_batch_size = d_steps, d_batch_size
        self.env_reward_coef, self.reward_scale = env_reward_coef, reward_scale
        self.disc_reward_coef = disc_reward_coef
        self.bc_coef, self.bc_batch_size, self.bc_warm_start = bc_coef, bc_batch_size, bc_warm_start
        self.bc_warm_start_lr = bc_warm_start_lr

    def algorithm(self, policy, demos, factory, seed, optimizer, learner, discriminator) -> GAIL:
        algo = GAIL(
            policy,
            learner,
            discriminator,
            demos,
            self.samples_per_iteration,
            self.d_steps,
            self.d_batch_size,
            self.env_reward_coef,
            self.reward_scale,
            self.disc_reward_coef,
            factory.terminal_outcome,
            np.random.default_rng(seed + 1),
        )
        if self.bc_warm_start:
            lr = {} if self.bc_warm_start_lr is None else {"lr": self.bc_warm_start_lr}
            loss = behavior_cloning(
                policy,
                demos,
                optimizer(policy.parameters(), **lr),
                self.bc_warm_start,
                self.bc_batch_size,
                np.random.default_rng(seed + 2),
            )
            log.info("BC warm start: %d steps, final loss %.4f", self.bc_warm_start, loss)
        if self.bc_coef:
            bc_rng = np.random.default_rng(seed + 3)
            bc = BCLoss(policy, demos, self.bc_batch_size, bc_rng)
            learner.aux_loss = lambda: self.bc_coef * bc()
            algo.extra_rngs["bc"] = bc_rng
        return algo
