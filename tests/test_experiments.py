"""Every named preset in conf/experiment/ composes with the real config tree and validates."""

import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from gail_lab.config import validate_config

EXPERIMENTS = sorted(
    p.stem for p in (Path(__file__).resolve().parents[1] / "conf" / "experiment").glob("*.yaml")
)


def test_there_are_presets():
    assert EXPERIMENTS


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_composes_and_validates(compose_cfg, name):
    cfg = compose_cfg(f"experiment={name}")
    validate_config(cfg)
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves


def test_cartpole_gail_ppo_fast_holds_the_measured_settings(compose_cfg):
    cfg = compose_cfg("experiment=cartpole_gail_ppo_fast")
    assert (cfg.env.id, cfg.expert.name, cfg.algo.name) == (
        "CartPole-v1",
        "scripted_cartpole",
        "gail_ppo",
    )
    assert cfg.data.num_episodes == 20
    # the speed claim is about greedy evaluations of >= 10 episodes during training
    assert cfg.algo.trainer.eval_episodes >= 10
    # the command line still wins over the preset
    assert (
        compose_cfg("experiment=cartpole_gail_ppo_fast", "optimizer.lr=0.01").optimizer.lr == 0.01
    )


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_leaves_the_logger_choice_alone(compose_cfg, name):
    """A preset must not switch W&B back on under logger=none."""
    assert compose_cfg(f"experiment={name}", "logger=none").logger.wandb is None


def _benchmark_rows():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "tables.py"
    spec = importlib.util.spec_from_file_location("benchmark_tables", path)
    tables = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = tables  # its dataclasses look their module up there
    spec.loader.exec_module(tables)
    return [
        pytest.param([*suite.common, *row.overrides], id=f"{name}-{row.name}")
        for name, suite in tables.SUITES.items()
        for row in suite.rows
    ]


@pytest.mark.parametrize("overrides", _benchmark_rows())
def test_every_benchmark_row_composes_and_validates(compose_cfg, overrides):
    """A typo in a row of benchmarks/tables.py fails here, not an hour into a benchmark."""
    cfg = compose_cfg(*overrides, "logger=none")
    validate_config(cfg)
    OmegaConf.to_container(cfg, resolve=True)
