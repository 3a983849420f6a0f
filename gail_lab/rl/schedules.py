"""Learning-rate schedules applied to an optimizer's parameter groups."""

from __future__ import annotations

import torch


class LinearLRDecay:
    """Scale each parameter group's initial learning rate by ``remaining`` in [0, 1]
    (CleanRL's ``anneal_lr``: 1 at the start of training, 0 at its end)."""

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]

    def set_remaining(self, remaining: float) -> None:
        remaining = min(1.0, max(0.0, remaining))
        for group, lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = remaining * lr
