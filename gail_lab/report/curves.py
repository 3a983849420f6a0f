"""Learning curves of a report: each group's runs interpolated onto a common grid, with a
bootstrap band, and the report's PNG."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gail_lab.report.runs import Group, MetricSummary, Run
from gail_lab.report.stats import IQM_MIN_RUNS, STATISTICS, bootstrap_ci

DEFAULT_CURVE = "eval/return_mean"
GRID_POINTS = 100


@dataclass
class Curve:
    group: str
    x_label: str
    steps: np.ndarray  # the common grid
    center: np.ndarray  # mean, or IQM where n >= 5
    low: np.ndarray
    high: np.ndarray
    statistic: str
    n: int


def read_curve(path: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    steps, values = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            v = row.get(key)
            if isinstance(v, int | float) and math.isfinite(v) and "global_step" in row:
                steps.append(float(row["global_step"]))
                values.append(float(v))
    return np.asarray(steps), np.asarray(values)


def _x_label(run: Run) -> str:
    # Offline trainers (bc, gail_offline) step no env while training: their global_step counts
    # gradient steps (bc) or epochs (gail_offline), so they get an x-axis of their own.
    offline = run.results.get("imitate/env_steps", run.results.get("imitation_env_steps")) == 0
    return (
        "global_step of an offline learner (gradient steps or epochs)" if offline else "env steps"
    )


def group_curve(
    group: Group,
    key: str = DEFAULT_CURVE,
    points: int = GRID_POINTS,
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> Curve | None:
    """The group's runs interpolated onto one step grid (from the latest first point to the
    earliest last point, so no run is extrapolated), with the mean (IQM where n >= 5) and its
    bootstrap band at every grid point. None where no run logged ``key``."""
    curves = [read_curve(r.curve_file, key) for r in group.runs if r.curve_file is not None]
    curves = [(s, v) for s, v in curves if len(s)]
    if not curves:
        return None
    lo = max(s[0] for s, _ in curves)
    hi = min(s[-1] for s, _ in curves)
    grid = np.linspace(lo, hi, points) if hi > lo else np.asarray([hi])
    ys = np.stack([np.interp(grid, s, v) for s, v in curves])
    statistic = "iqm" if len(curves) >= IQM_MIN_RUNS else "mean"
    low, high = bootstrap_ci(ys, statistic, confidence, resamples, seed)
    return Curve(
        group.label,
        _x_label(group.runs[0]),
        grid,
        STATISTICS[statistic](ys, axis=0),
        low,
        high,
        statistic,
        len(curves),
    )


def plot_report(
    summaries: Sequence[MetricSummary],
    curves: Sequence[Curve],
    out_png: Path,
    curve_key: str = DEFAULT_CURVE,
    confidence: float = 0.95,
    title: str = "",
) -> Path:
    """Top: the first metric per group (IQM where n >= 5, else mean) with its interval. Below:
    learning curves with their bands, one panel per x-axis kind (env steps, gradient steps)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_kinds = sorted({c.x_label for c in curves})
    cols = max(1, len(x_kinds))
    labels = list(dict.fromkeys([s.group for s in summaries] + [c.group for c in curves]))
    # Past 10 groups the default cycle repeats colours: tab20 then, and past 20 numbers tell
    # them apart. Each group is numbered (#k) on the top panel's axis; with many groups the
    # curves' legend names the numbers only, not the whole overrides again.
    cmap = plt.get_cmap("tab20") if len(labels) > 10 else None
    colors = {g: (cmap(i % 20) if cmap else f"C{i}") for i, g in enumerate(labels)}
    number = {g: i + 1 for i, g in enumerate(labels)}
    short_legend = len(labels) > 6

    def wrap(label: str) -> str:
        return textwrap.fill(label, 40)

    # each row of the top panel tall enough for its wrapped label (0.17 in a line)
    lines = max((wrap(s.group).count("\n") + 1 for s in summaries), default=1)
    top = 0.9 + max(0.55, 0.17 * lines + 0.15) * len(summaries)
    fig = plt.figure(figsize=(6.5 * cols, top + 4.0))
    grid = fig.add_gridspec(2, cols, height_ratios=[top, 4.0])
    pct = f"{confidence * 100:g} %"

    ax = fig.add_subplot(grid[0, :])
    labels = []
    for i, s in enumerate(summaries):
        est, stat = (s.iqm, "IQM") if s.iqm else (s.mean, "mean")
        if est is None:
            continue
        err = [[est.value - est.low], [est.high - est.value]]
        ax.errorbar(est.value, i, xerr=err, fmt="o", color=colors[s.group], capsize=4)
        labels.append(
            ax.annotate(
                f"{stat} {est}, n={s.n}",
                (est.value, i),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
        )
    metric = summaries[0].metric if summaries else ""
    ax.set_yticks(
        range(len(summaries)),
        [f"#{number[s.group]} {wrap(s.group)}" for s in summaries],
        fontsize=8,
    )
    ax.set_ylim(len(summaries) - 0.2, -0.6)  # the first group on top
    ax.margins(x=0.1)
    lo, hi = ax.get_xlim()
    for label in labels:  # a label near an edge grows inwards, not over the tick labels
        at = (label.xy[0] - lo) / (hi - lo) if hi > lo else 0.5
        label.set_horizontalalignment("left" if at < 0.3 else "right" if at > 0.7 else "center")
    ax.set_title(f"final {metric}: IQM (mean where n < {IQM_MIN_RUNS}), {pct} CI", fontsize=10)
    ax.grid(alpha=0.3, axis="x")

    for col, kind in enumerate(x_kinds):
        ax = fig.add_subplot(grid[1, col])
        for c in (c for c in curves if c.x_label == kind):
            color = colors[c.group]
            name = (
                f"#{number[c.group]}" if short_legend else f"#{number[c.group]} {wrap(c.group)}\n"
            )
            ax.plot(c.steps, c.center, color=color, label=f"{name} ({c.statistic}, n={c.n})")
            ax.fill_between(c.steps, c.low, c.high, color=color, alpha=0.2, linewidth=0)
        ax.set_xlabel(kind)
        ax.set_ylabel(curve_key)
        ax.set_title(f"{curve_key}, {pct} bootstrap band", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2 if short_legend else 1)
    if title:
        fig.suptitle(title, fontsize=10)
    # leave the suptitle its own strip (~0.35 in) above the panels' titles
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()) if title else None)
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_png.with_name(f".{out_png.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(out_png)
    return out_png


# --------------------------------------------------------------------------- the report
