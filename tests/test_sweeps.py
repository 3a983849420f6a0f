"""Sweeps through the real launchers and sweeper: joblib (parallel local jobs) and Optuna."""

import json

import pytest
import yaml

from tests.conftest import TINY, run_cli

SCRIPTED = [*TINY, "expert=scripted_cartpole"]


@pytest.mark.slow  # four runs through joblib (~20 s); run by .ci/run
def test_joblib_2x2_sweep_writes_four_runs(tmp_path):
    sweep = tmp_path / "multirun"
    out = run_cli(
        tmp_path,
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "seed=0,1",
        "discriminator.reward_form=gail,log_d",
        *SCRIPTED,
        f"hydra.sweep.dir={sweep}",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    runs = sorted(p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())
    assert len(runs) == 4
    combos = set()
    for run in runs:
        summary = json.loads((run / "summary.json").read_text())
        assert "normalized_score" in summary
        assert (run / "imitate" / "metrics.jsonl").stat().st_size > 0
        overrides = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
        combos.add(tuple(sorted(o for o in overrides if o.startswith(("seed=", "discriminator.")))))
    assert len(combos) == 4  # every seed x reward form ran once


def test_optuna_sweep_returns_a_best_value(tmp_path):
    sweep = tmp_path / "multirun"
    out = run_cli(
        tmp_path,
        "-m",
        "hparams_search=gail_optuna",
        "hydra.sweeper.n_trials=4",
        f"hydra.sweeper.storage=sqlite:///{tmp_path / 'optuna.db'}",
        *SCRIPTED,
        f"hydra.sweep.dir={sweep}",
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert set(result["best_params"]) == {
        "discriminator.optimizer.lr",
        "algo.reward.d_steps",
        "discriminator.grad_penalty",
        "discriminator.reward_form",
    }
    scores = [
        json.loads((sweep / str(k) / "summary.json").read_text())["normalized_score"]
        for k in range(4)
    ]
    assert result["best_value"] == max(scores)  # the objective is what run.py returns
    assert (tmp_path / "optuna.db").stat().st_size > 0  # SQLite storage works (SQLAlchemy < 2)


def test_a_sweep_with_failed_jobs_exits_1_and_counts_them(tmp_path):
    sweep = tmp_path / "multirun"
    out = run_cli(
        tmp_path,
        "-m",
        "seed=0,1",
        "task=imitate",
        "logger=none",
        "progress=false",
        f"data.path={tmp_path / 'missing.npz'}",
        f"hydra.sweep.dir={sweep}",
    )
    text = out.stdout + out.stderr
    assert out.returncode == 1, text[-2000:]
    assert "error: 2 of 2 jobs of the sweep failed" in text and "Traceback" not in text
    single = run_cli(tmp_path, "task=imitate", "logger=none", f"data.path={tmp_path / 'x.npz'}")
    assert single.returncode == 2 and not (tmp_path / "multirun" / "x").exists()
