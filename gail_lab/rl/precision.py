"""``precision=bf16``: the networks' hidden layers run under bfloat16 autocast (CPU and CUDA),
everything else in float32.

A network made bf16 keeps float32 weights (its optimizer, checkpoints and policy files are
unchanged); inside its forward, autocast runs the matrix products in bfloat16 (about twice
float32's rate on CPUs with AVX512-BF16), and its output is cast back to float32, so what is
computed from it stays float32: the Gaussian's log-probabilities, the temperature, TD targets,
the losses and the rewards. Which networks: the actor's trunk (its mean and log-std heads stay
float32), the critics and their targets, the discriminator's MLP. The class of a converted
module is swapped for a subclass (``Bf16<Class>``), so its state dict, ``deepcopy`` and
``load_state_dict`` behave as before.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from gail_lab.choices import PRECISIONS

_CLASSES: dict[type, type] = {}


class _Bf16Forward:
    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        device = next(self.parameters()).device.type
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            out = super().forward(*args, **kwargs)
        return out.float()


def to_bf16(module: nn.Module) -> nn.Module:
    """Run ``module``'s forward under bf16 autocast, its output cast to float32 (in place)."""
    cls = type(module)
    if issubclass(cls, _Bf16Forward):
        return module
    if cls not in _CLASSES:
        _CLASSES[cls] = type(f"Bf16{cls.__name__}", (_Bf16Forward, cls), {})
    module.__class__ = _CLASSES[cls]
    return module


def apply_precision(precision: str, *, policy=None, learner=None, discriminator=None) -> None:
    """Make the hidden layers of the given models bf16 (``precision="bf16"``), or nothing."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {list(PRECISIONS)} (got {precision!r})")
    if precision == "fp32":
        return
    for model in (policy, discriminator):
        for name in ("trunk", "net"):  # the actor's trunk; D's MLP
            if model is not None and isinstance(getattr(model, name, None), nn.Module):
                to_bf16(getattr(model, name))
    for group in ("critics", "critic_targets"):
        for q in getattr(learner, group, None) or []:
            to_bf16(q.net)
