"""GAIL (Ho & Ermon 2016, Algorithm 1), and AIRL with its structured discriminator. One iteration:

    roll      = sample_trajectories()                 # pi's experience (PPO: exactly N steps)
    d_metrics = reward_model.update(roll)             # d_steps x BCE: expert pairs 1, agent 0
    rewards   = reward_model.rewards(roll)            # everything the learner is paid
    p_metrics = learner.update(roll, rewards)         # the learner (REINFORCE, PPO)

The reward model (imitation/reward_model.py) owns the discriminator (imitation/discriminator.py;
AIRL's in imitation/airl.py: GAIL and AIRL differ only there), its batches with absorbing states,
and the reward: form, absorbing tails, the env-reward mix and scale. Options beside the paper's:
a BC loss added to the policy loss (``bc_coef``) and a BC warm start (``bc_warm_start``).
tasks/imitate.py builds it from the config and runs it in the one training loop (rl/loop.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.data.transitions import Transitions
from gail_lab.imitation.bc import BCLoss, behavior_cloning
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.rl.on_policy import OnPolicy
from gail_lab.seeding import SeedTree

log = logging.getLogger(__name__)


class GAIL(OnPolicy):
    """Adversarial imitation with an on-policy learner: the env's reward replaced by the reward
    model's (imitation/reward_model.py)."""

    def __init__(
        self,
        policy,
        learner,
        reward_model: RewardModel,
        demos: Demonstrations,
        optimizer: Callable[..., torch.optim.Optimizer],
        seeds: SeedTree,
        samples_per_iteration: int,
        bc_coef: float,
        bc_batch_size: int,
        bc_warm_start: int,
        bc_warm_start_lr: float | None,
    ) -> None:
        # one env count (the env preset's), the reward paid as is, the normalizer before updates
        super().__init__(policy, learner, samples_per_iteration, None, False, False)
        self.reward_model = reward_model
        self.extra_rngs: dict[str, np.random.Generator] = {}  # saved with the state (BC loss)
        discriminator = reward_model.discriminator
        if hasattr(discriminator, "attach_policy"):  # AIRL's logit involves log pi(a|s)
            discriminator.attach_policy(policy)
        if bc_warm_start:  # BC on the demonstrations before the adversarial game starts
            lr = {} if bc_warm_start_lr is None else {"lr": bc_warm_start_lr}
            loss = behavior_cloning(
                policy,
                demos,
                optimizer(policy.parameters(), **lr),
                bc_warm_start,
                bc_batch_size,
                seeds.generator("bc_warm_start"),
            )
            log.info("BC warm start: %d steps, final loss %.4f", bc_warm_start, loss)
        if bc_coef:  # a BC loss on expert pairs added to every policy update
            bc_rng = seeds.generator("bc_loss")
            bc = BCLoss(policy, demos, bc_batch_size, bc_rng)
            learner.aux_loss = lambda: bc_coef * bc()
            self.extra_rngs["bc"] = bc_rng

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
            "extra_rngs": {k: r.bit_generator.state for k, r in self.extra_rngs.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        exact = super().load_state_dict(state)
        self.reward_model.load_state_dict(state)
        for k, s in state["extra_rngs"].items():
            self.extra_rngs[k].bit_generator.state = s
        return exact
