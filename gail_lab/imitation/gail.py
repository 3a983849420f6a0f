"""GAIL (Ho & Ermon 2016, Algorithm 1), and AIRL with its structured discriminator. One iteration:

    roll      = sample_trajectories()                 # pi's experience (PPO: exactly N steps)
    d_metrics = reward_model.update(roll)             # d_steps x BCE: expert pairs 1, agent 0
    rewards   = reward_model.rewards(roll)            # everything the learner is paid
    p_metrics = learner.update(roll, rewards)         # the learner (REINFORCE, PPO)

The reward model (imitation/reward_model.py) owns the discriminator (imitation/discriminator.py;
AIRL's in imitation/airl.py: GAIL and AIRL differ only there), its batches with absorbing states,
and the reward: form, absorbing tails, the env-reward mix and scale. Options beside the paper's:
a BC loss added to the policy loss (``bc_coef``) and a BC warm start (``bc_warm_start``).
:class:`GAILTrainer` runs the iterations in the one training loop (rl/loop.py).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from gail_lab.data.transitions import Transitions
from gail_lab.imitation.bc import BCLoss, behavior_cloning
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.imitation.trainer import ImitationTrainer
from gail_lab.rl.loop import TrainingLoop
from gail_lab.rl.on_policy import OnPolicy

log = logging.getLogger(__name__)

NAN_HINT = "lower the learning rates or regularize the discriminator (grad_penalty, spectral_norm)"


class GAIL(OnPolicy):
    """Adversarial imitation with an on-policy learner: the env's reward replaced by the reward
    model's (imitation/reward_model.py)."""

    def __init__(
        self,
        policy,
        learner,
        reward_model: RewardModel,
        samples_per_iteration: int,
    ) -> None:
        super().__init__(policy, learner, samples_per_iteration)
        self.reward_model = reward_model
        self.extra_rngs: dict[str, np.random.Generator] = {}  # saved with the state (BC loss)
        discriminator = reward_model.discriminator
        if hasattr(discriminator, "attach_policy"):  # AIRL's logit involves log pi(a|s)
            discriminator.attach_policy(policy)

    # ------------------------------------------------------------------ Algorithm 1
    def update(self, roll: Transitions) -> dict[str, float]:
        d_metrics = self.reward_model.update(self.reward_model.pool_sampler(roll))  # D's step
        rewards, r_metrics = self.rewards_of(roll)  # everything the learner is paid
        p_metrics = self.learner.update(roll, rewards)  # the policy's step
        return {**d_metrics, **r_metrics, **p_metrics}

    def rewards_of(self, roll: Transitions) -> tuple[np.ndarray, dict[str, float]]:
        """What the reward model pays for the rollout's steps."""
        return self.reward_model.rewards(self.reward_model.batch_of(roll))

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            **self.reward_model.state_dict(),
            "rng": self.reward_model.rng.bit_generator.state,
            "extra_rngs": {k: r.bit_generator.state for k, r in self.extra_rngs.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        exact = super().load_state_dict(state)
        self.reward_model.load_state_dict(state)
        self.reward_model.rng.bit_generator.state = state["rng"]
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
        reward_model = RewardModel(
            discriminator,
            demos,
            factory.terminal_outcome,
            learner.gamma,
            self.d_steps,
            self.d_batch_size,
            self.disc_reward_coef,
            self.env_reward_coef,
            self.reward_scale,
            np.random.default_rng(seed + 1),
        )
        algo = GAIL(policy, learner, reward_model, self.samples_per_iteration)
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
