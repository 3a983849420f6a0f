"""Process-wide set-up done once per run: seeds, torch threads, device."""

from __future__ import annotations

import random

import numpy as np
import torch

from gail_lab.errors import GailLabError


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (envs are seeded through their reset)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise GailLabError(
            f"device={name} was asked for but no CUDA device is present; use device=cpu"
        )
    return torch.device(name)


def configure_torch(threads: int) -> None:
    torch.set_num_threads(threads)
