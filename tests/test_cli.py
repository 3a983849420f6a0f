"""End-to-end runs of the real entrypoint on tiny budgets: every task, bad input, determinism."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT, TINY, TINY_DQN, read_jsonl, run_cli

SCRIPTED = [*TINY, "expert=scripted_cartpole"]


def test_cfg_job_prints_the_composed_config(tmp_path):
    out = run_cli(tmp_path, "--cfg", "job", "env=cartpole", "algo=gail_reinforce")
    assert out.returncode == 0, out.stderr
    assert (
        "id: CartPole-v1" in out.stdout
        and "name: gail_reinforce" in out.stdout
        and "reward_form: gail" in out.stdout
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["algo=gial"], "Could not find 'algo/gial'"),
        (["algo.algorithm.bogus=1"], "Key 'bogus' not in 'GAILConfig'"),
        (["optimizer.lr=fast"], "full_key: optimizer.lr"),
        (["optimizer.lr=-0.001"], "optimizer.lr: must be > 0 (got -0.001)"),
        (["env.id=CartPole-v9"], "unknown gymnasium id 'CartPole-v9'. Did you mean CartPole-v1"),
        (["task=imitate"], "no demonstrations dataset at"),
        (["task=collect"], "no expert for this config at"),
        (["task=evaluate"], "eval.checkpoint is null and the run dir holds no policy.pt"),
    ],
)
def test_bad_input_fails_fast_with_one_message(tmp_path, overrides, message):
    out = run_cli(tmp_path, *TINY, *overrides)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert message in text, text
    assert "Traceback" not in text
    assert not (tmp_path / "artifacts").exists()  # nothing half-made


def test_imitate_without_dataset_says_how_to_make_one(tmp_path):
    out = run_cli(tmp_path, *TINY, "task=imitate", "seed=3")
    assert (
        "python run.py task=collect env=cartpole expert=scripted_cartpole seed=3"
        in out.stdout + out.stderr
    )


@pytest.mark.slow  # five CLI runs (~45 s); run by .ci/run
def test_every_task_end_to_end(tmp_path):
    """train_expert -> collect -> imitate -> evaluate as separate commands, then the pipeline reusing them."""
    dqn = TINY_DQN
    out = run_cli(tmp_path, *dqn, "task=train_expert", run_dir="expert")
    assert out.returncode == 0, out.stderr
    experts = list((tmp_path / "artifacts" / "experts").glob("cartpole__dqn__s0__*/expert.pt"))
    assert len(experts) == 1 and (experts[0].parent / "config.yaml").is_file()
    assert (tmp_path / "expert" / "curves.png").is_file()

    # a 20-episode DQN is weak: collection refuses it unless told
    out = run_cli(tmp_path, *dqn, "task=collect", run_dir="collect_refused")
    assert out.returncode == 2 and "below env.expert_min_return=475" in out.stdout + out.stderr
    out = run_cli(tmp_path, *dqn, "task=collect", "data.allow_weak_expert=true", run_dir="collect")
    assert out.returncode == 0, out.stderr
    datasets = list((tmp_path / "artifacts" / "datasets").glob("cartpole__dqn__s0__*.npz"))
    assert len(datasets) == 1

    out = run_cli(tmp_path, *dqn, "task=imitate", run_dir="imitate")
    assert out.returncode == 0, out.stderr
    policy = tmp_path / "imitate" / "policy.pt"
    assert policy.is_file() and (tmp_path / "imitate" / "curves.png").is_file()
    rows = read_jsonl(tmp_path / "imitate" / "metrics.jsonl")
    assert (
        len(rows) == 3
        and {"disc/acc_expert", "disc/acc_agent", "losses/policy_loss", "charts/episodic_return"}
        <= rows[0].keys()
    )
    assert rows[-1]["global_step"] > rows[0]["global_step"] >= 256

    out = run_cli(tmp_path, *dqn, "task=evaluate", f"eval.checkpoint={policy}", run_dir="evaluate")
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "evaluate" / "eval.json").read_text())
    assert report["episodes"] == 3 and len(report["deterministic"]["returns"]) == 3
    assert np.isfinite(report["normalized_score"])

    out = run_cli(tmp_path, *dqn, "task=evaluate", "eval.target=expert", run_dir="evaluate_expert")
    assert out.returncode == 0, out.stderr

    # the pipeline reuses the cached expert and dataset
    out = run_cli(
        tmp_path, *dqn, "task=pipeline", "data.allow_weak_expert=true", run_dir="pipeline"
    )
    assert out.returncode == 0, out.stderr
    assert (
        "expert: reusing" in out.stdout + out.stderr
        and "dataset: reusing" in out.stdout + out.stderr
    )
    summary = json.loads((tmp_path / "pipeline" / "summary.json").read_text())
    assert set(summary["wall_time_s"]) == {"train_expert", "collect", "imitate", "evaluate"}
    assert np.isfinite(summary["normalized_score_stochastic"])  # beside the greedy headline
    assert "normalized score" in out.stdout + out.stderr
    # the code that made the result: this checkout's commit (and whether it had local changes)
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert summary["code"]["commit"] == head and isinstance(summary["code"]["dirty"], bool)


def test_same_seed_same_numbers(tmp_path):
    def metrics(run_dir):
        out = run_cli(
            tmp_path, *SCRIPTED, "task=pipeline", "reuse_artifacts=false", run_dir=run_dir
        )
        assert out.returncode == 0, out.stderr
        rows = read_jsonl(tmp_path / run_dir / "imitate" / "metrics.jsonl")
        return [
            {k: v for k, v in r.items() if k not in ("time", "charts/SPS")} for r in rows
        ], json.loads((tmp_path / run_dir / "evaluate" / "eval.json").read_text())

    a, b = metrics("a"), metrics("b")
    assert a == b
    c = run_cli(tmp_path, *SCRIPTED, "task=pipeline", "seed=1", run_dir="c")
    assert c.returncode == 0
    assert (
        read_jsonl(tmp_path / "c" / "imitate" / "metrics.jsonl")[0]["disc/loss"]
        != a[0][0]["disc/loss"]
    )


def test_multirun_sweeps_seeds(tmp_path):
    out = run_cli(
        tmp_path,
        "--multirun",
        *SCRIPTED,
        "task=pipeline",
        "seed=0,1",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert out.returncode == 0, out.stderr
    summaries = sorted((tmp_path / "sweep").glob("*/summary.json"))
    assert [json.loads(p.read_text())["seed"] for p in summaries] == [0, 1]


@pytest.mark.slow  # two pipeline processes (~14 s); run by .ci/run
def test_scripted_expert_is_reused_from_the_cache_by_another_process(tmp_path):
    out = run_cli(tmp_path, *SCRIPTED, "task=train_expert", run_dir="a")
    assert out.returncode == 0, out.stderr
    out = run_cli(tmp_path, *SCRIPTED, "task=collect", run_dir="b")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "collected" in out.stdout + out.stderr


def test_observation_normalization_option(tmp_path):
    out = run_cli(tmp_path, *SCRIPTED, "task=pipeline", "env.normalize_obs=true")
    assert out.returncode == 0, out.stderr
    from gail_lab.rl.checkpoint import load_policy

    policy, _ = load_policy(tmp_path / "run" / "imitate" / "policy.pt")
    assert policy.obs_norm.count.item() >= 3 * 256  # statistics came from the rollouts
    datasets = list((tmp_path / "artifacts" / "datasets").glob("*.npz"))
    from gail_lab.data import Demonstrations

    raw = Demonstrations.load(datasets[0]).observations
    assert abs(raw[:, 2]).max() < 0.5 and abs(raw[:, 1]).max() > 0.01  # raw, not standardized


@pytest.mark.slow  # three collections and an imitation (~24 s); run by .ci/run
def test_noisy_dataset_is_cached_apart_and_subsampling_applies(tmp_path):
    out = run_cli(tmp_path, *SCRIPTED, "task=pipeline", run_dir="clean")
    assert out.returncode == 0, out.stderr
    out = run_cli(
        tmp_path,
        *SCRIPTED,
        "task=pipeline",
        "data.noise_scale=0.2",
        "data.label=clean",
        "data.use_episodes=2",
        "data.subsample_every=20",
        run_dir="dart",
    )
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "artifacts" / "datasets").glob("*.npz"))) == 2
    assert "using 50 transitions of 2 episodes" in out.stdout + out.stderr
    from gail_lab.rl.checkpoint import load_policy

    _, meta = load_policy(tmp_path / "dart" / "imitate" / "policy.pt")
    assert meta["dataset"]["num_transitions"] == 50 and meta["dataset"]["num_episodes"] == 2


def test_help_names_the_groups_and_prints_the_config_composed_with_the_overrides(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--help", "env=pendulum", "algo=dac"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Config groups" in out.stdout and "gail_ppo, gail_reinforce" in out.stdout
    assert "composed config (env=pendulum algo=dac)" in out.stdout
    assert "_target_: gail_lab.imitation.dac.DAC" in out.stdout  # the config, as composed
