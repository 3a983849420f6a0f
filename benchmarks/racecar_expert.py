"""Benchmark: the scripted racecar expert on N seeded episodes (success rate, episode length,
closest approach to a wall, wall time), and the README's racecar figures (top-down track with
expert trajectories, a top-down and a chase frame rendered headless, a chase-view GIF).

    .venv/bin/python -m benchmarks.racecar_expert --episodes 100 --figures docs/img
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import gail_lab.envs  # noqa: F401  (registers gail_lab/Racecar-v1)
from gail_lab.envs.racecar import POSITION_SCALE
from gail_lab.envs.track import distance_to_walls, plot_track, save_video
from gail_lab.experts.scripted import RacecarPurePursuit
from gail_lab.seeding import SeedTree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--figures", type=Path, default=None, help="folder for the PNGs (and GIF)")
    args = ap.parse_args()
    expert = RacecarPurePursuit()

    # success / length / wall clearance, with the same seeded episodes as task=evaluate (seed 0)
    env = gym.make("gail_lab/Racecar-v1", obs_mode="pose")
    t0 = time.time()
    successes, lengths, clearance, trajectories = 0, [], [], []
    for ep_seed in SeedTree(0).integers("evaluation", args.episodes):
        obs, _ = env.reset(seed=ep_seed)
        xy, done, info = [obs[:2] * POSITION_SCALE], False, {}
        while not done:
            obs, _, terminated, truncated, info = env.step(expert.act(obs[None])[0])
            xy.append(obs[:2] * POSITION_SCALE)
            done = terminated or truncated
        successes += bool(info["is_success"])
        lengths.append(len(xy) - 1)
        path = np.array(xy)
        clearance.append(min(distance_to_walls(x, y) for x, y in path))
        trajectories.append(path)
    wall = time.time() - t0
    env.close()
    steps = sum(lengths)
    print(
        f"scripted_racecar: goal reached in {successes}/{args.episodes} seeded episodes; "
        f"length {np.mean(lengths):.1f} +- {np.std(lengths):.1f} steps; closest approach of the "
        f"car's base to a wall centreline {min(clearance):.2f} m (5th percentile "
        f"{np.percentile(clearance, 5):.2f} m); {steps} steps in {wall:.1f} s ({steps / wall:,.0f} steps/s "
        "including the expert)"
    )

    if args.figures is None:
        return
    args.figures.mkdir(parents=True, exist_ok=True)
    plot_track(
        trajectories=trajectories[:5],
        labels=[f"scripted expert, episode {k}" for k in range(5)],
        out_png=args.figures / "racecar_track.png",
    )
    frames = {}
    for view in ("top", "chase"):
        env = gym.make(
            "gail_lab/Racecar-v1", obs_mode="pose", render_mode="rgb_array", render_view=view
        )
        obs, _ = env.reset(seed=0)
        shots = []
        for t in range(330):
            obs, _, terminated, truncated, _ = env.step(expert.act(obs[None])[0])
            if t % 3 == 0 or t == 120:
                shots.append(env.render())
            if t == 120:
                frames[view] = shots[-1]
            if terminated or truncated:
                break
        env.close()
        if view == "chase":
            save_video(shots, args.figures / "racecar_chase.gif", fps=20)
    from PIL import Image

    for view, frame in frames.items():
        Image.fromarray(frame).save(args.figures / f"racecar_{view}.png")
    print(f"figures written to {args.figures}")


if __name__ == "__main__":
    main()
