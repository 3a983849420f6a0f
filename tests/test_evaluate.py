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
