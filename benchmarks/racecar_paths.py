"""Top-down racecar figure: the scripted expert's paths against learned policies' paths on the same
seeded starts (greedy), one panel per benchmark row.

    .venv/bin/python -m benchmarks.racecar_paths --seed 0 --episodes 10 --out docs/img/racecar_paths.png
    .venv/bin/python -m benchmarks.racecar_paths --rows pure_dac pure_dac_random \
        --out docs/img/racecar_paths_dac.png

Reads the policies `python -m benchmarks.tables racecar` trained
(benchmarks/results/racecar/<row>/<seed>/imitate/policy.pt); rows not run yet are skipped. The
episodes are the reported evaluation seeds of that run seed (the same ones its eval.json scores),
driven again here.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from benchmarks import ROOT
from gail_lab.envs import EnvFactory
from gail_lab.envs.racecar import OBS_SIZES
from gail_lab.envs.track import plot_track
from gail_lab.experts.scripted import RacecarPurePursuit
from gail_lab.io import atomic_write_bytes
from gail_lab.rl.checkpoint import load_policy
from gail_lab.rl.evaluation import evaluate_policy
from gail_lab.seeding import SeedTree

PANELS = {
    "gail_ppo": "GAIL+PPO recipe (env reward x30 + BC)",
    "pure_gail_bc": "GAIL, no env reward (+ BC)",
    "pure_gail_bc_absorbing": "GAIL, no env reward (+ BC), absorbing states",
    "pure_gail": "pure GAIL (no env reward, no BC)",
    "no_disc": "no discriminator (env reward x30 + BC)",
    "bc": "BC",
    "random_data": "control: recipe on random data",
    "pure_dac": "DAC: pure GAIL, no env reward, no BC (rays observation)",
    "pure_dac_random": "control: DAC on random-policy data",
    "pure_dac_bc": "BC on DAC's observation (rays)",
    "pure_dac_pose": "ablation: DAC on the pose observation",
}
#: The env's obs_mode by observation size (every mode starts with x/15, y/15).
OBS_MODE_OF_SIZE = {size: mode for mode, size in OBS_SIZES.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks/results/racecar")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img/racecar_paths.png")
    parser.add_argument("--rows", nargs="+", choices=list(PANELS), default=list(PANELS))
    args = parser.parse_args()
    where = {"position_dims": [0, 1], "position_scale": 15.0}
    envs = {}

    def envs_for(obs_dim: int):
        mode = OBS_MODE_OF_SIZE[obs_dim]
        if mode not in envs:
            factory = EnvFactory("gail_lab/Racecar-v1", kwargs={"obs_mode": mode}, num_envs=4)
            envs[mode] = factory.make_vec()
        return envs[mode]

    expert = evaluate_policy(
        RacecarPurePursuit(), envs_for(6), args.episodes, SeedTree(args.seed), True, **where
    )
    found = {
        row: args.results / row / str(args.seed) / "imitate" / "policy.pt" for row in args.rows
    }
    found = {row: p for row, p in found.items() if p.is_file()}
    if not found:
        print(
            f"no trained policies under {args.results}: run python -m benchmarks.tables racecar first"
        )
        return 1
    from matplotlib.figure import Figure

    cols = 2
    rows = (len(found) + cols - 1) // cols
    fig = Figure(figsize=(7.5 * cols, 4.3 * rows), dpi=90)
    for k, (row, path) in enumerate(found.items()):
        policy, _ = load_policy(path)
        obs_dim = policy.init_kwargs["obs_dim"]
        res = evaluate_policy(
            policy, envs_for(obs_dim), args.episodes, SeedTree(args.seed), True, **where
        )
        res.compare_paths(expert)
        ax = fig.add_subplot(rows, cols, k + 1)
        plot_track(ax)
        for i, p in enumerate(expert.paths):
            ax.plot(*p.T, color="tab:blue", lw=1.0, alpha=0.6, label="expert" if i == 0 else None)
        for i, (p, outcome) in enumerate(zip(res.paths, res.outcomes, strict=True)):
            color = {"success": "tab:orange", "failure": "tab:red"}.get(outcome, "tab:purple")
            ax.plot(*p.T, color=color, lw=1.0, alpha=0.7, label="policy" if i == 0 else None)
        d = res.as_dict()
        ax.set_title(
            f"{PANELS[row]}\nseed {args.seed}: {d['success_rate'] * 100:.0f} % goal, "
            f"length {d['length_mean']:.0f} (expert {sum(expert.lengths) / len(expert.lengths):.0f}),"
            f" {d['path_distance_mean']:.2f} m from the expert's path",
            fontsize=9,
        )
        ax.legend(loc="lower right", fontsize=8)
    for v in envs.values():
        v.close()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write_bytes(args.out, buf.getvalue())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
