"""One seed tree per run: every random stream of a run comes from ``SeedTree(cfg.seed)``.

``numpy.random.SeedSequence(seed)`` is spawned into named, independent streams (a stream is the
child ``SeedSequence(seed, spawn_key=(i,))``, i its index in ``STREAMS``), and each is handed down
as a generator or as integers for the APIs that take integer seeds (gymnasium's ``reset``, action
spaces, torch). No code derives a seed by arithmetic (``seed + 1``); a new stream is a new name at
the end of ``STREAMS`` (the others keep their numbers). The expert and its demonstrations use the
tree of ``expert_seed`` (the cached artifacts are keyed by it); imitation and evaluation the tree
of ``seed``.

The process-wide generators (python, numpy, torch: network initialization, the policies' and
the discriminator's sampling) are seeded once per stage from the ``globals`` stream, so a stage's
numbers do not depend on whether an earlier stage ran in the same process or came from the cache.
"""

from __future__ import annotations

import random

import numpy as np

from gail_lab.errors import GailLabError

STREAMS = (
    "globals",  # python, numpy and torch's global generators (network init, torch sampling)
    "envs",  # training envs: the first reset of each sub-env, action-space sampling
    "minibatches",  # PPO's minibatch order, BC's and offline GAIL's batches
    "discriminator",  # the reward model's D batches
    "replay",  # replay-buffer sampling and exploration (DQN, SAC, DAC)
    "bc_warm_start",  # GAIL's BC warm start batches
    "bc_loss",  # GAIL's auxiliary BC loss batches
    "evaluation",  # the reported evaluation's episode seeds
    "training_evaluation",  # the evaluations made while training (other episodes)
    "collection",  # the demonstration collector's envs
    "collection_noise",  # DART-style action noise while collecting
    "random_policy",  # the uniform-random baseline policy's actions
    "expert_replay",  # DAC's hybrid replay: the expert transitions in each SAC batch
)
MAX_SEED = 2**32 - 1


class SeedTree:
    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise GailLabError(f"seed must be an integer in [0, {MAX_SEED}] (got {seed!r})")
        if not 0 <= int(seed) <= MAX_SEED:
            raise GailLabError(f"seed must be in [0, {MAX_SEED}] (got {seed})")
        self.seed = int(seed)

    def __repr__(self) -> str:
        return f"SeedTree({self.seed})"

    def sequence(self, stream: str) -> np.random.SeedSequence:
        if stream not in STREAMS:
            raise KeyError(f"unknown seed stream {stream!r}; streams: {list(STREAMS)}")
        return np.random.SeedSequence(self.seed, spawn_key=(STREAMS.index(stream),))

    def generator(self, stream: str) -> np.random.Generator:
        """A fresh generator of the stream (the same one every call)."""
        return np.random.default_rng(self.sequence(stream))

    def integers(self, stream: str, n: int) -> list[int]:
        """``n`` integer seeds in [0, 2**32) from the stream; the first k do not depend on n."""
        return [int(x) for x in self.sequence(stream).generate_state(n, np.uint32)]

    def integer(self, stream: str) -> int:
        return self.integers(stream, 1)[0]

    def seed_globals(self) -> None:
        """Seed python's, numpy's and torch's global generators (once per stage)."""
        import torch  # (not at import: composing a config must not import torch)

        py, np_seed, torch_seed = self.integers("globals", 3)
        random.seed(py)
        np.random.seed(np_seed)
        torch.manual_seed(torch_seed)
