"""Learning curves of the classic-control table: normalized greedy return of the training
evaluations against env steps, mean over seeds with the range of the seeds shaded, one panel per
env and number of trajectories, one line per algorithm and random-data control.

    .venv/bin/python -m benchmarks.classic_curves --out docs/img/classic_curves.png   (the whole-trajectory suite)

Reads the runs `python -m benchmarks.tables classic` wrote (benchmarks/results/classic/<row>/<seed>/:
imitate/metrics.jsonl for the curve, summary.json for the expert's and a random policy's return
that normalize it). BC has no env-step axis (it never acts) and is drawn as its final score, a
dotted horizontal line. Rows or seeds not run are left out.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np

from benchmarks import ROOT, measurements
from benchmarks.suite_tables import CLASSIC_ENVS, CLASSIC_SIZES
from gail_lab.io import atomic_write_bytes


def with_controls(lines: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str, str]]:
    """Row name template -> (label, colour, style): each row solid, and its random-data control
    (benchmarks/suites/classic*.yaml name it `<row>_random`) dashed in the same colour."""
    out = {}
    for template, (label, colour) in lines.items():
        out[template] = (label, colour, "-")
        out[f"{template}_random"] = (f"{label}, random data", colour, "--")
    return out


# --suite classic: the rows of benchmarks/suites/classic.yaml
LINES = with_controls(
    {"{env}_gail_ppo_{n}": ("gail_ppo", "tab:blue"), "{env}_airl_{n}": ("airl", "tab:orange")}
)
# --suite classic_fix: the rows of benchmarks/suites/classic_fix.yaml
FIX_LINES = with_controls(
    {
        "{env}_airl_log_d_{n}": ("airl, log D", "tab:orange"),
        "{env}_airl_d32_it200_{n}": ("airl, 32 D steps, 200 it.", "tab:orange"),
        "{env}_gp_{n}": ("gail_ppo + GP 10", "tab:blue"),
        "{env}_gp_bc_{n}": ("gail_ppo + GP 10 + BC", "tab:purple"),
        "{env}_gp_it200_{n}": ("gail_ppo + GP 10, 200 it.", "tab:red"),
        "{env}_gp_bc_it200_{n}": ("gail_ppo + GP 10 + BC, 200 it.", "tab:olive"),
        "{env}_it200_{n}": ("gail_ppo, 200 it.", "tab:blue"),
        "{env}_absorbing_it100_{n}": ("gail_ppo + absorbing, 100 it.", "tab:purple"),
        "{env}_absorbing_it200_{n}": ("gail_ppo + absorbing, 200 it.", "tab:brown"),
    }
)
# --suite classic_sub: benchmarks/suites/classic_sub.yaml (Acrobot, every 20th transition)
SUB_ENVS = ("acrobot",)
SUB_LINES = with_controls(
    {
        "{env}_gail_ppo_{n}": ("gail_ppo", "tab:blue"),
        "{env}_absorbing_{n}": ("gail_ppo + absorbing", "tab:red"),
        "{env}_absorbing_it100_{n}": ("gail_ppo + absorbing, 100 it.", "tab:purple"),
        "{env}_absorbing_it200_{n}": ("gail_ppo + absorbing, 200 it.", "tab:brown"),
    }
)
SUITE_LINES = {
    "classic": (CLASSIC_ENVS, LINES),
    "classic_fix": (CLASSIC_ENVS, FIX_LINES),
    "classic_sub": (SUB_ENVS, SUB_LINES),
}


def normalized_curve(run: Path) -> tuple[np.ndarray, np.ndarray] | None:
    summary, metrics = run / "summary.json", run / "imitate" / "metrics.jsonl"
    if not (summary.is_file() and metrics.is_file()):
        return None
    s = json.loads(summary.read_text())
    lo, hi = s["random_return"], s["expert_return"]
    steps, returns = measurements.eval_curve(metrics)
    scores = [(r - lo) / (hi - lo) for r in returns]
    return (np.asarray(steps, float), np.asarray(scores, float)) if steps else None


def mean_curve(curves: list[tuple[np.ndarray, np.ndarray]]):
    """Each seed's curve interpolated on a shared step grid (the seeds' evaluations fall at
    slightly different env steps: episodes are completed), then mean and range over seeds."""
    end = min(c[0][-1] for c in curves)
    grid = np.linspace(max(c[0][0] for c in curves), end, 50)
    ys = np.stack([np.interp(grid, x, y) for x, y in curves])
    return grid, ys.mean(0), ys.min(0), ys.max(0)


def final_score(run: Path) -> float | None:
    summary = run / "summary.json"
    return json.loads(summary.read_text())["normalized_score"] if summary.is_file() else None


def seeds_label(label: str, seeds: int) -> str:
    return label if seeds == 5 else f"{label} ({seeds} seeds)"


def row_legend(axes, order: list[str]) -> None:
    """One legend per env, right of its last panel: every line drawn in the env's panels once,
    in `order` (the suite's line labels: each row followed by its control); a panel's own legend
    hid its curves once a row had 8 lines."""
    seen = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    rank = {label: k for k, label in enumerate(order)}
    labels = sorted(seen, key=lambda label: rank.get(label.split(" (")[0], len(rank)))
    if labels:
        axes[-1].legend(
            [seen[x] for x in labels],
            labels,
            fontsize=7,
            loc="upper left",
            bbox_to_anchor=(1.02, 1),
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", choices=sorted(SUITE_LINES), default="classic")
    ap.add_argument("--results", type=Path, help="default: benchmarks/results/<suite>")
    ap.add_argument("--out", type=Path, help="default: docs/img/<suite>_curves.png")
    args = ap.parse_args()
    envs, lines = SUITE_LINES[args.suite]
    args.results = args.results or ROOT / "benchmarks" / "results" / args.suite
    args.out = args.out or ROOT / "docs" / "img" / f"{args.suite}_curves.png"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(envs), len(CLASSIC_SIZES), figsize=(13, 3.2 * len(envs)), sharey=True, squeeze=False
    )
    for i, env in enumerate(envs):
        for j, n in enumerate(CLASSIC_SIZES):
            ax = axes[i, j]
            for name, (label, colour, style) in lines.items():
                row = args.results / name.format(env=env, n=n)
                curves = [c for run in sorted(row.glob("[0-9]*")) if (c := normalized_curve(run))]
                if not curves:
                    continue
                x, mean, low, high = mean_curve(curves)
                ax.plot(x, mean, style, color=colour, label=seeds_label(label, len(curves)))
                ax.fill_between(x, low, high, color=colour, alpha=0.12)
            bc = [
                s
                for run in sorted((args.results / f"{env}_bc_{n}").glob("[0-9]*"))
                if (s := final_score(run)) is not None
            ]
            if bc:
                ax.axhline(
                    np.mean(bc), color="tab:green", ls=":", label=seeds_label("bc, final", len(bc))
                )
            ax.axhline(1.0, color="grey", lw=0.8)
            ax.axhline(0.95, color="grey", lw=0.6, ls="--")
            ax.set_title(f"{env}, {n} expert traj.", fontsize=10)
            ax.set_ylim(-0.3, 1.15)
            if i == len(envs) - 1:
                ax.set_xlabel("env steps")
            if j == 0:
                ax.set_ylabel("normalized greedy return")
            ax.tick_params(labelsize=8)
            if not ax.get_lines()[:-2]:  # only the two grey reference lines
                ax.text(0.5, 0.5, "no rows here", ha="center", transform=ax.transAxes, fontsize=9)
        row_legend(axes[i], [label for label, _, _ in lines.values()])
    fig.suptitle(
        f"{args.suite}: training evaluations (10 greedy episodes), mean over 5 seeds unless noted,"
        " seed range shaded; grey: expert (1) and 0.95",
        fontsize=10,
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    atomic_write_bytes(args.out, buf.getvalue())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
