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
    except (GailLabError, OSError) as err:
        if not isinstance(err, GailLabError):  # an OS error at a write the checks could not foresee
            from gail_lab.io import write_error

            err = write_error(err, err.filename or "a file")
            if not isinstance(err, GailLabError):  # not the user's path: a bug, with its traceback
                raise
        log.error("error: %s", err)
        if getattr(err, "signum", None) is not None:  # preempted: the state is checkpointed
            _requeue_on_slurm(err.signum)
            sys.exit(128 + err.signum)  # never report a preempted run as finished
        if hydra_cfg.mode == RunMode.MULTIRUN:
            return float("nan")  # one failed job does not stop the sweep; its log says why
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C outside a checkpointed loop (inside one: saved, as SIGTERM)
        log.error("interrupted (Ctrl-C); nothing was saved since the last checkpoint")
        sys.exit(130)


def _requeue_on_slurm(signum: int) -> None:
    """Under SLURM, SIGUSR2 is the time-limit warning (submitit's --signal=USR2@90): queue the
    job again so its next attempt resumes from the checkpoint. (SIGTERM from a preemption or
    `scontrol requeue` needs nothing: SLURM requeues those jobs itself.)"""
    job = os.environ.get("SLURM_JOB_ID")
    if job and signum == signal.SIGUSR2:
        subprocess.run(["scontrol", "requeue", job], check=False)
        log.info("SLURM job %s queued again; its next attempt resumes from the checkpoint", job)


HELP = """gail_lab: adversarial imitation learning, one command per experiment

Usage: python run.py [group=option ...] [key=value ...]     (-m: a sweep, e.g. -m seed=0,1,2)

Config groups (options: conf/<group>/*.yaml):
  task           pipeline (default), train_expert, collect, imitate, evaluate, report, dashboard
  env            {env}
  expert         the env preset's default, or: {expert}
  algo           {algo}
  discriminator  {discriminator}
  optimizer      {optimizer}
  logger         {logger}
  experiment     named presets (opt-in): {experiment}
  hparams_search Optuna sweeps (opt-in, with -m): {hparams_search}

Examples:
  python run.py env=racecar algo=gail_ppo
  python run.py env=pendulum algo=dac seed=3 algo.loop.budget.env_steps=20000
  python run.py --cfg job -p algo env=cartpole algo=gail_ppo    (one node of the config)

== The composed config{given} ==
{config}
More: README.md, docs/usage.md. Hydra's own options: python run.py --hydra-help"""


def print_help(overrides: list[str]) -> None:
    """``--help``: the groups and the composed config. Hydra's own help lists every group it
    knows (its own and the typed schemas') and composes the config once per group (~3-5 s);
    this composes it once."""
    from pathlib import Path

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    conf = Path(__file__).resolve().parent / "conf"
    groups = ("env", "expert", "algo", "discriminator", "optimizer", "logger")
    options = {
        g: ", ".join(sorted(p.stem for p in (conf / g).glob("*.yaml")))
        for g in (*groups, "experiment", "hparams_search")
    }
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    given = f" ({' '.join(overrides)})" if overrides else " (defaults)"
    print(HELP.format(**options, given=given, config=OmegaConf.to_yaml(cfg)))


if __name__ == "__main__":
    if "--help" in sys.argv[1:] or "-h" in sys.argv[1:]:
        print_help([a for a in sys.argv[1:] if not a.startswith("-")])
        sys.exit(0)
    main()
