"""gail_lab's single entrypoint: ``python run.py task=pipeline env=cartpole algo=gail_reinforce``.

Composes the Hydra config (conf/), checks every value, then runs ``cfg.task``. Returns the task's
metric (the normalized score for task=pipeline), so Optuna sweeps optimize the same number.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
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
        if getattr(err, "signum", None) is not None:  # preempted: the state is checkpointed
            _requeue_on_slurm(err.signum)
            sys.exit(128 + err.signum)  # never report a preempted run as finished
        if hydra_cfg.mode == RunMode.MULTIRUN:
            return float("nan")  # one failed job does not stop the sweep; its log says why
        sys.exit(2)


def _requeue_on_slurm(signum: int) -> None:
    """Under SLURM, SIGUSR2 is the time-limit warning (submitit's --signal=USR2@90): queue the
    job again so its next attempt resumes from the checkpoint. (SIGTERM from a preemption or
    `scontrol requeue` needs nothing: SLURM requeues those jobs itself.)"""
    job = os.environ.get("SLURM_JOB_ID")
    if job and signum == signal.SIGUSR2:
        subprocess.run(["scontrol", "requeue", job], check=False)
        log.info("SLURM job %s queued again; its next attempt resumes from the checkpoint", job)


if __name__ == "__main__":
    main()
