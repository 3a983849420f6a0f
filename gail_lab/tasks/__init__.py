"""Tasks: one function per ``task=`` option. The only floor that reads the Hydra config."""

from __future__ import annotations

from pathlib import Path

from hydra.utils import get_method
from omegaconf import DictConfig

from gail_lab.tasks.context import RunContext


def dispatch(cfg: DictConfig, run_dir: Path):
    """Build the run's context (seeds, device, env) and call ``cfg.task._target_``."""
    task = get_method(cfg.task._target_)
    return task(RunContext.create(cfg, Path(run_dir)))
