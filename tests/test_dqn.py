"""DQN: the linear epsilon schedule, the step-based options, the CartPole recipe's cache paths, and
a tiny MountainCar expert run through the CLI."""

import functools
import json

import pytest
import torch

from gail_lab.envs import EnvFactory
from gail_lab.rl.dqn import DQN, DQNAgent, linear_epsilon
from gail_lab.rl.networks import QPolicy
from gail_lab.seeding import SeedTree
from gail_lab.tasks.context import RunContext, build
from tests.conftest import make_loop, read_jsonl, run_cli


def test_linear_epsilon_by_hand():
    # rl-baselines3-zoo's MountainCar numbers: 1.0 -> 0.07 over 0.2 * 120k = 24k steps
    assert linear_epsilon(0, 1.0, 0.07, 24_000) == 1.0
    assert linear_epsilon(6_000, 1.0, 0.07, 24_000) == pytest.approx(1.0 - 0.93 / 4)
    assert linear_epsilon(12_000, 1.0, 0.07, 24_000) == pytest.approx(0.535)
    assert linear_epsilon(24_000, 1.0, 0.07, 24_000) == pytest.approx(0.07)
    assert linear_epsilon(100_000, 1.0, 0.07, 24_000) == pytest.approx(0.07)


class Recorder:
    def __init__(self) -> None:
        self.rows: list[tuple[int, dict]] = []

    def log(self, metrics: dict, step: int) -> None:
        self.rows.append((step, metrics))


def test_step_based_options_schedule_updates_and_evaluations():
    factory = EnvFactory("MountainCar-v0", num_envs=2)
    torch.manual_seed(0)
    dqn = DQN(
        QPolicy(factory.obs_dim, factory.n_actions, [16]),
        functools.partial(torch.optim.Adam, lr=1e-3),
        gamma=0.98,
        batch_size=32,
        buffer_size=1000,
        learning_starts=100,
        eps_start=1.0,
        eps_decay=1.0,
        eps_min=0.1,
        target_update_episodes=None,
        eps_schedule="linear",
        eps_fraction=0.5,
        target_update_steps=50,
        train_freq=16,
        gradient_steps=3,
        total_steps=500,
        loss="mse",
        max_grad_norm=None,
    )
    calls = {"grad": 0, "sync": 0}
    step, sync = dqn._gradient_step, dqn.target.load_state_dict

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    dqn._gradient_step, dqn.target.load_state_dict = counted("grad", step), counted("sync", sync)
    logger = Recorder()
    loop = make_loop(
        budget={"env_steps": 500},
        eval_every=300,
        eval_unit="env_steps",
        eval_episodes=2,
        keep_best=True,
        snapshot_before_iterations=False,
    )
    result = loop.run(DQNAgent(dqn), factory, seeds=SeedTree(0), logger=logger, progress=False)
    assert result.env_steps == 500 and result.episodes == 3  # 200 + 200 + 100 (cut at the budget)
    # steps 112, 128, ..., 496 (>= learning_starts, multiples of train_freq): 25 rounds of 3
    assert calls == {"grad": 25 * 3, "sync": 500 // 50}
    # epsilon at each episode's last step, from the schedule over 0.5 * 500 steps
    steps = [s for s, _ in logger.rows]
    assert steps == [200, 400, 500]
    for s, metrics in logger.rows:
        assert metrics["charts/epsilon"] == pytest.approx(linear_epsilon(s - 1, 1.0, 0.1, 250))
    # evaluations at the end of the episode crossing 300 steps, and at the end of the budget
    assert [s for s, m in logger.rows if "eval/return_mean" in m] == [400, 500]
    assert result.best_step in (400, 500)


def test_the_cache_key_is_the_version_and_the_resolved_expert_and_data_nodes(
    compose_cfg, tmp_path, monkeypatch
):
    """Any setting of the expert or of how the data are made moves its artifacts; settings that
    only choose from a dataset do not; bumping ARTIFACT_VERSION moves them all."""
    from gail_lab.tasks import context

    def paths(*overrides):
        cfg = compose_cfg("env=cartpole", "expert=dqn", *overrides)
        ctx = RunContext(cfg=cfg, run_dir=tmp_path, factory=build(cfg.env), device="cpu")
        return ctx.expert_path.parent.name, ctx.cached_dataset_path.name

    base = paths()
    assert paths("expert.learner.train_freq=4")[0] != base[0]  # a new expert ...
    assert paths("expert.learner.train_freq=4")[1] != base[1]  # ... and so its data
    assert paths("data.num_episodes=7") == (base[0], paths("data.num_episodes=7")[1])
    assert paths("data.num_episodes=7")[1] != base[1]
    assert paths("data.use_episodes=1", "data.subsample_every=20") == base  # chooses from it
    monkeypatch.setattr(context, "ARTIFACT_VERSION", context.ARTIFACT_VERSION + 1)
    assert all(a != b for a, b in zip(paths(), base, strict=True))


def test_mountaincar_preset_trains_its_dqn_expert(tmp_path):
    out = run_cli(
        tmp_path,
        "task=train_expert",
        "env=mountaincar",
        "logger=none",
        "progress=false",
        "env.num_envs=2",
        "eval.episodes=2",
        "expert.loop.budget.env_steps=400",
        "expert.learner.learning_starts=100",
        "expert.loop.eval_every=200",
        "expert.loop.eval_episodes=2",
    )
    assert out.returncode == 0, out.stderr
    experts = list((tmp_path / "artifacts" / "experts").glob("mountaincar__dqn_mountaincar__s0__*"))
    assert len(experts) == 1 and (experts[0] / "expert.pt").is_file()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["expert/env_steps"] == 400 and summary["expert/episodes"] == 2
    rows = read_jsonl(tmp_path / "run" / "metrics.jsonl")
    evals = [r["global_step"] for r in rows if "eval/return_mean" in r]
    assert evals == [200, 400]


def test_bad_mountaincar_option_fails_before_any_work(tmp_path):
    out = run_cli(tmp_path, "task=train_expert", "env=mountaincar", "expert.learner.eps_fraction=0")
    text = out.stdout + out.stderr
    assert (
        out.returncode != 0 and "expert.learner.eps_fraction: must be in (0, 1] (got 0" in text
    ), text
    assert "Traceback" not in text and not (tmp_path / "artifacts").exists()
