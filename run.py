"""gail_lab's single entrypoint: ``python run.py task=pipeline env=cartpole algo=gail_reinforce``.

Composes the Hydra config (conf/), checks every value, then runs ``cfg.task``. Returns the task's
metric (the normalized score for task=pipeline), so Optuna sweeps optimize the same number.
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from gail_lab.config import register_configs, validate_config
from gail_lab.errors import GailLabError

log = logging.getLogger("gail_lab")
register_configs()


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float | None:
    hydra_cfg = HydraConfig.get()
    try:
        validate_config(cfg)
        from gail_lab.tasks import dispatch  # heavy imports (torch, gymnasium) after the checks

        return dispatch(cfg, hydra_cfg.runtime.output_dir)
    except GailLabError as err:
        log.error("error: %s", err)
        if hydra_cfg.mode == RunMode.MULTIRUN:
            return float("nan")  # one failed job does not stop the sweep; its log says why
        sys.exit(2)


if __name__ == "__main__":
    main()
