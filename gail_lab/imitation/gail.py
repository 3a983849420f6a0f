"""GAIL (Ho & Ermon 2016) as composition: the shared on-policy loop (rl/on_policy.py) whose
reward comes from a discriminator instead of the env. Per iteration, inside the reward hook:

    d_steps x: update D on a batch of expert pairs (label 1) and agent pairs (label 0)
    r_t = reward_form(D(s_t, a_t)) [+ env_reward_coef * r_env_t]

With absorbing states (``discriminator.absorbing``), each terminated episode also contributes an
absorbing sample of its ending (success or failure) to D's batches, and its terminal step earns
that state's discounted reward (imitation/absorbing.py). Then the learner (REINFORCE, PPO) updates on r, optionally with a behavior-cloning loss on expert
pairs added to its policy loss (``bc_coef``), after an optional BC warm start (``bc_warm_start``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.data.transitions import Transitions
from gail_lab.envs import EnvFactory
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
from gail_lab.rl.on_policy import OnPolicyLoop, OnPolicyResult, StatefulHook
from gail_lab.rl.training_state import TrainingCheckpoints

log = logging.getLogger(__name__)

NAN_HINT = "lower the learning rates or regularize the discriminator (grad_penalty, spectral_norm)"


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
        env_reward_coef: float = 0.0,
        reward_scale: float = 1.0,
        disc_reward_coef: float = 1.0,
        bc_coef: float = 0.0,
        bc_batch_size: int = 64,
        bc_warm_start: int = 0,
        bc_warm_start_lr: float | None = None,
    ) -> None:
        self.loop = OnPolicyLoop(
            samples_per_iteration=samples_per_iteration,
            iterations=iterations,
            eval_every=eval_every,
            eval_episodes=eval_episodes,
            anneal_lr=anneal_lr,
            nan_hint=NAN_HINT,
            desc="gail",
        )
        self.d_steps, self.d_batch_size = d_steps, d_batch_size
        self.env_reward_coef, self.reward_scale = env_reward_coef, reward_scale
        self.disc_reward_coef = disc_reward_coef
        self.bc_coef, self.bc_batch_size, self.bc_warm_start = bc_coef, bc_batch_size, bc_warm_start
        self.bc_warm_start_lr = bc_warm_start_lr

    def reward_hook(
        self,
        discriminator: Discriminator,
        demos: Demonstrations,
        rng: np.random.Generator,
        terminal_outcome: str = "info",
        gamma: float = 0.99,
    ) -> StatefulHook:
        """The loop's reward function: D steps on expert vs agent samples, then D's reward for
        every agent step (plus, with absorbing states, the terminal steps' absorbing tails)."""
        half = self.d_batch_size // 2
        absorbing = discriminator.absorbing
        expert = with_absorbing(demos, terminal_outcome) if absorbing else as_batch(demos)

        def hook(roll: Transitions, iteration: int) -> tuple[np.ndarray, dict[str, float]]:
            metrics: dict[str, float] = {}
            if self.disc_reward_coef == 0:  # the no-discriminator ablation: D is not trained
                rewards = self.env_reward_coef * roll.rewards.astype(np.float64)
                return (self.reward_scale * rewards).astype(np.float32), metrics
            agent = with_absorbing(roll, terminal_outcome) if absorbing else as_batch(roll)
            for _ in range(self.d_steps):
                e = rng.integers(0, len(expert["obs"]), half)
                a = rng.integers(0, len(agent["obs"]), half)
                metrics.update(
                    discriminator.update(
                        {k: v[e] for k, v in expert.items()}, {k: v[a] for k, v in agent.items()}
                    )
                )
            batch = as_batch(roll)
            if absorbing:  # AIRL's h(s') of a terminal step is its absorbing state's
                batch["next_codes"] = next_codes(roll, terminal_outcome)
            rewards = discriminator.reward(batch, update_stats=True)
            metrics.update(
                {
                    "disc/reward_mean": float(rewards.mean()),
                    "disc/reward_std": float(rewards.std()),
                    "disc/reward_min": float(rewards.min()),
                    "disc/reward_max": float(rewards.max()),
                }
            )
            if absorbing:
                r_abs = discriminator.absorbing_rewards()
                rewards = rewards + terminal_bonus(roll, terminal_outcome, r_abs, gamma)
                metrics.update(
                    {
                        "disc/reward_absorbing_success": r_abs[SUCCESS],
                        "disc/reward_absorbing_failure": r_abs[FAILURE],
                    }
                )
            rewards = self.disc_reward_coef * rewards
            if self.env_reward_coef:
                rewards = rewards + self.env_reward_coef * roll.rewards
            return (self.reward_scale * rewards).astype(np.float32), metrics

        return StatefulHook(
            hook,
            lambda: {
                "discriminator": discriminator.state_dict(),
                "optimizer": discriminator.optimizer.state_dict(),
                "rng": rng.bit_generator.state,
            },
            lambda state: (
                discriminator.load_state_dict(state["discriminator"]),
                discriminator.optimizer.load_state_dict(state["optimizer"]),
                setattr(rng.bit_generator, "state", state["rng"]),
            ),
        )

    def train(
        self,
        policy,
        demos: Demonstrations,
        factory: EnvFactory,
        seed: int,
        optimizer: Callable[..., torch.optim.Optimizer],
        learner,
        discriminator: Discriminator,
        logger=None,
        progress: bool = True,
        checkpoints: TrainingCheckpoints | None = None,
    ) -> OnPolicyResult:
        """Train; with ``checkpoints``, save the whole state every few iterations and on SIGTERM,
        and resume from the newest checkpoint there."""
        rng = np.random.default_rng(seed + 1)
        if hasattr(discriminator, "attach_policy"):  # AIRL's logit involves log pi(a|s)
            discriminator.attach_policy(policy)
        if self.bc_warm_start:
            loss = behavior_cloning(
                policy,
                demos,
                optimizer(policy.parameters())
                if self.bc_warm_start_lr is None
                else optimizer(policy.parameters(), lr=self.bc_warm_start_lr),
                self.bc_warm_start,
                self.bc_batch_size,
                np.random.default_rng(seed + 2),
            )
            log.info("BC warm start: %d steps, final loss %.4f", self.bc_warm_start, loss)
        extra: dict = {}
        if self.bc_coef:
            bc_rng = np.random.default_rng(seed + 3)
            bc = BCLoss(policy, demos, self.bc_batch_size, bc_rng)
            learner.aux_loss = lambda: self.bc_coef * bc()
            extra["bc_rng"] = StatefulHook(
                None,
                lambda: bc_rng.bit_generator.state,
                lambda state: setattr(bc_rng.bit_generator, "state", state),
            )
        hook = self.reward_hook(
            discriminator, demos, rng, factory.terminal_outcome, getattr(learner, "gamma", 0.99)
        )
        extra["reward"] = hook
        return self.loop.run(
            policy,
            learner,
            factory,
            seed,
            hook,
            logger=logger,
            progress=progress,
            checkpoints=checkpoints,
            extra_state=extra,
        )
