"""Sweeps through the real SLURM launcher (submitit -> sbatch) on a running cluster.

.ci/run starts a one-node cluster on localhost with .ci/slurm-up.sh; elsewhere these
tests skip, saying why.
"""

import re
import shutil
import subprocess

import pytest

from tests.conftest import TINY, run_cli


def slurm_is_up() -> str | None:
    """None when a SLURM node is up and idle, else why not."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no SLURM client (sinfo/sbatch) on PATH: run .ci/slurm-up.sh (as root)"
    out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
    if out.returncode != 0 or not re.search(r"idle|mix", out.stdout):
        return f"no idle SLURM node (sinfo: {out.stdout.strip() or out.stderr.strip()})"
    return None


pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(slurm_is_up() is not None, reason=str(slurm_is_up())),
]


def test_seed_sweep_runs_as_sbatch_jobs(tmp_path):
    sweep = tmp_path / "multirun"
    out = run_cli(
        tmp_path,
        "-m",
        "hydra/launcher=slurm",
        "hydra.launcher.timeout_min=10",
        "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.mem_gb=2",
        "seed=0,1",
        *TINY,
        "expert=scripted_cartpole",
        f"hydra.sweep.dir={sweep}",
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    job_dirs = sorted(
        p for p in (sweep / ".submitit").iterdir() if re.fullmatch(r"\d+_\d+", p.name)
    )
    assert len(job_dirs) == 2, list((sweep / ".submitit").iterdir())
    for k, job_dir in enumerate(job_dirs):
        log = next(job_dir.glob("*_log.out")).read_text()
        assert f"job_id={job_dir.name}" in log and "Job completed successfully" in log
        run_log = (sweep / str(k) / "run.log").read_text()
        array_id, task_id = job_dir.name.split("_")
        assert f"(array {array_id} task {task_id})" in run_log, run_log
        assert (sweep / str(k) / "summary.json").is_file()
        assert (sweep / str(k) / "imitate" / "policy.pt").is_file()


def test_a_requeued_job_resumes_from_its_checkpoint_and_finishes(tmp_path):
    """Preemption on SLURM: `scontrol requeue` kills the running job (SIGTERM: the loop saves its
    state) and queues it again under the same id; the new attempt resumes and finishes."""
    import os
    import sys
    import time

    from tests.conftest import ROOT

    sweep = tmp_path / "multirun"
    overrides = [o for o in TINY if not o.startswith("algo.loop.budget.iterations")]
    cmd = [
        sys.executable,
        str(ROOT / "run.py"),
        "-m",
        "hydra/launcher=slurm",
        "hydra.launcher.timeout_min=10",
        "hydra.launcher.cpus_per_task=1",
        "seed=0",
        *overrides,
        "expert=scripted_cartpole",
        "algo=gail_ppo",
        "algo.loop.budget.iterations=60",
        "checkpoint_every=2",
        f"hydra.sweep.dir={sweep}",
        f"artifacts_dir={tmp_path / 'art'}",
    ]
    env = {**os.environ, "WANDB_MODE": "offline"}
    launcher = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    ckpts = sweep / "0" / "imitate" / "checkpoints"
    deadline = time.time() + 180
    while time.time() < deadline and not (ckpts.is_dir() and any(ckpts.glob("ckpt-*.pt"))):
        time.sleep(0.2)
    assert ckpts.is_dir(), "the job never wrote a checkpoint"
    job_id = next(p.name for p in (sweep / ".submitit").iterdir() if p.name.isdigit())
    subprocess.run(["scontrol", "requeue", job_id], check=True)
    time.sleep(1)
    subprocess.run(["scontrol", "update", f"JobId={job_id}", "StartTime=now"], check=False)
    out, _ = launcher.communicate(timeout=300)
    run_log = (sweep / "0" / "run.log").read_text()
    assert "stopped by signal" in run_log and "resumed from" in run_log, run_log[-3000:]
    assert (sweep / "0" / "summary.json").is_file(), out[-3000:]
    assert run_log.count(f"SLURM job {job_id} ") == 2  # the same job id, two attempts
