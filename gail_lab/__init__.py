"""gail_lab: adversarial imitation learning experiments from one command, or from Python.

``import gail_lab`` registers gail_lab's envs with gymnasium (``gail_lab/Racecar-v1``) and offers
``gail_lab.compose``, ``gail_lab.run`` and ``gail_lab.load_policy`` (gail_lab/api.py), imported on
first use so that ``run.py`` checks a config before torch loads.
"""

from __future__ import annotations

from typing import Any

from gail_lab.envs import registration as _registration  # noqa: F401  (registers the envs)

__all__ = ["Policy", "RunResult", "compose", "load_policy", "run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from gail_lab import api

        return getattr(api, name)
    raise AttributeError(f"module 'gail_lab' has no attribute {name!r}")
