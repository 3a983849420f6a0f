"""Preemption: SIGTERM mid-way through GAIL, run again in the same run dir, and the result is
identical to a run that was never interrupted (CPU, same seed)."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from gail_lab.rl.training_state import TrainingCheckpoints
from tests.conftest import ROOT, TINY, read_jsonl, run_cli
from tests.test_wandb import _items, wandb_records

RUN = [
    *[
        o
        for o in TINY
        if not o.startswith(("algo.trainer.iterations", "algo.trainer.samples", "logger="))
    ],
    "expert=scripted_cartpole",
    "algo=gail_ppo",
    "algo.trainer.iterations=20",
    "algo.trainer.samples_per_iteration=256",
    "checkpoint_every=1",
]
VOLATILE = {"time", "charts/SPS"}


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]


def test_sigterm_then_resume_matches_an_uninterrupted_run(tmp_path):
    assert run_cli(tmp_path, *RUN, run_dir="whole").returncode == 0

    run_dir = tmp_path / "interrupted"
    cmd = [
        sys.executable,
        str(ROOT / "run.py"),
        *RUN,
        f"hydra.run.dir={run_dir}",
        f"artifacts_dir={tmp_path / 'artifacts'}",
    ]
    env = {**os.environ, "WANDB_MODE": "offline"}
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    metrics = run_dir / "imitate" / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if metrics.is_file() and len(metrics.read_text().splitlines()) >= 5:
            proc.send_signal(signal.SIGTERM)
            break
        time.sleep(0.02)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0, "the run finished before it could be interrupted"
    assert "run the same command in the same run dir to resume" in out, out[-2000:]
    stopped_at = max(n for n, _ in TrainingCheckpoints(run_dir / "imitate" / "checkpoints").files())
    assert 5 <= stopped_at < 20

    resumed = run_cli(tmp_path, *RUN, run_dir="interrupted")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"iteration {stopped_at}" in resumed.stdout + resumed.stderr

    whole, again = tmp_path / "whole" / "imitate", run_dir / "imitate"
    assert comparable(read_jsonl(again / "metrics.jsonl")) == comparable(
        read_jsonl(whole / "metrics.jsonl")
    )
    a = torch.load(whole / "policy.pt", weights_only=True)["state_dict"]
    b = torch.load(again / "policy.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    import json

    sa = json.loads((tmp_path / "whole" / "summary.json").read_text())
    sb = json.loads((run_dir / "summary.json").read_text())
    assert sa["imitation_return_mean"] == sb["imitation_return_mean"]
    assert np.isfinite(sa["imitation_return_mean"])

    # W&B: both attempts wrote to one run (same id), and no row reached it twice
    attempts = sorted(again.glob("wandb/offline-run-*/run-*.wandb"))
    assert len(attempts) == 2
    ids, steps = set(), []
    for path in attempts:
        for record in wandb_records(path):
            kind = record.WhichOneof("record_type")
            if kind == "run":
                ids.add(record.run.run_id)
            elif kind == "history":
                items = _items(record.history.item)
                if "global_step" in items:
                    steps.append(int(items["global_step"]))
    assert len(ids) == 1
    assert steps == [row["global_step"] for row in read_jsonl(again / "metrics.jsonl")]


def test_a_corrupt_newest_checkpoint_is_skipped(tmp_path):
    ckpts = TrainingCheckpoints(tmp_path, every=1, keep_last=5)
    ckpts.save({"iteration": 1, "w": torch.ones(2)}, 1)
    ckpts.save({"iteration": 2, "w": torch.ones(2)}, 2)
    newest = ckpts.files()[-1][1]
    newest.write_bytes(newest.read_bytes()[:20])  # truncated by a crash mid-copy
    state, path = ckpts.latest()
    assert state["iteration"] == 1 and path.name == "ckpt-000001.pt"
    for k in range(3, 9):
        ckpts.save({"iteration": k}, k)
    assert [n for n, _ in ckpts.files()] == [4, 5, 6, 7, 8]  # the newest 5 kept


def test_a_non_finite_loss_stops_the_run_after_saving_the_last_finite_state(tmp_path):
    import functools

    import pytest

    from gail_lab.envs import EnvFactory
    from gail_lab.errors import NonFiniteError
    from gail_lab.rl.networks import CategoricalPolicy
    from gail_lab.rl.on_policy import OnPolicyLoop
    from gail_lab.rl.ppo import PPO

    torch.manual_seed(0)
    factory = EnvFactory("CartPole-v1", num_envs=2)
    policy = CategoricalPolicy(4, 2, [16])
    ppo = PPO(policy, functools.partial(torch.optim.Adam, lr=1e-3), epochs=1)
    update, calls = ppo.update, []

    def poisoned(batch, rewards):
        calls.append(1)
        out = update(batch, rewards)
        return {**out, "losses/value_loss": float("nan")} if len(calls) == 3 else out

    ppo.update = poisoned
    loop = OnPolicyLoop(samples_per_iteration=64, iterations=10, eval_every=100, eval_episodes=1)
    ckpts = TrainingCheckpoints(tmp_path / "ckpt", every=100)
    with pytest.raises(
        NonFiniteError, match=r"losses/value_loss became nan at iteration 3.*ckpt-000002\.pt"
    ):
        loop.run(policy, ppo, factory, seed=0, progress=False, checkpoints=ckpts)
    state, path = ckpts.latest()
    assert state["iteration"] == 2 and path.name == "ckpt-000002.pt"
    assert all(torch.isfinite(v).all() for v in state["policy"].values())


def test_non_finite_distribution_parameters_inside_an_update_become_a_named_error():
    """torch.distributions' argument check inside the learner's update (a NaN policy mean) is
    reported like a NaN metric: which iteration, and the hint; other ValueErrors pass through."""
    from gail_lab.errors import NonFiniteError
    from gail_lab.rl.on_policy import OnPolicyLoop

    def no_reward(roll, it):
        return None, {}

    class Learner:
        def __init__(self, message):
            self.message = message

        def update(self, roll, rewards):
            raise ValueError(self.message)

    loop = OnPolicyLoop(samples_per_iteration=8, iterations=1, nan_hint="try a smaller lr")
    bad = Learner(
        "Expected parameter loc ... to satisfy the constraint Real(), but found invalid values:"
    )
    with pytest.raises(NonFiniteError, match=r"iteration 7 .*try a smaller lr"):
        loop._update(no_reward, bad, None, 7)
    with pytest.raises(ValueError, match="something else"):
        loop._update(no_reward, Learner("something else"), None, 7)
