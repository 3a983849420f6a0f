"""Env presets and the factory: every preset builds and passes gymnasium's checker; bad ids and
kwargs fail with one message naming the id."""

from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hydra.utils import instantiate

from gail_lab.envs import EnvError, EnvFactory
from gail_lab.seeding import SeedTree

PRESETS = sorted(
    p.stem
    for p in (Path(__file__).resolve().parents[1] / "conf" / "env").glob("*.yaml")
    if p.stem != "gym"
)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_builds_and_passes_check_env(compose_cfg, preset):
    factory = instantiate(compose_cfg(f"env={preset}").env)
    env = factory.make()
    try:
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()
    vec = factory.make_vec(2)
    obs, _ = vec.reset(seed=[1, 2])
    assert obs.shape == (2, *factory.observation_space.shape)
    vec.close()


def test_generic_gym_option_takes_any_id(compose_cfg):
    factory = instantiate(compose_cfg("env=gym", "env.id=Acrobot-v1").env)
    assert (
        factory.id == "Acrobot-v1" and factory.n_actions == 3 and factory.expert_min_return == -100
    )


def test_unknown_id_names_it_and_suggests():
    with pytest.raises(
        EnvError, match=r"unknown gymnasium id 'Acrobat-v1'. Did you mean Acrobot-v1"
    ):
        EnvFactory("Acrobat-v1", num_envs=1)


def test_wrong_kwargs_name_the_id():
    with pytest.raises(EnvError, match=r"env.kwargs: CartPole-v1 rejects \{'wind': 3\}"):
        EnvFactory("CartPole-v1", kwargs={"wind": 3}, num_envs=1)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vectorized_collection_is_the_same_sync_or_async(mode):
    from gail_lab.rl.rollout import EpisodeRunner

    factory = EnvFactory("CartPole-v1", num_envs=3, vectorization=mode)
    vec = factory.make_vec()
    try:
        roll = EpisodeRunner(vec, np.random.default_rng(5)).run(
            lambda obs: (obs[:, 2] > 0).astype(np.int64), num_episodes=5
        )
    finally:
        vec.close()
    ref_vec = EnvFactory("CartPole-v1", num_envs=3).make_vec()
    ref = EpisodeRunner(ref_vec, np.random.default_rng(5)).run(
        lambda obs: (obs[:, 2] > 0).astype(np.int64), num_episodes=5
    )
    ref_vec.close()
    np.testing.assert_array_equal(roll.observations, ref.observations)


def test_scripted_racecar_expert_reaches_the_goal():
    from gail_lab.experts.scripted import RacecarPurePursuit
    from gail_lab.rl.evaluation import evaluate_policy

    for obs_mode in ("pose", "pose_speed", "full"):
        factory = EnvFactory("gail_lab/Racecar-v1", kwargs={"obs_mode": obs_mode}, num_envs=2)
        vec = factory.make_vec()
        try:
            result = evaluate_policy(RacecarPurePursuit(), vec, 6, SeedTree(0))
        finally:
            vec.close()
        assert result.returns == [3.0] * 6, (obs_mode, result.returns)
        assert 250 < np.mean(result.lengths) < 400


def test_racecar_preset_defaults_to_the_scripted_expert(compose_cfg):
    cfg = compose_cfg("env=racecar")
    assert cfg.expert.name == "scripted_racecar" and cfg.env.kwargs.obs_mode == "pose"


def test_continuous_env_with_a_discrete_only_algo_is_refused(tmp_path):
    from tests.conftest import TINY, run_cli

    out = run_cli(
        tmp_path,
        *TINY,
        "env=racecar",
        "algo=gail_reinforce",
        "data.num_transitions=null",
        "data.num_episodes=2",
        "algo.policy._target_=gail_lab.rl.networks.categorical_policy",  # study notes' softmax MLP
    )
    assert out.returncode == 2
    assert (
        "algo=gail_reinforce drives ('discrete',) actions only; gail_lab/Racecar-v1 has continuous actions"
        in out.stdout + out.stderr
    )


def test_bad_racecar_kwarg_value_names_the_id():
    with pytest.raises(
        EnvError,
        match=r"env.kwargs: gail_lab/Racecar-v1 rejects \{'obs_mode': 'pixels'\}.*obs_mode",
    ):
        EnvFactory("gail_lab/Racecar-v1", kwargs={"obs_mode": "pixels"}, num_envs=1)


def test_racecar_evaluation_reports_outcomes_and_fidelity_to_the_expert(tmp_path):
    """The racecar preset names its position dims: evaluation drives the expert on the same seeds
    and reports the path distance, both lengths and how every episode ended."""
    import json

    from tests.conftest import run_cli

    out = run_cli(
        tmp_path,
        "experiment=racecar_bc",
        "algo.loop.budget.gradient_steps=200",
        "algo.loop.eval_every=200",
        "eval.episodes=3",
        "data.num_episodes=2",
        "logger=none",
        "progress=false",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads((tmp_path / "run" / "evaluate" / "eval.json").read_text())
    ref = report["expert_reference"]
    assert ref["outcome_counts"]["success"] == 3 and 250 < ref["length_mean"] < 350
    for mode in ("deterministic", "stochastic"):
        d = report[mode]
        assert sum(d["outcome_counts"].values()) == 3 and len(d["path_distances"]) == 3
        assert d["path_distance_mean"] >= 0
    summary = json.loads((tmp_path / "run" / "evaluate" / "summary.json").read_text())
    assert {"eval/failure_rate", "eval/timeout_rate", "eval/path_distance_mean"} <= set(summary)
