"""Sweeps that tell the truth: a ``-m`` sweep in which jobs failed exits non-zero.

A failed job (gail_lab's one-line error: the task returns NaN so the other jobs go on; or an
exception) leaves a marker file in the sweep dir, from whatever process ran it (the basic
launcher, joblib's workers, a SLURM node); at the end of the sweep the main process counts them,
says how many of how many jobs failed and where their logs are, and exits 1.
"""

from __future__ import annotations

import logging
import math
import sys
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

log = logging.getLogger("gail_lab")
MARKERS = ".failed_jobs"


def failed(job_return: JobReturn) -> bool:
    if job_return.status == JobStatus.FAILED:
        return True
    value = getattr(job_return, "_return_value", None)
    return isinstance(value, float) and math.isnan(value)


class FailedJobsCallback(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        markers = Path(config.hydra.sweep.dir) / MARKERS
        for old in markers.glob("*") if markers.is_dir() else []:
            old.unlink()  # a sweep run again in the same dir counts its own failures

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if config.hydra.mode != RunMode.MULTIRUN:  # a single run's exit code says it already
            return
        if failed(job_return):
            markers = Path(config.hydra.sweep.dir) / MARKERS
            markers.mkdir(parents=True, exist_ok=True)
            (markers / str(config.hydra.job.num)).write_text(str(config.hydra.runtime.output_dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep = Path(config.hydra.sweep.dir)
        markers = sorted((sweep / MARKERS).glob("*")) if (sweep / MARKERS).is_dir() else []
        if not markers:
            return
        total = sum(1 for p in sweep.iterdir() if p.is_dir() and (p / ".hydra").is_dir())
        dirs = ", ".join(m.read_text() for m in markers[:5]) + (" ..." if len(markers) > 5 else "")
        log.error(
            "error: %d of %d jobs of the sweep failed (their logs: %s)", len(markers), total, dirs
        )
        sys.exit(1)
