"""Figure: greedy evaluation return vs env steps of every expert run under
benchmarks/results/experts/<env>__<expert>__<seed>/ (written by `python -m benchmarks.experts`),
one panel per env/expert, one line per seed.

    .venv/bin/python -m benchmarks.plot_experts --out docs/img/experts.png
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import matplotlib

from benchmarks import ROOT, measurements

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=ROOT / "benchmarks" / "results" / "experts")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "experts.png")
    ap.add_argument(
        "--targets",
        nargs="*",
        default=["pendulum=-200", "mountaincar=-110", "acrobot=-100", "cartpole=475"],
        help="env=threshold lines to draw",
    )
    args = ap.parse_args()
    targets = dict(t.split("=") for t in args.targets)
    groups: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for metrics in sorted(args.runs.glob("*__*__*/metrics.jsonl")):
        env, expert, seed = metrics.parent.name.split("__")
        groups[f"{env}__{expert}"].append((seed, metrics))
    if not groups:
        raise SystemExit(f"no runs under {args.runs}: run python -m benchmarks.experts first")
    cols = min(2, len(groups))
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.8 * rows), squeeze=False)
    for ax in axes.flat[len(groups) :]:
        ax.set_visible(False)
    for ax, (name, runs) in zip(axes.flat, sorted(groups.items()), strict=False):
        env, expert = name.split("__")
        for seed, path in runs:
            ax.plot(*measurements.eval_curve(path), marker=".", lw=1, label=f"seed {seed}")
        if env in targets:
            ax.axhline(float(targets[env]), color="k", ls="--", lw=0.8, label="target")
        ax.set(
            title=f"{env}: expert={expert}",
            xlabel="env steps",
            ylabel="greedy eval return (training stream)",
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
