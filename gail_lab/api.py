"""gail_lab from Python: compose a config with the command line's overrides, run a task, load a
saved policy and act with it in a plain gymnasium loop.

    import gail_lab
    result = gail_lab.run(["env=cartpole", "algo=gail_ppo"])  # in outputs/api/<date>/<time>
    policy = gail_lab.load_policy(result.run_dir / "imitate" / "policy.pt")
    action = policy.act(obs)  # one raw observation in, one action out

The same config groups, checks and defaults as ``python run.py`` (conf/), without Hydra's
process: no run dir is made for you, no logging is set up, and the current directory stays.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from gail_lab.runtime import CONF_DIR


def compose(overrides: Sequence[str] = (), config_dir: str | Path | None = None) -> DictConfig:
    """The run config for ``overrides`` (``["env=racecar", "algo=gail_ppo", "seed=3"]``), checked
    as ``run.py`` checks it: an unknown option, key or type, or an impossible value raises."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from gail_lab.config import register_configs, validate_config

    conf = Path(config_dir) if config_dir is not None else CONF_DIR
    if not (conf / "config.yaml").is_file():
        raise FileNotFoundError(
            f"no gail_lab config tree at {conf} (conf/config.yaml): pass config_dir= the "
            "repository's conf/ folder"
        )
    register_configs()
    with initialize_config_dir(config_dir=str(conf.resolve()), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    validate_config(cfg)
    return cfg


@dataclass
class RunResult:
    run_dir: Path
    metric: float | None  # what the task returns (task=pipeline: the normalized score)
    summary: dict[str, Any]  # <run_dir>/summary.json, when the task writes one

    @property
    def policy_path(self) -> Path:
        return self.run_dir / "imitate" / "policy.pt"


def run(
    overrides: Sequence[str] = (),
    run_dir: str | Path | None = None,
    config_dir: str | Path | None = None,
) -> RunResult:
    """Compose ``overrides`` and run the task (task=pipeline by default) in ``run_dir``
    (default: ``outputs/api/<date>/<time>``); a run dir that holds a checkpoint resumes."""
    from gail_lab.tasks import dispatch

    cfg = compose(overrides, config_dir)
    out = (
        Path(run_dir)
        if run_dir is not None
        else Path("outputs/api") / time.strftime("%Y-%m-%d/%H-%M-%S")
    )
    out.mkdir(parents=True, exist_ok=True)
    metric = dispatch(cfg, out)
    summary_path = out / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    return RunResult(run_dir=out, metric=metric, summary=summary)


class Policy:
    """A saved policy that acts on raw env observations (any normalization is inside the model):
    ``act(obs)`` takes one observation (or a batch) and returns one action (or a batch)."""

    def __init__(self, module, meta: dict[str, Any]) -> None:
        self.module, self.meta = module, meta
        self.obs_dim = getattr(module, "init_kwargs", {}).get("obs_dim")

    def act(self, obs: Any, deterministic: bool = True) -> np.ndarray:
        obs = np.asarray(obs, dtype=np.float32)
        single = obs.ndim == 1
        actions = self.module.act(obs[None] if single else obs, deterministic=deterministic)
        return actions[0] if single else actions

    def __repr__(self) -> str:
        env = self.meta.get("env_id", "?")
        return f"Policy({type(self.module).__name__}, env={env}, obs_dim={self.obs_dim})"


def load_policy(path: str | Path, device: str = "cpu") -> Policy:
    """Load ``policy.pt`` (any run's ``imitate/policy.pt``, or ``task=evaluate``'s checkpoint);
    a missing, corrupt or foreign file raises ``CheckpointError`` naming the path."""
    from gail_lab.rl.checkpoint import load_policy as load

    module, meta = load(path, device)
    return Policy(module, meta)
