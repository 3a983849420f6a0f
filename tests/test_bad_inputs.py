"""The bad-input catalogue (docs/reliability.md, "Bad input and what you get"): every bad input stops the real
entrypoint with one line naming the problem, a non-zero exit, no traceback and no half-written
file; an unreachable W&B falls back to offline; no secret reaches a file.

gail_lab's own checks exit 2 with ``error: <message>``; Hydra rejects what it cannot compose
(unknown option, unknown key, wrong type) before gail_lab runs, with its own short message and
exit 1."""

from __future__ import annotations

import errno
import os
import pickle
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gail_lab.io
from gail_lab.errors import DiskFullError, GailLabError
from gail_lab.io import atomic_write_text
from tests.conftest import ROOT, TINY, read_jsonl, run_cli
from tests.test_wandb import read_wandb_run

SCRIPTED = [*TINY, "expert=scripted_cartpole"]
WANDB = [o for o in SCRIPTED if o != "logger=none"] + ["logger=wandb"]


class CodeOnLoad:
    """Unpickling this creates ``marker``: the file asks the loader to run code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A real CartPole dataset and policy (one tiny pipeline run), and bad copies of them."""
    tmp = tmp_path_factory.mktemp("bad_inputs")
    out = run_cli(tmp, *SCRIPTED, "task=pipeline")
    assert out.returncode == 0, out.stderr
    (dataset,) = (tmp / "artifacts" / "datasets").glob("*.npz")
    policy = tmp / "run" / "imitate" / "policy.pt"
    bad = tmp / "bad"
    bad.mkdir()
    marker = bad / "code_ran"

    with np.load(dataset, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    observations = arrays["observations"].copy()
    observations[5, 1] = np.nan
    np.savez(bad / "nan.npz", **{**arrays, "observations": observations})
    blob = dataset.read_bytes()
    (bad / "truncated.npz").write_bytes(blob[: len(blob) // 2])
    (bad / "pickle.npz").write_bytes(pickle.dumps(CodeOnLoad(marker)))
    np.savez(
        bad / "object_array.npz",
        **{**arrays, "observations": np.array([CodeOnLoad(marker)], dtype=object)},
    )

    blob = policy.read_bytes()
    (bad / "truncated.pt").write_bytes(blob[: len(blob) // 2])
    (bad / "pickle.pt").write_bytes(pickle.dumps(CodeOnLoad(marker)))
    torch.save({"kind": "CategoricalPolicy", "state_dict": CodeOnLoad(marker)}, bad / "torch.pt")
    (bad / "notes.npz").write_text("observations, actions\n0.1, 1\n")
    (bad / "random.pt").write_bytes(np.random.default_rng(0).bytes(256))
    return {"dataset": dataset, "policy": policy, "bad": bad, "marker": marker}


# (test id, overrides ({dataset}, {policy}, {bad} are filled from `files`), message, exit code)
CATALOGUE = [
    ("unknown_option", ["algo=gial"], "Could not find 'algo/gial'", 1),
    ("unknown_key", ["algo.algorithm.bogus=1"], "Key 'bogus' not in 'GAILConfig'", 1),
    (
        "wrong_type",
        ["optimizer.lr=fast"],
        "Value 'fast' of type 'str' could not be converted to Float",
        1,
    ),
    ("negative_lr", ["optimizer.lr=-1e-3"], "optimizer.lr: must be > 0 (got -0.001)", 2),
    ("seed_too_large", ["seed=5000000000"], "seed: must be in [0, 2**32 - 1] (got 5000000000)", 2),
    (
        "negative_expert_seed",
        ["expert_seed=-1"],
        "expert_seed: must be null or in [0, 2**32 - 1]",
        2,
    ),
    (
        "negative_grad_norm",
        ["algo.learner.max_grad_norm=-1"],
        "algo.learner.max_grad_norm: must be > 0 (got -1.0)",
        2,
    ),
    (
        "negative_value_coef",
        ["algo.learner.value_coef=-1"],
        "algo.learner.value_coef: must be >= 0",
        2,
    ),
    (
        "dac_never_learns",
        ["env=pendulum", "expert=scripted_pendulum", "algo=dac", "algo.loop.budget.env_steps=500"],
        "algo.algorithm.learning_starts: must be < algo.loop.budget.env_steps (500)",
        2,
    ),
    (
        "minari_and_path",
        ["data.minari_id=mujoco/hopper/expert-v0", "data.path={dataset}"],
        "data.minari_id: must be null when data.path is set",
        2,
    ),
    (
        "airl_without_its_discriminator",
        ["algo=airl", "discriminator=mlp"],
        "discriminator: algo=airl needs AIRL's (discriminator=airl)",
        2,
    ),
    (
        "gamma_above_1",
        ["algo=gail_ppo", "algo.learner.gamma=1.5"],
        "algo.learner.gamma: must be in (0, 1] (got 1.5)",
        2,
    ),
    (
        "zero_batch",
        ["algo.reward.d_batch_size=0"],
        "algo.reward.d_batch_size: must be an even number >= 2 (got 0)",
        2,
    ),
    (
        "unknown_env_id",
        ["env.id=CartPole-v9"],
        "env.id: unknown gymnasium id 'CartPole-v9'. Did you mean CartPole-v1",
        2,
    ),
    ("missing_dataset", ["task=imitate"], "no demonstrations dataset at", 2),
    (
        "dataset_of_another_env",
        ["task=imitate", "env=pendulum", "data.path={dataset}"],
        "was recorded on CartPole-v1 (observations Box(shape=(4,), dtype=float32), actions "
        "Discrete(2)) and cannot be used with Pendulum-v1",
        2,
    ),
    (
        "dataset_with_nan",
        ["task=imitate", "data.path={bad}/nan.npz"],
        "nan.npz: observations holds non-finite values (first at transition 5)",
        2,
    ),
    (
        "truncated_dataset",
        ["task=imitate", "data.path={bad}/truncated.npz"],
        "truncated.npz: truncated or corrupt dataset file",
        2,
    ),
    (
        "pickle_as_dataset",
        ["task=imitate", "data.path={bad}/pickle.npz"],
        "pickle.npz: refused, the file holds pickled objects",
        2,
    ),
    (
        "object_array_in_dataset",
        ["task=imitate", "data.path={bad}/object_array.npz"],
        "object_array.npz: refused, the file holds pickled objects",
        2,
    ),
    (
        "corrupt_checkpoint",
        ["task=evaluate", "eval.checkpoint={bad}/truncated.pt"],
        "truncated.pt: corrupt or truncated checkpoint",
        2,
    ),
    (
        "checkpoint_of_another_env",
        ["task=evaluate", "env=acrobot", "eval.checkpoint={policy}"],
        "the policy was trained on CartPole-v1 (observations 4, actions Discrete(2)) and cannot "
        "run on Acrobot-v1 (observations 6, actions Discrete(3))",
        2,
    ),
    (
        "pickle_as_checkpoint",
        ["task=evaluate", "eval.checkpoint={bad}/pickle.pt"],
        "pickle.pt: refused, the file asks to unpickle code or objects",
        2,
    ),
    (
        "object_in_checkpoint",
        ["task=evaluate", "eval.checkpoint={bad}/torch.pt"],
        "torch.pt: refused, the file asks to unpickle code or objects, not plain tensors and "
        "values (Unsupported global: GLOBAL",
        2,
    ),
    (
        "absorbing_without_outcomes",
        [
            "task=imitate",
            "data.path={dataset}",
            "discriminator.absorbing=true",
            "env.terminal_outcome=info",
        ],
        "discriminator.absorbing: CartPole-v1 does not say whether an episode ended in success",
        2,
    ),
    (  # before the expert trains and its data are collected
        "absorbing_on_an_env_without_outcomes",
        [
            "task=pipeline",
            "env=gym",
            "env.id=Pendulum-v1",
            "expert=scripted_pendulum",
            "discriminator.absorbing=true",
        ],
        "discriminator.absorbing: Pendulum-v1 does not say whether an episode ended in success",
        2,
    ),
    (
        "noise_dims_outside_the_action",
        [
            "task=pipeline",
            "env=pendulum",
            "expert=scripted_pendulum",
            "data.noise_scale=0.1",
            "data.noise_dims=[5]",
        ],
        "data.noise_dims: [5] outside the action's 1 dimensions of Pendulum-v1",
        2,
    ),
    (
        "noise_dims_on_discrete_actions",
        ["task=pipeline", "data.noise_scale=0.1", "data.noise_dims=[0]"],
        "data.noise_dims: Box actions only; CartPole-v1 has Discrete(2)",
        2,
    ),
    (
        "noise_scale_above_1_on_discrete_actions",
        ["task=pipeline", "data.noise_scale=2"],
        "data.noise_scale: must be <= 1 for discrete actions",
        2,
    ),
    (
        "obs_dims_outside_the_observation",
        ["task=pipeline", "discriminator.obs_dims=[0,9]"],
        "discriminator.obs_dims: [9] outside the 4 observation dims of CartPole-v1",
        2,
    ),
    (
        "text_file_as_dataset",
        ["task=imitate", "data.path={bad}/notes.npz"],
        "not a gail_lab dataset, not an .npz archive (it starts 'observations, ac'",
        2,
    ),
    (
        "folder_as_dataset",
        ["task=imitate", "data.path={bad}"],
        "is a folder; data.path takes a dataset file (.npz)",
        2,
    ),
    (
        "random_bytes_as_checkpoint",
        ["task=evaluate", "eval.checkpoint={bad}/random.pt"],
        "random.pt: not a torch checkpoint, it starts ",
        2,
    ),
    (
        "folder_as_checkpoint",
        ["task=evaluate", "eval.checkpoint={bad}"],
        "is a folder; give a policy file (a run's policy.pt)",
        2,
    ),
    (
        "dqn_expert_on_box_actions",
        ["task=train_expert", "env=gym", "env.id=Pendulum-v1", "expert=dqn"],
        "expert=dqn needs a discrete action space; Pendulum-v1 has Box(",
        2,
    ),
    (
        "more_episodes_than_the_dataset",
        ["task=imitate", "data.path={dataset}", "data.use_episodes=50"],
        "data.use_episodes=50 but the dataset holds 6 episodes",
        2,
    ),
    (
        "no_policy_in_the_run_dir",
        ["task=evaluate"],
        "eval.checkpoint is null and the run dir holds no policy.pt",
        2,
    ),
]


def assert_nothing_half_made(tmp_path: Path) -> None:
    """No temp file anywhere, no artifact, and the run dir holds only Hydra's config and log."""
    assert not list(tmp_path.rglob("*.tmp"))
    assert not (tmp_path / "artifacts").exists()
    run_dir = tmp_path / "run"
    if run_dir.exists():
        assert {p.name for p in run_dir.iterdir()} <= {".hydra", "run.log"}


@pytest.mark.parametrize(
    ("overrides", "message", "exit_code"),
    [pytest.param(o, m, c, id=i) for i, o, m, c in CATALOGUE],
)
def test_bad_input(tmp_path, files, overrides, message, exit_code):
    filled = [o.format(**{k: str(v) for k, v in files.items()}) for o in overrides]
    base = SCRIPTED
    if "algo=dac" in filled:  # its loop counts env steps and has no GAIL settings
        base = [o for o in SCRIPTED if not o.startswith(("algo.loop.budget.", "algo.algorithm."))]
    out = run_cli(tmp_path, *base, *filled)
    text = out.stdout + out.stderr
    assert out.returncode == exit_code, text
    assert any(message in line for line in text.splitlines()), text  # on one line
    assert "Traceback" not in text
    if exit_code == 2:
        assert len(re.findall(r"\berror: ", text)) == 1, text
    assert not files["marker"].exists()  # no pickled code ran
    assert_nothing_half_made(tmp_path)


def one_error_line(out) -> str:
    """A run that stopped with exit 2, no traceback and exactly one ``error:`` line: that line."""
    text = out.stdout + out.stderr
    assert out.returncode == 2, text
    assert "Traceback" not in text, text
    (line,) = [line for line in text.splitlines() if "error: " in line]
    return line


# --------------------------------------------------------------------------- paths that cannot be written
# /sys refuses new entries even to root (EPERM), so these hold as root and as a user
@pytest.mark.parametrize(
    ("where", "reason"),
    [("/sys/gail_lab_run", "Operation not permitted"), ("a_file", "a file is there, not a folder")],
    ids=["no_permission", "a_file"],
)
def test_unwritable_run_dir(tmp_path, where, reason):
    (tmp_path / "a_file").write_text("not a folder\n")
    line = one_error_line(run_cli(tmp_path, *SCRIPTED, "task=pipeline", run_dir=where))
    assert f"cannot write hydra.run.dir {Path(tmp_path, where)} ({reason})" in line, line
    assert not (tmp_path / "artifacts").exists()


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("/sys/gail_lab_artifacts", "Operation not permitted"),
        ("a_file", "a file is there, not a folder"),
        ("a_file/below", "Not a directory"),
    ],
    ids=["no_permission", "a_file", "below_a_file"],
)
def test_unwritable_artifacts_dir_stops_before_any_stage(tmp_path, where, reason):
    (tmp_path / "a_file").write_text("not a folder\n")
    line = one_error_line(run_cli(tmp_path, *SCRIPTED, "task=pipeline", artifacts_dir=where))
    assert f"cannot write artifacts_dir {Path(tmp_path, where)}" in line and reason in line, line
    assert {p.name for p in (tmp_path / "run").iterdir()} <= {".hydra", "run.log"}  # no stage


def test_unwritable_sweep_dir(tmp_path):
    out = run_cli(tmp_path, "-m", "seed=0,1", *SCRIPTED, "hydra.sweep.dir=/sys/gail_lab_sweep")
    line = one_error_line(out)
    assert "cannot write hydra.sweep.dir /sys/gail_lab_sweep (Operation not permitted)" in line


def test_slurm_launcher_without_slurm(tmp_path):
    """No srun/sbatch on PATH (submitit would raise "Could not detect srun"): one line, before
    any job."""
    out = run_cli(
        tmp_path,
        "-m",
        "hydra/launcher=slurm",
        "seed=0,1",
        *SCRIPTED,
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        env={"PATH": str(Path(sys.executable).parent)},
    )
    line = one_error_line(out)
    assert "hydra/launcher=slurm: no SLURM here (no srun or sbatch on PATH)" in line, line
    assert "hydra/launcher=joblib" in line


def test_evaluate_says_why_the_score_is_nan(tmp_path, files):
    """A policy scored where no dataset gives the expert's return: the score is NaN, and a
    warning says why and how to supply the reference."""
    out = run_cli(tmp_path, *SCRIPTED, "task=evaluate", f"eval.checkpoint={files['policy']}")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    (line,) = [line for line in text.splitlines() if "normalized score nan:" in line]
    assert "no expert reference return" in line and "data.path=" in line, line
    assert "task=collect" in line
    out = run_cli(
        tmp_path,
        *SCRIPTED,
        "task=evaluate",
        f"eval.checkpoint={files['policy']}",
        f"data.path={files['dataset']}",
    )
    assert out.returncode == 0 and "normalized score nan" not in out.stdout + out.stderr


def test_minari_dataset_not_in_the_store(tmp_path):
    store = tmp_path / "minari_store"
    store.mkdir()
    out = run_cli(
        tmp_path,
        *SCRIPTED,
        "task=imitate",
        "data.minari_id=foo/bar-v0",
        env={"MINARI_DATASETS_PATH": str(store)},
    )
    line = one_error_line(out)
    assert "Minari dataset 'foo/bar-v0' is not in the local store" in line, line
    assert "`minari download foo/bar-v0`" in line and "download=True" not in line


# --------------------------------------------------------------------------- disk full
def _disk_full(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_keeps_the_old_file_and_names_it(tmp_path, monkeypatch):
    target = atomic_write_text(tmp_path / "summary.json", "old\n")
    monkeypatch.setattr(gail_lab.io.os, "fsync", _disk_full)
    with pytest.raises(DiskFullError, match=f"disk full while writing {re.escape(str(target))}"):
        atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]  # the temp file is gone

    def io_error(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(gail_lab.io.os, "fsync", io_error)
    with pytest.raises(OSError) as info:  # other write errors pass through as they are
        atomic_write_text(target, "new\n")
    assert not isinstance(info.value, GailLabError) and info.value.errno == errno.EIO
    assert list(tmp_path.iterdir()) == [target]


def test_disk_full_through_the_entrypoint(tmp_path, monkeypatch, caplog):
    """run.py in this process (a subprocess cannot be given a full disk without root): the first
    file write fails, the run exits 2 with one line naming the file, and leaves no part of it."""
    monkeypatch.setattr(gail_lab.io.os, "fsync", _disk_full)
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "run.py",
            *SCRIPTED,
            "task=train_expert",
            f"hydra.run.dir={tmp_path / 'run'}",
            f"artifacts_dir={tmp_path / 'artifacts'}",
            "hydra/job_logging=none",
            "hydra/hydra_logging=none",
        ],
    )
    with caplog.at_level("ERROR", logger="gail_lab"), pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(ROOT / "run.py"), run_name="__main__")
    assert exit_info.value.code == 2
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    message = record.getMessage()
    found = re.fullmatch(
        r"error: disk full while writing (\S+) \(No space left on device\); .*", message
    )
    assert found and Path(found.group(1)).is_relative_to(tmp_path), message
    assert not Path(found.group(1)).exists() and not list(tmp_path.rglob("*.tmp"))


# --------------------------------------------------------------------------- W&B and secrets
SECRET = "secret-test-key-123"


def files_holding(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


@pytest.mark.parametrize("api_key", [None, SECRET + "x" * 30], ids=["no_api_key", "api_key"])
def test_wandb_unreachable_online_falls_back_offline_losing_no_metric(tmp_path, files, api_key):
    """No key (W&B refuses at once) or a key and no server (the init times out)."""
    out = run_cli(
        tmp_path,
        *WANDB,
        "task=imitate",
        f"data.path={files['dataset']}",
        "logger.wandb.mode=online",
        "logger.wandb.init_timeout=2",
        env={
            "WANDB_MODE": None,
            "WANDB_API_KEY": api_key,
            "WANDB_BASE_URL": "http://127.0.0.1:9",
            "NETRC": str(tmp_path / "no_netrc"),
        },
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    warnings = [line for line in text.splitlines() if "W&B online init failed" in line]
    assert len(warnings) == 1 and "logging this run offline instead" in warnings[0], text
    assert "Traceback" not in text
    rows = read_jsonl(tmp_path / "run" / "metrics.jsonl")
    history = read_wandb_run(tmp_path / "run").history
    assert len(rows) == 3 and [h["global_step"] for h in history] == [
        r["global_step"] for r in rows
    ]
    assert history[-1]["disc/loss"] == pytest.approx(rows[-1]["disc/loss"])
    assert not list((tmp_path / "run" / "wandb").glob("run-*"))  # the failed online run is gone
    assert files_holding(tmp_path, SECRET) == []


def test_no_secret_in_any_file(tmp_path):
    """The W&B API key in the environment reaches no config, log, summary, W&B or artifact file."""
    out = run_cli(tmp_path, *WANDB, "task=pipeline", env={"WANDB_API_KEY": SECRET})
    assert out.returncode == 0, out.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"config.yaml", "run.log", "summary.json", "expert.pt", "policy.pt"} <= names
    assert any(p.suffix == ".wandb" for p in written) and any(p.suffix == ".npz" for p in written)
    assert files_holding(tmp_path, SECRET) == []


def test_evaluate_without_checkpoint_scores_the_run_dirs_policy(tmp_path, files):
    """eval.checkpoint=null means <run dir>/policy.pt (what task=imitate writes)."""
    run_dir = tmp_path / "imitate_run"
    run_dir.mkdir()
    (run_dir / "policy.pt").write_bytes(files["policy"].read_bytes())
    out = run_cli(tmp_path, *SCRIPTED, "task=evaluate", run_dir="imitate_run")
    assert out.returncode == 0, out.stderr
    assert (run_dir / "eval.json").is_file()


def test_reliability_table_names_every_catalogue_test():
    """The "Bad input and what you get" table (docs/reliability.md) and this file list the same
    cases."""
    readme = (ROOT / "docs" / "reliability.md").read_text()
    table = readme.split("### Bad input and what you get")[1].split("\n## ")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    named = {i for row in rows for i in re.findall(r"`(?:test_bad_input)?\[(\w+)\]`", row)}
    assert named == {case[0] for case in CATALOGUE}
    functions = {f for row in rows for f in re.findall(r"`(test_\w+)`", row)}
    assert functions and all(callable(globals().get(f)) for f in functions), functions
    total, cases, own = map(
        int,
        re.search(
            r"\*\*(\d+) bad inputs\*\* are\s+covered, (\d+) cases of `test_bad_input` and "
            r"(\d+) tests of their own",
            readme,
        ).groups(),
    )
    assert (total, cases, own) == (len(named) + len(functions), len(named), len(functions))
