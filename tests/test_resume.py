"""Preemption: SIGTERM mid-way through GAIL, BC or an expert's training (DQN, SAC, PPO), run again
in the same run dir, and the result is identical to a run that was never interrupted (CPU, same
seed); a NaN stops a run after saving its last finite state."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from gail_lab.rl.training_state import TrainingCheckpoints
from gail_lab.seeding import SeedTree
from tests.conftest import ROOT, TINY, make_loop, read_jsonl, run_cli
from tests.test_wandb import _items, wandb_records

RUN = [
    *[
        o
        for o in TINY
        if not o.startswith(("algo.loop.budget.iterations", "algo.algorithm.samples", "logger="))
    ],
    "expert=scripted_cartpole",
    "algo=gail_ppo",
    "algo.loop.budget.iterations=20",
    "algo.algorithm.samples_per_iteration=256",
    "checkpoint_every=1",
]
VOLATILE = {"time", "charts/SPS"}


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]


@pytest.mark.slow  # two runs and an interrupted one (~50 s); run by .ci/run
def test_sigterm_then_resume_matches_an_uninterrupted_run(tmp_path):
    assert run_cli(tmp_path, *RUN, run_dir="whole").returncode == 0

    run_dir = tmp_path / "interrupted"
    interrupt(tmp_path, RUN, "interrupted", "imitate/metrics.jsonl", 5)
    stopped_at = max(
        n
        for n, _ in TrainingCheckpoints(
            run_dir / "imitate" / "checkpoints", 1, 3, "iterations"
        ).files()
    )
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
    ckpts = TrainingCheckpoints(tmp_path, every=1, keep_last=5, unit="iterations")
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

    from gail_lab.envs import EnvFactory
    from gail_lab.errors import NonFiniteError
    from gail_lab.rl.networks import CategoricalPolicy
    from gail_lab.rl.on_policy import OnPolicy
    from tests.conftest import from_conf

    torch.manual_seed(0)
    factory = EnvFactory("CartPole-v1", num_envs=2)
    policy = CategoricalPolicy(4, 2, [16])
    ppo = from_conf(
        "algo/learner/ppo",
        rng=np.random.default_rng(0),
        policy=policy,
        optimizer=functools.partial(torch.optim.Adam, lr=1e-3),
        epochs=1,
    )
    update, calls = ppo.update, []

    def poisoned(batch, rewards):
        calls.append(1)
        out = update(batch, rewards)
        return {**out, "losses/value_loss": float("nan")} if len(calls) == 3 else out

    ppo.update = poisoned
    loop = make_loop(budget={"iterations": 10}, eval_every=100)
    ckpts = TrainingCheckpoints(tmp_path / "ckpt", every=100, keep_last=3, unit="iterations")
    with pytest.raises(
        NonFiniteError, match=r"losses/value_loss became nan at iteration 3.*ckpt-000002\.pt"
    ):
        loop.run(
            OnPolicy(policy, ppo, 64, None, False, False),
            factory,
            seeds=SeedTree(0),
            progress=False,
            checkpoints=ckpts,
        )
    state, path = ckpts.latest()
    assert state["counters"]["iterations"] == 2 and path.name == "ckpt-000002.pt"
    assert all(torch.isfinite(v).all() for v in state["algo"]["policy"].values())


def test_non_finite_distribution_parameters_inside_an_update_become_a_named_error():
    """torch.distributions' argument check inside the learner's update (a NaN policy mean) is
    reported like a NaN metric: which iteration, and the hint; other ValueErrors pass through."""
    from gail_lab.errors import NonFiniteError
    from gail_lab.rl.loop import Counters

    class Algo:
        def __init__(self, message):
            self.message = message

        def iterate(self, remaining):
            raise ValueError(self.message)

    loop = make_loop(budget={"iterations": 1}, nan_hint="try a smaller lr")
    bad = Algo(
        "Expected parameter loc ... to satisfy the constraint Real(), but found invalid values:"
    )
    with pytest.raises(NonFiniteError, match=r"iteration 7 .*try a smaller lr"):
        loop._iterate(bad, Counters(iterations=6))
    with pytest.raises(ValueError, match="something else"):
        loop._iterate(Algo("something else"), Counters(iterations=6))


def interrupt(tmp_path, overrides, run_dir, metrics, rows):
    """Start run.py, send SIGTERM once ``metrics`` (relative to the run dir) has ``rows`` rows,
    and return its output (it must have stopped with the resume message)."""
    cmd = [
        sys.executable,
        str(ROOT / "run.py"),
        *overrides,
        f"hydra.run.dir={tmp_path / run_dir}",
        f"artifacts_dir={tmp_path / 'artifacts'}",
    ]
    env = {**os.environ, "WANDB_MODE": "offline"}
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    path = tmp_path / run_dir / metrics
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if path.is_file() and len(path.read_text().splitlines()) >= rows:
            proc.send_signal(signal.SIGTERM)
            break
        time.sleep(0.01)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode != 0, "the run finished before it could be interrupted"
    assert "run the same command in the same run dir to resume" in out, out[-2000:]
    return out


def weights(path):
    return torch.load(path, weights_only=True)["state_dict"]


QUIET = ["logger=none", "progress=false", "env.num_envs=2", "eval.episodes=3"]
EXPERTS = {
    # SIGTERM mid-way through each expert's training (SAC's lands mid-episode: the env itself is
    # in the checkpoint), run again, and the expert is the one an uninterrupted run makes
    "dqn": (["expert=dqn", "expert.loop.budget.episodes=80", "expert.loop.eval_every=10"], 20),
    "sac": (
        [
            "env=pendulum",
            "expert=sac",
            "expert.loop.budget.env_steps=1500",
            "expert.algorithm.learning_starts=100",
            "expert.loop.eval_every=150",
            "expert.loop.eval_episodes=2",
        ],
        3,
    ),
    "ppo": (
        [
            "expert=ppo",
            "expert.loop.budget.env_steps=8000",
            "expert.algorithm.samples_per_iteration=512",
            "expert.loop.eval_every=2",
        ],
        4,
    ),
}


@pytest.mark.slow  # three runs of an expert each (~1 min): with the learning checks in .ci/run
@pytest.mark.parametrize("name", sorted(EXPERTS))
def test_expert_sigterm_then_resume_is_bit_identical(tmp_path, name):
    overrides, rows = EXPERTS[name]
    args = ["task=train_expert", *QUIET, *overrides]
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir(), cut.mkdir()
    assert run_cli(whole, *args).returncode == 0
    interrupt(cut, args, "run", "metrics.jsonl", rows)
    resumed = run_cli(cut, *args)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed from" in resumed.stdout + resumed.stderr
    assert "not bit-exact" not in resumed.stdout + resumed.stderr
    assert comparable(read_jsonl(cut / "run" / "metrics.jsonl")) == comparable(
        read_jsonl(whole / "run" / "metrics.jsonl")
    )
    (a,) = (whole / "artifacts" / "experts").glob("*/expert.pt")
    (b,) = (cut / "artifacts" / "experts").glob("*/expert.pt")
    wa, wb = weights(a), weights(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.mark.slow  # two runs and an interrupted one (~50 s); run by .ci/run
def test_bc_sigterm_then_resume_is_bit_identical(tmp_path):
    args = [
        *[o for o in TINY if not o.startswith(("algo.algorithm.", "algo.loop.budget."))],
        "expert=scripted_cartpole",
        "algo=bc",
        "algo.loop.budget.gradient_steps=4000",
        "algo.loop.eval_every=500",
        "checkpoint_every=100",
        "algo.algorithm.validation_episodes=1",  # the best-validation policy survives a resume
        "algo.algorithm.validate_every=200",
    ]
    assert run_cli(tmp_path, *args, run_dir="whole").returncode == 0
    interrupt(tmp_path, args, "cut", "imitate/metrics.jsonl", 600)
    resumed = run_cli(tmp_path, *args, run_dir="cut")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    whole, again = tmp_path / "whole" / "imitate", tmp_path / "cut" / "imitate"
    assert comparable(read_jsonl(again / "metrics.jsonl")) == comparable(
        read_jsonl(whole / "metrics.jsonl")
    )
    wa, wb = weights(whole / "policy.pt"), weights(again / "policy.pt")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_a_run_dir_resumes_only_the_run_that_wrote_it(tmp_path):
    """The same dir with another seed or reward form stops before any work, naming the keys; the
    same config with a longer budget resumes (budgets may be extended on purpose)."""
    base = [*RUN[:-1], "checkpoint_every=1"]
    assert run_cli(tmp_path, *base, run_dir="dir").returncode == 0
    other = run_cli(tmp_path, *base, "seed=7", "discriminator.reward_form=gail", run_dir="dir")
    text = other.stdout + other.stderr
    assert other.returncode == 2 and "Traceback" not in text, text[-2000:]
    assert "belongs to a run with another config" in text and "seed: 0 -> 7" in text
    assert "discriminator.reward_form: 'logit' -> 'gail'" in text
    longer = [o for o in base if not o.startswith("algo.loop.budget.iterations")]
    more = run_cli(tmp_path, *longer, "algo.loop.budget.iterations=22", run_dir="dir")
    assert more.returncode == 0, more.stderr[-2000:]
    assert "resumed from" in more.stdout + more.stderr


def test_one_writer_per_stage_dir_stale_temp_files_and_empty_checkpoints(tmp_path):
    from gail_lab.rl.training_state import RunDirBusyError

    first = TrainingCheckpoints(tmp_path, 1, 3, "iterations", fingerprint={"seed": 0})
    first.lock()
    second = TrainingCheckpoints(tmp_path, 1, 3, "iterations", fingerprint={"seed": 0})
    with pytest.raises(RunDirBusyError, match="another run is writing to"):
        second.lock()
    first.save({"x": torch.zeros(2)}, 1)
    (tmp_path / "ckpt-000002.pt").write_bytes(b"")  # a 0-byte file: skipped, the older one used
    (tmp_path / ".ckpt-000003.pt.abc.tmp").write_bytes(b"x" * 1000)  # a killed write's leftover
    state, path = second.latest()
    assert path.name == "ckpt-000001.pt" and torch.equal(state["x"], torch.zeros(2))
    assert not list(tmp_path.glob(".ckpt-*.tmp"))
    first.unlock()
    second.lock()  # free again once the first writer is gone
    second.unlock()


def test_ctrl_c_saves_the_state_like_sigterm_and_exits_130(tmp_path):
    args = [o for o in RUN[:-1] if not o.startswith("algo.loop.budget.iterations")]
    args += ["checkpoint_every=100", "algo.loop.budget.iterations=400"]
    cmd = [sys.executable, str(ROOT / "run.py"), *args, f"hydra.run.dir={tmp_path / 'run'}"]
    cmd.append(f"artifacts_dir={tmp_path / 'artifacts'}")
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    metrics = tmp_path / "run" / "imitate" / "metrics.jsonl"
    deadline = time.time() + 240
    while time.time() < deadline and not (
        metrics.is_file() and metrics.read_text().count("\n") >= 3
    ):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, out[-2000:]
    assert "stopped by signal 2" in out and "Traceback" not in out
    assert TrainingCheckpoints(
        tmp_path / "run" / "imitate" / "checkpoints", 1, 3, "iterations"
    ).files()


def test_a_partly_written_last_metrics_row_is_dropped_on_resume(tmp_path, caplog):
    from gail_lab.errors import GailLabError
    from gail_lab.logging.run_logger import read_metrics

    path = tmp_path / "metrics.jsonl"
    path.write_text('{"global_step": 1, "a": 1.0}\n{"global_step": 2, "a": 2.0}\n{"global_st')
    assert read_metrics(path) == [{"global_step": 1, "a": 1.0}, {"global_step": 2, "a": 2.0}]
    assert "partly written last row" in caplog.text
    path.write_text('{"global_step": 1}\nnot json\n{"global_step": 3}\n')
    with pytest.raises(GailLabError, match="line 2: not a metrics row"):
        read_metrics(path)


KILL_IN_FSYNC = """
import os, runpy, signal, sys
real_fsync, seen = os.fsync, []
def fsync(fd):
    name = os.readlink(f"/proc/self/fd/{fd}")
    if "/imitate/checkpoints/.ckpt-" in name:
        seen.append(name)
        if len(seen) == int(os.environ["KILL_AT_CHECKPOINT"]):
            metrics = os.path.join(os.path.dirname(os.path.dirname(name)), "metrics.jsonl")
            with open(metrics, "a") as f:  # a crash mid-append: half a row, no newline
                f.write('{"global_step": 99999, "losses/po')
            os.kill(os.getpid(), signal.SIGKILL)  # inside the write: a full-size temp file left
    real_fsync(fd)
