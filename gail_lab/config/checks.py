"""The value checks every schema's ``__post_init__`` runs, and their error."""

from __future__ import annotations

from typing import Any

from gail_lab.errors import GailLabError


class ConfigValueError(GailLabError, ValueError):
    """A config value is outside its allowed range; the message names the key and the range."""


def require(ok: bool, key: str, allowed: str, value: Any) -> None:
    if not ok:
        raise ConfigValueError(f"{key}: must be {allowed} (got {value!r})")


def require_sizes(sizes: list[int], key: str = "hidden_sizes") -> None:
    require(all(h >= 1 for h in sizes), key, "a list of positive sizes", sizes)


def require_min(cfg: Any, key: str, minimum: int) -> None:
    """``cfg.<key> >= minimum``."""
    value = getattr(cfg, key)
    require(value >= minimum, key, f">= {minimum}", value)


def require_replay(cfg: Any) -> None:
    """The replay settings of an off-policy learner (DQN, SAC): batch, buffer, update cadence."""
    require(cfg.batch_size >= 1, "batch_size", ">= 1", cfg.batch_size)
    require(cfg.buffer_size >= cfg.batch_size, "buffer_size", ">= batch_size", cfg.buffer_size)
    require(cfg.learning_starts >= 0, "learning_starts", ">= 0", cfg.learning_starts)
    require(cfg.train_freq >= 1, "train_freq", ">= 1", cfg.train_freq)
    require(cfg.gradient_steps >= 1, "gradient_steps", ">= 1", cfg.gradient_steps)


def require_one_of(value: Any, key: str, allowed: tuple[Any, ...]) -> None:
    require(value in allowed, key, f"one of {list(allowed)}", value)
