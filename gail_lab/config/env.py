"""Schemas of the ``optimizer`` and ``env`` groups (conf/optimizer/, conf/env/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from gail_lab.choices import REWARD_FORMS
from gail_lab.config.checks import require, require_one_of


# --------------------------------------------------------------------------- optimizer
@dataclass
class AdamConfig:
    _target_: str = "torch.optim.Adam"
    _partial_: bool = True
    lr: float = MISSING
    eps: float = MISSING
    weight_decay: float = MISSING
    # One fused kernel per step for all parameters (CPU too, torch >= 2.4): ~0.3 ms less per step
    # for a 256-256 network pair on one thread; same maths, not the same last bits as unfused.
    fused: bool = MISSING

    def __post_init__(self) -> None:
        require(self.lr > 0, "lr", "> 0", self.lr)
        require(self.eps > 0, "eps", "> 0", self.eps)
        require(self.weight_decay >= 0, "weight_decay", ">= 0", self.weight_decay)


# --------------------------------------------------------------------------- env
@dataclass
class EnvConfig:
    _target_: str = "gail_lab.envs.EnvFactory"
    name: str = MISSING  # short name used in run names, e.g. "cartpole"
    id: str = MISSING  # any registered gymnasium id
    kwargs: dict[str, Any] = MISSING
    max_episode_steps: int | None = MISSING  # None: the id's own limit
    num_envs: int = MISSING  # envs stepped together (batched policy forward) by every task
    vectorization: str = MISSING  # sync: one process; async: one worker process per env
    # Standardize observations inside the imitation policy with running statistics (saved in its
    # checkpoint); datasets always keep raw observations.
    normalize_obs: bool = MISSING
    # An expert below this mean return is refused by task=collect (None: the id's reward_threshold).
    expert_min_return: float | None = MISSING
    # What a termination means: info (the env's info["is_success"]), success, or failure.
    terminal_outcome: str = MISSING
    # The GAIL reward form that suits how this env's episodes end (conf/discriminator/mlp.yaml
    # reads it): gail = -log(1-D) > 0 pays for survival, right where episodes end in failure
    # (CartPole); log_d = log D < 0 charges every step, right where they end in success
    # (MountainCar, Acrobot). Ho & Ermon's code made the same choice per env.
    gail_reward_form: str = MISSING
    # Observation dims that hold the agent's position, and the factor to metres: evaluation then
    # reports the mean distance of the driven path from the expert's on the same seeds (fidelity).
    position_dims: list[int] | None = MISSING
    position_scale: float = MISSING
    # Named evaluation conditions: env kwargs that replace env.kwargs' values in extra final
    # evaluations only (training and the demonstrations never see them), reported as
    # eval/<name>/... beside the headline; e.g. the racecar's {wide: {start_region: wide}}.
    eval_variants: dict[str, dict[str, Any]] = MISSING

    def __post_init__(self) -> None:
        for name in self.eval_variants:
            require(
                str(name).isidentifier(),
                "eval_variants",
                "names made of letters, digits and _",
                name,
            )
        require(
            self.gail_reward_form in REWARD_FORMS,
            "gail_reward_form",
            f"one of {list(REWARD_FORMS)}",
            self.gail_reward_form,
        )
        require_one_of(self.terminal_outcome, "terminal_outcome", ("info", "success", "failure"))
        require(self.num_envs >= 1, "num_envs", ">= 1", self.num_envs)
        require_one_of(self.vectorization, "vectorization", ("sync", "async"))
        if self.max_episode_steps is not None:
            require(
                self.max_episode_steps >= 1,
                "max_episode_steps",
                ">= 1 or null",
                self.max_episode_steps,
            )
