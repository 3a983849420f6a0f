"""Checks Hydra's callbacks run before any job starts, where an error would otherwise be a
traceback from Hydra or a launcher: the run or sweep dir must be writable, and a SLURM launcher
needs SLURM. Each failure is one line on stderr and exit 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from gail_lab.errors import GailLabError
from gail_lab.io import ensure_writable_dir


def stop(message: str) -> None:
    # Hydra's job logging is not configured yet: the line goes straight to stderr
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def check_slurm(config: DictConfig) -> None:
    if not str(config.hydra.launcher.get("_target_", "")).endswith("SlurmLauncher"):
        return
    if not (shutil.which("srun") and shutil.which("sbatch")):
        stop(
            "hydra/launcher=slurm: no SLURM here (no srun or sbatch on PATH); use hydra/launcher=joblib "
            "on this machine, or run the same command on the cluster's login node"
        )
    try:
        subprocess.run(["sinfo", "--noheader"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        why = getattr(err, "stderr", b"") or b""
        stop(
            "hydra/launcher=slurm: SLURM's controller does not answer "
            f"({why.decode(errors='replace').strip() or err}); check `sinfo`, or use "
            "hydra/launcher=joblib on this machine"
        )


def check_writable(path: str, what: str) -> None:
    try:
        ensure_writable_dir(Path(path), what)
    except GailLabError as err:
        stop(str(err))


class LaunchChecksCallback(Callback):
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        check_writable(config.hydra.run.dir, "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        check_slurm(config)
        check_writable(config.hydra.sweep.dir, "hydra.sweep.dir")
