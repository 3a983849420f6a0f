"""Learning checks: GAIL must actually learn, not just run."""

import json

import pytest

from tests.conftest import run_cli


@pytest.mark.slow  # ~1 min of training; run by .ci/run
def test_gail_beats_random_on_cartpole_quickly(tmp_path):
    """GAIL + REINFORCE from scripted-expert demos on a small budget (100 iterations, lr 1e-3
    annealed; 500 on 6 of 6 seeds when measured): far above a random policy (~20)."""
    out = run_cli(
        tmp_path,
        "logger=none",
        "progress=false",
        "expert=scripted_cartpole",
        "data.num_transitions=20000",
        "algo.loop.budget.iterations=100",
        "optimizer.lr=1e-3",
        "algo.loop.eval_every=25",
        "eval.episodes=10",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "run" / "evaluate" / "eval.json").read_text())
    assert report["random_return_mean"] < 40
    assert report["deterministic"]["mean"] > 400, report
    assert report["stochastic"]["mean"] > 200, report
    assert report["normalized_score"] > 0.75


@pytest.mark.slow
def test_default_pipeline_reaches_expert_level(tmp_path):
    """What `make run` runs (DQN expert, 200k pairs, GAIL + REINFORCE): >= 475 over 10 episodes."""
    out = run_cli(tmp_path, "progress=false", "logger=none", timeout=1200)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["expert_return"] >= 475
    assert summary["imitation_return_mean"] >= 475, summary


def test_gail_ppo_runs_end_to_end(tmp_path):
    from tests.conftest import TINY

    out = run_cli(tmp_path, *TINY, "expert=scripted_cartpole", "algo=gail_ppo")
    assert out.returncode == 0, out.stderr
    rows = [
        json.loads(x)
        for x in (tmp_path / "run" / "imitate" / "metrics.jsonl").read_text().splitlines()
    ]
    assert {"losses/value_loss", "losses/approx_kl", "losses/clipfrac", "disc/acc_agent"} <= rows[
        -1
    ].keys()


@pytest.mark.slow
def test_gail_ppo_imitates_cartpole(tmp_path):
    """GAIL + PPO from scripted demos at the CartPole recipe (the default job: 50 iterations,
    absorbing states, logit reward, lr 1e-3): expert level, stochastic too (seed 0's record in
    the defaults suite: 500 / 500). A 60-iteration run at lr 3e-4 had passed here until the run's
    seed tree changed every stream; it then ended at 225 greedy on seed 0."""
    out = run_cli(
        tmp_path,
        "logger=none",
        "progress=false",
        "eval.control=false",
        "expert=scripted_cartpole",
        "algo=gail_ppo",
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "run" / "evaluate" / "eval.json").read_text())
    assert report["deterministic"]["mean"] >= 475 and report["stochastic"]["mean"] >= 400, report
