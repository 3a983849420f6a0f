"""The defaults matrix: every (env preset, algo) pair composes and validates, picks its tuned
recipe (conf/tuned/<env>/<algo>.yaml) when one exists and says so when not; expert=auto and the
experts' stop at the env's threshold; the named presets mean the same as their pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONF, TINY, run_cli
from omegaconf import OmegaConf

from benchmarks.suites import SUITES
from gail_lab.config import validate_config

TUNED = CONF / "tuned"
MATRIX = SUITES["defaults"].matrix  # the env presets and algos of the defaults matrix
ENVS, ALGOS = MATRIX.envs, MATRIX.algos


@pytest.mark.parametrize("env", [*ENVS, "gym"])
@pytest.mark.parametrize("algo", ALGOS)
def test_every_pair_composes_with_its_recipe(compose_cfg, env, algo):
    extra = ["env.id=CartPole-v1"] if env == "gym" else []
    cfg = compose_cfg(f"env={env}", f"algo={algo}", *extra)
    validate_config(cfg)
    tuned = TUNED / env / f"{algo}.yaml"
    if tuned.is_file():
        assert cfg.recipe is not None and cfg.recipe.name == f"{env}/{algo}"
        assert cfg.recipe.measured  # what it reached, said in the summary
    else:
        assert cfg.recipe is None


def test_every_tuned_file_names_an_env_and_an_algo_preset():
    files = sorted(TUNED.glob("*/*.yaml"))
    assert files
    for f in files:
        assert (CONF / "env" / f"{f.parent.name}.yaml").is_file(), f
        assert (CONF / "algo" / f.name).is_file(), f


def test_overrides_and_presets_win_over_the_recipe(compose_cfg):
    assert compose_cfg("env=racecar", "algo=gail_ppo").algo.loop.budget.iterations == 20
    cfg = compose_cfg("env=racecar", "algo=gail_ppo", "algo.loop.budget.iterations=7")
    assert cfg.algo.loop.budget.iterations == 7
    fast = compose_cfg("experiment=cartpole_gail_ppo_fast")
    assert fast.recipe.name == "cartpole/gail_ppo" and fast.algo.loop.budget.iterations == 25
    assert not fast.discriminator.absorbing and not fast.eval.control


@pytest.mark.parametrize(
    ("experiment", "pair"),
    [
        ("racecar_gail_ppo", ["env=racecar", "algo=gail_ppo"]),
        ("racecar_bc", ["env=racecar", "algo=bc"]),
        ("racecar_pure_gail", ["env=racecar", "algo=dac"]),
    ],
)
def test_named_presets_are_their_pairs(compose_cfg, experiment, pair):
    a = OmegaConf.to_container(compose_cfg(f"experiment={experiment}"))
    b = OmegaConf.to_container(compose_cfg(*pair))
    assert a == b


def test_the_default_job_is_cartpole_gail_ppo_with_its_control(compose_cfg):
    cfg = compose_cfg()
    assert (cfg.env.name, cfg.algo.name, cfg.expert.name) == (
        "cartpole",
        "gail_ppo",
        "scripted_cartpole",
    )
    assert cfg.discriminator.absorbing and cfg.eval.control


@pytest.mark.parametrize(("env_id", "expert"), [("CartPole-v1", "ppo"), ("Pendulum-v1", "sac")])
def test_gym_env_picks_an_expert_that_fits_its_actions(compose_cfg, tmp_path, env_id, expert):
    from gail_lab.tasks.context import RunContext

    cfg = compose_cfg("env=gym", f"env.id={env_id}", "logger=none")
    assert cfg.expert.name == "auto"
    ctx = RunContext.create(cfg, tmp_path)
    assert ctx.cfg.expert.name == expert
    assert ctx.cfg.expert.stop_at_threshold


@pytest.mark.slow  # trains a PPO expert (~10 s); run by .ci/run
def test_experts_stop_once_they_hold_the_env_threshold(tmp_path):
    from gail_lab.rl.checkpoint import load_policy

    budget = 40_960
    out = run_cli(
        tmp_path,
        *TINY,
        "task=train_expert",
        "expert=ppo",
        f"expert.loop.budget.env_steps={budget}",
        "expert.loop.eval_every=1",
        "expert.loop.eval_episodes=2",
        "env.expert_min_return=30",
    )
    assert out.returncode == 0, out.stderr
    assert "stop_at_return after" in out.stdout + out.stderr
    (path,) = (tmp_path / "artifacts" / "experts").glob("*/expert.pt")
    _, meta = load_policy(path)
    assert meta["train"]["best_eval_return"] >= 30
    assert meta["train"]["env_steps"] < budget


def test_matmul_precision_is_applied_and_keys_trained_experts(compose_cfg, tmp_path):
    import torch

    from gail_lab.tasks.context import RunContext

    paths = {}
    try:
        for precision in ("highest", "medium"):
            cfg = compose_cfg("env=pendulum", "logger=none", f"matmul_precision={precision}")
            ctx = RunContext.create(cfg, tmp_path)
            assert torch.get_float32_matmul_precision() == precision
            paths[precision] = ctx.expert_path
    finally:
        torch.set_float32_matmul_precision("highest")
    assert paths["highest"] != paths["medium"]  # an expert trained at one is not the other's


def test_the_recipe_line_names_the_recipe_values_a_run_changed(compose_cfg):
    from gail_lab.tasks.context import recipe_line

    assert "changed" not in recipe_line(compose_cfg("env=racecar", "algo=gail_ppo"))
    line = recipe_line(
        compose_cfg("env=racecar", "algo=gail_ppo", "algo.reward.env_reward_coef=0", "seed=3")
    )
    assert line.startswith("conf/tuned/racecar/gail_ppo.yaml (")
    assert line.endswith("its numbers do not cover: algo.reward.env_reward_coef=0.0")
    pose = recipe_line(compose_cfg("env=racecar", "algo=dac", "env.kwargs.obs_mode=pose"))
    assert pose.endswith(": env.kwargs.obs_mode=pose")  # nested keys, strings


def test_a_pair_without_recipe_says_so_and_where_its_score_is(compose_cfg):
    from gail_lab.tasks.context import recipe_line

    line = recipe_line(compose_cfg("env=racecar", "algo=airl"))
    assert line.startswith("no tuned recipe for env=racecar algo=airl: algo=airl's generic")
    page = line.rsplit(": ", 1)[1].rstrip(")")
    assert (Path(__file__).parents[1] / page).is_file()
