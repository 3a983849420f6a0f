"""Sweep reports (gail_lab/report/, task=report) on a fixture sweep built by hand: two configs,
5 and 3 seeds, with known final scores and learning curves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from gail_lab.report import (
    bootstrap_ci,
    find_runs,
    group_curve,
    group_runs,
    iqm,
    main,
    markdown_table,
    summarize,
    write_report,
)
from tests.conftest import run_cli

# normalized_score per seed; the curves are 100 * score * step / 1000 on steps 0..1000.
SCORES = {"algo=gail_ppo": [0.2, 0.4, 0.6, 0.8, 1.0], "algo=bc": [0.1, 0.3, 0.5]}


def make_run(run_dir: Path, overrides: list[str], seed: int, score: float) -> None:
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([*overrides, f"seed={seed}"]))
    config = {"task": {"name": "pipeline"}, "seed": seed, "run_name": "${env.name}__${seed}"}
    (run_dir / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config))
    summary = {"normalized_score": score, "imitation_return_mean": 500 * score, "seed": seed}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    (run_dir / "imitate").mkdir()
    (run_dir / "imitate" / "summary.json").write_text(json.dumps({"imitate/env_steps": 1000}))
    # seed-dependent step grids (as real runs have), so the report must interpolate
    steps = [0, 250 + seed, 500, 750 - seed, 1000]
    rows = [{"global_step": s, "eval/return_mean": 100 * score * s / 1000} for s in steps]
    rows.insert(2, {"global_step": 400, "losses/policy_loss": 0.1})  # a row without the key
    (run_dir / "imitate" / "metrics.jsonl").write_text("\n".join(map(json.dumps, rows)) + "\n")


@pytest.fixture
def sweep(tmp_path) -> Path:
    """multirun/<date>/<time>/<job>/ as Hydra lays out a sweep of algo x seed."""
    root = tmp_path / "multirun" / "2026-11-26" / "12-00-00"
    job = 0
    for override, scores in SCORES.items():
        for seed, score in enumerate(scores):
            make_run(root / str(job), [override, "logger=none"], seed, score)
            job += 1
    (root / "multirun.yaml").write_text("hydra: {}\n")
    return root


def test_iqm_is_the_mean_of_the_middle_half():
    assert iqm([1, 2, 3, 4, 100]) == pytest.approx(3.0)  # floor(5/4) = 1 cut each side
    assert iqm([1, 2, 3, 4, 5, 6, 7, 100]) == pytest.approx(4.5)  # 2 cut each side
    scipy_stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(0).normal(size=13)
    assert iqm(x) == pytest.approx(scipy_stats.trim_mean(x, 0.25))


def test_bootstrap_ci_is_deterministic_and_contains_the_statistic():
    x = np.random.default_rng(1).uniform(size=7)
    low, high = bootstrap_ci(x, "mean", resamples=2000, seed=3)
    assert (low, high) == bootstrap_ci(x, "mean", resamples=2000, seed=3)
    assert (low, high) != bootstrap_ci(x, "mean", resamples=2000, seed=4)
    assert x.min() < low < x.mean() < high < x.max()
    # per-point intervals for curves: one column per grid point
    curves = np.stack([x, 2 * x], axis=1)  # (runs, points)
    lows, highs = bootstrap_ci(curves, "iqm", resamples=500)
    assert lows.shape == highs.shape == (2,)
    assert np.all(lows < iqm(curves, axis=0)) and np.all(iqm(curves, axis=0) < highs)
    assert bootstrap_ci([5.0], "mean") == (5.0, 5.0)


def test_runs_are_grouped_by_overrides_less_the_seed(sweep):
    runs = find_runs(sweep.parents[1])  # any folder above the runs works
    assert len(runs) == 8
    groups, shared = group_runs(runs)
    assert shared == {"logger": "none"}
    assert [(g.label, g.seeds) for g in groups] == [
        ("algo=bc", [0, 1, 2]),
        ("algo=gail_ppo", [0, 1, 2, 3, 4]),
    ]


def test_summaries_give_the_right_means_iqm_and_intervals(sweep):
    groups, _ = group_runs(find_runs(sweep))
    bc, ppo = (summarize(g, "normalized_score", resamples=2000) for g in groups)
    assert (bc.n, ppo.n) == (3, 5)
    assert bc.mean.value == pytest.approx(0.3) and ppo.mean.value == pytest.approx(0.6)
    assert bc.iqm is None  # fewer than 5 seeds
    assert ppo.iqm.value == pytest.approx(0.6)  # mean of 0.4, 0.6, 0.8
    for est in (bc.mean, ppo.mean, ppo.iqm):
        assert est.low < est.value < est.high
    returns = summarize(groups[1], "imitation_return_mean", resamples=100)
    assert returns.mean.value == pytest.approx(300.0)

    table = markdown_table([bc, ppo]).splitlines()
    assert table[0] == "| group | n | seeds | mean [95 % CI] | IQM [95 % CI] |"
    assert table[2].startswith(f"| algo=bc | 3 | 0-2 | 0.300 [{bc.mean.low:.3f}, ")
    assert table[2].endswith("| - (n < 5) |")
    assert table[3].startswith("| algo=gail_ppo | 5 | 0-4 | 0.600 [")
    assert f"| 0.600 [{ppo.iqm.low:.3f}, {ppo.iqm.high:.3f}] |" in table[3]


def test_curves_share_a_grid_and_average_the_runs(sweep):
    groups, _ = group_runs(find_runs(sweep))
    curve = group_curve(groups[1], points=11, resamples=200)  # gail_ppo: 5 seeds -> IQM
    assert curve.statistic == "iqm" and curve.n == 5 and curve.x_label == "env steps"
    np.testing.assert_allclose(curve.steps, np.linspace(0, 1000, 11))
    # every run is linear in the step, so the IQM is 100 * iqm(scores) * step / 1000
    np.testing.assert_allclose(curve.center, 100 * 0.6 * curve.steps / 1000, atol=1e-9)
    assert np.all(curve.low <= curve.center + 1e-9) and np.all(curve.center <= curve.high + 1e-9)
    bc = group_curve(groups[0], points=11, resamples=200)
    assert bc.statistic == "mean"
    np.testing.assert_allclose(bc.center, 100 * 0.3 * bc.steps / 1000, atol=1e-9)


def test_write_report_and_console_script(sweep, tmp_path, capsys):
    report = write_report(sweep, tmp_path / "out", resamples=500)
    text = report.markdown.read_text()
    assert "## normalized_score" in text and "## imitation_return_mean" in text
    assert "| algo=gail_ppo | 5 | 0-4 | 300.0 [" in text
    assert Image.open(report.png).size[0] > 500
    data = json.loads(report.json.read_text())
    assert data["metrics"]["normalized_score"][1]["mean"]["value"] == pytest.approx(0.6)
    # the same runs and seed give the same report
    again = write_report(sweep, tmp_path / "again", resamples=500)
    assert again.markdown.read_text() == text

    assert main([str(sweep), "--metric", "normalized_score", "--resamples", "200"]) == 0
    assert "| algo=bc | 3 | 0-2 | 0.300 [" in capsys.readouterr().out
    assert (sweep / "report.md").is_file() and (sweep / "report_curves.png").is_file()
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path / "nothing")])
    assert exit_.value.code == 2


def test_task_report_through_the_cli(sweep, tmp_path):
    out = run_cli(
        tmp_path,
        "task=report",
        f"task.dir={sweep}",
        "task.resamples=1000",
        "logger=none",
        run_dir="report",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = (tmp_path / "report" / "report.md").read_text()
    assert "| algo=bc | 3 | 0-2 | 0.300 [" in text
    assert "| algo=gail_ppo | 5 | 0-4 | 0.600 [" in text
    assert (tmp_path / "report" / "report_curves.png").is_file()
    # reporting on a folder that also holds this report's own run dir leaves that one out
    again = run_cli(
        tmp_path, "task=report", f"task.dir={tmp_path}", "task.resamples=100", "logger=none"
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "8 runs in 2 group(s)" in (tmp_path / "run" / "report.md").read_text()
    # a metric no run has: refused in one line, no empty report
    bogus = run_cli(
        tmp_path, "task=report", f"task.dir={sweep}", "task.metrics=[bogus]", run_dir="bogus"
    )
    text = bogus.stdout + bogus.stderr
    assert bogus.returncode == 2 and "has ['bogus'] in its summary.json" in text, text[-2000:]
    assert not (tmp_path / "bogus" / "report.md").exists()
    # the folder is required
    missing = run_cli(tmp_path, "task=report", "logger=none", run_dir="missing")
    assert missing.returncode == 2 and "task.dir: is required" in missing.stderr + missing.stdout


def test_report_options_are_checked(compose_cfg):
    from gail_lab.config import ConfigValueError, validate_config

    cfg = compose_cfg("task=report", "task.dir=.")
    assert cfg.task.resamples == 10_000 and list(cfg.task.metrics)[0] == "normalized_score"
    with pytest.raises(ConfigValueError, match=r"^task.confidence: must be in \(0, 1\)"):
        validate_config(compose_cfg("task=report", "task.dir=.", "task.confidence=95"))
