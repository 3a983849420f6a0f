"""task=evaluate: the report's fields, and the optional episode GIF."""

import json

from PIL import Image

from tests.conftest import run_cli


def test_evaluate_reports_success_rate_and_writes_a_gif(tmp_path):
    common = [
        "logger=none",
        "progress=false",
        "expert=scripted_cartpole",
        "eval.episodes=3",
        "env.num_envs=2",
        "env.max_episode_steps=60",
    ]
    assert run_cli(tmp_path, "task=train_expert", *common, run_dir="expert").returncode == 0
    out = run_cli(
        tmp_path,
        "task=evaluate",
        "eval.target=expert",
        "eval.video=true",
        "eval.video_max_frames=20",
        *common,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads((tmp_path / "run" / "eval.json").read_text())
    assert report["deterministic"]["mean"] == 60.0
    assert report["success_rate"] is None  # CartPole does not report is_success
    gif = Image.open(tmp_path / "run" / "episode.gif")
    # 61 frames, every 4th kept (Pillow merges identical consecutive frames)
    assert 2 <= gif.n_frames <= 16 and gif.size[0] > 100


def test_eval_variants_score_the_policy_under_other_env_kwargs(tmp_path):
    """env.eval_variants: extra final evaluations under other env kwargs (here a 30-step
    limit), on the same seeds, with the expert's own episodes there, in eval.json and the
    summary; a kwarg the env does not take fails before anything runs."""
    common = ["logger=none", "progress=false", "expert=scripted_cartpole", "eval.episodes=3"]
    variant = "+env.eval_variants.short={max_episode_steps: 30}"
    assert run_cli(tmp_path, "task=train_expert", *common, run_dir="expert").returncode == 0
    out = run_cli(tmp_path, "task=evaluate", "eval.target=expert", variant, *common)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads((tmp_path / "run" / "eval.json").read_text())
    assert report["deterministic"]["mean"] == 500.0
    short = report["variants"]["short"]
    assert short["return_mean"] == short["expert_return_mean"] == 30.0
    assert short["env_kwargs"] == {"max_episode_steps": 30}
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["eval/short/return_mean_stochastic"] == 30.0
    assert "short (max_episode_steps=30): 30.0 (deterministic)" in out.stdout

    bad = run_cli(
        tmp_path,
        "task=evaluate",
        "eval.target=expert",
        *common,
        "+env.eval_variants.x={no_such_kwarg: 1}",
        run_dir="bad",
    )
    assert bad.returncode != 0
    assert (
        "env.eval_variants.x" in bad.stderr + bad.stdout
        and "no_such_kwarg" in bad.stderr + bad.stdout
    )


def test_first_training_evaluation_reaching_the_target_score(tmp_path):
    """The summary's steps to target: the first training evaluation whose normalized score
    reaches eval.target_score (0.95 by default, 0.9 in the MuJoCo suite)."""
    from gail_lab.tasks.pipeline import first_reaching

    metrics = tmp_path / "metrics.jsonl"
    rows = [
        {"global_step": 100, "time": 1.0, "losses/x": 0.0},
        {"global_step": 200, "time": 2.0, "eval/return_mean": 80.0},  # score 0.8
        {"global_step": 300, "time": 3.0, "eval/return_mean": 92.0},  # 0.92
        {"global_step": 400, "time": 4.0, "eval/return_mean": 97.0},  # 0.97
    ]
    metrics.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert first_reaching(metrics, 0.0, 100.0, 0.95) == {
        "to_target_step": 400,
        "to_target_time_s": 4.0,
    }
    assert first_reaching(metrics, 0.0, 100.0, 0.9) == {
        "to_target_step": 300,
        "to_target_time_s": 3.0,
    }
    assert first_reaching(metrics, 0.0, 100.0, 0.99)["to_target_step"] is None
    assert first_reaching(tmp_path / "missing.jsonl", 0.0, 100.0, 0.95)["to_target_step"] is None


def test_last_training_evaluations_average_beside_the_final_score(tmp_path):
    """The summary's last_evals_*: the mean over the last k training evaluations, so a run that
    stopped at a lucky (or unlucky) point of a swinging curve shows it."""
    from gail_lab.tasks.pipeline import last_evaluations

    metrics = tmp_path / "metrics.jsonl"
    rows = [{"global_step": 100, "losses/x": 0.0}] + [
        {"global_step": 100 * i, "eval/return_mean": r, "eval/success_rate": s}
        for i, (r, s) in enumerate([(0.0, 0.0), (100.0, 1.0), (50.0, 0.5), (100.0, 1.0)], 2)
    ]
    metrics.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # 4 evaluations: at most the last quarter of them, the last one
    got = last_evaluations(metrics, 0.0, 100.0, k=3)
    assert got == {"last_evals_score": 1.0, "last_evals_success_rate": 1.0, "last_evals_count": 1}
    metrics.write_text("".join(json.dumps(r) + "\n" for r in rows + rows[1:] + rows[1:]))
    got = last_evaluations(metrics, 0.0, 100.0, k=3)  # 13 evaluations: the last 3
    assert got["last_evals_count"] == 3 and got["last_evals_score"] == 2.5 / 3
    assert last_evaluations(tmp_path / "missing.jsonl", 0.0, 100.0) == {"last_evals_score": None}
