"""The MuJoCo locomotion presets (the `mujoco` extra): each composes with its expert and
settings, and a tiny pipeline (a few hundred expert steps, one weak-expert episode, a few
hundred DAC steps) runs through every stage on each env."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from gail_lab.config import validate_config

pytest.importorskip("mujoco", reason="the mujoco extra is not installed (make install adds it)")

MUJOCO = {
    "hopper": "Hopper-v5",
    "halfcheetah": "HalfCheetah-v5",
    "walker2d": "Walker2d-v5",
    "ant": "Ant-v5",
}
BARS = {"hopper": 2500, "halfcheetah": 3000, "walker2d": 3000, "ant": 2000}
# Each preset's default expert: PPO (minutes to the bar on one core) where it was measured to
# reach it, SAC (RL Zoo's settings) for Ant.
EXPERTS = {
    "hopper": "ppo_mujoco",
    "halfcheetah": "ppo_mujoco",
    "walker2d": "ppo_mujoco",
    "ant": "sac_mujoco",
}
TINY_EXPERT = {
    "ppo_mujoco": [
        "expert.loop.budget.env_steps=300",
        "expert.algorithm.samples_per_iteration=100",
        "expert.loop.eval_every=3",
        "expert.loop.eval_episodes=1",
    ],
    "sac_mujoco": [
        "expert.loop.budget.env_steps=300",
        "expert.algorithm.learning_starts=100",
        "expert.loop.eval_every=300",
        "expert.loop.eval_episodes=1",
    ],
}
TINY_MUJOCO = [
    "logger=none",
    "progress=false",
    "algo=dac",
    "data.num_transitions=null",
    "data.num_episodes=1",
    "data.allow_weak_expert=true",
    "algo.loop.budget.env_steps=300",
    "algo.loop.eval_every=300",
    "algo.loop.eval_episodes=1",
    "algo.algorithm.learning_starts=100",
    "eval.episodes=1",
]


@pytest.mark.parametrize("env", MUJOCO)
def test_mujoco_presets_compose(compose_cfg, env):
    for algo in ("dac", "gail_ppo", "bc"):
        cfg = compose_cfg(f"env={env}", f"algo={algo}")
        validate_config(cfg)
        assert cfg.env.id == MUJOCO[env] and cfg.env.normalize_obs
        assert cfg.env.expert_min_return == BARS[env]
        assert cfg.expert.name == EXPERTS[env] and cfg.expert.loop.budget.env_steps == 1_000_000


def smoke(tmp_path, env):
    tiny = [*TINY_MUJOCO, *TINY_EXPERT[EXPERTS[env]]]
    out = run_cli(tmp_path, f"env={env}", *tiny, "task=pipeline", timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["env_id"] == MUJOCO[env] and summary["imitation_env_steps"] == 300


@pytest.mark.slow  # ~20-60 s each; run by .ci/run
@pytest.mark.parametrize("env", MUJOCO)
def test_mujoco_tiny_pipelines(tmp_path, env):
    smoke(tmp_path, env)


@pytest.mark.slow  # a tiny expert, an export and a BC run (~30 s); run by .ci/run
def test_a_minari_dataset_in_the_mujoco_layout_is_imitated_by_its_id(tmp_path):
    """The demonstrations as Minari's remote MuJoCo datasets are named and laid out
    (mujoco/hopper/expert-v0), built here from our own expert, then imitated through
    data.minari_id= without training an expert."""
    import subprocess
    import sys

    store, dataset_id = tmp_path / "minari", "mujoco/hopper/expert-v0"
    tiny = [*TINY_MUJOCO, *TINY_EXPERT["ppo_mujoco"]]
    for task in ("train_expert", "collect"):
        out = run_cli(tmp_path, "env=hopper", *tiny, f"task={task}", run_dir=task, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
    (npz,) = (tmp_path / "artifacts" / "datasets").glob("*.npz")
    export = [sys.executable, "-m", "gail_lab.data.minari_io", "export", str(npz), dataset_id]
    done = subprocess.run([*export, "--root", str(store)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (store / "mujoco" / "hopper" / "expert-v0" / "data" / "main_data.hdf5").is_file()

    bc = ["algo=bc", "algo.loop.budget.gradient_steps=50", "algo.loop.eval_every=50"]
    args = ["env=hopper", *TINY_MUJOCO[:2], *bc, "eval.episodes=1", "task=pipeline"]
    out = run_cli(
        tmp_path,
        *args,
        f"data.minari_id={dataset_id}",
        artifacts_dir="fresh",
        env={"MINARI_DATASETS_PATH": str(store)},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["env_id"] == "Hopper-v5" and "mujoco__hopper__expert-v0" in summary["dataset"]
    assert not (tmp_path / "fresh" / "experts").exists()  # no expert trained
