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


def require_one_of(value: Any, key: str, allowed: tuple[Any, ...]) -> None:
    require(value in allowed, key, f"one of {list(allowed)}", value)