os.fsync = fsync
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.slow  # two runs and a killed one (~40 s); run by .ci/run
def test_sigkill_inside_a_checkpoint_write_and_a_torn_metrics_row_resume_bit_for_bit(tmp_path):
    """SIGKILL inside a checkpoint's fsync (its full-size temp file left behind) with half a
    metrics row appended: the same command resumes from the checkpoint before, removes the temp
    file, drops the torn row, and ends where an uninterrupted run does, weights and metrics."""
    assert run_cli(tmp_path, *RUN, run_dir="whole").returncode == 0
    wrapper = tmp_path / "kill_in_fsync.py"
    wrapper.write_text(KILL_IN_FSYNC)
    run_dir = tmp_path / "killed"
    cmd = [sys.executable, str(wrapper), str(ROOT / "run.py"), *RUN]
    cmd += [f"hydra.run.dir={run_dir}", f"artifacts_dir={tmp_path / 'artifacts'}"]
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    killed = subprocess.run(
        cmd, cwd=tmp_path, env={**env, "KILL_AT_CHECKPOINT": "7"}, capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    stage = run_dir / "imitate"
    (left,) = (stage / "checkpoints").glob(".ckpt-*.tmp")
    assert left.stat().st_size > 1000  # the whole checkpoint, never renamed
    assert (stage / "metrics.jsonl").read_text().endswith('"losses/po')

    resumed = run_cli(tmp_path, *RUN, run_dir="killed")
    text = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, text[-2000:]
    assert "partly written last row" in text and "resumed from" in text
    assert not list((stage / "checkpoints").glob(".ckpt-*.tmp"))
    whole = tmp_path / "whole" / "imitate"
    assert comparable(read_jsonl(stage / "metrics.jsonl")) == comparable(
        read_jsonl(whole / "metrics.jsonl")
    )
    a = torch.load(whole / "policy.pt", weights_only=True)["state_dict"]
    b = torch.load(stage / "policy.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
