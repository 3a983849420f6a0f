"""What every imitation learner's ``algo.trainer`` is: a recipe that builds its algorithm (GAIL,
AIRL, BC, offline GAIL) from the policy, the demonstrations and the optional learner and
discriminator, and runs it in the one training loop (rl/loop.py)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.rl.loop import Algorithm, LoopResult, TrainingLoop
from gail_lab.rl.training_state import TrainingCheckpoints


class ImitationTrainer:
    loop: TrainingLoop
    # what `checkpoint_every` counts: iterations, or "evaluations" (one checkpoint at each: the
    # off-policy learner, whose iterations are single env steps and whose state holds a buffer)
    checkpoint_unit = "iterations"

    def algorithm(
        self,
        policy,
        demos: Demonstrations,
        factory: EnvFactory,
        seed: int,
        optimizer: Callable[..., torch.optim.Optimizer],
        learner,
        discriminator,
    ) -> Algorithm:
        raise NotImplementedError

    def train(
        self,
        policy,
        demos: Demonstrations,
        factory: EnvFactory,
        seed: int,
        optimizer: Callable[..., torch.optim.Optimizer],
        learner=None,
        discriminator=None,
        logger=None,
        progress: bool = True,
        checkpoints: TrainingCheckpoints | None = None,
    ) -> LoopResult:
        """Train; with ``checkpoints``, save the whole state as the loop says and on SIGTERM, and
        resume from the newest checkpoint there."""
        algo = self.algorithm(policy, demos, factory, seed, optimizer, learner, discriminator)
        return self.loop.run(algo, factory, seed, logger, progress, checkpoints)
