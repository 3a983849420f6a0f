"""The W&B dashboards as code (gail_lab/logging/dashboard.py, task=dashboard): built offline from
wandb-workspaces objects, every panel reading a metric the loggers really write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from gail_lab.logging import dashboard
from tests.conftest import TINY, TINY_DQN, run_cli


def written_keys(run: Path) -> tuple[set[str], set[str]]:
    """Every key a run's stages logged (metrics.jsonl rows, summary.json) and the stages."""
    keys: set[str] = set()
    stages = set()
    for stage in run.iterdir():
        if (stage / "metrics.jsonl").is_file() or (stage / "summary.json").is_file():
            stages.add(stage.name)
        if (stage / "metrics.jsonl").is_file():
            for line in (stage / "metrics.jsonl").read_text().splitlines():
                keys |= set(json.loads(line))
        if (stage / "summary.json").is_file():
            keys |= set(json.loads((stage / "summary.json").read_text()))
    return keys, stages


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> tuple[set[str], set[str]]:
    """Keys and stages of two tiny pipelines: CartPole with a trained DQN expert (expert
    training, collection, GAIL+PPO, evaluation) and the racecar (an env that reports success)."""
    tmp = tmp_path_factory.mktemp("dashboard")
    runs = {
        "cartpole": [*TINY_DQN, "data.allow_weak_expert=true"],
        "racecar": [*TINY, "env=racecar", "algo.algorithm.bc_warm_start=0"],
    }
    keys: set[str] = set()
    stages: set[str] = set()
    for name, overrides in runs.items():
        (tmp / name).mkdir()
        out = run_cli(tmp / name, *overrides)
        assert out.returncode == 0, out.stderr[-3000:]
        k, s = written_keys(tmp / name / "run")
        keys, stages = keys | k, stages | s
    return keys, stages


def test_every_panel_reads_a_metric_the_loggers_write(logged):
    keys, _ = logged
    missing = dashboard.metric_keys() - keys
    assert not missing, f"panels read keys no logger writes: {sorted(missing)}"
    # the x axis of every line plot
    assert dashboard.STEP in keys


def test_views_filter_on_the_stages_job_types_and_group_by_config_keys(logged, compose_cfg):
    _, stages = logged
    for view in dashboard.VIEWS:
        assert set(view.job_types) <= stages, (view.name, view.job_types, stages)
    cfg = compose_cfg()
    for key in dashboard.config_keys():
        assert OmegaConf.select(cfg, key) is not None, key


def test_the_workspaces_build_offline_into_what_wandb_receives():
    views = dashboard.build("my-team", "my-project")
    assert [v.name for v in views] == ["gail_lab: imitation", "gail_lab: experts"]
    text = json.dumps(dashboard.layout(views))
    for key in dashboard.metric_keys():
        assert f'"{key}"' in text, key
    assert '"jobType"' in text and '"algo.value.name"' in text  # the filter and the grouping


def test_task_dashboard_writes_the_layout_and_says_in_one_line_why_it_cannot_save(tmp_path):
    no_account = {"WANDB_API_KEY": None, "WANDB_MODE": None, "HOME": str(tmp_path)}
    out = run_cli(
        tmp_path, "task=dashboard", "logger=wandb", "logger.wandb.entity=me", env=no_account
    )
    assert out.returncode != 0
    text = out.stdout + out.stderr  # Hydra's log goes to stdout
    errors = [line for line in text.splitlines() if "error:" in line]
    assert len(errors) == 1 and "online W&B account" in errors[0], text[-2000:]
    assert "Traceback" not in text
    layout = json.loads((tmp_path / "run" / "dashboard.json").read_text())
    assert [v["displayName"] for v in layout] == ["gail_lab: imitation", "gail_lab: experts"]
    out = run_cli(tmp_path, "task=dashboard", "logger=wandb", "task.save=false", run_dir="r2")
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "r2" / "dashboard.json").is_file()
